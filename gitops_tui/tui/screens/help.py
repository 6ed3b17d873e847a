"""`?`: every binding, read from the one registry."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label

from gitops_tui.tui.keys import KEYS, label


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label("Keys", classes="dialog-title")
            table = DataTable(id="help-keys", cursor_type="row")
            table.add_columns("KEY", "ACTION", "WHERE", "CHANGES THE CLUSTER/REPO")
            for k in KEYS:
                where = ", ".join(k.places)
                table.add_row(label(k.key), k.description, where, "yes" if k.mutating else "")
            yield table

    def action_dismiss(self) -> None:
        self.dismiss(None)
