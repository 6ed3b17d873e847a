"""One registry of keys: every binding of the main screen, its tables and the full
screens is in it, so the help (?) lists them all."""

from __future__ import annotations

import pytest
from textual.binding import Binding

from gitops_tui.tui.app import GitOpsApp
from gitops_tui.tui.keys import KEYS
from gitops_tui.tui.screens.diff import DiffScreen
from gitops_tui.tui.screens.help import HelpScreen
from gitops_tui.tui.screens.history import HistoryScreen, PatchScreen
from gitops_tui.tui.screens.secret import SecretScreen
from gitops_tui.tui.widgets.rowtable import RowTable


def keys_of(bindings: list) -> set[str]:
    out = set()
    for b in bindings:
        b = b if isinstance(b, Binding) else Binding(*b)
        out.update(k.strip() for k in b.key.split(","))
    return out


@pytest.mark.parametrize(
    ("owner", "place"),
    [
        (GitOpsApp, "apps"),
        (RowTable, "apps"),
        (HistoryScreen, "history"),
        (DiffScreen, "diff"),
        (PatchScreen, "patch"),
        (SecretScreen, "secret"),
    ],
)
def test_every_binding_is_in_the_registry_the_help_shows(owner, place: str) -> None:
    listed = {k.key for k in KEYS if place in k.places or "any" in k.places}
    assert keys_of(owner.BINDINGS) <= listed


async def test_the_help_screen_lists_each_key_of_the_registry() -> None:
    from textual.app import App
    from textual.widgets import DataTable

    class HelpApp(App):
        def on_mount(self) -> None:
            self.push_screen(HelpScreen())

    app = HelpApp()
    async with app.run_test(size=(100, 60)) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#help-keys", DataTable)
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
    assert len(rows) == len(KEYS)
    assert ["R", "Revert commit", "history", "yes"] in rows
    assert ["ctrl+s", "Seal & push", "secret", "yes"] in rows
    assert ["n", "Next object", "diff", ""] in rows
