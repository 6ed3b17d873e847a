"""Snapshots of screens whose content is deterministic: the key help, and the history
of the sample repository (fixed authors and dates). Update with --snapshot-update
after checking the new SVG by eye."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widgets import DataTable, Footer

from gitops_tui.config import Settings
from gitops_tui.demo import write_sample_repo
from gitops_tui.service import Service
from gitops_tui.tui.screens.help import HelpScreen
from gitops_tui.tui.screens.history import HistoryScreen

CSS = Path(__file__).resolve().parents[2] / "gitops_tui" / "tui" / "app.tcss"


class OneScreen(App):
    """Hosts one of the app's screens the way the main app pushes it."""

    CSS_PATH = str(CSS)

    def __init__(self, screen: Screen) -> None:
        super().__init__()
        self.first = screen

    def compose(self) -> ComposeResult:
        yield Footer()

    def on_mount(self) -> None:
        self.push_screen(self.first)


@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_help_screen(snap_compare) -> None:
    assert snap_compare(OneScreen(HelpScreen()), terminal_size=(100, 34))


def test_history_of_the_sample_repo(snap_compare, tmp_path: Path, utc) -> None:
    work = write_sample_repo(tmp_path / "work")
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "clone", "--quiet", "--bare", str(work), str(origin)], check=True)
    service = Service(Settings(repo=str(origin), cache=tmp_path / "cache"))
    screen = HistoryScreen(service, "payment-service-production")

    async def loaded(pilot) -> None:
        table = pilot.app.screen.query_one("#history", DataTable)
        deadline = time.monotonic() + 20
        while table.row_count < 4 and time.monotonic() < deadline:
            await pilot.pause(0.05)
        assert table.row_count == 4
        # Let the table size its columns for the rows it just got before the capture.
        await pilot.wait_for_scheduled_animations()
        for _ in range(3):
            await pilot.pause()

    assert snap_compare(OneScreen(screen), terminal_size=(110, 20), run_before=loaded)
