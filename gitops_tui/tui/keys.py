"""Every key binding in one place: the footer, the help screen and the palette read it."""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding


@dataclass(frozen=True)
class Key:
    key: str
    action: str
    description: str
    mutating: bool = False
    show: bool = True
    where: str = "apps"


KEYS: tuple[Key, ...] = (
    Key("s", "sync", "Sync", mutating=True),
    Key("p", "pause", "Pause/resume heal", mutating=True),
    Key("S", "suspend", "Suspend auto-sync", mutating=True),
    Key("d", "diff", "Diff"),
    Key("h", "history", "History"),
    Key("i", "details", "Details"),
    Key("r", "refresh", "Refresh"),
    Key("e", "edit_secret", "Sealed secret"),
    Key("slash", "filter", "Filter", show=True),
    Key("o", "sort", "Sort by next column", show=False),
    Key("question_mark", "help", "Help"),
    Key("q", "quit", "Quit"),
    Key("j", "cursor_down", "Down", show=False),
    Key("k", "cursor_up", "Up", show=False),
    Key("tab", "focus_next", "Next pane", show=False),
    Key("R", "revert", "Revert commit", mutating=True, where="history"),
    Key("enter", "open", "Open", where="history"),
    Key("v", "toggle_view", "Unified/side-by-side", where="diff"),
    Key("escape", "back", "Back", where="any"),
)

KEY_LABELS = {"slash": "/", "question_mark": "?", "escape": "esc", "enter": "⏎"}


def label(key: str) -> str:
    return KEY_LABELS.get(key, key)


def bindings(where: str) -> list[Binding]:
    return [
        Binding(k.key, k.action, k.description, show=k.show, key_display=label(k.key))
        for k in KEYS
        if k.where in (where, "any") and k.key not in ("tab",)
    ]


MUTATING = {k.action for k in KEYS if k.mutating}
