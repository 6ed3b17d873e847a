"""Live vs Git on a real control plane: what an operator sees after apply and after drift."""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import Callable, Iterator

import pytest
from kubernetes import client, dynamic
from kubernetes.dynamic.exceptions import ResourceNotFoundError

from gitops_tui.diff import (
    ChangeKind,
    ObjectDiff,
    Status,
    diff_dry_run,
    diff_extra,
    diff_object,
)

MANAGER = "gitops-tui"
DEADLINE = 30.0


def _poll(fn: Callable, what: str, deadline: float = DEADLINE):
    end = time.monotonic() + deadline
    last: Exception | None = None
    while time.monotonic() < end:
        try:
            if result := fn():
                return result
        except (ResourceNotFoundError, client.ApiException) as e:
            last = e
        time.sleep(0.1)
    pytest.fail(f"timed out after {deadline}s waiting for {what} (last error: {last})")


@pytest.fixture(scope="module")
def dyn(api_client) -> dynamic.DynamicClient:
    return dynamic.DynamicClient(api_client)


def _resource(dyn: dynamic.DynamicClient, obj: dict):
    return dyn.resources.get(api_version=obj["apiVersion"], kind=obj["kind"])


def apply(dyn, obj: dict, manager: str = MANAGER) -> dict:
    return (
        _resource(dyn, obj)
        .server_side_apply(
            body=obj,
            name=obj["metadata"]["name"],
            namespace=obj["metadata"].get("namespace"),
            field_manager=manager,
            force_conflicts=True,
        )
        .to_dict()
    )


def read(dyn, obj: dict) -> dict:
    return (
        _resource(dyn, obj)
        .get(name=obj["metadata"]["name"], namespace=obj["metadata"].get("namespace"))
        .to_dict()
    )


def both(api_client, dyn, desired: dict) -> tuple[ObjectDiff, ObjectDiff]:
    """The fast diff on a fresh read, and the dry-run oracle."""
    return diff_object(desired, read(dyn, desired)), diff_dry_run(dyn, desired)


def paths(d: ObjectDiff) -> dict[str, tuple]:
    return {c.path: (c.kind, c.old, c.new) for c in d.changes}


def touch(d: ObjectDiff, manager: str):
    found = [t for t in d.drifted_by if t.manager == manager]
    assert found, f"{manager} not in {d.drifted_by}"
    return found[0]


# --- desired objects, written the way a Git repository would hold them ---------------


def deployment(ns: str) -> dict:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": ns, "labels": {"app": "web", "tier": "front"}},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {
                    "containers": [
                        {
                            "name": "main",
                            "image": "registry.example.com/web:1.0",
                            "args": ["--port", "8080"],
                            "ports": [{"name": "http", "containerPort": 8080}],
                            "env": [{"name": "MODE", "value": "prod"}],
                            "resources": {
                                "requests": {"cpu": 0.5, "memory": "128Mi"},
                                "limits": {"cpu": "1000m", "memory": "0.5Gi"},
                            },
                            "volumeMounts": [{"name": "cfg", "mountPath": "/etc/web"}],
                        }
                    ],
                    "volumes": [{"name": "cfg", "configMap": {"name": "web"}}],
                },
            },
        },
    }


def service(ns: str) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web", "namespace": ns},
        "spec": {
            "selector": {"app": "web"},
            "ports": [{"name": "http", "port": 80, "targetPort": 8080}],
        },
    }


def configmap(ns: str) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "web", "namespace": ns},
        "data": {"mode": "prod", "workers": "4"},
    }


def ingress(ns: str) -> dict:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": "web", "namespace": ns},
        "spec": {
            "rules": [
                {
                    "host": "web.example.com",
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "pathType": "Prefix",
                                "backend": {"service": {"name": "web", "port": {"number": 80}}},
                            }
                        ]
                    },
                }
            ],
            "tls": [{"hosts": ["web.example.com"], "secretName": "web-tls"}],
        },
    }


def hpa(ns: str) -> dict:
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "web", "namespace": ns},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
            "minReplicas": 2,
            "maxReplicas": 5,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {
                        "name": "cpu",
                        "target": {"type": "Utilization", "averageUtilization": 60},
                    },
                },
                {
                    "type": "Resource",
                    # The API stores "0.5Gi" as "512Mi".
                    "resource": {
                        "name": "memory",
                        "target": {"type": "AverageValue", "averageValue": "0.5Gi"},
                    },
                },
            ],
        },
    }


PASSWORD_OLD = "hunter2-old-pw"
PASSWORD_NEW = "s3cr3t-new-pw"
USER = "db-user-q7"


def secret(ns: str) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "db", "namespace": ns},
        "type": "Opaque",
        "stringData": {"password": PASSWORD_OLD, "user": USER},
    }


NAMESPACED = {
    "Deployment": deployment,
    "Service": service,
    "ConfigMap": configmap,
    "Ingress": ingress,
    "HorizontalPodAutoscaler": hpa,
    "Secret": secret,
}


@pytest.fixture
def crd(api_client, dyn) -> Iterator[dict]:
    group = f"t{uuid.uuid4().hex[:8]}.example.com"
    body = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"widgets.{group}"},
        "spec": {
            "group": group,
            "scope": "Namespaced",
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "properties": {
                                "spec": {
                                    "type": "object",
                                    "properties": {
                                        "size": {"type": "integer"},
                                        # A schema default the server fills in: not drift.
                                        "color": {"type": "string", "default": "blue"},
                                        "tags": {"type": "array", "items": {"type": "string"}},
                                    },
                                }
                            },
                        }
                    },
                }
            ],
        },
    }
    apply(dyn, body)
    ext = client.ApiextensionsV1Api(api_client)

    def established() -> bool:
        conditions = ext.read_custom_resource_definition(body["metadata"]["name"]).status.conditions
        return any(c.type == "Established" and c.status == "True" for c in conditions or ())

    _poll(established, f"CRD {body['metadata']['name']} to be Established")
    yield body
    ext.delete_custom_resource_definition(body["metadata"]["name"])


def widget(crd: dict, ns: str) -> dict:
    return {
        "apiVersion": f"{crd['spec']['group']}/v1",
        "kind": "Widget",
        "metadata": {"name": "w1", "namespace": ns, "labels": {"app": "web"}},
        "spec": {"size": 3, "tags": ["a", "b"]},
    }


# --- freshly applied: no difference --------------------------------------------------


@pytest.mark.parametrize("kind", list(NAMESPACED))
def test_freshly_applied_object_is_synced(api_client, dyn, namespace, kind):
    desired = NAMESPACED[kind](namespace)
    applied = apply(dyn, desired)
    # Server defaults, status and metadata bookkeeping are not drift.
    assert diff_object(desired, applied).status is Status.SYNCED
    fast, oracle = both(api_client, dyn, desired)
    assert fast.status is Status.SYNCED, fast.unified
    assert fast.changes == [] and fast.unified == "" and fast.drifted_by == []
    assert oracle.status is Status.SYNCED, oracle.unified


def test_typed_client_reads_compare_the_same(api_client, dyn, namespace):
    desired = service(namespace)
    apply(dyn, desired)
    live = api_client.sanitize_for_serialization(
        client.CoreV1Api(api_client).read_namespaced_service("web", namespace)
    )
    assert live["spec"]["clusterIP"] and live["spec"]["ports"][0]["protocol"] == "TCP"
    assert diff_object(desired, live).status is Status.SYNCED


def test_crd_and_custom_resource_are_synced(api_client, dyn, namespace, crd):
    assert diff_object(crd, read(dyn, crd)).status is Status.SYNCED
    assert diff_dry_run(dyn, crd).status is Status.SYNCED
    cr = widget(crd, namespace)
    _poll(lambda: apply(dyn, cr), "the Widget kind to be served")
    live = read(dyn, cr)
    assert live["spec"]["color"] == "blue"
    fast, oracle = both(api_client, dyn, cr)
    assert fast.status is Status.SYNCED, fast.unified
    assert oracle.status is Status.SYNCED, oracle.unified


def test_custom_resource_edit_is_drift(api_client, dyn, namespace, crd):
    cr = widget(crd, namespace)
    _poll(lambda: apply(dyn, cr), "the Widget kind to be served")
    edited = {**cr, "spec": {"size": 7}}
    apply(dyn, edited, manager="kubectl-edit")
    fast, oracle = both(api_client, dyn, cr)
    assert fast.status is Status.OUT_OF_SYNC
    assert paths(fast)["spec.size"] == (ChangeKind.CHANGED, 7, 3)
    assert touch(fast, "kubectl-edit").operation == "Apply"
    assert oracle.status is Status.OUT_OF_SYNC and "spec.size" in paths(oracle)


# --- drift ---------------------------------------------------------------------------


def test_kubectl_scale_is_drift_owned_by_kubectl(api_client, dyn, namespace):
    desired = deployment(namespace)
    apply(dyn, desired)
    client.AppsV1Api(api_client).patch_namespaced_deployment_scale(
        "web", namespace, {"spec": {"replicas": 5}}, field_manager="kubectl"
    )
    fast, oracle = both(api_client, dyn, desired)
    assert fast.status is Status.OUT_OF_SYNC
    assert paths(fast) == {"spec.replicas": (ChangeKind.CHANGED, 5, 2)}
    assert fast.changes[0].by == ("kubectl",)
    who = touch(fast, "kubectl")
    assert (who.operation, who.subresource, who.paths) == ("Update", "scale", ("spec.replicas",))
    # The API server records no time for writes through the scale subresource.
    assert who.time is None
    assert "-  replicas: 5\n+  replicas: 2\n" in fast.unified
    assert fast.unified.startswith("--- live\n+++ git\n")
    assert paths(oracle) == paths(fast)


def test_set_image_is_drift_with_manager_and_time(api_client, dyn, namespace):
    desired = deployment(namespace)
    apply(dyn, desired)
    client.AppsV1Api(api_client).patch_namespaced_deployment(
        "web",
        namespace,
        {"spec": {"template": {"spec": {"containers": [{"name": "main", "image": "evil:2"}]}}}},
        field_manager="kubectl-set",
    )
    fast, oracle = both(api_client, dyn, desired)
    path = "spec.template.spec.containers[name=main].image"
    assert paths(fast) == {path: (ChangeKind.CHANGED, "evil:2", "registry.example.com/web:1.0")}
    who = touch(fast, "kubectl-set")
    assert who.operation == "Update" and who.time is not None and who.paths == (path,)
    assert "-        image: evil:2\n+        image: registry.example.com/web:1.0\n" in fast.unified
    assert paths(oracle) == paths(fast)


def test_configmap_edit_is_drift(api_client, dyn, namespace):
    desired = configmap(namespace)
    apply(dyn, desired)
    client.CoreV1Api(api_client).patch_namespaced_config_map(
        "web", namespace, {"data": {"mode": "debug"}}, field_manager="kubectl-edit"
    )
    fast, oracle = both(api_client, dyn, desired)
    assert paths(fast) == {"data.mode": (ChangeKind.CHANGED, "debug", "prod")}
    assert [t.manager for t in fast.drifted_by] == ["kubectl-edit"]
    assert fast.drifted_by[0].time is not None
    assert paths(oracle) == paths(fast)


def test_changed_label_value_is_drift_but_an_extra_label_is_not(api_client, dyn, namespace):
    desired = deployment(namespace)
    apply(dyn, desired)
    client.AppsV1Api(api_client).patch_namespaced_deployment(
        "web",
        namespace,
        {"metadata": {"labels": {"tier": "back", "team": "ops"}}},
        field_manager="kubectl-label",
    )
    fast, oracle = both(api_client, dyn, desired)
    assert paths(fast) == {"metadata.labels.tier": (ChangeKind.CHANGED, "back", "front")}
    assert touch(fast, "kubectl-label").paths == ("metadata.labels.tier",)
    assert "team" not in fast.unified
    assert paths(oracle) == paths(fast)


def test_removed_field_we_set_is_drift(api_client, dyn, namespace):
    desired = configmap(namespace)
    apply(dyn, desired)
    core = client.CoreV1Api(api_client)
    core.patch_namespaced_config_map(
        "web", namespace, [{"op": "remove", "path": "/data/workers"}], field_manager="kubectl-edit"
    )
    fast, oracle = both(api_client, dyn, desired)
    assert paths(fast) == {"data.workers": (ChangeKind.ADDED, None, "4")}
    # A write that only removes leaves no managedFields entry: the remover is unknowable.
    assert fast.changes[0].by == () and fast.drifted_by == []
    assert paths(oracle) == paths(fast)


def test_extra_container_and_env_var_are_drift(api_client, dyn, namespace):
    desired = deployment(namespace)
    apply(dyn, desired)
    client.AppsV1Api(api_client).patch_namespaced_deployment(
        "web",
        namespace,
        {
            "spec": {
                "template": {
                    "spec": {
                        "containers": [
                            {"name": "main", "env": [{"name": "DEBUG", "value": "1"}]},
                            {"name": "sidecar", "image": "proxy:1"},
                        ]
                    }
                }
            }
        },
        field_manager="injector",
    )
    fast, oracle = both(api_client, dyn, desired)
    changes = paths(fast)
    assert set(changes) == {
        "spec.template.spec.containers[name=main].env[name=DEBUG]",
        "spec.template.spec.containers[name=sidecar]",
    }
    kind, old, new = changes["spec.template.spec.containers[name=sidecar]"]
    assert kind is ChangeKind.REMOVED and old["image"] == "proxy:1" and new is None
    assert all(c.by == ("injector",) for c in fast.changes)
    assert "-      - name: sidecar\n" in fast.unified
    # By design the oracle differs here: our apply leaves items another manager owns alone.
    assert oracle.status is Status.SYNCED


def test_deleted_object_is_missing(api_client, dyn, namespace):
    desired = configmap(namespace)
    apply(dyn, desired)
    client.CoreV1Api(api_client).delete_namespaced_config_map("web", namespace)
    fast = diff_object(desired, None)
    assert fast.status is Status.MISSING
    assert "+++ git" in fast.unified and "+  mode: prod\n" in fast.unified
    assert diff_dry_run(dyn, desired).status is Status.MISSING


def test_object_gone_from_git_is_extra(api_client, dyn, namespace):
    live = apply(dyn, deployment(namespace))
    extra = diff_extra(live)
    assert extra.status is Status.EXTRA
    assert extra.ref.kind == "Deployment" and extra.ref.namespace == namespace
    assert "-  name: web\n" in extra.unified
    assert "managedFields" not in extra.unified and "resourceVersion" not in extra.unified


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_changed_secret_is_drift_with_values_masked(api_client, dyn, namespace):
    desired = secret(namespace)
    apply(dyn, desired)
    assert both(api_client, dyn, desired)[0].status is Status.SYNCED
    client.CoreV1Api(api_client).patch_namespaced_secret(
        "db", namespace, {"stringData": {"password": PASSWORD_NEW}}, field_manager="kubectl-edit"
    )
    fast, oracle = both(api_client, dyn, desired)
    for d in (fast, oracle):
        assert d.status is Status.OUT_OF_SYNC
        assert paths(d) == {"data.password": (ChangeKind.CHANGED, "***", "*** (changed)")}
        shown = d.unified + repr(d.changes) + repr(d.drifted_by)
        for leaked in (
            PASSWORD_OLD,
            PASSWORD_NEW,
            _b64(PASSWORD_OLD),
            _b64(PASSWORD_NEW),
            USER,
            _b64(USER),
        ):
            assert leaked not in shown, leaked
        assert "*** (changed)" in d.unified
    assert touch(fast, "kubectl-edit").paths == ("data.password",)


def test_missing_and_extra_secret_are_masked(api_client, dyn, namespace):
    desired = secret(namespace)
    missing = diff_object(desired, None)
    live = apply(dyn, desired)
    extra = diff_extra(live)
    for d in (missing, extra):
        shown = d.unified + repr(d.changes)
        assert PASSWORD_OLD not in shown and _b64(PASSWORD_OLD) not in shown
        assert "password: '***'" in d.unified
