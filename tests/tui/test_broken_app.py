"""A broken app among good ones, in the TUI on the real control plane: its row says
what is wrong, and the others still show and sync."""

from __future__ import annotations

from kubernetes import client

from gitops_tui.tui.app import GitOpsApp
from gitops_tui.tui.widgets.rowtable import RowTable
from tests.support import Repo
from tests.tui.test_app import SIZE, row, wait_for


async def test_a_broken_app_shows_its_error_on_its_row_and_the_others_sync(
    repo: Repo, make_service, api_client
) -> None:
    broken = f"broken-{repo.ns}"
    apps = [
        {"name": repo.app, "path": "shop", "namespace": repo.ns},
        # Once a TypeError in the renderer, which killed the UI's backend worker.
        {"name": broken, "path": "broken", "namespace": repo.ns},
        {"name": "a/b", "path": "shop", "namespace": repo.ns},
    ]
    repo.write("gitops-tui.yaml", {"apps": apps})
    (repo.work / "broken").mkdir()
    (repo.work / "broken" / "kustomization.yaml").write_text("resources: 5\n")
    repo.commit("a broken app and a badly named one next to the shop")

    app = GitOpsApp(make_service(repo))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: row(app, repo.app), "the good app's row")
        bad = await wait_for(pilot, lambda: row(app, broken), "the broken app's row")
        assert "Unknown" in bad[2]
        assert bad[5].startswith("✘ broken/kustomization.yaml:1: resources must be a list")
        named = await wait_for(pilot, lambda: row(app, "a/b"), "the badly named app's row")
        assert named[5].startswith("✘ gitops-tui.yaml:") and "Kubernetes name" in named[5]

        # The good app still syncs from its row.
        table = app.query_one("#apps", RowTable)
        while app.selected_name() != repo.app:
            await pilot.press("down")
        assert table.cursor_row == app.order.index(repo.app)
        await pilot.press("s")
        await wait_for(pilot, lambda: app.screen.id == "sync-modal", "the sync confirm")
        await pilot.press("y")
        await wait_for(pilot, lambda: "Synced" in row(app, repo.app)[2], "Synced in the table")
        web = client.AppsV1Api(api_client).read_namespaced_deployment("web", repo.ns)
        assert web.metadata.labels["gitops-tui.io/app"] == repo.app

        # The broken one refuses a sync, in a notification; nothing crashed.
        while app.selected_name() != broken:
            await pilot.press("up")
        await pilot.press("s")
        await wait_for(pilot, lambda: app.screen.id == "sync-modal", "the sync confirm")
        await pilot.press("y")
        said = f"{broken}: render failed, nothing applied: broken/kustomization.yaml:1"
        await wait_for(
            pilot,
            lambda: any(said in str(n.message) for n in app._notifications),
            "the refusal",
        )
        assert not any("unexpected" in str(n.message) for n in app._notifications)
