"""The API server's clock, learned from the Date header of its answers.

A pause ends, and a Lease expires, at a time every operator agrees on: the API
server's. Each process keeps the offset between the server's time and a local clock
whose readings it never trusts, only its rate, and refreshes it from every response.
The Date header has one-second resolution: each answer bounds the offset from both
sides (the server stamped it somewhere between our send and our receive, within the
second it names), and the bounds of many answers narrow to the round trip.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import threading
import time
from collections.abc import Callable


class ServerClock:
    def __init__(self, local: Callable[[], float] = time.monotonic) -> None:
        # Any local clock: its reading is corrected by the offset, only its rate counts.
        self.local = local
        self._low: float | None = None  # server time - local time lies in [low, high]
        self._high: float | None = None
        self._lock = threading.Lock()

    @property
    def known(self) -> bool:
        return self._low is not None

    def observe(self, date: str | None, sent: float, received: float) -> None:
        """One answer: its Date header, and the local times of our request and its reply."""
        if not date:
            return
        try:
            stamp = email.utils.parsedate_to_datetime(date).timestamp()
        except (TypeError, ValueError, IndexError):
            return
        low, high = stamp - received, stamp + 1 - sent
        with self._lock:
            if self._low is None or self._high is None or low > self._high or high < self._low:
                # The first answer, or one that contradicts the others: the server's clock
                # was set, or the local one jumped. Start again from this answer.
                self._low, self._high = low, high
            else:
                self._low, self._high = max(self._low, low), min(self._high, high)

    def offset(self) -> float:
        """Server time minus local time, in seconds (the middle of what answers allow)."""
        with self._lock:
            if self._low is None or self._high is None:
                # No answer yet: the wall clock is the best guess there is.
                return time.time() - self.local()
            return (self._low + self._high) / 2

    def time(self) -> float:
        """The server's time now, seconds since the epoch."""
        return self.local() + self.offset()

    def now(self) -> dt.datetime:
        """The server's time now, to the second, in UTC."""
        return dt.datetime.fromtimestamp(self.time(), dt.UTC).replace(microsecond=0)

    def precise(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.time(), dt.UTC)


_attach = threading.Lock()


def clock_of(api) -> ServerClock:
    """The clock of the API server this client talks to (one per client)."""
    clock = getattr(api, "_gitops_server_clock", None)
    if clock is None:
        with _attach:
            clock = getattr(api, "_gitops_server_clock", None) or ServerClock()
            api._gitops_server_clock = clock
    return clock


def use_clock(api, clock: ServerClock) -> ServerClock:
    """Make this client use the given clock (a local clock of a test's choosing)."""
    api._gitops_server_clock = clock
    return clock
