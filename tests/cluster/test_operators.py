"""Many operators, one cluster: a `gitops-tui reconcile` daemon leads in a process of
its own while other processes (the CLI, another operator's engine) change app state.
The leader acts on every change another process makes, as it arrives."""

from __future__ import annotations

import datetime as dt
import json
import time

from kubernetes import client

from gitops_tui.cluster.clock import ServerClock, use_clock
from gitops_tui.reconcile.state import AppState, object_name
from gitops_tui.tui.format import time_left
from tests.processes import Operators
from tests.support import deployment, git, poll

HEAL_DEADLINE = 10.0  # seconds; the goal is under one


def replicas(api_client, ns: str) -> int | None:
    try:
        return client.AppsV1Api(api_client).read_namespaced_deployment("web", ns).spec.replicas
    except client.ApiException:
        return None


def image(api_client, ns: str) -> str | None:
    try:
        web = client.AppsV1Api(api_client).read_namespaced_deployment("web", ns)
    except client.ApiException:
        return None
    return web.spec.template.spec.containers[0].image


def scale(api_client, ns: str, n: int) -> None:
    client.AppsV1Api(api_client).patch_namespaced_deployment_scale(
        "web", ns, {"spec": {"replicas": n}}, field_manager="kubectl"
    )


def state(ops: Operators) -> AppState:
    cm = client.CoreV1Api(ops.api).read_namespaced_config_map(
        object_name(ops.repo.app), ops.control
    )
    return AppState.from_configmap(cm.to_dict())


def report(figure: str, seconds: float) -> None:
    # Timings are reported, never asserted: benchmarks/operators.py collects them.
    print(json.dumps({"figure": figure, "seconds": round(seconds, 3)}))


def leading_daemon(ops: Operators, **kw):
    daemon = ops.daemon(**kw)
    ops.wait_leading(daemon)
    poll(lambda: replicas(ops.api, ops.repo.ns) == 2, "the daemon's first sync")
    return daemon


def test_a_resume_from_the_cli_is_healed_by_the_daemon_at_once(operators: Operators) -> None:
    ops, ns, app = operators, operators.repo.ns, operators.repo.app
    daemon = leading_daemon(ops)
    done = ops.cli("pause", app, "--for", "30m", "--reason", "INC-15 debugging")
    assert done.returncode == 0, done.stderr
    scale(ops.api, ns, 5)
    # Another process sees the drift a while later: it was kept, not healed.
    diff = ops.cli("diff", app)
    assert diff.returncode == 3, diff.stdout + diff.stderr
    assert replicas(ops.api, ns) == 5
    resume = ops.cli_start("resume", app)
    try:
        resumed = poll(lambda: state(ops).pause is None and time.monotonic(), "the resume")
        healed = poll(
            lambda: replicas(ops.api, ns) == 2 and time.monotonic(),
            "the daemon to heal after a resume from another process",
            deadline=HEAL_DEADLINE,
        )
    finally:
        assert resume.wait(60) == 0, resume.stderr.read()
    report("resume from another process -> healed", healed - resumed)
    heals = poll(lambda: [r for r in daemon.audit(app) if r.action == "heal"], "the audit")
    assert "kubectl" in heals[-1].message


def test_a_pause_set_elsewhere_expires_on_the_daemon_and_heals(operators: Operators) -> None:
    ops, ns, app = operators, operators.repo.ns, operators.repo.app
    daemon = leading_daemon(ops)
    done = ops.cli("pause", app, "--for", "4s", "--reason", "short look")
    assert done.returncode == 0, done.stderr
    scale(ops.api, ns, 6)
    poll(lambda: replicas(ops.api, ns) == 2, "the heal once the pause ran out", HEAL_DEADLINE)
    # The expiry comes first: nothing was healed while the pause ran.
    actions = poll(
        lambda: (a := [r.action for r in daemon.audit(app)]) and "heal" in a and a,
        "the heal's audit",
    )
    assert "expire" in actions and "heal" in actions[actions.index("expire") :], actions
    assert state(ops).pause is None


def test_an_unsuspend_elsewhere_syncs_the_commits_that_came_meanwhile(
    operators: Operators,
) -> None:
    ops, ns, app = operators, operators.repo.ns, operators.repo.app
    leading_daemon(ops)
    other = ops.service("other")
    engine = other.start_engine(elect=True)
    poll(lambda: engine.leader.info.holder and not engine.is_leader, "the leader seen")
    engine.submit(engine.suspend, app, True).result()
    ops.repo.write("shop/web.yaml", deployment("web", "registry.example.com/web:2.0"))
    ops.repo.commit("web 2.0 while suspended")
    engine.submit(engine.suspend, app, False).result()
    start = time.monotonic()
    poll(
        lambda: image(ops.api, ns) == "registry.example.com/web:2.0",
        "the daemon to sync the new commit once auto-sync resumed",
        deadline=HEAL_DEADLINE,
    )
    report("unsuspend from another process -> synced to the branch head", time.monotonic() - start)
    head = git(ops.repo.work, "rev-parse", "HEAD")
    poll(lambda: state(ops).last_synced_revision == head, "the sync recorded")


def test_a_sync_requested_by_a_follower_is_served_by_the_daemon(operators: Operators) -> None:
    ops, ns, app = operators, operators.repo.ns, operators.repo.app
    ops.repo.configure(autoSync=False)  # only the request syncs it
    daemon = ops.daemon()
    ops.wait_leading(daemon)
    follower = ops.service("follower")
    engine = follower.start_engine(elect=True)
    poll(lambda: engine.leader.info.holder and not engine.is_leader, "the leader seen")
    assert replicas(ops.api, ns) is None
    start = time.monotonic()
    engine.submit(engine.request, app, "sync").result()
    poll(lambda: replicas(ops.api, ns) == 2, "the daemon to serve the request", HEAL_DEADLINE)
    report("sync requested by a follower -> applied", time.monotonic() - start)
    # The sync's audit record is written once its applies have returned: wait for it.
    syncs = poll(lambda: [r for r in daemon.audit(app) if r.action == "sync"], "the audit")
    assert f"requested by {engine.who}" in syncs[-1].message
    poll(lambda: not state(ops).requests, "the request cleared")


def skewed(svc, hours: float):
    """The service's machine clock runs `hours` off the API server's (this machine's)."""
    return use_clock(svc.connect(), ServerClock(local=lambda: time.time() + hours * 3600))


def test_pauses_and_the_lease_go_by_the_api_servers_clock_not_the_machines(
    operators: Operators,
) -> None:
    ops, ns, app = operators, operators.repo.ns, operators.repo.app
    leader = ops.service("behind")  # an hour slow
    skewed(leader, -1)
    engine = leader.start_engine(elect=True)
    poll(lambda: engine.is_leader, "leadership")
    assert leader.sync(app).ok
    other = ops.service("ahead")  # an hour fast
    skewed(other, +1)
    other.start_engine(elect=False)
    # A fast clock would see the leader's Lease long expired and take it.
    assert not other.engine.leader.try_acquire()
    assert other.engine.leader.info.holder == engine.leader.identity
    pause = other.pause(app, "INC-16", dt.timedelta(seconds=5)).pause
    # The API server runs on this machine: its time is time.time().
    until = dt.datetime.fromisoformat(pause.until).timestamp()
    assert abs(until - (time.time() + 5)) < 1.5, pause
    poll(lambda: engine.state(app).pause, "the pause seen by the leader")
    assert time_left(engine.state(app).pause, engine.clock.now()) in ("5s left", "4s left")
    scale(ops.api, ns, 4)
    healed = poll(
        lambda: replicas(ops.api, ns) == 2 and time.time(), "the heal once the pause ended"
    )
    # Not before the pause's end on the server's clock (the Date header counts seconds).
    assert healed >= until - 1.0, (healed, until)
    report("pause end (server time) -> healed, clocks off by an hour", healed - until)
