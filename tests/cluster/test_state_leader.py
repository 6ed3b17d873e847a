"""App state objects and leader election, on the real control plane."""

from __future__ import annotations

import contextlib
import json
import threading
import time
import uuid

from kubernetes import client, watch

from gitops_tui.cluster.clock import clock_of
from gitops_tui.model import TRACKING_LABEL
from gitops_tui.reconcile.leader import LeaderElector
from gitops_tui.reconcile.state import Pause, StateStore, SyncResult
from tests.netproxy import Proxy
from tests.processes import Operators
from tests.support import poll

MANY = 400  # objects in the sync that the leader dies in the middle of


def test_state_survives_a_new_store_and_concurrent_writers_lose_nothing(api_client):
    ns = f"ctl-{uuid.uuid4().hex[:6]}"
    store = StateStore(api_client, ns)
    store.update("shop", lambda s: setattr(s, "suspended", True))

    def add(i: int) -> None:
        StateStore(api_client, ns).update(
            "shop", lambda s: s.record(SyncResult(f"t{i}", f"rev{i}", True, f"sync {i}"))
        )

    # Eight writers at once: optimistic concurrency must keep every one of their results.
    threads = [threading.Thread(target=add, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    state = StateStore(api_client, ns).get("shop")
    assert state.suspended is True
    assert sorted(r.revision for r in state.results) == sorted(f"rev{i}" for i in range(8))


def test_pause_round_trips_through_the_cluster(api_client):
    ns = f"ctl-{uuid.uuid4().hex[:6]}"
    pause = Pause(
        "debugging INC-42",
        "alice@host (kube: admin)",
        "2026-01-01T00:00:00+00:00",
        "2026-01-01T00:30:00+00:00",
    )
    StateStore(api_client, ns).update("shop", lambda s: setattr(s, "pause", pause))
    got = StateStore(api_client, ns).get("shop").pause
    assert got == pause
    assert got.expired(clock_of(api_client).now())  # on the API server's clock


def test_two_candidates_elect_exactly_one_leader(api_client):
    ns = f"ctl-{uuid.uuid4().hex[:6]}"
    StateStore(api_client, ns).ensure_namespace()
    a = LeaderElector(api_client, ns, "reconciler-a")
    b = LeaderElector(api_client, ns, "reconciler-b")
    results = [a.try_acquire(), b.try_acquire(), b.try_acquire(), a.try_acquire()]
    assert results == [True, False, False, True]
    assert b.info.holder == "reconciler-a"
    # A leader that steps down hands over at once.
    a.stop(release=True)
    assert b.try_acquire() is True
    assert a.try_acquire() is False


class Recorder:
    """Every ADDED and DELETED of the app's ConfigMaps, in the order the API server
    made them (one watch from one resourceVersion)."""

    def __init__(self, api_client, ns: str) -> None:
        self.core = client.CoreV1Api(api_client)
        self.ns = ns
        self.events: list[tuple[str, str]] = []
        self._watch = watch.Watch()
        rv = self.core.list_namespaced_config_map(ns).metadata.resource_version
        self._thread = threading.Thread(target=self._run, args=(rv,), daemon=True)
        self._thread.start()

    def _run(self, rv: str) -> None:
        stream = self._watch.stream(
            self.core.list_namespaced_config_map, self.ns, resource_version=rv,
            label_selector=TRACKING_LABEL, timeout_seconds=300,
        )  # fmt: skip
        with contextlib.suppress(Exception):  # the stream ends with the test
            for event in stream:
                if event["type"] in ("ADDED", "DELETED"):
                    self.events.append((event["type"], event["object"].metadata.name))

    def stop(self) -> None:
        self._watch.stop()


def config_map(name: str) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name},
            "data": {"n": name}}  # fmt: skip


def test_kill_9_of_the_leader_mid_sync_a_follower_finishes_and_nothing_is_half_pruned(
    operators: Operators,
) -> None:
    ops, ns, app = operators, operators.repo.ns, operators.repo.app
    seed = ops.service("seed")
    assert seed.sync(app).ok  # web, web-config, and the service: the old version
    seed.close()
    a = ops.daemon("a", interval=1)  # fetches every second: it takes the next commit
    ops.wait_leading(a)
    b = ops.daemon("b")
    core = client.CoreV1Api(ops.api)
    # A new version: many ConfigMaps in, web-config out (a prune after the applies).
    names = [f"cm-{i:03d}" for i in range(MANY)]
    for name in names:
        ops.repo.write(f"shop/{name}.yaml", config_map(name))
    ops.repo.remove("shop/config.yaml")
    recorder = Recorder(ops.api, ns)
    head = ops.repo.commit(f"shop: {MANY} config maps, and no web-config")

    def applied() -> int:
        items = core.list_namespaced_config_map(ns, label_selector=TRACKING_LABEL).items
        return sum(1 for cm in items if cm.metadata.name.startswith("cm-"))

    poll(lambda: applied() > 0, "the leader's sync to begin")
    a.kill()
    killed_at, mid = time.monotonic(), applied()
    assert mid < MANY, "the sync ended before the kill; nothing was tested"
    try:
        # The follower takes the Lease once it has run out, and finishes the sync.
        poll(lambda: applied() == MANY, "the follower to finish the sync", deadline=60)
        poll(lambda: _gone(core, "web-config", ns), "the prune, by the follower")
        took = time.monotonic() - killed_at
        assert f"#{b.pid}-" in ops.holder()
        poll(lambda: StateStore(ops.api, ops.control).get(app).last_synced_revision == head,
             "the sync recorded")  # fmt: skip
        # Nothing was deleted before every new object was there.
        order = list(recorder.events)
        deleted = [i for i, (kind, _) in enumerate(order) if kind == "DELETED"]
        added = [i for i, (kind, name) in enumerate(order) if kind == "ADDED" and name in names]
        assert deleted and len(added) == MANY and max(added) < min(deleted), order[-5:]
        assert [order[i][1] for i in deleted] == ["web-config"]
        syncs = [r for r in b.audit(app) if r.action == "sync"]
        assert syncs and syncs[-1].ok and "1 pruned" in syncs[-1].message, syncs
        print(json.dumps({"figure": "kill -9 of the leader mid-sync -> finished by the "
                          "follower", "seconds": round(took, 2), "applied_at_kill": mid}))  # fmt: skip
    finally:
        recorder.stop()


def _gone(core, name: str, ns: str) -> bool:
    try:
        core.read_namespaced_config_map(name, ns)
    except client.ApiException as e:
        return e.status == 404
    return False


def test_a_leader_cut_off_from_the_api_server_stops_before_another_can_lead(
    operators: Operators, tmp_path
) -> None:
    ops, ns, app = operators, operators.repo.ns, operators.repo.app
    proxy = Proxy.for_kubeconfig(ops.kubeconfig, tmp_path / "through-proxy.kubeconfig")
    try:
        a = ops.service("a", kubeconfig=tmp_path / "through-proxy.kubeconfig")
        a.start_engine(elect=True)
        poll(lambda: a.engine.is_leader, "a to lead")
        assert a.sync(app).ok
        b = ops.service("b")
        b.start_engine(elect=True)
        poll(lambda: b.engine.leader.info.holder == a.engine.leader.identity, "b to follow a")
        both: list[float] = []  # times at which each of them believed it led
        a_led: list[float] = []
        sampling = threading.Event()

        def sample() -> None:
            while not sampling.is_set():
                t, la, lb = time.monotonic(), a.engine.is_leader, b.engine.is_leader
                if la:
                    a_led.append(t)
                if la and lb:
                    both.append(t)
                time.sleep(0.005)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        heals_before = len([r for r in a.audit.records(app) if r.action == "heal"])
        cut = time.monotonic()
        proxy.hold()  # a's requests hang: no answer, no error
        poll(lambda: b.engine.is_leader, "b to take the Lease", deadline=60)
        b_led = time.monotonic()
        scale(ops.api, ns, 5)
        poll(lambda: replicas(ops.api, ns) == 2, "b to heal")
        # a comes back: whatever it saw while cut off, it must not write beside b.
        proxy.release()
        poll(lambda: a.engine.leader.info.holder == b.engine.leader.identity, "a to see b lead")
        scale(ops.api, ns, 6)
        poll(lambda: replicas(ops.api, ns) == 2, "b to heal again")
        b.engine.submit(lambda: None).result()  # b's audit records are written
        sampling.set()
        sampler.join(5)
        assert not both, f"two leaders for {both[-1] - both[0]:.2f}s"
        heals_after = [r for r in a.audit.records(app) if r.action == "heal"]
        assert len(heals_after) == heals_before, heals_after
        assert len([r for r in b.audit.records(app) if r.action == "heal"]) == 2
        stepped_down = max((t for t in a_led), default=cut) - cut
        print(json.dumps({"figure": "leader cut off: stepped down / other led, after the cut",
                          "stepped_down_s": round(stepped_down, 2),
                          "other_led_s": round(b_led - cut, 2)}))  # fmt: skip
    finally:
        proxy.close()


def replicas(api_client, ns: str) -> int:
    return client.AppsV1Api(api_client).read_namespaced_deployment("web", ns).spec.replicas


def scale(api_client, ns: str, n: int) -> None:
    client.AppsV1Api(api_client).patch_namespaced_deployment_scale(
        "web", ns, {"spec": {"replicas": n}}, field_manager="kubectl"
    )
