"""Text from Git and the cluster is data in the UI: commit subjects, authors, file names,
ConfigMap values, pause reasons and names that hold Textual markup or terminal escape
sequences are drawn literally (controls as visible placeholders), never obeyed, and never
close the UI. Checked on what the screen draws, line by line, and on its SVG export."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import yaml
from kubernetes import client
from textual.widgets import DataTable, Static
from textual.widgets._toast import Toast

from gitops_tui.config import Settings
from gitops_tui.service import Service
from gitops_tui.tui.app import GitOpsApp
from gitops_tui.tui.screens.diff import DiffScreen
from gitops_tui.tui.screens.history import HistoryScreen
from gitops_tui.tui.screens.modals import Confirm, PauseModal
from gitops_tui.tui.screens.secret import SecretScreen
from tests.hostile import (
    AUTHOR,
    CLEAR,
    CLIPBOARD,
    HYPERLINK,
    MARKUP,
    REASON,
    RLO,
    SUBJECT,
    unsafe_in,
)
from tests.support import Repo, git
from tests.tui.test_app import (
    SIZE,
    history_at,
    pause_with_p,
    row,
    screen_lines,
    status_line,
    synced_app,
    wait_for,
)

BANNER_GIT = f"{CLEAR}{MARKUP[1]}"  # a ConfigMap value in Git
BANNER_LIVE = f"{HYPERLINK}{MARKUP[2]}"  # the same value, changed in the cluster
NOTES = f"release notes {CLIPBOARD}{CLEAR}{RLO}[b]bold?\n"  # a file's own text, in a patch
PAUSE_REASON = f"INC-8 {CLIPBOARD}{MARKUP[0]}{RLO}"  # from `gitops-tui pause --reason`
CLICK = MARKUP[2]  # "[@click=app.quit]x[/]": a click on the x would quit, were it markup


def shown(app: GitOpsApp) -> str:
    """The screen as drawn, asserting no control character is in it."""
    text = "\n".join(screen_lines(app))
    assert unsafe_in(text) == [], text
    return text


async def on_screen(pilot, app: GitOpsApp, text: str) -> str:
    """Wait for text to be drawn; the screen, free of control characters."""
    await wait_for(pilot, lambda: text in "\n".join(screen_lines(app)), repr(text))
    return shown(app)


def exported(app: GitOpsApp) -> str:
    svg = app.export_screenshot()
    assert unsafe_in(svg) == []
    return svg


async def click_the_x_of(pilot, app: GitOpsApp, text: str, nth: int = 0) -> None:
    """Click the `x` of a literal "[@click=app.quit]x[/]" that ends `text`, where the
    screen shows it (its nth line from the top that does)."""
    app.clear_notifications()  # a toast may cover it

    def where() -> tuple[int, int] | None:
        lines = screen_lines(app)
        ys = [i for i, line in enumerate(lines) if text in line]
        if len(ys) <= nth:
            return None
        y = ys[nth]
        return lines[y].index(text) + len(text) - len("x[/]"), y

    x, y = await wait_for(pilot, where, f"{text!r} on screen")
    await pilot.click(offset=(x, y))
    await pilot.pause()


def commit_as(repo: Repo, author: str, subject: str) -> str:
    git(repo.work, "add", "-A")
    git(repo.work, "commit", "--quiet", f"--author={author} <mallory@example.com>", "-m", subject)
    git(repo.work, "push", "--quiet", "origin", "main")
    return git(repo.work, "rev-parse", "HEAD")


def config_map(banner: str) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "web-config"},
        "data": {"mode": "fast", "banner": banner},
    }


async def test_commits_values_and_reasons_from_outside_show_as_text(
    api_client, repo: Repo, make_service
) -> None:
    repo.write("shop/config.yaml", config_map(BANNER_GIT))
    (repo.work / "shop" / "NOTES.txt").write_text(NOTES)
    sha = commit_as(repo, AUTHOR, SUBJECT)
    svc = make_service(repo)
    app = GitOpsApp(svc)
    loop = asyncio.get_running_loop()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await synced_app(pilot, app, repo)
        await wait_for(pilot, lambda: svc.engine.is_leader, "leadership")
        # The subject in the status bar and the apps table (REVISION), as written.
        await wait_for(pilot, lambda: f"deploy {CLICK} ␛[2J" in status_line(app), "the HEAD")
        assert f"deploy {CLICK} ␛[2J[link=file:///etc/passwd]" in row(app, repo.app)[5]
        await click_the_x_of(pilot, app, f"main@{sha[:8]} deploy {CLICK}")
        assert app.is_running and "␛[2J[link=file:///etc/passwd]" in shown(app)

        # The pause dialog, a reason with markup typed in it, shown as typed.
        await pause_with_p(pilot, app, repo, REASON)
        detail = lambda: str(app.query_one("#app-detail", Static).render())  # noqa: E731
        await wait_for(pilot, lambda: REASON in detail(), "the reason as typed")
        # Another operator's reason, with escapes, from the cluster's state.
        await loop.run_in_executor(None, svc.resume, repo.app)
        await loop.run_in_executor(
            None, svc.pause, repo.app, PAUSE_REASON, dt.timedelta(minutes=30)
        )
        await wait_for(pilot, lambda: "INC-8 ␛]52;c;ZXZpbA==␇[/]\ufffd" in detail(), "it")
        shown(app)

        # The cluster's value, drifted, and Git's in the diff: both as text.
        client.CoreV1Api(api_client).patch_namespaced_config_map(
            "web-config", repo.ns, {"data": {"banner": BANNER_LIVE}}, field_manager="kubectl"
        )
        await wait_for(pilot, lambda: "OutOfSync" in row(app, repo.app)[2], "the drift")
        await pilot.press("d")
        await wait_for(pilot, lambda: app.screen.id == "diff-screen", "the diff")
        await on_screen(pilot, app, "␛]8;;http://evil␛\\x␛]8;;␛\\" + CLICK)  # live
        assert "␛[2J[link=file:///etc/passwd]x[/link]" in shown(app)  # Git
        await click_the_x_of(pilot, app, CLICK)
        await pilot.press("v")
        await on_screen(pilot, app, " live ")  # side by side
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen.id != "diff-screen", "back")

        # The history: author and subject in the table and the detail line.
        cells = await history_at(pilot, app, sha)
        assert cells[2] == "Mallory [/]␛]52;c;ZXZpbA==␇[b]"
        assert cells[4].startswith(f"deploy {CLICK} ␛[2J[link=file:///etc/passwd]x[/link]")
        said = f"{sha}  Mallory [/]␛]52;c;ZXZpbA==␇[b] <mallory@example.com>"
        await on_screen(pilot, app, said)  # the commit's detail line
        await on_screen(pilot, app, "␛]8;;http://evil␛\\x␛]8;;␛\\")  # OSC 8, as text
        await on_screen(pilot, app, "\ufffdgpj.exe")  # the override, not a reversed line
        await on_screen(pilot, app, "INC-8 ␛]52")  # the pause event
        await click_the_x_of(pilot, app, f"deploy {CLICK}", nth=1)  # the detail line
        assert app.is_running and app.screen.id == "history-screen"
        await click_the_x_of(pilot, app, f"deploy {CLICK}")  # the table's row
        assert app.is_running
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen.id == "patch-screen", "the patch")
        await on_screen(pilot, app, "+release notes ␛]52;c;ZXZpbA==␇␛[2J\ufffd[b]bold?")
        title = str(app.screen.query_one("#patch-title", Static).render())
        assert title.startswith(f"{sha[:8]} deploy {CLICK} ␛[2J")
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen.id == "history-screen", "back in history")

        # The revert dialog quotes the subject and the author.
        await pilot.press("R")
        await wait_for(pilot, lambda: app.screen.id == "revert-modal", "the revert modal")
        await on_screen(pilot, app, f'Revert "deploy {CLICK} ␛[2J[link=file:///etc/passwd]x')
        assert "author Mallory [/]␛]52;c;ZXZpbA==␇[b] <mallory@example.com>" in shown(app)
        await click_the_x_of(pilot, app, f'Revert "deploy {CLICK}')
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen.id == "history-screen", "no revert")
        await pilot.press("escape", "i")
        await wait_for(pilot, lambda: app.screen.id == "details-modal", "the details")
        await on_screen(pilot, app, "INC-8 ␛]52;c;ZXZpbA==␇[/]\ufffd")
        exported(app)
        await pilot.press("escape")
        assert app.is_running
        assert git(repo.origin, "rev-parse", "HEAD") == sha  # nothing was reverted


async def test_a_render_error_naming_a_hostile_file_is_text(repo: Repo, make_service) -> None:
    (repo.work / "shop" / f"{CLEAR}{MARKUP[3]}.yaml").write_text("kind: [\n")
    repo.commit("shop: a broken manifest")
    app = GitOpsApp(make_service(repo))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: row(app, repo.app), "the app row")
        detail = lambda: str(app.query_one("#app-detail", Static).render())  # noqa: E731
        await wait_for(pilot, lambda: "✘ shop/␛[2J[b].yaml" in detail(), "the error line")
        shown(app)
        await pilot.press("i")
        await wait_for(pilot, lambda: app.screen.id == "details-modal", "the details")
        await on_screen(pilot, app, "shop/␛[2J[b].yaml:2: invalid YAML")
        exported(app)


# ---- names as widgets get them --------------------------------------------------------
# App names are checked on discovery, yet each screen that titles itself with one must
# still show it as text: "[/]" closed the history and the pause dialog with a MarkupError.
NAME = f"{MARKUP[0]}{CLIPBOARD}{MARKUP[1]}{RLO}"
SECRET_FILE = f"shop/{CLIPBOARD}{MARKUP[3]}-sealed.yaml"
SEALED = {
    "apiVersion": "bitnami.com/v1alpha1",
    "kind": "SealedSecret",
    "metadata": {"name": "db", "namespace": "shop"},
    "spec": {
        "encryptedData": {"DB_USER": "AgBy3i4OJSWK+PiTySYZZA=="},
        "template": {"metadata": {"name": "db", "namespace": "shop"}, "type": CLEAR},
    },
}


def offline_service(tmp_path: Path) -> Service:
    """A real repository and a cluster that never answers: the screens, without it."""
    work, origin = tmp_path / "work", tmp_path / "origin.git"
    git(tmp_path, "init", "--quiet", "--initial-branch=main", str(work))
    (work / "shop").mkdir()
    apps = {"apps": [{"name": "shop", "path": "shop", "namespace": "shop"}]}
    (work / "gitops-tui.yaml").write_text(yaml.safe_dump(apps))
    (work / SECRET_FILE).write_text(yaml.safe_dump(SEALED))
    git(work, "add", "-A")
    git(work, "commit", "--quiet", "-m", "shop")
    git(tmp_path, "clone", "--quiet", "--bare", str(work), str(origin))
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "c", "cluster": {"server": "https://127.0.0.1:1"}}],
                "users": [{"name": "u", "user": {"token": "t"}}],
                "contexts": [{"name": "c", "context": {"cluster": "c", "user": "u"}}],
                "current-context": "c",
            }
        )
    )
    settings = Settings(repo=str(origin), kubeconfig=kubeconfig, cache=tmp_path / "cache")
    return Service(settings)


async def test_screens_titled_with_a_hostile_name_show_it_as_text(tmp_path: Path) -> None:
    svc = offline_service(tmp_path)
    try:
        file = svc.sealed_secrets(svc.app("shop"))[0]
        edit = svc.open_secret(file)
        app = GitOpsApp(svc)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            app.push_screen(HistoryScreen(svc, NAME))
            await wait_for(pilot, lambda: app.screen.id == "history-screen", "the history")
            title = str(app.screen.query_one("#history-title", Static).render())
            assert title.startswith("history: [/]␛]52;c;ZXZpbA==␇[link=file:///etc/passwd]x")
            shown(app)
            app.screen.dismiss()

            app.push_screen(PauseModal(NAME))
            await wait_for(pilot, lambda: app.screen.id == "pause-modal", "the pause dialog")
            await on_screen(pilot, app, "Pause selfHeal of [/]␛]52;c;ZXZpbA==␇[link=file:///")
            await pilot.press("escape")

            app.push_screen(DiffScreen(NAME, []))
            await wait_for(pilot, lambda: app.screen.id == "diff-screen", "the diff")
            await on_screen(
                pilot, app, "diff: [/]␛]52;c;ZXZpbA==␇[link=file:///etc/passwd]x[/link]\ufffd"
            )
            await pilot.press("escape")

            app.push_screen(Confirm(f"Sync {NAME}?", f"{CLICK} {HYPERLINK}", id="sync-modal"))
            await wait_for(pilot, lambda: app.screen.id == "sync-modal", "the confirm")
            await click_the_x_of(pilot, app, CLICK)
            assert "␛]8;;http://evil" in shown(app) and app.screen.id == "sync-modal"
            await pilot.press("n")

            app.push_screen(SecretScreen(svc, edit))
            await wait_for(pilot, lambda: app.screen.id == "secret-screen", "the editor")
            keys = app.screen.query_one("#secret-keys", DataTable)
            await wait_for(pilot, lambda: keys.row_count == 1, "the keys")
            await on_screen(pilot, app, "file shop/␛]52;c;ZXZpbA==␇[b]-sealed.yaml")
            assert "type ␛[2J" in shown(app)

            app.notify(f"{NAME} {CLEAR}", severity="error")  # as errors quote Git
            toast = "[/]␛]52;c;ZXZpbA==␇[link=file:///etc/passwd]x[/link]\ufffd ␛[2J"
            toasts = lambda: [str(t.render()) for t in app.screen.query(Toast)]  # noqa: E731
            await wait_for(pilot, lambda: toast in toasts(), "the toast, as text")
            await on_screen(pilot, app, "[/]␛]52;c;ZXZpbA==␇[link=")
            exported(app)
            assert app.is_running
    finally:
        svc.close()
