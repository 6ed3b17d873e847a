"""The reconciler end to end: real Git repositories, the real control plane."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import threading
import uuid

import pytest
from kubernetes import client

from gitops_tui.cluster.request import count_requests
from gitops_tui.config import Settings
from gitops_tui.model import INSTALLATION_ANNOTATION, TRACKING_LABEL, ObjectRef
from gitops_tui.reconcile.daemon import Poller
from gitops_tui.reconcile.engine import FLAP_LIMIT, SyncRefused
from gitops_tui.reconcile.state import object_name
from gitops_tui.service import Service
from tests.support import Repo, deployment, git, poll


def apps_api(api_client) -> client.AppsV1Api:
    return client.AppsV1Api(api_client)


def replicas(api_client, ns: str) -> int:
    return apps_api(api_client).read_namespaced_deployment("web", ns).spec.replicas


def test_sync_creates_everything_with_tracking(api_client, repo, make_service):
    svc = make_service(repo)
    report = svc.sync(repo.app)
    assert report.ok, report.errors
    core = client.CoreV1Api(api_client)
    web = apps_api(api_client).read_namespaced_deployment("web", repo.ns)
    assert web.metadata.labels[TRACKING_LABEL] == repo.app
    assert (
        web.metadata.annotations["gitops-tui.io/tracking-id"]
        == f"{repo.app}:apps/Deployment:{repo.ns}/web"
    )
    assert web.metadata.annotations[INSTALLATION_ANNOTATION] == svc.settings.control_namespace
    assert core.read_namespaced_config_map("web-config", repo.ns).data == {"mode": "fast"}
    assert core.read_namespaced_service("web", repo.ns).spec.ports[0].port == 80
    view = poll(lambda: (v := svc.engine.view(repo.app)).sync_status == "Synced" and v, "Synced")
    assert {str(d.status) for d in view.diffs} == {"Synced"}
    assert svc.engine.state(repo.app).last_synced_revision == git(repo.work, "rev-parse", "HEAD")


def _leader(svc: Service) -> Service:
    svc.start_engine(elect=True)
    poll(lambda: svc.engine.is_leader, "leadership")
    return svc


def test_kubectl_scale_is_healed(api_client, repo, make_service):
    # How fast is benchmarks/reconcile.py's figure (heal p50/p95); here: that it heals.
    svc = _leader(make_service(repo))
    assert svc.sync(repo.app).ok
    apps_api(api_client).patch_namespaced_deployment_scale(
        "web", repo.ns, {"spec": {"replicas": 7}}, field_manager="kubectl"
    )
    poll(lambda: replicas(api_client, repo.ns) == 2, "the heal")
    # The audit record follows the apply that healed it.
    heals = poll(
        lambda: [r for r in svc.audit.records(repo.app) if r.action == "heal"], "the audit"
    )
    assert "kubectl" in heals[-1].message


def test_ignored_differences_are_neither_drift_nor_healed(api_client, repo, make_service):
    # An HPA owns the replicas: Git's number must not fight it.
    repo.configure(
        ignoreDifferences=[
            {"group": "apps", "kind": "Deployment", "jsonPointers": ["/spec/replicas"]}
        ]
    )
    svc = _leader(make_service(repo))
    assert svc.sync(repo.app).ok
    web = ObjectRef("apps", "Deployment", repo.ns, "web")
    apps_api(api_client).patch_namespaced_deployment_scale(
        "web", repo.ns, {"spec": {"replicas": 7}}, field_manager="hpa-controller"
    )
    poll(lambda: svc.engine.cache.get(web)["spec"]["replicas"] == 7, "the scale in the cache")
    svc.engine.submit(lambda: None).result(timeout=10)  # the heal check of it has run
    assert replicas(api_client, repo.ns) == 7
    assert all(str(d.status) == "Synced" for d in svc.engine.view(repo.app).diffs)
    assert not [r for r in svc.audit.records(repo.app) if r.action == "heal"]
    # Any other drift still heals.
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "main", "image": "evil:1"}]}}}}
    apps_api(api_client).patch_namespaced_deployment("web", repo.ns, patch, field_manager="kubectl")

    def image() -> str:
        web = apps_api(api_client).read_namespaced_deployment("web", repo.ns)
        return web.spec.template.spec.containers[0].image

    poll(lambda: image() == "registry.example.com/web:1.0", "the heal of a field not ignored")


def test_pause_keeps_the_drift_and_ttl_expiry_heals_it(api_client, repo, make_service):
    svc = _leader(make_service(repo))
    assert svc.sync(repo.app).ok
    svc.pause(repo.app, "debugging INC-7", dt.timedelta(seconds=3))
    state = poll(lambda: svc.engine.state(repo.app).pause, "pause in the state object")
    assert state.reason == "debugging INC-7"
    # Every reader sees the pause in the cluster, not only this process.
    cm = client.CoreV1Api(api_client).read_namespaced_config_map(
        object_name(repo.app), svc.settings.control_namespace
    )
    assert "debugging INC-7" in cm.data["state.json"]
    apps_api(api_client).patch_namespaced_deployment_scale(
        "web", repo.ns, {"spec": {"replicas": 5}}, field_manager="kubectl"
    )
    poll(
        lambda: any(str(d.status) == "OutOfSync" for d in svc.engine.view(repo.app).diffs),
        "the drift to show",
    )
    assert replicas(api_client, repo.ns) == 5  # shown, not healed
    poll(lambda: replicas(api_client, repo.ns) == 2, "healing after the TTL", deadline=10)
    # The heal's audit record is written once its apply returns: wait for it too.
    actions = poll(
        lambda: (
            (a := [r.action for r in svc.audit.records(repo.app)])
            and "expire" in a
            and a.index("expire") < len(a) - 1
            and a
        ),
        "the expiry and then the heal in the audit log",
    )
    assert actions[actions.index("expire") + 1] == "heal", actions
    assert svc.engine.state(repo.app).pause is None


def test_prune_removes_what_git_dropped_and_leaves_look_alikes(api_client, repo, make_service):
    svc = make_service(repo)
    assert svc.sync(repo.app).ok
    core = client.CoreV1Api(api_client)
    # Another tool copied our label onto its own object: it is not ours to delete.
    core.create_namespaced_config_map(
        repo.ns,
        {"metadata": {"name": "copycat", "labels": {TRACKING_LABEL: repo.app}}, "data": {"a": "b"}},
    )
    repo.remove("shop/config.yaml")
    repo.commit("shop: drop the config map")
    svc.refresh()
    report = svc.sync(repo.app)
    assert report.ok, report.errors
    assert report.pruned == [f"ConfigMap {repo.ns}/web-config"]
    poll(lambda: _gone(core, "web-config", repo.ns), "the prune")
    assert core.read_namespaced_config_map("copycat", repo.ns).data == {"a": "b"}


def test_another_installations_app_of_the_same_name_is_never_pruned(
    api_client, repo, make_service, kubeconfig, tmp_path
):
    # Installation B (its own control namespace, its own repository) has an app with
    # the same name as ours, in the same namespace.
    (tmp_path / "b").mkdir()
    theirs = Repo(tmp_path / "b", repo.ns)
    for path in ("shop/web.yaml", "shop/config.yaml", "shop/svc.yaml"):
        theirs.remove(path)
    theirs.write(
        "shop/b.yaml", {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "b-only"}}
    )
    theirs.commit("b: one config map")
    other = Service(
        Settings(
            repo=str(theirs.origin),
            kubeconfig=kubeconfig,
            control_namespace=f"ctl-b-{uuid.uuid4().hex[:6]}",
            cache=tmp_path / "cache-b",
        )
    )
    try:
        assert other.sync(theirs.app).ok
    finally:
        other.close()
    ours = make_service(repo)
    report = ours.sync(repo.app, prune=True)
    assert report.ok and report.pruned == [], report
    core = client.CoreV1Api(api_client)
    assert (
        core.read_namespaced_config_map("b-only", repo.ns).metadata.annotations[
            INSTALLATION_ANNOTATION
        ]
        == other.settings.control_namespace
    )
    view = poll(lambda: (v := ours.engine.view(repo.app)).sync_status == "Synced" and v, "Synced")
    assert "Extra" not in {str(d.status) for d in view.diffs}


def _gone(core, name: str, ns: str) -> bool:
    try:
        core.read_namespaced_config_map(name, ns)
    except client.ApiException as e:
        return e.status == 404
    return False


def test_empty_render_never_prunes(api_client, repo, make_service):
    svc = make_service(repo)
    assert svc.sync(repo.app).ok
    for f in ("shop/web.yaml", "shop/config.yaml", "shop/svc.yaml"):
        repo.remove(f)
    (repo.work / "shop").mkdir(exist_ok=True)
    (repo.work / "shop" / "README.md").write_text("moved elsewhere\n")
    repo.commit("shop: oops, everything gone")
    svc.refresh()
    report = svc.sync(repo.app)
    assert not report.ok
    assert "empty" in report.errors[0] and "refused" in report.errors[0]
    assert report.pruned == []
    assert replicas(api_client, repo.ns) == 2


def test_reverted_commit_rolls_back_the_image(api_client, repo, make_service):
    svc = _leader(make_service(repo))
    assert svc.sync(repo.app).ok
    repo.write("shop/web.yaml", deployment("web", "registry.example.com/web:2.0"))
    bump = repo.commit("shop: web 2.0")
    svc.refresh()
    svc.auto_sync()

    def image() -> str:
        web = apps_api(api_client).read_namespaced_deployment("web", repo.ns)
        return web.spec.template.spec.containers[0].image

    poll(lambda: image() == "registry.example.com/web:2.0", "the bump")
    new = svc.revert(bump)
    assert git(repo.origin, "log", "-1", "--format=%H") == new
    svc.refresh()
    svc.auto_sync()
    poll(lambda: image() == "registry.example.com/web:1.0", "the rollback")


def test_a_revert_preview_shows_every_app_the_commit_touches(repo, make_service):
    billing = f"billing-{repo.ns}"
    repo.write(
        "gitops-tui.yaml",
        {
            "apps": [
                {"name": repo.app, "path": "shop", "namespace": repo.ns},
                {"name": billing, "path": "billing", "namespace": repo.ns},
            ]
        },
    )

    def cm(name: str, mode: str) -> dict:
        return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name},
                "data": {"mode": mode}}  # fmt: skip

    repo.write("billing/cm.yaml", cm("billing-config", "fast"))
    repo.commit("billing: its config")
    svc = make_service(repo)
    assert svc.sync(repo.app).ok and svc.sync(billing).ok
    repo.write("shop/config.yaml", cm("web-config", "slow"))
    repo.write("billing/cm.yaml", cm("billing-config", "slow"))
    both = repo.commit("both: slow mode")
    svc.refresh()
    assert svc.sync(repo.app).ok and svc.sync(billing).ok
    for name in (repo.app, billing):
        poll(lambda n=name: svc.engine.view(n).sync_status == "Synced", f"{name} synced")
    effects = svc.revert_preview(both)
    assert sorted(effects) == sorted([repo.app, billing])
    for name, config in ((repo.app, "web-config"), (billing, "billing-config")):
        changed = [d for d in effects[name] if str(d.status) != "Synced"]
        assert [str(d.ref) for d in changed] == [f"ConfigMap {repo.ns}/{config}"]
        assert "-  mode: slow" in changed[0].unified and "+  mode: fast" in changed[0].unified


def test_an_app_declared_for_another_cluster_is_shown_and_never_applied(
    api_client, repo, make_service
):
    repo.configure(context="prod-eu")
    svc = make_service(repo)
    here = svc.cluster().context
    with pytest.raises(SyncRefused, match=f"declared for context 'prod-eu', connected to '{here}'"):
        svc.sync(repo.app)
    view = svc.engine.view(repo.app)
    assert "not managed from here" in view.error
    assert apps_api(api_client).list_namespaced_deployment(repo.ns).items == []
    head = git(repo.work, "rev-parse", "HEAD")
    (why,) = svc.revert_preview(head, [repo.app]).values()  # nor is a revert's effect shown
    assert "declared for context 'prod-eu'" in str(why)
    repo.configure(context=here)
    svc.refresh()
    assert svc.sync(repo.app).ok
    assert replicas(api_client, repo.ns) == 2


def test_two_reconcilers_elect_one_leader(repo, make_service):
    a = make_service(repo, "a")
    b = make_service(repo, "b")
    a.start_engine(elect=True)
    b.start_engine(elect=True)
    poll(lambda: a.engine.is_leader or b.engine.is_leader, "a leader")
    leaders = [s for s in (a, b) if s.engine.is_leader]
    follower = b if leaders[0] is a else a
    assert len(leaders) == 1
    poll(
        lambda: follower.engine.leader.info.holder == leaders[0].engine.leader.identity,
        "the follower to see it",
    )


def test_api_server_restart_in_the_middle_of_a_sync_converges(
    api_client, local_cluster, repo, make_service
):
    svc = _leader(make_service(repo))
    assert svc.sync(repo.app).ok
    repo.write("shop/web.yaml", deployment("web", "registry.example.com/web:3.0", replicas=3))
    repo.commit("shop: web 3.0")
    svc.refresh()
    local_cluster.stop_apiserver()
    try:
        report = svc.sync(repo.app)
        assert not report.ok
        assert "unreachable" in report.errors[0]
    finally:
        local_cluster.start_apiserver()
    poller = Poller(svc, interval=0.2)
    poller.start()
    try:
        poll(lambda: _safe_replicas(api_client, repo.ns) == 3, "convergence after the restart")
    finally:
        poller.stop()


def _safe_replicas(api_client, ns: str) -> int | None:
    try:
        return replicas(api_client, ns)
    except Exception:
        return None


def test_custom_resources_of_a_crd_another_app_installs(api_client, repo, make_service):
    """The demo's shape: one app ships a CRD, another a custom resource of it. The
    second app's objects are watched as soon as the CRD serves, not only after restart."""
    plural = f"gadgets{repo.ns.replace('-', '')}"
    group = "example.com"
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{group}"},
        "spec": {
            "group": group,
            "names": {"kind": plural.capitalize(), "plural": plural},
            "scope": "Namespaced",
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "x-kubernetes-preserve-unknown-fields": True,
                        }
                    },
                }
            ],
        },
    }
    repo.write("crds/crd.yaml", crd)
    repo.write(
        "shop/gadget.yaml",
        {
            "apiVersion": f"{group}/v1",
            "kind": plural.capitalize(),
            "metadata": {"name": "g1"},
            "spec": {"size": 3},
        },
    )
    crds_app = f"crds-{repo.ns}"
    repo.write(
        "gitops-tui.yaml",
        {
            "apps": [
                {"name": repo.app, "path": "shop", "namespace": repo.ns},
                {"name": crds_app, "path": "crds"},
            ]
        },
    )
    repo.commit("a CRD in one app, its resource in another")
    svc = make_service(repo)
    engine = svc.start_engine(elect=False)
    try:
        assert not svc.sync(repo.app).ok  # the CRD is not there yet: a clear failure
        assert svc.sync(crds_app).ok
        assert svc.sync(repo.app).ok
        view = poll(lambda: (v := engine.view(repo.app)).sync_status == "Synced" and v, "Synced")
        kinds = {d.ref.kind for d in view.diffs}
        assert kinds == {"Deployment", "ConfigMap", "Service", plural.capitalize()}
    finally:
        client.ApiextensionsV1Api(api_client).delete_custom_resource_definition(f"{plural}.{group}")


def test_a_flapping_object_backs_off_and_is_reported(api_client, repo, make_service):
    svc = _leader(make_service(repo))
    assert svc.sync(repo.app).ok
    # Another controller keeps scaling: after FLAP_LIMIT heals in the window, we stop.
    for _ in range(FLAP_LIMIT):
        apps_api(api_client).patch_namespaced_deployment_scale(
            "web", repo.ns, {"spec": {"replicas": 7}}, field_manager="autoscaler"
        )
        poll(lambda: replicas(api_client, repo.ns) == 2, "the heal")
    apps_api(api_client).patch_namespaced_deployment_scale(
        "web", repo.ns, {"spec": {"replicas": 7}}, field_manager="autoscaler"
    )
    flap = poll(
        lambda: [r for r in svc.audit.records(repo.app) if r.action == "flapping"], "the report"
    )
    assert "keeps drifting (autoscaler); heal backs off" in flap[-1].message
    assert replicas(api_client, repo.ns) == 7  # left alone while backing off
    heals = [r for r in svc.audit.records(repo.app) if r.action == "heal"]
    assert len(heals) == FLAP_LIMIT


def test_a_follower_hands_sync_to_the_leader(api_client, repo, make_service):
    leader = _leader(make_service(repo, "leader"))
    follower = make_service(repo, "follower")
    engine = follower.start_engine(elect=True)
    poll(lambda: engine.leader.info.holder == leader.engine.leader.identity, "the leader seen")
    assert not engine.is_leader
    engine.submit(engine.request, repo.app, "sync").result()
    # The leader picks the request out of the app's state object and syncs.
    poll(lambda: _safe_replicas(api_client, repo.ns) == 2, "the sync by the leader")
    syncs = poll(
        lambda: [r for r in leader.audit.records(repo.app) if r.action == "sync"], "the audit"
    )
    assert "requested by" in syncs[-1].message and engine.who in syncs[-1].message
    assert poll(lambda: not leader.engine.state(repo.app).requests, "the request cleared")


def test_a_no_op_reconcile_asks_the_api_server_nothing(repo, make_service):
    svc = make_service(repo)
    engine = svc.start_engine(elect=False)  # no lease renewals in the count
    assert svc.sync(repo.app).ok
    poll(lambda: engine.view(repo.app).sync_status == "Synced", "Synced")
    counter = count_requests(engine.api)
    for _ in range(20):
        view = engine.submit(engine.view, repo.app).result()
        assert view.sync_status == "Synced" and len(view.diffs) == 3
    assert counter.count == 0


def test_auto_sync_keeps_a_paused_apps_drift_but_syncs_its_new_commits(
    api_client, repo, make_service
):
    svc = _leader(make_service(repo))
    assert svc.sync(repo.app).ok
    svc.pause(repo.app, "INC-3", dt.timedelta(minutes=30))
    apps_api(api_client).patch_namespaced_deployment_scale(
        "web", repo.ns, {"spec": {"replicas": 5}}, field_manager="kubectl"
    )
    poll(lambda: svc.engine.view(repo.app).sync_status == "OutOfSync", "the drift")
    # A commit elsewhere in the repository moves the branch, not this app.
    repo.write("elsewhere/notes.yaml", {"note": "not an app"})
    repo.commit("notes")
    svc.refresh()
    assert svc.auto_sync() == []  # the pause is the operator's: the drift stays
    assert replicas(api_client, repo.ns) == 5
    repo.write("shop/web.yaml", deployment("web", "registry.example.com/web:2.0"))
    repo.commit("shop: web 2.0")
    svc.refresh()
    (report,) = svc.auto_sync()  # a new commit of the app is still rolled out
    assert report.ok and replicas(api_client, repo.ns) == 2


def test_etcd_restarted_under_load_is_a_clear_error_and_the_leader_recovers(
    api_client, local_cluster, repo, make_service
):
    svc = _leader(make_service(repo))
    assert svc.sync(repo.app).ok
    poller = Poller(svc, interval=0.5)
    poller.start()
    core = client.CoreV1Api(api_client)
    stop_load = threading.Event()

    def drift() -> None:  # another controller keeps scaling while all this goes on
        n = 3
        while not stop_load.wait(0.2):
            n = 3 if n == 4 else 4
            with contextlib.suppress(Exception):
                apps_api(api_client).patch_namespaced_deployment_scale(
                    "web", repo.ns, {"spec": {"replicas": n}}, field_manager="autoscaler",
                    _request_timeout=5,
                )  # fmt: skip

    load = threading.Thread(target=drift, daemon=True)
    load.start()
    names = [f"cm-{i:03d}" for i in range(300)]
    for name in names:
        repo.write(f"shop/{name}.yaml", {"apiVersion": "v1", "kind": "ConfigMap",
                                         "metadata": {"name": name}})  # fmt: skip
    repo.remove("shop/config.yaml")
    head = repo.commit("shop: 300 config maps, and no web-config")
    try:
        poll(lambda: _count(core, repo.ns) > 0, "the auto-sync to begin")
        local_cluster.stop_etcd()
        try:
            failed = poll(
                lambda: [r for r in svc.audit.records(repo.app) if not r.ok and r.action == "sync"],
                "the sync to fail while etcd is away",
                deadline=90,
            )
        finally:
            local_cluster.start_etcd()
        print(json.dumps({"etcd away: the sync failed with": failed[0].message}))
        # One line, naming what failed; nothing pruned after a failed apply.
        for record in failed:
            assert "\n" not in record.message and "Traceback" not in record.message
        assert any(f"ConfigMap {repo.ns}/cm-" in r.message or "unreachable" in r.message
                   for r in failed), [r.message for r in failed]  # fmt: skip
        assert core.read_namespaced_config_map("web-config", repo.ns) is not None
        # Back without a restart: the sync finishes, prunes, and heals go on.
        poll(lambda: _safe_count(core, repo.ns) == len(names), "the sync to finish", 90)
        poll(lambda: _gone(core, "web-config", repo.ns), "the prune after the sync")
        poll(lambda: svc.engine.state(repo.app).last_synced_revision == head, "the record")
        stop_load.set()
        load.join(10)
        poll(lambda: _safe_replicas(api_client, repo.ns) == 2, "the last drift healed")
    finally:
        stop_load.set()
        poller.stop()


def _count(core, ns: str) -> int:
    items = core.list_namespaced_config_map(ns, label_selector=TRACKING_LABEL).items
    return sum(1 for cm in items if cm.metadata.name.startswith("cm-"))


def _safe_count(core, ns: str) -> int | None:
    try:
        return _count(core, ns)
    except Exception:
        return None
