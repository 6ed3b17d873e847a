"""Worker threads talk to the UI only through here."""

from __future__ import annotations

import os
import sys

from textual.app import App

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
