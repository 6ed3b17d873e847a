"""Worker threads talk to the UI only through here."""

from __future__ import annotations

from textual.app import App


def ui_call(app: App, fn, *args, **kwargs):
    """call_from_thread that a closing app ignores (threads may outlive the UI)."""
    if not app.is_running:
        return None
    try:
        return app.call_from_thread(fn, *args, **kwargs)
    except RuntimeError:
        return None  # the event loop closed while we waited
