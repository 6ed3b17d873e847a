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
        await pilot.pause()

    assert snap_compare(OneScreen(screen), terminal_size=(110, 20), run_before=loaded)


def test_main_screen_when_the_cluster_is_unreachable(snap_compare, tmp_path: Path) -> None:
    """The operator's first screen when the API server is down: a clear line and a
    notification, no traceback, the keys still there."""
    fixed = Path("/tmp/gitops-tui-snapshot")  # a fixed path: it is shown on screen
    subprocess.run(["rm", "-rf", str(fixed)], check=True)
    work = write_sample_repo(fixed / "work")
    origin = fixed / "origin.git"
    subprocess.run(["git", "clone", "--quiet", "--bare", str(work), str(origin)], check=True)
    kubeconfig = tmp_path / "kubeconfig"
    # Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: down\n"
        "clusters: [{name: down, cluster: {server: 'https://127.0.0.1:9'}}]\n"
        "users: [{name: me, user: {token: x}}]\n"
        "contexts: [{name: down, context: {cluster: down, user: me}}]\n"
    )
    service = Service(Settings(repo=str(origin), kubeconfig=kubeconfig, cache=tmp_path / "c"))

    async def failed(pilot) -> None:
        deadline = time.monotonic() + 30
        while "✘" not in str(pilot.app.query_one("#cluster").render()):
            assert time.monotonic() < deadline, "no error line"
            await pilot.pause(0.05)
        await pilot.pause()

    from gitops_tui.tui.app import GitOpsApp

    assert snap_compare(GitOpsApp(service), terminal_size=(110, 24), run_before=failed)
