"""The terminal UI driven by keys (Textual Pilot) against the real control plane and
real Git repositories: every test asserts on the screen and on the cluster or remote."""

from __future__ import annotations

import asyncio
import datetime as dt
import time

import pytest
from kubernetes import client
from textual.command import CommandList, CommandPalette
from textual.widgets import DataTable, Static
from textual.widgets._footer import FooterKey
from textual.widgets._toast import Toast

from gitops_tui.config import Settings
from gitops_tui.reconcile.state import object_name
from gitops_tui.service import Service
from gitops_tui.tui.app import DETAIL_ROWS, STALE_FETCH, GitOpsApp
from gitops_tui.tui.screens.help import HelpScreen
from gitops_tui.tui.screens.history import PAGE
from gitops_tui.tui.widgets.rowtable import RowTable
from tests.git.httpremote import GitHttpServer
from tests.support import Repo, deployment, git

SIZE = (120, 36)


async def wait_for(pilot, fn, what: str, deadline: float = 20.0):
    """Let the app run until fn() is truthy (the UI stays live while we wait)."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        result = await asyncio.get_running_loop().run_in_executor(None, _safe, fn)
        if result:
            return result
        await pilot.pause(0.05)
    # What the operator saw is the best clue to why.
    notes = [str(n.message) for n in pilot.app._notifications]
    pytest.fail(f"timed out after {deadline}s waiting for {what}; notifications: {notes}")


def _safe(fn):
    try:
        return fn()
    except Exception:
        return None


def cells(app: GitOpsApp, table_id: str = "#apps") -> list[list[str]]:
    table = app.query_one(table_id, RowTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


def row(app: GitOpsApp, name: str) -> list[str] | None:
    return next((r for r in cells(app) if r[0] == name), None)


def status_line(app: GitOpsApp) -> str:
    return str(app.query_one("#statusbar", Static).render())


def replicas(api_client, repo: Repo) -> int:
    return client.AppsV1Api(api_client).read_namespaced_deployment("web", repo.ns).spec.replicas


def scale(api_client, repo: Repo, n: int) -> None:
    client.AppsV1Api(api_client).patch_namespaced_deployment_scale(
        "web", repo.ns, {"spec": {"replicas": n}}, field_manager="kubectl"
    )


def image(api_client, repo: Repo) -> str:
    web = client.AppsV1Api(api_client).read_namespaced_deployment("web", repo.ns)
    return web.spec.template.spec.containers[0].image


async def synced_app(pilot, app: GitOpsApp, repo: Repo) -> None:
    await wait_for(pilot, lambda: row(app, repo.app), "the app row")
    await pilot.press("s")
    await wait_for(pilot, lambda: app.screen.id == "sync-modal", "the sync confirm")
    await pilot.press("y")
    await wait_for(pilot, lambda: "Synced" in row(app, repo.app)[2], "Synced in the table")


async def pause_with_p(pilot, app: GitOpsApp, repo: Repo, reason: str) -> None:
    """p, a reason, the default duration (30m): PAUSED in the table."""
    await pilot.press("p")
    await wait_for(pilot, lambda: app.screen.id == "pause-modal", "the pause modal")
    await pilot.press(*reason, "enter", "enter")  # the reason, then the duration
    await wait_for(pilot, lambda: "PAUSED" in row(app, repo.app)[4], "PAUSED in the table")


async def test_apps_table_fills_and_s_syncs(api_client, repo: Repo, make_service) -> None:
    repo.configure(autoSync=False)  # the operator syncs by hand here
    app = GitOpsApp(make_service(repo))
    async with app.run_test(size=SIZE) as pilot:
        r = await wait_for(pilot, lambda: row(app, repo.app), "the app row")
        assert r[1] == repo.ns and "OutOfSync" in r[2] and "on" in r[4]
        cluster = str(app.query_one("#cluster", Static).render())
        assert "Kubernetes v1.36.3" in cluster
        await wait_for(pilot, lambda: "reconciler: leader" in status_line(app), "leadership")
        await wait_for(pilot, lambda: "fetched" in status_line(app), "the last fetch shown")
        assert "main@" in status_line(app)
        # The resources pane lists the app's objects, each Missing before the sync.
        res = cells(app, "#resources")
        assert {(r[0], r[2]) for r in res} == {
            ("Deployment", "web"),
            ("ConfigMap", "web-config"),
            ("Service", "web"),
        }
        await pilot.press("s")
        await wait_for(pilot, lambda: app.screen.id == "sync-modal", "the sync confirm")
        body = str(app.screen.query_one(".dialog-body Static", Static).render())
        assert f"apply  Missing: Deployment.apps {repo.ns}/web" in body
        await pilot.press("y")
        await wait_for(pilot, lambda: "Synced" in row(app, repo.app)[2], "Synced")
        assert replicas(api_client, repo) == 2
        # The live objects can show Synced a moment before the sync's record lands.
        head = git(repo.work, "rev-parse", "--short=7", "HEAD")
        await wait_for(pilot, lambda: row(app, repo.app)[5].startswith(head), "the revision")


async def test_p_pauses_keeps_drift_and_p_again_resumes_and_heals(
    api_client, repo: Repo, make_service
) -> None:
    svc = make_service(repo)
    app = GitOpsApp(svc)
    async with app.run_test(size=SIZE) as pilot:
        await synced_app(pilot, app, repo)
        await wait_for(pilot, lambda: svc.engine.is_leader, "leadership")
        await pause_with_p(pilot, app, repo, "INC-42")
        assert "by " in row(app, repo.app)[4]
        # The cluster's state object says paused, with the reason, for every reader.
        cm = client.CoreV1Api(api_client).read_namespaced_config_map(
            object_name(repo.app), svc.settings.control_namespace
        )
        assert "INC-42" in cm.data["state.json"]
        scale(api_client, repo, 5)
        await wait_for(pilot, lambda: "OutOfSync" in row(app, repo.app)[2], "the drift shown")
        assert replicas(api_client, repo) == 5  # shown, never healed while paused
        await pilot.press("p")
        await wait_for(pilot, lambda: replicas(api_client, repo) == 2, "the heal after resume")
        await wait_for(pilot, lambda: "on" in row(app, repo.app)[4], "selfHeal on again")
        await wait_for(pilot, lambda: "Synced" in row(app, repo.app)[2], "Synced again")


async def test_d_n_N_v_and_enter_on_a_resource_walk_the_diffs_and_q_quits(
    repo: Repo, make_service
) -> None:
    repo.configure(autoSync=False)  # every object stays Missing: three diffs to walk
    app = GitOpsApp(make_service(repo))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: len(cells(app, "#resources")) == 3, "the app's objects")
        objects = [f"{r[0]} {r[1]}/{r[2]}" for r in cells(app, "#resources")]
        title = lambda: str(app.screen.query_one("#diff-title", Static).render())  # noqa: E731
        body = lambda: "\n".join(screen_lines(app)[1:])  # noqa: E731
        await pilot.press("d")
        await wait_for(pilot, lambda: app.screen.id == "diff-screen", "the diff")
        assert "object 1/3  (unified" in title()
        # j/k scroll a diff longer than the screen, as in the tables.
        await pilot.resize_terminal(SIZE[0], 12)
        body_pane = app.screen.query_one("#diff-body")
        await pilot.press("j", "j")
        await wait_for(pilot, lambda: body_pane.scroll_y == 2, "j scrolling down")
        await pilot.press("k")
        await wait_for(pilot, lambda: body_pane.scroll_y == 1, "k scrolling up")
        await pilot.resize_terminal(*SIZE)
        await pilot.press("n")
        await wait_for(pilot, lambda: "object 2/3" in title(), "the next object")
        await pilot.press("N", "N")
        await wait_for(pilot, lambda: "object 3/3" in title(), "the previous, round the end")
        await pilot.press("v")
        await wait_for(pilot, lambda: "(side-by-side" in title(), "the side-by-side view")
        assert " live " in body() and " git " in body()
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen.id != "diff-screen", "back")
        # The resources pane: tab to it, j to its second object, enter opens that one.
        await pilot.press("tab", "j", "enter")
        await wait_for(pilot, lambda: "object 2/3" in title(), "the second object's diff")
        kind, _, name = objects[1].partition(" ")
        assert kind in body() and name.split("/")[1] in body()
        await pilot.press("escape", "question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "the help")
        await pilot.press("escape", "q")
        await wait_for(pilot, lambda: not app.is_running, "the app to quit")


async def test_keys_that_open_a_screen_do_not_stack_it_twice(repo: Repo, make_service) -> None:
    repo.configure(autoSync=False)
    app = GitOpsApp(make_service(repo))

    def count(screen_id: str) -> int:
        return sum(s.id == screen_id for s in app.screen_stack)

    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: len(cells(app, "#resources")) == 3, "the app's objects")
        await pilot.press("d")
        await wait_for(pilot, lambda: app.screen.id == "diff-screen", "the diff")
        await pilot.press("d", "h", "i", "e", "slash", "o")  # the main screen's, not here
        await pilot.press("s")  # the app's sync works from a diff too
        await wait_for(pilot, lambda: app.screen.id == "sync-modal", "the sync confirm")
        await pilot.press("s", "p", "S", "d", "question_mark")  # nothing under a dialog
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen.id == "diff-screen", "back on the diff")
        assert app.is_running and count("diff-screen") == 1 and len(app.screen_stack) == 2
        await pilot.press("escape", "h")
        await wait_for(pilot, lambda: app.screen.id == "history-screen", "the history")
        await pilot.press("h", "d")
        await pilot.press("p")
        await wait_for(pilot, lambda: app.screen.id == "pause-modal", "the pause modal")
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen.id == "history-screen", "back in history")
        assert app.is_running and count("history-screen") == 1 and len(app.screen_stack) == 2


async def test_an_open_diff_follows_the_cluster(api_client, repo: Repo, make_service) -> None:
    svc = make_service(repo)
    app = GitOpsApp(svc)
    async with app.run_test(size=SIZE) as pilot:
        await synced_app(pilot, app, repo)
        await wait_for(pilot, lambda: svc.engine.is_leader, "leadership")
        await pause_with_p(pilot, app, repo, "INC-9")
        scale(api_client, repo, 5)
        await wait_for(pilot, lambda: "OutOfSync" in row(app, repo.app)[2], "the drift")
        await pilot.press("d")
        await wait_for(pilot, lambda: app.screen.id == "diff-screen", "the diff")
        shown = lambda: "\n".join(screen_lines(app))  # noqa: E731
        assert "changed by kubectl" in shown() and "spec.replicas" in shown()
        assert any("spec.replicas" in x and "5" in x for x in screen_lines(app))
        scale(api_client, repo, 7)  # someone scales again while the diff is open
        await wait_for(
            pilot,
            lambda: any("spec.replicas" in x and "7" in x for x in screen_lines(app)),
            "the new value on the open diff",
        )
        svc.resume(repo.app)  # from elsewhere (another operator, the CLI)
        await wait_for(pilot, lambda: "no differences" in shown(), "the heal on the open diff")
        assert "Deployment.apps" in shown() and replicas(api_client, repo) == 2


async def test_the_mouse_picks_a_resource_opens_its_diff_and_runs_footer_keys(
    repo: Repo, make_service
) -> None:
    repo.configure(autoSync=False)
    app = GitOpsApp(make_service(repo))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: len(cells(app, "#resources")) == 3, "the app's objects")
        resources = app.query_one("#resources", RowTable)
        top = resources.content_region.y - resources.region.y  # under its border
        third = (2, top + 3)  # the header line, then rows 0, 1, 2
        await pilot.click(resources, offset=third)
        await wait_for(pilot, lambda: resources.cursor_row == 2, "the third object picked")
        await pilot.click(resources, offset=third)  # a click on the cursor row opens it
        await wait_for(pilot, lambda: app.screen.id == "diff-screen", "its diff")
        title = str(app.screen.query_one("#diff-title", Static).render())
        assert "object 3/3" in title
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen.id != "diff-screen", "back")
        sync_key = next(k for k in app.screen.query(FooterKey) if k.action == "sync")
        await pilot.click(sync_key)
        await wait_for(pilot, lambda: app.screen.id == "sync-modal", "the sync confirm")
        await pilot.click("#no")
        await wait_for(pilot, lambda: app.screen.id != "sync-modal", "cancelled")


async def test_an_open_diff_of_an_object_removed_from_git_says_it_left(
    api_client, repo: Repo, make_service
) -> None:
    app = GitOpsApp(make_service(repo), fetch_interval=0.5)
    title = lambda: str(app.screen.query_one("#diff-title", Static).render())  # noqa: E731
    async with app.run_test(size=SIZE) as pilot:
        await synced_app(pilot, app, repo)
        objects = [r[0] for r in cells(app, "#resources")]
        await pilot.press("tab", *["j"] * objects.index("Service"), "enter")
        await wait_for(pilot, lambda: app.screen.id == "diff-screen", "the Service's diff")
        assert "Service" in "\n".join(screen_lines(app)) and "object" in title()
        repo.remove("shop/svc.yaml")
        repo.commit("shop: no Service")
        # Auto-sync prunes it (prune is on): the diff keeps it, marked, as last seen.
        await wait_for(pilot, lambda: "left the app" in title(), "the object gone")
        assert f"Service {repo.ns}/web" in "\n".join(screen_lines(app))
        with pytest.raises(client.ApiException):
            client.CoreV1Api(api_client).read_namespaced_service("web", repo.ns)
        await pilot.press("n")
        await wait_for(pilot, lambda: "object " in title() and "/2" in title(), "the others")


async def test_S_suspends_auto_sync_and_S_again_resumes_it(
    api_client, repo: Repo, make_service
) -> None:
    svc = make_service(repo)
    app = GitOpsApp(svc, fetch_interval=0.5)
    async with app.run_test(size=SIZE) as pilot:
        await synced_app(pilot, app, repo)
        await pilot.press("S")
        detail = lambda: str(app.query_one("#app-detail", Static).render())  # noqa: E731
        await wait_for(pilot, lambda: "auto-sync suspended" in detail(), "suspended shown")
        cm = client.CoreV1Api(api_client).read_namespaced_config_map(
            object_name(repo.app), svc.settings.control_namespace
        )
        assert '"suspended": true' in cm.data["state.json"]  # for every reader
        repo.write("shop/web.yaml", deployment("web", "registry.example.com/web:2.0"))
        repo.commit("shop: web 2.0")
        await wait_for(pilot, lambda: "OutOfSync" in row(app, repo.app)[2], "the new commit seen")
        svc.engine.submit(lambda: None).result(timeout=10)  # its pass has run
        assert image(api_client, repo).endswith(":1.0")  # seen, not applied
        await pilot.press("S")
        await wait_for(pilot, lambda: image(api_client, repo).endswith(":2.0"), "the auto-sync")
        await wait_for(pilot, lambda: "Synced" in row(app, repo.app)[2], "Synced again")
        assert "auto-sync suspended" not in detail()


async def test_the_pause_modal_says_what_is_wrong_and_pauses_nothing_until_right(
    repo: Repo, make_service
) -> None:
    svc = make_service(repo)
    app = GitOpsApp(svc)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: row(app, repo.app), "the app row")
        await pilot.press("p")
        await wait_for(pilot, lambda: app.screen.id == "pause-modal", "the pause modal")
        error = lambda: str(app.screen.query_one("#pause-error", Static).render())  # noqa: E731
        await pilot.press("enter", "enter")  # no reason
        await wait_for(pilot, lambda: "A reason is required" in error(), "the missing reason")
        await pilot.press("shift+tab", *"INC-5", "tab", "ctrl+u", *"soon", "enter")
        await wait_for(pilot, lambda: "not a duration: 'soon'" in error(), "the bad duration")
        await pilot.press("ctrl+u", *"0m", "enter")
        await wait_for(pilot, lambda: "ends at once" in error(), "the zero duration")
        assert app.screen.id == "pause-modal" and svc.engine.state(repo.app).pause is None
        await pilot.press("ctrl+u", *"2h", "enter")
        await wait_for(pilot, lambda: "PAUSED" in row(app, repo.app)[4], "the pause")
        pause = svc.engine.state(repo.app).pause
        assert pause.reason == "INC-5"
        until = dt.datetime.fromisoformat(pause.until)
        left = until - dt.datetime.now(dt.UTC)
        assert dt.timedelta(hours=1, minutes=58) < left <= dt.timedelta(hours=2)


def screen_lines(app: GitOpsApp) -> list[str]:
    return [strip.text for strip in app.screen._compositor.render_strips()]


async def test_80x24_keeps_name_sync_health_and_the_pause_on_screen(
    repo: Repo, make_service
) -> None:
    svc = make_service(repo)
    app = GitOpsApp(svc)
    async with app.run_test(size=(80, 24)) as pilot:
        await synced_app(pilot, app, repo)
        await pause_with_p(pilot, app, repo, "INC-42")
        table = app.query_one("#apps", RowTable)
        await wait_for(pilot, lambda: "SELF-HEAL" in screen_lines(app)[1], "the header")
        header = screen_lines(app)[1]
        # What an operator needs in an incident, without scrolling sideways:
        assert [c for c in ("NAME", "SYNC", "HEALTH", "SELF-HEAL") if c in header] == [
            "NAME",
            "SYNC",
            "HEALTH",
            "SELF-HEAL",
        ]
        assert not table.show_horizontal_scrollbar
        line = next(x for x in screen_lines(app) if repo.app in x)
        assert "✔ Synced" in line and "⏸ PAUSED until" in line
        # What the narrow table leaves out is in the detail pane.
        detail = str(app.query_one("#app-detail", Static).render())
        assert f"→ {repo.ns}" in detail
        assert "⏸ paused by" in detail and "INC-42" in detail
        head = git(repo.work, "rev-parse", "--short=7", "HEAD")
        await pilot.resize_terminal(160, 40)
        await wait_for(pilot, lambda: "LAST SYNC" in screen_lines(app)[1], "all the columns")
        assert "DESTINATION" in screen_lines(app)[1]
        line = next(x for x in screen_lines(app) if repo.app in x)
        assert head in line and repo.ns in line


async def test_80x24_a_long_revert_keeps_its_buttons_on_screen(repo: Repo, make_service) -> None:
    for i in range(15):
        repo.write(f"shop/cm-{i:02d}.yaml", {"apiVersion": "v1", "kind": "ConfigMap",
                                            "metadata": {"name": f"cm-{i:02d}"}})  # fmt: skip
    many = repo.commit("shop: fifteen config maps")
    app = GitOpsApp(make_service(repo))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: row(app, repo.app), "the app row")
        await revert_modal(pilot, app, many)
        body = str(app.screen.query_one(".dialog-body Static", Static).render())
        assert "shop/cm-14.yaml" in body  # a body longer than the screen: it scrolls
        await wait_for(pilot, lambda: app.screen.query_one("#yes").region.height, "the layout")
        for button in ("#yes", "#no"):
            region = app.screen.query_one(button).region
            assert region.y >= 0 and region.bottom <= 24, f"{button} at {region}"
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen.id == "history-screen", "the modal closed")


async def history_at(pilot, app: GitOpsApp, sha: str) -> list[str]:
    """h, then the cursor on the commit's row; that row's cells."""
    await pilot.press("h")
    await wait_for(pilot, lambda: app.screen.id == "history-screen", "the history")
    table = app.screen.query_one("#history", DataTable)

    def texts() -> list[list[str]]:
        return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]

    await wait_for(pilot, lambda: any(r[1] == sha[:8] for r in texts()), "the commit's row")
    index, row = next((i, r) for i, r in enumerate(texts()) if r[1] == sha[:8])
    table.move_cursor(row=index)
    return row


async def revert_modal(pilot, app: GitOpsApp, sha: str) -> list[str]:
    """h, the commit's row, R: the revert modal open; the commit's history row."""
    row = await history_at(pilot, app, sha)
    await pilot.press("R")
    await wait_for(pilot, lambda: app.screen.id == "revert-modal", "the revert modal")
    return row


async def test_enter_in_history_shows_the_commits_patch(repo: Repo, make_service) -> None:
    app = GitOpsApp(make_service(repo))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: row(app, repo.app), "the app row")
        repo.write("shop/web.yaml", deployment("web", "registry.example.com/web:2.0"))
        bump = repo.commit("shop: web 2.0")
        await pilot.press("r")  # fetch now
        await wait_for(pilot, lambda: "shop: web 2.0" in status_line(app), "the new HEAD")
        await history_at(pilot, app, bump)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen.id == "patch-screen", "the patch")
        title = str(app.screen.query_one("#patch-title", Static).render())
        assert title.startswith(f"{bump[:8]} shop: web 2.0")
        patch = screen_lines(app)
        assert any("+++ b/shop/web.yaml" in line for line in patch)
        assert any(line.strip().startswith("-") and "web:1.0" in line for line in patch)
        assert any(line.strip().startswith("+") and "web:2.0" in line for line in patch)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen.id == "history-screen", "back in the history")


async def test_history_follows_new_commits_and_events_and_keeps_the_cursor(
    repo: Repo, make_service
) -> None:
    first = git(repo.work, "rev-parse", "HEAD")
    app = GitOpsApp(make_service(repo), fetch_interval=0.5)
    async with app.run_test(size=SIZE) as pilot:
        await synced_app(pilot, app, repo)
        await history_at(pilot, app, first)
        table = app.screen.query_one("#history", DataTable)
        texts = lambda: [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]  # noqa: E731
        events = sum("⚙" in r[1] for r in texts())
        repo.write("shop/web.yaml", deployment("web", "registry.example.com/web:2.0"))
        bump = repo.commit("shop: web 2.0")
        await wait_for(pilot, lambda: any(r[1] == bump[:8] for r in texts()), "the new commit")
        assert texts()[table.cursor_row][1] == first[:8]  # the cursor stayed on its commit
        # Auto-sync rolls the new commit out: its event joins the open timeline.
        await wait_for(
            pilot, lambda: sum("⚙" in r[1] for r in texts()) > events, "the sync's event"
        )
        assert texts()[table.cursor_row][1] == first[:8]


async def test_history_of_an_app_gone_from_git_says_so_once(repo: Repo, make_service) -> None:
    app = GitOpsApp(make_service(repo), fetch_interval=0.5)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: row(app, repo.app), "the app row")
        await pilot.press("h")
        await wait_for(pilot, lambda: app.screen.id == "history-screen", "the history")
        repo.write("gitops-tui.yaml", {"apps": []})
        repo.commit("drop the app")

        def errors() -> list[str]:
            return [str(n.message) for n in app._notifications if repo.app in str(n.message)]

        await wait_for(pilot, errors, "the error, as the history follows the new HEAD")
        history = app.screen
        for _ in range(3):  # the follow ticks that come after: nothing new to say
            history.follow()
            await app.workers.wait_for_complete()
        assert len(errors()) == 1, errors()


async def test_history_loads_older_pages_as_the_cursor_nears_the_end(
    repo: Repo, make_service
) -> None:
    first = git(repo.work, "rev-parse", "HEAD")
    for i in range(PAGE + 10):  # more than a page of commits on the app's path
        (repo.work / "shop" / "notes.txt").write_text(f"note {i}\n")
        git(repo.work, "add", "-A")
        git(repo.work, "commit", "--quiet", "-m", f"shop: note {i}")
    git(repo.work, "push", "--quiet", "origin", "main")
    app = GitOpsApp(make_service(repo))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: row(app, repo.app), "the app row")
        await pilot.press("h")
        await wait_for(pilot, lambda: app.screen.id == "history-screen", "the history")
        table = app.screen.query_one("#history", DataTable)

        def shas() -> list[str]:
            return [str(table.get_row_at(i)[1]) for i in range(table.row_count)]

        await wait_for(pilot, lambda: len(shas()) >= PAGE, "the first page")
        assert first[:8] not in shas()  # older than the first page: not read yet
        commits = [table.get_row_at(i) for i in range(table.row_count)]
        newest = next(r for r in commits if "⚙" not in str(r[1]))  # events are ⚙ rows
        assert str(newest[4]) == f"shop: note {PAGE + 9}"
        last = shas()[-1]
        await pilot.press("end")
        await wait_for(pilot, lambda: first[:8] in shas(), "the next page, with the first commit")
        assert len([s for s in shas() if "⚙" not in s]) == PAGE + 10 + 1
        assert shas()[table.cursor_row] == last  # the cursor stays on its row as pages load
        await pilot.press("home")
        await wait_for(pilot, lambda: table.cursor_row == 0, "home: the first row")


async def test_R_reverts_a_commit_from_history_and_rolls_back(
    api_client, repo: Repo, make_service
) -> None:
    svc = make_service(repo)
    app = GitOpsApp(svc, fetch_interval=0.5)
    async with app.run_test(size=SIZE) as pilot:
        await synced_app(pilot, app, repo)
        await wait_for(pilot, lambda: svc.engine.is_leader, "leadership")
        repo.write("shop/web.yaml", deployment("web", "registry.example.com/web:2.0"))
        bump = repo.commit("shop: web 2.0")
        # Auto-sync follows the new commit.
        await wait_for(pilot, lambda: image(api_client, repo).endswith(":2.0"), "the bump")
        await revert_modal(pilot, app, bump)
        body = str(app.screen.query_one(".dialog-body Static", Static).render())
        # The preview shows the cluster effect: the image goes back.
        assert "OutOfSync: Deployment.apps" in body and "web:1.0" in body
        assert f"effect on {repo.app} (1 object(s) change):" in body
        assert "shop/web.yaml (+1/-1)" in body
        await pilot.press("y")
        await wait_for(
            pilot,
            lambda: git(repo.origin, "log", "-1", "--format=%s") == 'Revert "shop: web 2.0"',
            "the revert commit in the remote",
        )
        await wait_for(pilot, lambda: image(api_client, repo).endswith(":1.0"), "the rollback")


async def test_text_from_git_and_operators_shows_as_written(
    api_client, repo: Repo, make_service
) -> None:
    # Square brackets mean markup to Textual: "[/b]" unmatched used to raise in the UI.
    repo.write("shop/web.yaml", deployment("web", "registry.example.com/web:2.0"))
    bump = repo.commit("shop: web 2.0 [skip ci] [/b]")
    svc = make_service(repo)
    app = GitOpsApp(svc)
    async with app.run_test(size=SIZE) as pilot:
        await synced_app(pilot, app, repo)
        await wait_for(pilot, lambda: "web 2.0 [skip ci] [/b]" in status_line(app), "the subject")
        await pause_with_p(pilot, app, repo, "[/i] INC-7 [red]")
        detail = lambda: str(app.query_one("#app-detail", Static).render())  # noqa: E731
        await wait_for(pilot, lambda: "[/i] INC-7 [red]" in detail(), "the reason as typed")
        history_row = await revert_modal(pilot, app, bump)
        assert history_row[4] == "shop: web 2.0 [skip ci] [/b]"
        title = str(app.screen.query_one(".dialog-title", Static).render())
        assert title == 'Revert "shop: web 2.0 [skip ci] [/b]" and push?'
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen.id == "history-screen", "back to the history")


async def test_a_revert_that_conflicts_is_a_notification_naming_the_file(
    repo: Repo, make_service
) -> None:
    # A file name with [brackets]: the error quoting it is shown as written.
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "extra"}}
    repo.write("shop/extra[b].yaml", {**cm, "data": {"v": "1"}})
    first = repo.commit("shop: extra v1")
    repo.write("shop/extra[b].yaml", {**cm, "data": {"v": "2"}})
    repo.commit("shop: extra v2")
    app = GitOpsApp(make_service(repo))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for(pilot, lambda: row(app, repo.app), "the app row")
        await pilot.press("h")
        await wait_for(pilot, lambda: app.screen.id == "history-screen", "the history")
        table = app.screen.query_one("#history", DataTable)
        await wait_for(pilot, lambda: table.row_count >= 3, "commits in the history")
        texts = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        table.move_cursor(row=next(i for i, r in enumerate(texts) if r[1] == first[:8]))
        await pilot.press("R")

        def said() -> bool:  # as the toast shows it, not as it was sent
            toasts = [str(t.render()) for t in app.screen.query(Toast)]
            return any("conflicts with later changes in shop/extra[b].yaml" in t for t in toasts)

        await wait_for(pilot, said, "the conflict, naming the file")
        assert app.is_running and app.screen.id == "history-screen"


async def test_slash_filters(repo: Repo, make_service, tmp_path) -> None:
    repo.write(
        "gitops-tui.yaml",
        {
            "apps": [
                {"name": repo.app, "path": "shop", "namespace": repo.ns},
                {"name": f"billing-{repo.ns}", "path": "shop", "namespace": repo.ns},
            ]
        },
    )
    repo.commit("two apps")
    app = GitOpsApp(make_service(repo))
    async with app.run_test(size=(80, 24)) as pilot:  # the smallest terminal we support
        await wait_for(pilot, lambda: len(cells(app)) == 2, "both apps")
        detail = app.query_one("#app-detail", Static)
        await wait_for(pilot, lambda: f"source: shop → {repo.ns}" in str(detail.render()), "detail")
        await pilot.press("j")
        await wait_for(pilot, lambda: app.selected_name() == cells(app)[1][0], "the second app")
        assert detail.region.height == DETAIL_ROWS + 1  # a border and the lines: never jumps
        await pilot.press("slash", *"bill")
        await wait_for(pilot, lambda: len(cells(app)) == 1, "the filter")
        assert cells(app)[0][0] == f"billing-{repo.ns}"
        await pilot.press("escape")
        await wait_for(pilot, lambda: len(cells(app)) == 2, "the filter cleared")


async def test_the_palette_offers_each_action_with_its_key_and_runs_it(
    repo: Repo, make_service
) -> None:
    repo.configure(autoSync=False)
    app = GitOpsApp(make_service(repo))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: row(app, repo.app), "the app row")
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
        await pilot.press(*"sync")

        def prompts() -> list[str]:
            options = app.screen.query_one(CommandList)
            return [
                str(getattr(o.prompt, "plain", o.prompt))
                for o in (options.get_option_at_index(i) for i in range(options.option_count))
            ]

        await wait_for(pilot, lambda: any("Sync (s)" in p for p in prompts()), "Sync (s)")
        assert any("Suspend auto-sync (S)" in p for p in prompts())
        index = next(i for i, p in enumerate(prompts()) if "Sync (s)" in p)
        app.screen.query_one(CommandList).highlighted = index
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen.id == "sync-modal", "the sync confirm")
        await pilot.press("n", "ctrl+p", *"filt")  # "Filter (/)": a slash in a title
        await wait_for(pilot, lambda: any("Filter (/)" in p for p in prompts()), "Filter (/)")


async def test_an_unforeseen_error_in_a_worker_is_a_notification_not_the_end(
    repo: Repo, make_service, monkeypatch
) -> None:
    # A stand-in for a bug: the service raises something no worker expects.
    first = git(repo.work, "rev-parse", "HEAD")
    repo.configure(autoSync=False)
    svc = make_service(repo)
    app = GitOpsApp(svc, fetch_interval=3600)

    def said(text: str) -> bool:
        return any(text in str(n.message) for n in app._notifications)

    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: row(app, repo.app), "the app row")
        await wait_for(pilot, lambda: svc.engine.is_leader, "leadership")
        monkeypatch.setattr(svc, "sync", lambda name: {}["no such key"])
        await pilot.press("s")
        await wait_for(pilot, lambda: app.screen.id == "sync-modal", "the sync confirm")
        await pilot.press("y")
        await wait_for(pilot, lambda: said("unexpected error in actions: KeyError"), "the note")
        # In a screen's worker too (the history's patch).
        monkeypatch.setattr(svc, "patch", lambda app_, sha: 1 / 0)
        await history_at(pilot, app, first)
        await pilot.press("enter")
        await wait_for(pilot, lambda: said("unexpected error in patch: ZeroDivisionError"), "2nd")
        assert app.is_running and app.screen.id == "history-screen"
        monkeypatch.undo()
        await pilot.press("escape", "s")  # and the UI still works
        await wait_for(pilot, lambda: app.screen.id == "sync-modal", "the sync confirm again")
        await pilot.press("y")
        await wait_for(pilot, lambda: "Synced" in row(app, repo.app)[2], "Synced")


async def test_read_only_refuses_s_p_S_and_R(api_client, repo: Repo, make_service) -> None:
    svc = make_service(repo)
    svc.settings.read_only = True
    app = GitOpsApp(svc)

    def said(text: str) -> bool:
        return any(text in str(n.message) for n in app._notifications)

    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: row(app, repo.app), "the app row")
        for key, action in (("s", "sync"), ("p", "pause"), ("S", "suspend")):
            await pilot.press(key)
            refusal = f"read-only mode: '{action}' is disabled"
            await wait_for(pilot, lambda t=refusal: said(t), key)
            assert app.screen is app.screen_stack[0]  # no modal opened
        assert "read-only" in status_line(app)
        await history_at(pilot, app, git(repo.work, "rev-parse", "HEAD"))
        await pilot.press("R")
        await wait_for(pilot, lambda: said("read-only mode: revert is disabled"), "R")
        assert app.screen.id == "history-screen"
        apps = client.AppsV1Api(api_client).list_namespaced_deployment(repo.ns)
        assert apps.items == []
        state = svc.engine.state(repo.app)
        assert state is None or (state.pause is None and not state.suspended)
        assert git(repo.origin, "log", "-1", "--format=%H") == git(repo.work, "rev-parse", "HEAD")


async def test_a_render_error_is_a_line_on_the_app_and_i_shows_it_in_full(
    repo: Repo, make_service
) -> None:
    (repo.work / "shop" / "broken.yaml").write_text("kind: ConfigMap\nmetadata: a: b\n")
    repo.commit("shop: a broken manifest")
    app = GitOpsApp(make_service(repo))
    async with app.run_test(size=SIZE) as pilot:
        r = await wait_for(pilot, lambda: row(app, repo.app), "the app row")
        assert "Unknown" in r[2]
        await wait_for(
            pilot,
            lambda: (
                "✘ shop/broken.yaml:2: invalid YAML"
                in str(app.query_one("#app-detail", Static).render())
            ),
            "the error line under the app",
        )
        await pilot.press("i")
        await wait_for(pilot, lambda: app.screen.id == "details-modal", "the details")
        body = str(app.screen.query_one("#details-body", Static).render())
        assert "shop/broken.yaml:2: invalid YAML: mapping values are not allowed" in body
        assert "declared in gitops-tui.yaml" in body and "auto-sync on" in body


async def test_a_broken_app_declaration_is_said_and_its_fix_brings_the_app_back(
    repo: Repo, make_service
) -> None:
    app = GitOpsApp(make_service(repo), fetch_interval=0.5)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: row(app, repo.app), "the app row")
        good = (repo.work / "gitops-tui.yaml").read_text()
        (repo.work / "gitops-tui.yaml").write_text("apps: [\n  {name: x, path: }\n")
        repo.commit("a broken declaration")
        said = "not discovered: gitops-tui.yaml:3: invalid YAML"
        await wait_for(pilot, lambda: said in status_line(app), "the error in the status bar")
        notes = [str(n.message) for n in app._notifications]
        assert any("gitops-tui.yaml:3: invalid YAML" in n for n in notes)
        assert row(app, repo.app) is None  # not managed until the declaration is fixed
        (repo.work / "gitops-tui.yaml").write_text(good)
        repo.commit("the declaration fixed")
        await wait_for(pilot, lambda: row(app, repo.app), "the app back")
        await wait_for(pilot, lambda: "not discovered" not in status_line(app), "no error")


async def test_the_ui_waits_for_an_api_server_that_is_down_and_connects(
    local_cluster, repo: Repo, make_service
) -> None:
    svc = make_service(repo)
    local_cluster.stop_apiserver()
    try:
        app = GitOpsApp(svc)
        async with app.run_test(size=SIZE) as pilot:
            line = await wait_for(
                pilot,
                lambda: "retrying" in (t := str(app.query_one("#cluster", Static).render())) and t,
                "the error line",
            )
            assert "✘" in line and "Connection refused" in line
            local_cluster.start_apiserver()
            await wait_for(pilot, lambda: row(app, repo.app), "the apps once it is back", 40)
            assert "Kubernetes v1.36.3" in str(app.query_one("#cluster", Static).render())
    finally:
        if not local_cluster.running():
            local_cluster.start_apiserver()


async def test_an_api_server_lost_mid_session_is_a_stale_marker_until_it_is_back(
    local_cluster, repo: Repo, make_service
) -> None:
    app = GitOpsApp(make_service(repo))
    cluster = lambda: str(app.query_one("#cluster", Static).render())  # noqa: E731
    async with app.run_test(size=SIZE) as pilot:
        await synced_app(pilot, app, repo)
        assert "failing" not in cluster()
        local_cluster.stop_apiserver()
        try:
            await wait_for(pilot, lambda: "(view may be stale)" in cluster(), "the marker")
            assert "✘ watch of" in cluster()
            # The open watches drop first; the retries then find nobody listening.
            await wait_for(pilot, lambda: "connection refused" in cluster(), "the cause")
            assert "Kubernetes v1.36.3" in cluster()  # still says which cluster it was
            await pilot.press("d")  # the last known state stays open to read
            await wait_for(pilot, lambda: app.screen.id == "diff-screen", "the diff")
            await pilot.press("escape")
        finally:
            local_cluster.start_apiserver()
        await wait_for(pilot, lambda: "failing" not in cluster(), "the marker gone", 40)
        assert row(app, repo.app) and "Synced" in row(app, repo.app)[2]


@pytest.fixture
def served(repo: Repo, kubeconfig, tmp_path, monkeypatch):
    """A service whose remote is the repo served over HTTP on loopback, and the server
    (its `answering` event cleared: the remote hangs)."""
    server = GitHttpServer(repo.origin.parent, {"ops": "t0ken"}).start()
    monkeypatch.setenv("GITOPS_TUI_GIT_USERNAME", "ops")
    monkeypatch.setenv("GITOPS_TUI_GIT_TOKEN", "t0ken")
    svc = Service(
        Settings(
            repo=server.serve(repo.origin),
            kubeconfig=kubeconfig,
            control_namespace=f"ctl-{repo.ns}",
            cache=tmp_path / "cache",
        )
    )
    try:
        yield svc, server
    finally:
        server.stop()
        svc.close()


async def test_a_hanging_fetch_is_a_stale_marker_and_keys_still_work(repo: Repo, served) -> None:
    svc, server = served
    app = GitOpsApp(svc, fetch_interval=3600)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: row(app, repo.app), "the app row")
        await wait_for(pilot, lambda: "fetched" in status_line(app), "the first fetch")
        server.answering.clear()  # the Git server stops answering
        await pilot.press("r")
        await wait_for(
            pilot,
            lambda: "fetching for" in status_line(app) and "stale" in status_line(app),
            "the stale marker",
            deadline=STALE_FETCH + 10,
        )
        # The screen is alive: keys answer while the fetch hangs.
        await pilot.press("slash", *"zz")
        await wait_for(pilot, lambda: not cells(app), "the filter")
        await pilot.press("escape")
        await wait_for(pilot, lambda: row(app, repo.app), "the filter cleared")
        await pilot.press("i")
        await wait_for(pilot, lambda: app.screen.id == "details-modal", "the details")
        await pilot.press("escape")
        repo.write("shop/web.yaml", deployment("web", "registry.example.com/web:3.0"))
        repo.commit("shop: web 3.0")
        server.answering.set()
        await wait_for(pilot, lambda: "fetched" in status_line(app), "the fetch done")
        await pilot.press("r")
        await wait_for(pilot, lambda: "shop: web 3.0" in status_line(app), "the new HEAD")


async def test_R_twice_while_the_remote_is_slow_opens_one_revert_dialog(repo: Repo, served) -> None:
    svc, server = served
    app = GitOpsApp(svc, fetch_interval=3600)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: row(app, repo.app), "the app row")
        await history_at(pilot, app, git(repo.work, "rev-parse", "HEAD"))
        server.answering.clear()  # the preview fetches first: it waits on the remote
        await pilot.press("R", "R")
        previews = lambda: [w for w in app.workers if w.group == "revert" and w.is_running]  # noqa: E731
        await wait_for(pilot, lambda: len(previews()) == 2, "two previews waiting on the remote")
        server.answering.set()
        await wait_for(pilot, lambda: app.screen.id == "revert-modal", "the revert modal")
        await app.workers.wait_for_complete()  # both presses' previews are done
        assert app.is_running
        assert [s.id for s in app.screen_stack].count("revert-modal") == 1
        assert not [n for n in app._notifications if "unexpected" in str(n.message)]


async def test_the_status_bar_names_the_repository_without_its_token(
    repo: Repo, kubeconfig, tmp_path
) -> None:
    token = "t0ken-In-The-Url-5c1e"
    server = GitHttpServer(repo.origin.parent, {"ops": token}).start()
    url = server.serve(repo.origin)
    given = url.replace("http://", f"http://ops:{token}@") + f"?private_token={token}"
    settings = Settings(
        repo=given,
        kubeconfig=kubeconfig,
        control_namespace=f"ctl-{repo.ns}",
        cache=tmp_path / "cache",
    )
    svc = Service(settings)
    app = GitOpsApp(svc, fetch_interval=3600)
    try:
        async with app.run_test(size=SIZE) as pilot:
            assert status_line(app) == f"repo: {url}?private_token=***  starting…"
            await wait_for(pilot, lambda: "fetched" in status_line(app), "the first fetch")
            assert status_line(app).endswith(f"│ repo: {url}?private_token=***")
            server.stop()  # the remote goes away: its error names it, without the token
            await pilot.press("r")
            await wait_for(pilot, lambda: "✘ fetch" in status_line(app), "the fetch error")
            assert token not in status_line(app)
            notes = [str(n.message) for n in app._notifications]
            assert any(f"fetching {url}?private_token=***" in n for n in notes), notes
            assert not [n for n in notes if token in n]
    finally:
        server.stop()
        svc.close()
