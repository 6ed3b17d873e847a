"""Every key binding in one place: the footer, the help screen and the palette read it.

`where` names the screens a key works on (apps, diff, history, secret; any: all of
them). A key with `widget=True` is handled by the focused table itself: the help lists
it, and no binding is made for it here.
"""

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
    priority: bool = False  # before the focused widget's own binding for the key
    widget: bool = False

    @property
    def places(self) -> tuple[str, ...]:
        return tuple(self.where.split(","))


KEYS: tuple[Key, ...] = (
    Key("s", "sync", "Sync", mutating=True),
    Key("p", "pause", "Pause/resume heal", mutating=True),
    Key("S", "suspend", "Suspend auto-sync", mutating=True),
    Key("d", "diff", "Diff"),
    Key("h", "history", "History"),
    Key("i", "details", "Details"),
    Key("r", "refresh", "Refresh"),
    Key("e", "edit_secret", "Sealed secret"),
    Key("slash", "filter", "Filter"),
    Key("o", "sort", "Sort by next column", show=False),
    Key("question_mark", "help", "Help"),
    Key("q", "quit", "Quit"),
    Key("j", "cursor_down", "Down", show=False, where="apps,history,diff,patch"),
    Key("k", "cursor_up", "Up", show=False, where="apps,history,diff,patch"),
    Key("down", "cursor_down", "Down", show=False, widget=True),
    Key("up", "cursor_up", "Up", show=False, widget=True),
    Key("tab", "focus_next", "Next pane", show=False, widget=True),
    Key("enter", "select", "Open the object's diff", where="apps", widget=True),
    Key("home", "first", "First row", show=False, where="apps", widget=True),
    Key("end", "last", "Last row", show=False, where="apps", widget=True),
    Key("pageup", "page_up", "Page up", show=False, where="apps", widget=True),
    Key("pagedown", "page_down", "Page down", show=False, where="apps", widget=True),
    # Before the history table's own enter (hidden) and home/end (sideways scrolling).
    Key("enter", "open", "Patch", where="history", priority=True),
    Key("R", "revert", "Revert commit", mutating=True, where="history"),
    Key("home", "first", "First row", show=False, where="history", priority=True),
    Key("end", "last", "Last row (loads older pages)", show=False, where="history", priority=True),
    Key("v", "toggle_view", "Unified/side-by-side", where="diff"),
    Key("n", "next", "Next object", where="diff"),
    Key("N", "previous", "Previous object", where="diff"),
    Key("a", "add", "Add key", mutating=True, where="secret"),
    Key("c", "change", "Change value", mutating=True, where="secret"),
    Key("x", "remove", "Remove key", mutating=True, where="secret"),
    Key("n", "rename", "Rename", mutating=True, where="secret"),
    Key("o", "scope", "Scope", mutating=True, where="secret"),
    Key("v", "reveal", "Reveal (audited)", where="secret"),
    Key("ctrl+s", "save", "Seal & push", mutating=True, where="secret"),
    Key("escape", "back", "Back", where="any"),
)

KEY_LABELS = {
    "slash": "/",
    "question_mark": "?",
    "escape": "esc",
    "enter": "⏎",
    "pageup": "pgup",
    "pagedown": "pgdn",
    "down": "↓",
    "up": "↑",
}


def label(key: str) -> str:
    return KEY_LABELS.get(key, key)


def bindings(where: str) -> list[Binding]:
    return [
        Binding(
            k.key,
            k.action,
            k.description,
            show=k.show,
            key_display=label(k.key),
            priority=k.priority,
        )
        for k in KEYS
        if (where in k.places or "any" in k.places) and not k.widget
    ]


# The apps screen's actions that change the cluster or the repository.
MUTATING = {k.action for k in KEYS if k.mutating and "apps" in k.places}
