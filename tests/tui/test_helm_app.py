"""A Helm chart app in the UI, on the real control plane: its chart and version beside its
path, its objects in the resources pane, its hooks said under the app and in `i`, never
listed as objects nor applied."""

from __future__ import annotations

from textual.widgets import Static

from gitops_tui.tui.app import GitOpsApp
from tests.support import Repo
from tests.tui.test_app import SIZE, cells, row, wait_for

CHART = {
    "chart/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
    "chart/templates/config.yaml": """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-config
data: {release: {{ .Release.Name | quote }}}
""",
    "chart/templates/migrate.yaml": """\
apiVersion: batch/v1
kind: Job
metadata:
  name: {{ .Release.Name }}-migrate
  annotations: {helm.sh/hook: pre-upgrade}
spec: {template: {spec: {restartPolicy: Never, containers: [{name: m, image: busybox}]}}}
""",
}


async def test_a_chart_app_shows_its_objects_and_says_its_hooks(
    repo: Repo, make_service, helm_path: str, monkeypatch
) -> None:
    monkeypatch.setenv("GITOPS_TUI_HELM", helm_path)
    for path, text in CHART.items():
        (repo.work / path).parent.mkdir(parents=True, exist_ok=True)
        (repo.work / path).write_text(text)
    repo.configure(path="chart", autoSync=False)
    app = GitOpsApp(make_service(repo))
    said = f"⚠ 1 Helm hook not applied (hooks do not run yet): Job/{repo.app}-migrate"
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: row(app, repo.app), "the app row")
        detail = lambda: str(app.query_one("#app-detail", Static).render())  # noqa: E731
        await wait_for(pilot, lambda: said in detail(), "the hooks said under the app")
        assert f"source: chart (helm web@0.1.0) → {repo.ns}" in detail()
        res = await wait_for(pilot, lambda: cells(app, "#resources"), "the resources")
        assert [(r[0], r[2]) for r in res] == [("ConfigMap", f"{repo.app}-config")]
        await pilot.press("i")
        await wait_for(pilot, lambda: app.screen.id == "details-modal", "the details")
        body = str(app.screen.query_one("#details-body", Static).render())
        assert said in body and f"path chart (helm web@0.1.0) → namespace {repo.ns}" in body
