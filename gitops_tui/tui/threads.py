"""Worker threads talk to the UI only through here."""

from __future__ import annotations

import os
import sys

from textual import work
from textual.app import App
from textual.worker import Worker, WorkerState

BACKGROUND_NICE = 10  # added to a background thread's nice value (0..19)


def background_priority() -> None:
    """Lower the calling thread's CPU priority (Linux: nice values are per thread, and
    threads it starts inherit it). On a busy machine the reconciler then yields the CPU
    to the event loop thread, so keys stay quick while a large sync runs."""
    if sys.platform == "linux":
        try:
            # Relative to the main thread (its id is the pid), so a reused thread is not
            # lowered twice.
            main = os.getpriority(os.PRIO_PROCESS, os.getpid())
            os.setpriority(os.PRIO_PROCESS, 0, min(19, main + BACKGROUND_NICE))
        except OSError:
            pass  # best effort: a container may forbid it


def ui_call(app: App, fn, *args, **kwargs):
    """call_from_thread that a closing app ignores (threads may outlive the UI)."""
    if not app.is_running:
        return None
    try:
        return app.call_from_thread(fn, *args, **kwargs)
    except RuntimeError:
        return None  # the event loop closed while we waited


def push_once(app: App, screen, callback=None) -> None:
    """Push a screen a worker made, unless one with its id is up already: two quick
    presses start two workers, and a second screen with the same id closes the UI."""
    if screen.id is not None and any(s.id == screen.id for s in app.screen_stack):
        return
    app.push_screen(screen, callback)


def worker(group: str, exclusive: bool = False):
    """A thread worker whose unexpected error is reported, not fatal: Textual's default
    closes the whole UI with a traceback. The node that runs it takes ReportsWorkerErrors
    (expected failures are GitOpsErrors, handled inside the worker)."""
    return work(thread=True, group=group, exclusive=exclusive, exit_on_error=False)


class ReportsWorkerErrors:
    """For an App or Screen: its workers' unforeseen errors become a notification.
    (A worker's state message goes to the node that started it and does not bubble.)"""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            error = event.worker.error
            self.app.notify(  # type: ignore[attr-defined]
                f"unexpected error in {event.worker.group or 'a worker'}: "
                f"{type(error).__name__}: {error} (the UI carries on; please report it)",
                severity="error",
                timeout=20,
            )
