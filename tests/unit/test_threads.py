"""Background threads of the UI yield the CPU to the event loop thread."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from gitops_tui.tui.threads import BACKGROUND_NICE, background_priority


@pytest.mark.skipif(sys.platform != "linux", reason="per-thread nice values are Linux's")
def test_a_background_thread_runs_at_a_lower_priority_once() -> None:
    main = os.getpriority(os.PRIO_PROCESS, os.getpid())
    seen: list[int] = []

    def body() -> None:
        background_priority()
        background_priority()  # a reused worker thread is not lowered twice
        seen.append(os.getpriority(os.PRIO_PROCESS, 0))

        def child() -> None:
            seen.append(os.getpriority(os.PRIO_PROCESS, 0))

        t = threading.Thread(target=child)
        t.start()
        t.join()

    t = threading.Thread(target=body)
    t.start()
    t.join()
    expected = min(19, main + BACKGROUND_NICE)
    assert seen == [expected, expected]  # threads it starts inherit it
    assert os.getpriority(os.PRIO_PROCESS, os.getpid()) == main  # the UI thread keeps its own
