"""The local control plane is a real Kubernetes: these would all fail against a fake client."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from kubernetes import client, dynamic, watch

from gitops_tui.localcluster import LocalCluster

DEADLINE = 30.0


def _deployment(name: str, namespace: str, replicas: int = 1) -> dict:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "main", "image": "registry.example.com/x:1"}]},
            },
        },
    }


def _apply(api_client, body: dict, manager: str, force: bool = False) -> dict:
    deployments = dynamic.DynamicClient(api_client).resources.get(
        api_version="apps/v1", kind="Deployment"
    )
    return deployments.server_side_apply(
        body=body,
        name=body["metadata"]["name"],
        namespace=body["metadata"]["namespace"],
        field_manager=manager,
        force_conflicts=force,
    ).to_dict()


def _poll(fn, what: str, deadline: float = DEADLINE):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if result := fn():
            return result
        time.sleep(0.1)
    pytest.fail(f"timed out after {deadline}s waiting for {what}")


def _managers(obj: dict) -> dict[str, dict]:
    return {m["manager"]: m for m in obj["metadata"]["managedFields"]}


def test_server_side_apply_records_our_field_manager(api_client, namespace):
    live = _apply(api_client, _deployment("web", namespace), "gitops-tui")
    managers = _managers(live)
    assert set(managers) == {"gitops-tui"}
    assert managers["gitops-tui"]["operation"] == "Apply"
    assert "f:replicas" in managers["gitops-tui"]["fieldsV1"]["f:spec"]


def test_second_manager_owning_replicas_shows_up(api_client, namespace):
    _apply(api_client, _deployment("web", namespace), "gitops-tui")
    scale = {"spec": {"replicas": 3}}
    client.AppsV1Api(api_client).patch_namespaced_deployment_scale(
        "web", namespace, scale, field_manager="kubectl-scale"
    )
    live = api_client.sanitize_for_serialization(
        client.AppsV1Api(api_client).read_namespaced_deployment("web", namespace)
    )
    managers = _managers(live)
    assert live["spec"]["replicas"] == 3
    assert "kubectl-scale" in managers
    assert "f:replicas" in managers["kubectl-scale"]["fieldsV1"]["f:spec"]
    # Server-side apply moved ownership of the field away from us.
    assert "f:replicas" not in managers["gitops-tui"]["fieldsV1"]["f:spec"]


def test_watch_receives_a_change(api_client, namespace):
    apps = client.AppsV1Api(api_client)
    created = _apply(api_client, _deployment("web", namespace), "gitops-tui")
    rv = created["metadata"]["resourceVersion"]
    seen: list[int] = []
    ready = threading.Event()

    def watcher() -> None:
        w = watch.Watch()
        ready.set()
        for event in w.stream(
            apps.list_namespaced_deployment,
            namespace,
            resource_version=rv,
            timeout_seconds=int(DEADLINE),
        ):
            # The deployment controller's status writes are MODIFIED events too.
            if event["type"] == "MODIFIED" and event["object"].spec.replicas != 1:
                seen.append(event["object"].spec.replicas)
                w.stop()

    t = threading.Thread(target=watcher, daemon=True)
    t.start()
    ready.wait(DEADLINE)
    _apply(api_client, _deployment("web", namespace, replicas=4), "someone-else", force=True)
    t.join(DEADLINE)
    assert seen == [4]


def test_namespace_deletion_completes(api_client):
    core = client.CoreV1Api(api_client)
    core.create_namespace({"metadata": {"name": "doomed"}})
    core.create_namespaced_config_map("doomed", {"metadata": {"name": "c"}, "data": {"a": "b"}})
    core.delete_namespace("doomed")

    def gone() -> bool:
        try:
            core.read_namespace("doomed")
        except client.ApiException as e:
            return e.status == 404
        return False

    # Without the namespace controller the namespace would stay Terminating forever.
    _poll(gone, "namespace 'doomed' to be deleted")


def test_deployment_produces_a_replicaset(api_client, namespace):
    _apply(api_client, _deployment("web", namespace), "gitops-tui")
    apps = client.AppsV1Api(api_client)
    rs = _poll(lambda: apps.list_namespaced_replica_set(namespace).items, "a ReplicaSet for 'web'")
    assert rs[0].metadata.owner_references[0].name == "web"
    assert rs[0].spec.template.spec.containers[0].image == "registry.example.com/x:1"


def test_cli_up_prints_a_kubeconfig_that_kubectl_accepts_and_down_stops_all(
    local_cluster: LocalCluster, tmp_path: Path
):
    env = dict(os.environ)
    run = [sys.executable, "-m", "gitops_tui.cli", "local-cluster"]
    up = subprocess.run(
        [*run, "up", "--dir", str(tmp_path)], capture_output=True, text=True, env=env, timeout=120
    )
    assert up.returncode == 0, up.stderr
    kubeconfig = up.stdout.strip().splitlines()[-1]
    started = LocalCluster.attach(tmp_path)
    pids = list(started.state.pids.values())
    try:
        assert len(pids) == 3
        ns = subprocess.run(
            ["kubectl", "--kubeconfig", kubeconfig, "get", "ns", "-o", "name"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert ns.returncode == 0, ns.stderr
        assert "namespace/kube-system" in ns.stdout.split()
    finally:
        down = subprocess.run(
            [*run, "down", "--dir", str(tmp_path)], capture_output=True, text=True, timeout=60
        )
    assert down.returncode == 0, down.stderr
    alive = [p for p in pids if _running(p)]
    assert alive == []
    # The session's own cluster is untouched by the second one's down.
    assert local_cluster.running()


def _running(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"
