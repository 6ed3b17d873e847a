"""Apply order, API errors, and the watch-fed live cache, on the real control plane."""

from __future__ import annotations

import threading
import uuid

import pytest
from kubernetes import client

from gitops_tui.cluster.apply import Applier, ApplyError, apply_all, track
from gitops_tui.cluster.cache import LiveCache
from gitops_tui.cluster.discovery import Discovery
from gitops_tui.cluster.request import count_requests
from gitops_tui.model import TRACKING_ANNOTATION, TRACKING_LABEL, ObjectRef
from tests.support import poll


def deployment(name: str, ns: str, replicas: int = 1, image: str = "example/app:1") -> dict:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": ns},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "main", "image": image}]},
            },
        },
    }


@pytest.fixture
def applier(api_client) -> Applier:
    return Applier(api_client, Discovery(api_client))


def widget_crd(group: str) -> dict:
    return {
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
                            "x-kubernetes-preserve-unknown-fields": True,
                        }
                    },
                }
            ],
        },
    }


def test_crd_namespace_and_custom_resource_apply_in_one_go(api_client, applier):
    # Several new CRDs at once: their custom resources follow in the same apply, which
    # needs each group-version in the API server's discovery, not only Established.
    suffix = uuid.uuid4().hex[:6]
    groups = [f"demo{suffix}{i}.example.com" for i in range(3)]
    ns = f"ns-{suffix}"
    crs = [
        {
            "apiVersion": f"{group}/v1",
            "kind": "Widget",
            "metadata": {"name": "w1", "namespace": ns},
            "spec": {"size": 3},
        }
        for group in groups
    ]
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}
    # Deliberately in the wrong order: the custom resources first.
    objs = [*crs, *(widget_crd(g) for g in groups), namespace]
    apply_all(applier, [track(o, "demo") for o in objs])
    for group, cr in zip(groups, crs, strict=True):
        live = applier.apply(track(cr, "demo"), dry_run=True)
        assert live["spec"] == {"size": 3}
        assert live["metadata"]["annotations"][TRACKING_ANNOTATION] == (
            f"demo:{group}/Widget:{ns}/w1"
        )


@pytest.mark.parametrize("workers", [1, 4])  # the UI's one at a time, the CLI's four
def test_many_objects_apply_together_and_the_first_failure_in_order_is_raised(
    api_client, applier, namespace, workers
):
    applier.workers = workers
    cms = [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"cm-{i:02d}"}}
        for i in range(24)
    ]
    for cm in cms:
        cm["metadata"]["namespace"] = namespace
    live = apply_all(applier, [track(o, "demo") for o in cms])
    assert [o["metadata"]["name"] for o in live] == [f"cm-{i:02d}" for i in range(24)]
    core = client.CoreV1Api(api_client)
    assert (
        len(core.list_namespaced_config_map(namespace, label_selector=TRACKING_LABEL).items) == 24
    )
    bad = [deployment(f"bad-{i}", namespace) for i in range(3)]
    for d in bad:
        d["spec"]["replicas"] = -1
    with pytest.raises(ApplyError) as err:
        apply_all(applier, [track(o, "demo") for o in [*cms[:5], *bad, *cms[5:]]])
    assert f"Deployment.apps {namespace}/bad-0" in str(err.value)  # the first of them


def test_invalid_object_names_object_and_field(applier, namespace):
    bad = deployment("bad", namespace)
    bad["spec"]["replicas"] = -1
    with pytest.raises(ApplyError) as err:
        applier.apply(bad)
    assert err.value.status == 422
    assert err.value.field == "spec.replicas"
    assert "Deployment.apps" in str(err.value) and f"{namespace}/bad" in str(err.value)


def test_unknown_kind_is_a_clear_error(applier, namespace):
    obj = {
        "apiVersion": "nothing.example.com/v1",
        "kind": "Ghost",
        "metadata": {"name": "g", "namespace": namespace},
    }
    with pytest.raises(ApplyError, match="does not serve Ghost.*CRD"):
        applier.apply(obj)


def test_cache_follows_watch_events_and_reads_cost_no_requests(api_client, applier, namespace):
    cache = LiveCache(api_client, applier.discovery)
    events: list[tuple[str, str, int]] = []
    seen = threading.Condition()

    def handler(kind: str, obj: dict) -> None:
        with seen:
            events.append((kind, obj["metadata"]["name"], obj["spec"]["replicas"]))
            seen.notify_all()

    cache.subscribe(handler)
    try:
        cache.watch("apps/v1", "Deployment")
        applier.apply(track(deployment("web", namespace), "shop"))
        # An untracked look-alike never enters the cache.
        applier.apply(deployment("stranger", namespace))
        ref = ObjectRef("apps", "Deployment", namespace, "web", "v1")
        poll(lambda: cache.get(ref), "web in the cache")

        client.AppsV1Api(api_client).patch_namespaced_deployment_scale(
            "web", namespace, {"spec": {"replicas": 5}}, field_manager="kubectl-scale"
        )
        poll(lambda: (cache.get(ref) or {}).get("spec", {}).get("replicas") == 5, "the scale")
        assert ("MODIFIED", "web", 5) in events
        assert all(name != "stranger" for _, name, _ in events)

        counter = count_requests(api_client)
        for _ in range(100):
            live = cache.get(ref)
            assert live["metadata"]["labels"][TRACKING_LABEL] == "shop"
        assert [o["metadata"]["name"] for o in cache.objects("shop")] == ["web"]
        assert counter.count == 0

        client.AppsV1Api(api_client).delete_namespaced_deployment("web", namespace)
        poll(lambda: cache.get(ref) is None, "the deletion")
    finally:
        cache.close()
