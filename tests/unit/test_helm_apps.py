"""Apps whose path is a Helm chart: Argo CD's spec.source.helm and gitops-tui.yaml's helm,
seen through `gitops-tui apps|render` on a real Git repository (no cluster)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from gitops_tui.cli import main
from tests.support import git

CHART = {
    "charts/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.3.0\n",
    "charts/web/values.yaml": "replicas: 1\ncolor: blue\nowner: nobody\n",
    "charts/web/templates/config.yaml": """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-config
data:
  namespace: {{ .Release.Namespace }}
  replicas: {{ .Values.replicas | quote }}
  color: {{ .Values.color | quote }}
  owner: {{ .Values.owner | quote }}
  kube: {{ .Capabilities.KubeVersion.Version }}
""",
    "charts/web/templates/hooks.yaml": """\
apiVersion: batch/v1
kind: Job
metadata:
  name: {{ .Release.Name }}-migrate
  annotations: {helm.sh/hook: pre-upgrade}
spec: {template: {spec: {restartPolicy: Never, containers: [{name: m, image: busybox}]}}}
---
apiVersion: v1
kind: Pod
metadata:
  name: {{ .Release.Name }}-test
  annotations: {helm.sh/hook: test}
spec: {containers: [{name: t, image: busybox}]}
""",
    "charts/web/files/motd.txt": "hello from a file\n",
    "envs/prod/values.yaml": "replicas: 3\ncolor: red\n",
}


def application(helm: str = "", name: str = "web", path: str = "charts/web") -> str:
    text = f"""\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: {name}
spec:
  project: default
  source:
    repoURL: https://git.example.com/fleet.git
    path: {path}
"""
    if helm:
        text += "    helm:\n" + "".join(f"      {line}\n" for line in helm.splitlines())
    return (
        text + "  destination:\n    server: https://kubernetes.default.svc\n    namespace: shop\n"
    )


@pytest.fixture(autouse=True)
def env(tmp_path: Path, helm_path: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITOPS_TUI_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("GITOPS_TUI_HELM", helm_path)


def origin(tmp_path: Path, files: dict[str, str]) -> str:
    work = tmp_path / "work"
    for rel, text in files.items():
        (work / rel).parent.mkdir(parents=True, exist_ok=True)
        (work / rel).write_text(text)
    git(work, "init", "--quiet", "--initial-branch=main")
    git(work, "add", "-A")
    git(work, "commit", "--quiet", "-m", "fleet")
    bare = tmp_path / "origin.git"
    subprocess.run(["git", "clone", "--quiet", "--bare", str(work), str(bare)], check=True)
    return str(bare)


def render(capsys, repo: str, app: str = "web") -> tuple[int, list[dict], str]:
    code = main(["render", app, "--repo", repo, "-o", "json"])
    cap = capsys.readouterr()
    return code, json.loads(cap.out) if cap.out.strip() else [], cap.err


def test_an_argo_app_on_a_chart_folder_renders_with_helm_as_argo_does(
    tmp_path: Path, capsys
) -> None:
    repo = origin(tmp_path, {**CHART, "apps/web.yaml": application()})
    code, objs, err = render(capsys, repo)
    assert code == 0, err
    # The release is the app, in its destination namespace; hooks are not objects.
    assert objs == [
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "web-config", "namespace": "shop"},
            "data": {
                "namespace": "shop",
                "replicas": "1",
                "color": "blue",
                "owner": "nobody",
                "kube": "v1.36.3",
            },
        }
    ]
    assert err == (
        "warning: 2 Helm hooks not applied (hooks do not run yet): Pod/web-test, Job/web-migrate\n"
    )


def test_every_helm_field_argo_reads(tmp_path: Path, capsys) -> None:
    helm = """\
releaseName: storefront
namespace: other
valueFiles: [/envs/prod/values.yaml, missing.yaml]
ignoreMissingValueFiles: true
valuesObject: {color: green, owner: ops}
parameters:
- {name: replicas, value: "7", forceString: true}
- {name: owner, value: $ARGOCD_APP_NAME@$ARGOCD_APP_SOURCE_PATH}
fileParameters:
- {name: motd, path: files/motd.txt}
skipTests: true
kubeVersion: 1.31.4
"""
    repo = origin(tmp_path, {**CHART, "apps/web.yaml": application(helm)})
    code, objs, err = render(capsys, repo)
    assert code == 0, err
    (cm,) = objs
    assert cm["metadata"] == {"name": "storefront-config", "namespace": "shop"}
    assert cm["data"] == {
        "namespace": "other",
        "replicas": "7",
        "color": "green",
        "owner": "web@charts/web",
        "kube": "v1.31.4",
    }
    assert "1 Helm hook not applied" in err and "Pod/storefront-test" not in err


def test_values_and_value_files_order(tmp_path: Path, capsys) -> None:
    helm = "valueFiles: [/envs/prod/values.yaml]\nvalues: |\n  color: yellow\n"
    repo = origin(tmp_path, {**CHART, "apps/web.yaml": application(helm)})
    code, (cm,), err = render(capsys, repo)
    assert code == 0, err
    assert (cm["data"]["replicas"], cm["data"]["color"]) == ("3", "yellow")


def test_a_gitops_tui_app_on_a_chart_folder(tmp_path: Path, capsys) -> None:
    config = {
        "apps": [
            {
                "name": "web",
                "path": "charts/web",
                "namespace": "shop",
                "helm": {"releaseName": "w", "parameters": [{"name": "color", "value": "pink"}]},
            }
        ]
    }
    repo = origin(tmp_path, {**CHART, "gitops-tui.yaml": yaml.safe_dump(config)})
    code, (cm,), err = render(capsys, repo)
    assert code == 0, err
    assert cm["metadata"]["name"] == "w-config" and cm["data"]["color"] == "pink"


def test_what_cannot_be_honoured_is_an_error_on_the_app(tmp_path: Path, capsys) -> None:
    apps = {
        "apps/v2.yaml": application("version: v2", name="v2"),
        "apps/ref.yaml": application("valueFiles: [$values/envs/prod/values.yaml]", name="ref"),
        "apps/out.yaml": application("valueFiles: [../../../../etc/passwd]", name="out"),
        "apps/plain.yaml": application("releaseName: x", name="plain", path="envs"),
        "apps/odd.yaml": application("skipCrd: true", name="odd"),
        "apps/shape.yaml": application('parameters: "replicas=2"', name="shape"),
    }
    repo = origin(tmp_path, {**CHART, **apps})
    assert main(["apps", "--repo", repo, "-o", "json"]) == 1
    listed = json.loads(capsys.readouterr().out)
    apps = {a["name"]: a for a in listed["apps"]}
    assert listed["errors"] == []
    assert apps["v2"]["error"] == (
        "apps/v2.yaml:1: Application v2: spec.source.helm.version 'v2' is not supported (only v3)"
    )
    assert apps["shape"]["error"] == (
        "apps/shape.yaml:1: Application shape: spec.source.helm.parameters must be a list of "
        "mappings, got string"
    )
    odd = apps["odd"]
    assert odd["warnings"] == ["spec.source.helm.skipCrd is not supported and is ignored"]
    for name, message in {
        "ref": "error: apps/ref.yaml: value file '$values/envs/prod/values.yaml': values from "
        "another source ($ref, multi-source) are not supported yet\n",
        "out": "error: apps/out.yaml: value file '../../../../etc/passwd' resolves outside "
        "the repository\n",
        "plain": "error: apps/plain.yaml: app plain: helm options are set but envs is not a "
        "Helm chart (no Chart.yaml, or a kustomization)\n",
    }.items():
        code, objs, err = render(capsys, repo, name)
        assert (code, objs, err) == (1, [], message)


def test_a_kustomization_inflating_a_chart_sets_its_hooks_apart(tmp_path: Path, capsys) -> None:
    chart = {k.replace("charts/web/", "apps/web/charts/web/"): v for k, v in CHART.items()}
    kustomization = "namespace: shop\nhelmCharts:\n- {name: web, releaseName: k, skipTests: true}\n"
    files = {
        **chart,
        "apps/web/kustomization.yaml": kustomization,
        "apps/web.yaml": application(path="apps/web"),
    }
    code, objs, err = render(capsys, origin(tmp_path, files))
    assert code == 0, err
    assert [(o["kind"], o["metadata"]["name"]) for o in objs] == [("ConfigMap", "k-config")]
    assert err == "warning: 1 Helm hook not applied (hooks do not run yet): Job/k-migrate\n"
