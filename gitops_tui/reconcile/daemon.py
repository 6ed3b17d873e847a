"""The headless reconciler: `gitops-tui reconcile`, and the TUI's background poller."""

from __future__ import annotations

import logging
import signal
import threading
import time
from dataclasses import dataclass, field

from gitops_tui.errors import GitOpsError, one_line
from gitops_tui.redact import redact

log = logging.getLogger(__name__)


class Poller:
    """Fetch on an interval (or now, on request) and auto-sync as the leader."""

    def __init__(self, service, interval: float, on_error=None) -> None:
        self.service = service
        self.interval = interval
        self.on_error = on_error or (lambda msg: log.warning("%s", msg))
        self.wake = threading.Event()
        self.stopped = threading.Event()
        self.last_fetch_error = ""
        self.discovery_errors: list[str] = []  # as last reported
        self.last_fetch_at: float | None = None  # time.time() of the last good fetch
        self.fetch_started_at: float | None = None  # set while a fetch runs
        self._thread = threading.Thread(target=self.run, name="git-poller", daemon=True)

    def start(self) -> None:
        if self.service.engine is not None:
            # A new leader, or an app whose auto-sync was resumed: fetch and sync now.
            self.service.engine.request_fetch = self.fetch_now
        self._thread.start()

    def stop(self) -> None:
        self.stopped.set()
        self.wake.set()
        self._thread.join(timeout=10)

    def fetch_now(self) -> None:
        self.wake.set()

    def step(self) -> None:
        engine = self.service.engine
        self.fetch_started_at = time.time()
        try:
            self.service.refresh(fetch=True)
            self.last_fetch_error = ""
            self.last_fetch_at = time.time()
            self._report_discovery()
        except GitOpsError as e:
            # Shown in the status bar and logged: no URL's credentials in either.
            self.last_fetch_error = redact(str(e))
            self.on_error(self.last_fetch_error)
        finally:
            self.fetch_started_at = None
        if engine is not None and engine.is_leader:
            self.service.auto_sync()

    def _report_discovery(self) -> None:
        # Once per new set of errors: a broken file stays broken across many fetches.
        errors = [str(e) for e in self.service.discovery_errors]
        if errors != self.discovery_errors:
            self.discovery_errors = errors
            for error in errors:
                self.on_error(f"app not discovered: {error}")

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                self.step()
            except Exception as e:  # the loop must outlive any one bad pass
                log.debug("poll failed", exc_info=True)
                self.on_error(redact(f"reconcile pass failed: {one_line(e)}"))
            self.wake.wait(self.interval)
            self.wake.clear()


@dataclass
class OnceResult:
    leader: str
    is_leader: bool
    reports: list = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # apps that could not be discovered
    app_errors: list[str] = field(default_factory=list)  # apps that could not be rendered

    @property
    def ok(self) -> bool:
        return not self.errors and not self.app_errors and all(r.ok for r in self.reports)


def reconcile_once(service) -> OnceResult:
    """One pass: become leader if nobody else is, fetch, and sync what is out of sync."""
    engine = service.start_engine(elect=False)
    engine.leader.try_acquire()
    if not engine.is_leader:
        return OnceResult(engine.leader.info.holder, False)
    engine.leader.start()  # keep renewing: a long pass must not outlive its Lease
    # The lease is released when the service closes (engine.stop), for the next pass.
    service.refresh(fetch=True)
    errors = [str(e) for e in service.discovery_errors]
    # An app that cannot be rendered was not checked: the pass is not "in sync".
    broken = [
        f"{name}: {d.error}"
        for name, d in sorted(engine.desired.items())
        if d.error and name in engine.apps and not _elsewhere(service, engine.apps[name])
    ]
    return OnceResult(engine.leader.identity, True, service.auto_sync(), errors, broken)


def _elsewhere(service, app) -> bool:
    from gitops_tui.service import elsewhere

    info = service._cluster
    return info is not None and bool(elsewhere(app, info))


def run_daemon(service, *, interval: float = 60.0) -> int:
    service.start_engine(elect=True)
    try:
        poller = Poller(service, interval)
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        poller.start()
        stop.wait()
        poller.stop()
        return 0
    finally:
        service.close()
