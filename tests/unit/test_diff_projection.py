"""The fast diff without a cluster: list matching, normalisation, paths, ownership."""

import copy

from gitops_tui.diff import ChangeKind, Status, diff_object
from gitops_tui.diff.owners import owns
from gitops_tui.diff.paths import Selector, format_path


def pod_template(containers: list[dict], **spec) -> dict:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "n"},
        "spec": {"template": {"spec": {"containers": containers, **spec}}},
    }


def changes(desired: dict, live: dict) -> dict[str, tuple]:
    return {c.path: (c.kind, c.old, c.new) for c in diff_object(desired, live).changes}


def test_identical_object_is_synced():
    obj = pod_template([{"name": "a", "image": "x"}])
    d = diff_object(obj, copy.deepcopy(obj))
    assert d.status is Status.SYNCED and d.changes == [] and d.unified == ""


def test_server_defaults_and_metadata_are_not_drift():
    desired = pod_template([{"name": "a", "image": "x"}])
    live = copy.deepcopy(desired)
    live["metadata"].update(uid="u", resourceVersion="9", generation=3, managedFields=[])
    live["metadata"]["annotations"] = {"deployment.kubernetes.io/revision": "1"}
    live["spec"]["revisionHistoryLimit"] = 10
    live["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] = "IfNotPresent"
    live["status"] = {"replicas": 1}
    assert diff_object(desired, live).status is Status.SYNCED


def test_desired_status_and_server_metadata_are_ignored():
    desired = pod_template([{"name": "a", "image": "x"}])
    live = copy.deepcopy(desired)
    desired["status"] = {}
    desired["metadata"]["creationTimestamp"] = None
    desired["metadata"]["resourceVersion"] = "1"
    assert diff_object(desired, live).status is Status.SYNCED


def test_containers_match_by_name_not_position():
    a, b = {"name": "a", "image": "x"}, {"name": "b", "image": "y"}
    assert diff_object(pod_template([a, b]), pod_template([b, a])).status is Status.SYNCED
    live = pod_template([b, {"name": "a", "image": "z"}])
    assert changes(pod_template([a, b]), live) == {
        "spec.template.spec.containers[name=a].image": (ChangeKind.CHANGED, "z", "x")
    }


def test_extra_container_and_env_var_are_drift_extra_map_keys_are_not():
    desired = pod_template([{"name": "a", "image": "x", "env": [{"name": "E", "value": "1"}]}])
    live = pod_template(
        [
            {
                "name": "a",
                "image": "x",
                "terminationMessagePath": "/dev/termination-log",
                "env": [{"name": "E", "value": "1"}, {"name": "DEBUG", "value": "1"}],
            },
            {"name": "sidecar", "image": "proxy"},
        ]
    )
    assert changes(desired, live) == {
        "spec.template.spec.containers[name=a].env[name=DEBUG]": (
            ChangeKind.REMOVED,
            {"name": "DEBUG", "value": "1"},
            None,
        ),
        "spec.template.spec.containers[name=sidecar]": (
            ChangeKind.REMOVED,
            {"name": "sidecar", "image": "proxy"},
            None,
        ),
    }


def test_missing_list_item_is_added():
    desired = pod_template([{"name": "a", "image": "x"}, {"name": "b", "image": "y"}])
    live = pod_template([{"name": "a", "image": "x"}])
    assert changes(desired, live) == {
        "spec.template.spec.containers[name=b]": (
            ChangeKind.ADDED,
            None,
            {"name": "b", "image": "y"},
        )
    }


def test_port_without_protocol_matches_the_defaulted_tcp_port():
    desired = pod_template(
        [{"name": "a", "ports": [{"containerPort": 80}, {"containerPort": 53, "protocol": "UDP"}]}]
    )
    live = pod_template(
        [
            {
                "name": "a",
                "ports": [
                    {"containerPort": 53, "protocol": "UDP"},
                    {"containerPort": 80, "protocol": "TCP"},
                ],
            }
        ]
    )
    assert diff_object(desired, live).status is Status.SYNCED
    live["spec"]["template"]["spec"]["containers"][0]["ports"][0]["protocol"] = "TCP"
    assert set(changes(desired, live)) == {
        "spec.template.spec.containers[name=a].ports[containerPort=53,protocol=UDP]",
        "spec.template.spec.containers[name=a].ports[containerPort=53,protocol=TCP]",
    }


def test_merge_keys_come_from_managed_fields():
    # A custom list keyed by "id": only managedFields know that.
    desired = {
        "apiVersion": "x/v1",
        "kind": "Thing",
        "metadata": {"name": "t"},
        "spec": {"items": [{"id": 1, "v": "a"}, {"id": 2, "v": "b"}]},
    }
    live = copy.deepcopy(desired)
    live["spec"]["items"].reverse()
    live["spec"]["items"][0]["v"] = "B"
    live["metadata"]["managedFields"] = [
        {
            "manager": "gitops-tui",
            "operation": "Apply",
            "fieldsV1": {"f:spec": {"f:items": {'k:{"id":1}': {}, 'k:{"id":2}': {}}}},
        }
    ]
    assert changes(desired, live) == {"spec.items[id=2].v": (ChangeKind.CHANGED, "B", "b")}
    # Without managedFields the same list is compared by position.
    del live["metadata"]["managedFields"]
    assert set(changes(desired, live)) == {
        "spec.items[0].id",
        "spec.items[0].v",
        "spec.items[1].id",
        "spec.items[1].v",
    }


def test_scalar_lists_are_compared_whole_and_in_order():
    desired = pod_template([{"name": "a", "args": ["--a", "--b"]}])
    live = pod_template([{"name": "a", "args": ["--b", "--a"]}])
    assert changes(desired, live) == {
        "spec.template.spec.containers[name=a].args": (
            ChangeKind.CHANGED,
            ["--b", "--a"],
            ["--a", "--b"],
        )
    }


def test_set_lists_ignore_order():
    desired = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "c", "finalizers": ["a", "b"]},
    }
    live = copy.deepcopy(desired)
    live["metadata"]["finalizers"] = ["b", "a"]
    live["metadata"]["managedFields"] = [
        {
            "manager": "gitops-tui",
            "operation": "Apply",
            "fieldsV1": {"f:metadata": {"f:finalizers": {'v:"a"': {}, 'v:"b"': {}}}},
        }
    ]
    assert diff_object(desired, live).status is Status.SYNCED


def test_api_normalisations_are_not_drift():
    desired = pod_template(
        [
            {
                "name": "a",
                "resources": {"limits": {"cpu": 0.5, "memory": "1Gi"}, "requests": {"cpu": 1}},
            }
        ],
        volumes=[{"name": "tmp", "emptyDir": {"sizeLimit": "1Gi"}}],
    )
    desired["metadata"]["labels"] = {}
    desired["spec"]["template"]["spec"]["hostNetwork"] = False
    live = pod_template(
        [
            {
                "name": "a",
                "resources": {
                    "limits": {"cpu": "500m", "memory": "1024Mi"},
                    "requests": {"cpu": "1"},
                },
            }
        ],
        volumes=[{"name": "tmp", "emptyDir": {"sizeLimit": "1024Mi"}}],
    )
    assert diff_object(desired, live).status is Status.SYNCED


def test_int_or_string_port():
    desired = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "s"},
        "spec": {"ports": [{"port": 80, "targetPort": "8080"}]},
    }
    live = copy.deepcopy(desired)
    live["spec"]["ports"][0].update(targetPort=8080, protocol="TCP")
    assert diff_object(desired, live).status is Status.SYNCED
    live["spec"]["ports"][0]["targetPort"] = 9090
    assert changes(desired, live) == {
        "spec.ports[port=80,protocol=TCP].targetPort": (ChangeKind.CHANGED, 9090, "8080")
    }


def test_quantities_only_normalised_where_the_api_does():
    # A ConfigMap value "1k" replaced by "1000" is a real change even though the quantities match.
    desired = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "c"},
        "data": {"limits": "1k"},
    }
    live = copy.deepcopy(desired)
    live["data"]["limits"] = "1000"
    assert changes(desired, live) == {"data.limits": (ChangeKind.CHANGED, "1000", "1k")}


def test_null_in_desired_means_not_set():
    desired = pod_template([{"name": "a", "image": None}])
    live = pod_template([{"name": "a", "image": "x"}])
    assert diff_object(desired, live).status is Status.SYNCED


def test_type_changes_and_removed_values():
    desired = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "c", "labels": {"a": "1"}},
        "data": {"k": "v"},
    }
    live = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": "oops"}
    assert changes(desired, live) == {
        "metadata.labels": (ChangeKind.ADDED, None, {"a": "1"}),
        "data": (ChangeKind.CHANGED, "oops", {"k": "v"}),
    }


def test_unified_shows_only_drifted_lines_around_context():
    desired = pod_template([{"name": "a", "image": "x", "resources": {"limits": {"cpu": 0.5}}}])
    live = pod_template(
        [
            {
                "name": "a",
                "image": "y",
                "resources": {"limits": {"cpu": "500m"}},
                "imagePullPolicy": "Always",
            }
        ]
    )
    text = diff_object(desired, live).unified
    assert text.startswith("--- live\n+++ git\n")
    assert "-        image: y\n+        image: x\n" in text
    assert "500m" not in text and "imagePullPolicy" not in text


def test_paths_quote_keys_that_are_not_identifiers():
    path = ("metadata", "labels", "app.kubernetes.io/name")
    assert format_path(path) == 'metadata.labels["app.kubernetes.io/name"]'
    assert format_path(
        ("spec", "ports", Selector([("port", 80), ("protocol", "TCP")]), "name")
    ) == ("spec.ports[port=80,protocol=TCP].name")
    assert format_path(("spec", "rules", 0, "host")) == "spec.rules[0].host"


def test_owns_follows_merge_keys_and_atomic_ancestors():
    fields = {
        "f:spec": {
            "f:selector": {},
            "f:containers": {'k:{"name":"main"}': {"f:image": {}}},
            "f:args": {},
        }
    }
    main = Selector([("name", "main")])
    assert owns(fields, ("spec", "containers", main, "image"))
    assert not owns(fields, ("spec", "containers", Selector([("name", "other")]), "image"))
    assert not owns(fields, ("spec", "replicas"))
    assert owns(fields, ("spec", "selector", "matchLabels", "app"))  # atomic map
    assert owns(fields, ("spec", "args", 1))  # atomic list


def test_drifted_by_names_foreign_owners_with_time():
    desired = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "c"},
        "data": {"a": "1", "b": "2"},
    }
    live = copy.deepcopy(desired)
    live["data"]["a"] = "9"
    live["metadata"]["managedFields"] = [
        {
            "manager": "gitops-tui",
            "operation": "Apply",
            "time": "2026-01-01T00:00:00Z",
            "fieldsV1": {"f:data": {"f:b": {}}},
        },
        {
            "manager": "kubectl-edit",
            "operation": "Update",
            "time": "2026-01-02T03:04:05Z",
            "fieldsV1": {"f:data": {"f:a": {}}},
        },
    ]
    d = diff_object(desired, live)
    assert [c.by for c in d.changes] == [("kubectl-edit",)]
    [who] = d.drifted_by
    assert (who.manager, who.operation, who.paths) == ("kubectl-edit", "Update", ("data.a",))
    assert who.time is not None and who.time.isoformat() == "2026-01-02T03:04:05+00:00"


def test_git_side_change_has_no_foreign_manager():
    desired = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "c"},
        "data": {"a": "2"},
    }
    live = copy.deepcopy(desired)
    live["data"]["a"] = "1"
    live["metadata"]["managedFields"] = [
        {
            "manager": "gitops-tui",
            "operation": "Apply",
            "time": "2026-01-01T00:00:00Z",
            "fieldsV1": {"f:data": {"f:a": {}}},
        }
    ]
    d = diff_object(desired, live)
    assert d.status is Status.OUT_OF_SYNC and d.drifted_by == [] and d.changes[0].by == ()


def test_quantities_written_differently_are_in_sync():
    # Git says cpu 0.5, the server answers 500m: the same quantity, not drift. (How fast
    # equal objects diff is benchmarks/reconcile.py's figure, not a test's.)
    desired = pod_template(
        [
            {
                "name": f"c{i}",
                "image": "x",
                "env": [{"name": f"E{j}", "value": "v"} for j in range(5)],
                "resources": {"limits": {"cpu": 0.5}},
            }
            for i in range(3)
        ]
    )
    live = copy.deepcopy(desired)
    for c in live["spec"]["template"]["spec"]["containers"]:
        c["resources"]["limits"]["cpu"] = "500m"
    assert diff_object(desired, live).status is Status.SYNCED
    live["spec"]["template"]["spec"]["containers"][1]["resources"]["limits"]["cpu"] = "600m"
    assert diff_object(desired, live).status is Status.OUT_OF_SYNC


def test_ignored_fields_are_no_drift_and_are_left_out_of_the_text() -> None:
    desired = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "ns"},
        "spec": {
            "replicas": 2,
            "template": {"spec": {"containers": [{"name": "a", "image": "x:1"}]}},
        },
    }
    live = copy.deepcopy(desired)
    live["spec"]["replicas"] = 5  # an HPA scaled it
    assert diff_object(desired, live).status is Status.OUT_OF_SYNC
    assert diff_object(desired, live, ignore=[("spec", "replicas")]).status is Status.SYNCED
    live["spec"]["template"]["spec"]["containers"][0]["image"] = "x:2"
    d = diff_object(desired, live, ignore=[("spec", "replicas")])
    assert d.status is Status.OUT_OF_SYNC
    assert [c.path for c in d.changes] == ["spec.template.spec.containers[name=a].image"]
    assert "replicas" not in d.unified and "+        image: x:1" in d.unified
    assert diff_object(desired, live, ignore=[()]).status is Status.SYNCED  # pointer ""
