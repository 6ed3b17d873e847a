#!/usr/bin/env python3
"""Capture screenshots/*.svg from a real run: the local control plane, the sample
repository synced, and the UI driven by keys, the way an operator would.

    .venv/bin/python hack/screenshots.py
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kubernetes import client  # noqa: E402
from textual.widgets import DataTable  # noqa: E402

from gitops_tui.config import Settings  # noqa: E402
from gitops_tui.demo_run import prepare, sync_all  # noqa: E402
from gitops_tui.localcluster import LocalCluster  # noqa: E402
from gitops_tui.service import Service  # noqa: E402
from gitops_tui.tui.app import GitOpsApp  # noqa: E402
from gitops_tui.tui.widgets.rowtable import RowTable  # noqa: E402

OUT = ROOT / "screenshots"
SIZE = (132, 38)
APP = "payment-service-staging"


async def until(pilot, fn, what: str, deadline: float = 30.0):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        try:
            if result := fn():
                return result
        except Exception:
            pass
        await pilot.pause(0.1)
    raise SystemExit(f"timed out waiting for {what}")


def row(app: GitOpsApp, name: str) -> list[str]:
    table = app.query_one("#apps", RowTable)
    for i in range(table.row_count):
        cells = [str(c) for c in table.get_row_at(i)]
        if cells[0] == name:
            return cells
    return []


async def capture(app: GitOpsApp, api) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: len(row(app, "platform")) and app.ready, "the apps")
        await until(pilot, lambda: "leader" in str(app.query_one("#statusbar").render()), "lead")
        table = app.query_one("#apps", RowTable)
        table.move_cursor(row=app.order.index(APP))
        await pilot.pause(0.5)
        app.save_screenshot("apps.svg", str(OUT))

        await pilot.press("p")
        await until(pilot, lambda: app.screen.id == "pause-modal", "the pause modal")
        await pilot.press(*"INC-4711 payment timeouts", "enter", "enter")
        await until(pilot, lambda: "PAUSED" in row(app, APP)[4], "the pause")
        client.AppsV1Api(api).patch_namespaced_deployment_scale(
            "payment-service", "shop-staging", {"spec": {"replicas": 3}}, field_manager="kubectl"
        )
        await until(pilot, lambda: "OutOfSync" in row(app, APP)[2], "the drift")
        await pilot.pause(0.5)
        app.save_screenshot("paused.svg", str(OUT))

        await pilot.press("d")
        await until(pilot, lambda: app.screen.id == "diff-screen", "the diff")
        await pilot.pause(0.5)
        app.save_screenshot("diff.svg", str(OUT))
        await pilot.press("escape")

        await pilot.press("h")
        await until(pilot, lambda: app.screen.id == "history-screen", "the history")
        history = app.screen.query_one("#history", DataTable)
        await until(pilot, lambda: history.row_count >= 2, "commits")
        subjects = [str(history.get_row_at(i)[4]) for i in range(history.row_count)]
        history.move_cursor(row=subjects.index("payment-service: bump image to 1.4.2"))
        await pilot.press("R")
        await until(pilot, lambda: app.screen.id == "revert-modal", "the revert modal")
        await pilot.pause(0.5)
        app.save_screenshot("history-revert.svg", str(OUT))
        await pilot.press("n")


def main() -> int:
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="gitops-tui-shots-") as tmp:
        work = Path(tmp)
        with LocalCluster(work / "cluster") as cluster:
            _, origin = prepare(work)
            service = Service(
                Settings(repo=str(origin), kubeconfig=cluster.kubeconfig, cache=work / "cache")
            )
            try:
                sync_all(service)
                api = service.connect()
                asyncio.run(capture(GitOpsApp(service), api))
            finally:
                service.close()
    for svg in sorted(OUT.glob("*.svg")):
        print(svg.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
