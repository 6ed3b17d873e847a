"""A Helm chart app synced to the real control plane: its objects arrive, its hooks do not,
and the chart sees the connected cluster's API versions."""

from __future__ import annotations

import uuid

import pytest
from kubernetes import client

from tests.support import Repo, poll

CHART = {
    "chart/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
    "chart/values.yaml": "replicas: 2\n",
    "chart/templates/config.yaml": """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-config
data:
  replicas: {{ .Values.replicas | quote }}
  widgets: {{ .Capabilities.APIVersions.Has (printf "%s/v1/Widget" .Values.group) | quote }}
""",
    "chart/templates/hook.yaml": """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-pre-sync
  annotations: {helm.sh/hook: pre-install}
data: {}
""",
}


@pytest.fixture
def widget_group(api_client):
    """A CRD served by the cluster (and unknown to helm's defaults), removed afterwards."""
    group = f"w{uuid.uuid4().hex[:8]}.example.com"
    crd = {
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
                    "schema": {"openAPIV3Schema": {"type": "object"}},
                }
            ],
        },
    }
    ext = client.ApiextensionsV1Api(api_client)
    ext.create_custom_resource_definition(crd)
    poll(
        lambda: any(
            c.type == "Established" and c.status == "True"
            for c in ext.read_custom_resource_definition(f"widgets.{group}").status.conditions or []
        ),
        "the CRD to be established",
    )
    yield group
    ext.delete_custom_resource_definition(f"widgets.{group}")


def test_a_chart_app_syncs_its_objects_not_its_hooks(
    api_client, repo: Repo, make_service, helm_path: str, widget_group: str, monkeypatch
) -> None:
    monkeypatch.setenv("GITOPS_TUI_HELM", helm_path)
    for path, text in CHART.items():
        (repo.work / path).parent.mkdir(parents=True, exist_ok=True)
        (repo.work / path).write_text(text)
    repo.configure(
        path="chart",
        helm={"parameters": [{"name": "group", "value": widget_group}]},
    )
    svc = make_service(repo)
    report = svc.sync(repo.app)
    assert report.ok, report.errors
    core = client.CoreV1Api(api_client)
    config = core.read_namespaced_config_map(f"{repo.app}-config", repo.ns)
    # The cluster serves Widget: Argo CD passes that to helm, and so do we.
    assert config.data == {"replicas": "2", "widgets": "true"}
    names = [c.metadata.name for c in core.list_namespaced_config_map(repo.ns).items]
    assert f"{repo.app}-pre-sync" not in names
    view = poll(lambda: (v := svc.engine.view(repo.app)).sync_status == "Synced" and v, "Synced")
    assert view.app.notes == [
        f"1 Helm hook not applied (hooks do not run yet): ConfigMap/{repo.app}-pre-sync"
    ]
    (hook,) = svc.engine.desired[repo.app].hooks
    assert (hook.phases, hook.object["metadata"]["namespace"]) == (("PreSync",), repo.ns)
