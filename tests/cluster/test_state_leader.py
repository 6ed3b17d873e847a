"""App state objects and leader election, on the real control plane."""

from __future__ import annotations

import threading
import uuid

from gitops_tui.cluster.clock import clock_of
from gitops_tui.reconcile.leader import LeaderElector
from gitops_tui.reconcile.state import Pause, StateStore, SyncResult


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
