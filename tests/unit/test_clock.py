"""The API server's clock as answers' Date headers tell it."""

from __future__ import annotations

import email.utils
import time

from gitops_tui.cluster.clock import ServerClock


class Local:
    """A local clock the test moves by hand."""

    def __init__(self, t: float) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def date(t: float) -> str:
    return email.utils.formatdate(t, usegmt=True)  # whole seconds, as servers send it


def test_answers_narrow_the_offset_to_within_their_round_trips() -> None:
    local = Local(500.0)  # the local clock reads 500 when the server's reads 1_700_000_000.0
    clock = ServerClock(local=local)
    offset = 1_700_000_000.0 - 500.0
    # Answers at different points of the server's second, 10 ms round trips each.
    for k in range(20):
        sent = 500.0 + k * 3.37
        server_then = sent + offset + 0.005
        clock.observe(date(server_then), sent, sent + 0.01)
    local.t = 600.0
    assert abs(clock.time() - (600.0 + offset)) < 0.02


def test_an_answer_that_contradicts_the_others_starts_over() -> None:
    local = Local(0.0)
    clock = ServerClock(local=local)
    clock.observe(date(1_000_000.0), 0.0, 0.01)
    # The server's clock was set an hour ahead (or ours jumped back): believe the new answer.
    clock.observe(date(1_003_610.0), 10.0, 10.01)
    local.t = 20.0
    assert abs(clock.time() - 1_003_620.0) < 1.0


def test_no_answer_yet_is_the_wall_clock_and_a_bad_header_changes_nothing() -> None:
    clock = ServerClock(local=Local(5.0))
    assert abs(clock.time() - time.time()) < 1.0
    clock.observe("not a date", 5.0, 5.01)
    clock.observe(None, 5.0, 5.01)
    assert not clock.known
