"""Snapshots of the main screen and of a diff with the sample repository synced into the
real control plane, as `make demo` shows them.

What changes from run to run is pinned or masked, and nothing else: the UI's clock is
set 90 s after the last sync and the last fetch (so every age reads "1m ago"), the API
server's port is masked digit for digit, and so is the hh:mm of a foreign change. Each
mask keeps the text's width, so the layout under it is compared as it is. Update with
--snapshot-update after checking the new SVG by eye."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from kubernetes import client
from pytest_textual_snapshot import SVGImageExtension
from textual._doc import take_svg_screenshot

from gitops_tui.config import Settings
from gitops_tui.demo import APP_NAMES, write_sample_repo
from gitops_tui.demo_run import sync_all
from gitops_tui.service import Service
from gitops_tui.tui.app import GitOpsApp
from gitops_tui.tui.screens.diff import DiffScreen
from gitops_tui.tui.widgets.rowtable import RowTable
from tests.support import poll
from tests.tui.test_app import cells
from tests.tui.test_snapshots import OneScreen

FIXED = Path("/tmp/gitops-tui-snapshot-fleet")  # a fixed path: the status bar shows it
SAMPLE_NAMESPACES = ("shop-staging", "shop-production")
APP = "payment-service-staging"


def masked(svg: str, *patterns: tuple[str, bool]) -> str:
    for pattern, required in patterns:

        def same_width(m: re.Match) -> str:
            return m.group(1) + "#" * len(m.group(2))

        svg, n = re.subn(pattern, same_width, svg)
        assert n or not required, f"nothing to mask for {pattern!r}: the screen changed"
    return svg


PORT = (r"(127\.0\.0\.1:)(\d+)", True)
# The API server stamps no time on some writes (the scale subresource's among them).
HHMM = (r"(at )(\d\d:\d\d)", False)


class Clock:
    """The UI's clock: the real one until a test pins it."""

    def __init__(self) -> None:
        self.pinned: float | None = None

    def __call__(self) -> float:
        return time.time() if self.pinned is None else self.pinned


@pytest.fixture(scope="module")
def fleet(kubeconfig: Path, api_client, tmp_path_factory) -> Iterator[Service]:
    subprocess.run(["rm", "-rf", str(FIXED)], check=True)
    work = write_sample_repo(FIXED / "work")
    origin = FIXED / "origin.git"
    subprocess.run(["git", "clone", "--quiet", "--bare", str(work), str(origin)], check=True)
    control = f"ctl-{uuid.uuid4().hex[:8]}"
    service = Service(
        Settings(
            repo=str(origin),
            kubeconfig=kubeconfig,
            control_namespace=control,
            cache=tmp_path_factory.mktemp("fleet-cache"),
        )
    )
    sync_all(service)
    # Without a kubelet the rollouts stop at "0/N available", once the deployment
    # controller has created every replica: wait for that, so the screen is the same.
    deployments = client.AppsV1Api(api_client)

    def settled() -> bool:
        items = [
            d for ns in SAMPLE_NAMESPACES for d in deployments.list_namespaced_deployment(ns).items
        ]
        return bool(items) and all(
            (d.status.observed_generation or 0) >= d.metadata.generation
            and (d.status.updated_replicas or 0) == d.spec.replicas
            for d in items
        )

    poll(settled, "the sample's rollouts to settle", deadline=60)
    yield service
    service.close()
    core = client.CoreV1Api(api_client)
    for ns in (*SAMPLE_NAMESPACES, control):
        core.delete_namespace(ns)


async def until(pilot, fn, what: str, deadline: float = 30.0) -> None:
    end = time.monotonic() + deadline
    while not fn():
        assert time.monotonic() < end, f"timed out waiting for {what}"
        await pilot.pause(0.05)


def test_main_screen_with_the_sample_fleet_synced(snapshot, fleet: Service) -> None:
    clock = Clock()
    app = GitOpsApp(fleet, fetch_interval=3600, clock=clock)

    async def synced(pilot) -> None:
        status = lambda: str(app.query_one("#statusbar").render())  # noqa: E731
        rows = lambda: cells(app)  # noqa: E731
        await until(pilot, lambda: [r[0] for r in rows()] == sorted(APP_NAMES), "every app")
        await until(pilot, lambda: all("Synced" in r[2] for r in rows()), "every app Synced")
        await until(pilot, lambda: "reconciler: leader" in status(), "leadership")
        await until(pilot, lambda: "fetched" in status(), "the first fetch")
        synced_at = [
            dt.datetime.fromisoformat(fleet.engine.state(n).last_synced_at).timestamp()
            for n in APP_NAMES
        ]
        clock.pinned = max(*synced_at, app.poller.last_fetch_at) + 90
        app._repaint_all()
        await until(pilot, lambda: all(r[6] == "1m ago" for r in rows()), "the pinned ages")
        await until(pilot, lambda: "fetched 1m ago" in status(), "the pinned fetch age")
        detail = lambda: str(app.query_one("#app-detail").render())  # noqa: E731
        await until(pilot, lambda: "0/2 replicas available" in detail(), "the settled rollout")
        assert app.query_one("#resources", RowTable).row_count > 0

    svg = take_svg_screenshot(app=app, terminal_size=(132, 30), run_before=synced)
    assert snapshot.use_extension(SVGImageExtension) == masked(svg, PORT)


def test_diff_screen_shows_the_foreign_change_and_who_made_it(
    snapshot, fleet: Service, api_client
) -> None:
    apps = client.AppsV1Api(api_client)
    fleet.pause(APP, "snapshot of a drift", dt.timedelta(minutes=5))
    try:
        apps.patch_namespaced_deployment_scale(
            "payment-service", "shop-staging", {"spec": {"replicas": 4}}, field_manager="kubectl"
        )
        view = poll(
            lambda: (
                (v := fleet.engine.view(APP))
                and any(
                    d.ref.kind == "Deployment" and str(d.status) == "OutOfSync" for d in v.diffs
                )
                and v
            ),
            "the drift in the view",
        )
        index = next(i for i, d in enumerate(view.diffs) if d.ref.kind == "Deployment")
        svg = take_svg_screenshot(
            app=OneScreen(DiffScreen(APP, view.diffs, index)), terminal_size=(110, 30)
        )
    finally:
        fleet.resume(APP)
    poll(
        lambda: (
            apps.read_namespaced_deployment("payment-service", "shop-staging").spec.replicas != 4
        ),
        "the heal after resume",
    )
    shown = svg.replace("&#160;", " ")
    assert "changed by kubectl" in shown and "spec.replicas" in shown
    assert snapshot.use_extension(SVGImageExtension) == masked(svg, HHMM)


async def test_columns_sort_by_key_and_by_a_click_on_their_header(fleet: Service) -> None:
    app = GitOpsApp(fleet, fetch_interval=3600)
    async with app.run_test(size=(132, 30)) as pilot:
        await until(pilot, lambda: len(cells(app)) == len(APP_NAMES), "every app")
        assert [r[0] for r in cells(app)] == sorted(APP_NAMES)
        header = lambda: str(app.screen._compositor.render_strips()[1].text)  # noqa: E731
        await until(pilot, lambda: "NAME ▲" in header(), "the order shown on NAME")
        await pilot.press("o")  # NAME -> DESTINATION
        await until(pilot, lambda: cells(app)[0][0] == "platform", "sorted by destination")
        destinations = [r[1] for r in cells(app)]
        assert destinations == sorted(destinations) and destinations[0] == "default"
        await until(pilot, lambda: "DESTINATION ▲" in header(), "the mark moved")
        assert "NAME ▲" not in header()
        table = app.query_one("#apps", RowTable)
        x = header().index("DESTINATION")
        await pilot.click(RowTable, offset=(x + 1, 0))  # the same column again: reversed
        await until(pilot, lambda: cells(app)[-1][0] == "platform", "the order reversed")
        await until(pilot, lambda: "DESTINATION ▼" in header(), "the mark turned")
        assert table.row_keys == [r[0] for r in cells(app)]
