"""Live versus Git for one object: fields, who changed them, and the YAML diff."""

from __future__ import annotations

from rich.console import Group
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from gitops_tui.text import clean
from gitops_tui.tui.format import local_hhmm, plain, sync_text
from gitops_tui.tui.keys import bindings


def side_by_side(unified: str) -> Table:
    """Split a unified diff into live (left) and Git (right) columns, pairing - and + runs."""
    table = Table(expand=True, show_header=True, header_style="bold", box=None, padding=(0, 1))
    table.add_column("live", ratio=1, overflow="fold")
    table.add_column("git", ratio=1, overflow="fold")
    minus: list[str] = []
    plus: list[str] = []

    def flush() -> None:
        for i in range(max(len(minus), len(plus))):
            left = Text(minus[i], style="red") if i < len(minus) else Text("")
            right = Text(plus[i], style="green") if i < len(plus) else Text("")
            table.add_row(left, right)
        minus.clear()
        plus.clear()

    for line in unified.splitlines():
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("@@"):
            flush()
            table.add_row(Text(line, style="cyan"), Text(line, style="cyan"))
        elif line.startswith("-"):
            minus.append(line[1:])
        elif line.startswith("+"):
            plus.append(line[1:])
        else:
            flush()
            table.add_row(Text(line[1:]), Text(line[1:]))  # plain: YAML has brackets
    flush()
    return table


def _short(value) -> str:
    text = repr(value) if not isinstance(value, str) else value
    return text if len(text) <= 60 else text[:57] + "…"


def render_diff(d, split: bool):
    """Every text here quotes Git or the cluster (names, managers, values, annotations):
    plain Text, cleaned of terminal controls."""
    parts = []
    head = Text.assemble(plain(Text(f"{d.ref}  ", style="bold")), sync_text(str(d.status)))
    parts.append(head)
    if d.drifted_by:
        for m in d.drifted_by:
            how = m.operation + (f" of {m.subresource}" if m.subresource else "")
            # The API server does not always stamp a time (scale subresource writes).
            when = f" at {local_hhmm(m.time.isoformat())}" if m.time else ""
            line = Text(f"  changed by {m.manager} ({how}){when}", style="bold yellow")
            parts.append(plain(line))
    if d.changes:
        fields = Table(box=None, show_header=True, header_style="bold", padding=(0, 1))
        fields.add_column("FIELD")
        fields.add_column("LIVE")
        fields.add_column("GIT")
        fields.add_column("BY")
        for c in d.changes:
            cells = (c.path, _short(c.old), _short(c.new), ", ".join(c.by) or "-")
            fields.add_row(*map(plain, cells))  # plain text: values may hold brackets
        parts.append(fields)
    if unified := clean(d.unified):
        if split:
            parts.append(side_by_side(unified))
        else:
            parts.append(Syntax(unified, "diff", theme="ansi_dark", word_wrap=True))
    elif str(d.status) == "Synced":
        parts.append(Text("no differences", style="green"))
    return Group(*parts)


class DiffScreen(Screen[None]):
    BINDINGS = bindings("diff")

    def __init__(self, app_name: str, diffs: list, index: int = 0) -> None:
        super().__init__(id="diff-screen")
        self.app_name = app_name
        self.diffs = diffs
        self.index = index
        self.split = False
        self.gone = None  # the object shown, when it is no longer among the app's diffs

    def compose(self) -> ComposeResult:
        yield Static("", id="diff-title", markup=False)
        with VerticalScroll(id="diff-body"):
            yield Static("", id="diff-content", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self._show()

    def _show(self) -> None:
        title = self.query_one("#diff-title", Static)
        content = self.query_one("#diff-content", Static)
        if not self.diffs and not self.gone:
            title.update(clean(f"diff: {self.app_name}"))
            content.update("nothing rendered for this app yet")
            return
        d = self.gone or self.diffs[self.index]
        view = "side-by-side" if self.split else "unified"
        where = (
            "left the app (removed from Git, or pruned): as last seen"
            if self.gone
            else f"object {self.index + 1}/{len(self.diffs)}"
        )
        title.update(clean(f"diff: {self.app_name}  {where}  ({view}, v toggles)"))
        content.update(render_diff(d, self.split))

    def update_diffs(self, diffs: list) -> None:
        """The app's diffs as the reconciler now sees them: the screen stays on its
        object (found by reference) and redraws only when what it shows changed. An
        object that left the app stays on screen, marked, until n or N."""
        shown = self.gone or (self.diffs[self.index] if self.diffs else None)
        before = (shown, len(self.diffs), self.gone)
        self.diffs = diffs
        same = next((i for i, d in enumerate(diffs) if shown and d.ref == shown.ref), None)
        if same is not None:
            self.index, self.gone = same, None
        else:
            self.index = max(0, min(self.index, len(diffs) - 1))
            self.gone = shown
        now = self.gone or (diffs[self.index] if diffs else None)
        if (now, len(diffs), self.gone) != before:
            self._show()

    def action_cursor_down(self) -> None:
        self.query_one("#diff-body", VerticalScroll).scroll_down(animate=False)

    def action_cursor_up(self) -> None:
        self.query_one("#diff-body", VerticalScroll).scroll_up(animate=False)

    def action_toggle_view(self) -> None:
        self.split = not self.split
        self._show()

    def action_next(self) -> None:
        if self.diffs:
            # From an object that left, the one now in its place comes next.
            self.index = (self.index + (0 if self.gone else 1)) % len(self.diffs)
            self.gone = None
            self._show()

    def action_previous(self) -> None:
        if self.diffs:
            self.index = (self.index - 1) % len(self.diffs)
            self.gone = None
            self._show()

    def action_back(self) -> None:
        self.dismiss(None)
