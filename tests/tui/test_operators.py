"""The UI as one operator among many: a follower while a `gitops-tui reconcile` daemon
leads, and a pause counted on the API server's clock whatever this machine's says."""

from __future__ import annotations

import datetime as dt
import time

from textual.widgets import Static

from gitops_tui.cluster.clock import ServerClock, use_clock
from gitops_tui.tui.app import GitOpsApp
from tests.processes import Operators
from tests.support import poll
from tests.tui.test_app import SIZE, pause_with_p, replicas, row, scale, status_line, wait_for


def detail(app: GitOpsApp) -> str:
    return str(app.query_one("#app-detail", Static).render())


async def test_p_on_a_follower_resumes_and_the_leading_daemon_heals(
    operators: Operators,
) -> None:
    ops, repo = operators, operators.repo
    daemon = ops.daemon()
    ops.wait_leading(daemon)
    app = GitOpsApp(ops.service("ui"))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "Synced" in row(app, repo.app)[2], "synced by the daemon")
        await wait_for(pilot, lambda: "follower (leader:" in status_line(app), "the follower")
        await pause_with_p(pilot, app, repo, "INC-15")
        scale(ops.api, repo, 5)
        await wait_for(pilot, lambda: "OutOfSync" in row(app, repo.app)[2], "the drift shown")
        assert replicas(ops.api, repo) == 5  # the daemon keeps its hands off
        await pilot.press("p")  # resume, from this process; the daemon heals
        await wait_for(pilot, lambda: replicas(ops.api, repo) == 2, "the daemon's heal", 10)
        await wait_for(pilot, lambda: "Synced" in row(app, repo.app)[2], "Synced again")
    poll(lambda: [r for r in daemon.audit(repo.app) if r.action == "heal"], "the heal's audit")


async def test_the_time_a_pause_has_left_is_counted_on_the_api_servers_clock(
    operators: Operators,
) -> None:
    ops, repo = operators, operators.repo
    svc = ops.service("ui")
    # This machine's clock is an hour slow; the operator who pauses has one an hour fast.
    use_clock(svc.connect(), ServerClock(local=lambda: time.time() - 3600))
    other = ops.service("other")
    use_clock(other.connect(), ServerClock(local=lambda: time.time() + 3600))
    app = GitOpsApp(svc)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: row(app, repo.app), "the app row")
        other.pause(repo.app, "INC-16", dt.timedelta(minutes=30))
        await wait_for(pilot, lambda: "PAUSED" in row(app, repo.app)[4], "the pause shown")
        await wait_for(pilot, lambda: "(30m left)" in detail(app), "30 minutes left")
        await pilot.press("i")
        await wait_for(pilot, lambda: app.screen.id == "details-modal", "the details")
        body = str(app.screen.query_one("#details-body", Static).render())
        assert "(30m left)" in body and "INC-16" in body
