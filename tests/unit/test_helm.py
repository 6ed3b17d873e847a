"""The Helm engine: charts rendered by the real helm, from a Git tree, nothing of ours in reach."""

from __future__ import annotations

import os
from pathlib import Path

import pygit2
import pytest

from gitops_tui.errors import RenderError
from gitops_tui.git.repo import GitTree
from gitops_tui.render import helm as helm_engine
from gitops_tui.render.helm import (
    HelmOptions,
    HelmParameter,
    envsubst,
    find_helm,
    render_chart,
)
from gitops_tui.source import FsTree
from tests.support import git

CHART = {
    "apps/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 1.2.3\n",
    "apps/web/values.yaml": "replicas: 1\ncolor: blue\n",
    "apps/web/templates/cm.yaml": """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-config
  namespace: {{ .Release.Namespace }}
data:
  replicas: {{ .Values.replicas | quote }}
  color: {{ .Values.color }}
""",
    "apps/web/templates/migrate.yaml": """\
apiVersion: batch/v1
kind: Job
metadata:
  name: {{ .Release.Name }}-migrate
  annotations:
    helm.sh/hook: pre-install,pre-upgrade
    helm.sh/hook-weight: "-2"
    helm.sh/hook-delete-policy: before-hook-creation
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: m, image: busybox}]
""",
    "apps/web/templates/NOTES.txt": "Thanks for installing {{ .Release.Name }}\n",
}


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def git_tree(root: Path, files: dict[str, str]) -> GitTree:
    write(root, files)
    git(root, "init", "--quiet", "--initial-branch=main")
    git(root, "add", "-A")
    git(root, "commit", "--quiet", "-m", "chart")
    repo = pygit2.Repository(str(root))
    return GitTree(repo.head.peel(pygit2.Commit).tree)


@pytest.fixture
def helm(helm_path: str, monkeypatch: pytest.MonkeyPatch) -> helm_engine.Helm:
    monkeypatch.setenv(helm_engine.HELM_ENV, helm_path)
    return find_helm()


def test_a_chart_in_git_renders_with_its_release_and_namespace_hooks_apart(
    tmp_path: Path, helm: helm_engine.Helm
) -> None:
    tree = git_tree(tmp_path, CHART)
    opts = HelmOptions(release_name="shop", namespace="prod")
    out = render_chart(tree, "apps/web", opts, helm=helm)
    assert out.objects == [
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "shop-config", "namespace": "prod"},
            "data": {"replicas": "1", "color": "blue"},
        }
    ]
    (hook,) = out.hooks
    assert hook.object["metadata"]["name"] == "shop-migrate"
    assert (hook.events, hook.phases, hook.wave) == (
        ("pre-install", "pre-upgrade"),
        ("PreSync",),
        -2,
    )
    assert hook.delete_policies == ("before-hook-creation",)
    assert (out.chart, out.chart_version, out.helm_version) == ("web", "1.2.3", "v3.22.0")


def test_parameters_override_value_files_and_inline_values(
    tmp_path: Path, helm: helm_engine.Helm
) -> None:
    files = {**CHART, "envs/prod.yaml": "replicas: 3\ncolor: red\n"}
    tree = git_tree(tmp_path, files)
    opts = HelmOptions(
        release_name="shop",
        value_files=("/envs/prod.yaml",),
        values="color: green\n",
        parameters=(HelmParameter("replicas", "5", force_string=True),),
    )
    (cm,) = render_chart(tree, "apps/web", opts, helm=helm).objects
    assert cm["data"] == {"replicas": "5", "color": "green"}


def test_helm_sees_none_of_our_environment(
    tmp_path: Path, helm: helm_engine.Helm, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Run by hand in this environment, helm would put the release in "from-env" and
    # read that kubeconfig; the render must not.
    monkeypatch.setenv("HELM_NAMESPACE", "from-env")
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "kubeconfig"))
    (tmp_path / "kubeconfig").write_text("not: a kubeconfig\n")
    tree = git_tree(tmp_path / "repo", CHART)
    (cm,) = render_chart(tree, "apps/web", HelmOptions(release_name="a"), helm=helm).objects
    assert cm["metadata"]["namespace"] == "default"


def test_a_second_render_of_the_same_inputs_runs_no_helm(
    tmp_path: Path, helm: helm_engine.Helm
) -> None:
    root = write(tmp_path, CHART)
    cache = helm_engine.OutputCache()
    opts = HelmOptions(release_name="a", value_files=("values.yaml",))
    first = render_chart(FsTree(root), "apps/web", opts, helm=helm, cache=cache)
    again = render_chart(FsTree(root), "apps/web", opts, helm=helm, cache=cache)
    assert again.objects == first.objects and (cache.hits, cache.misses) == (1, 1)
    render_chart(FsTree(root), "apps/web", HelmOptions(release_name="b"), helm=helm, cache=cache)
    assert cache.misses == 2  # other options: another render
    (root / "apps/web/values.yaml").write_text("replicas: 7\ncolor: blue\n")
    (cm,) = render_chart(FsTree(root), "apps/web", opts, helm=helm, cache=cache).objects
    assert cm["data"]["replicas"] == "7" and cache.misses == 3
    other_kube = HelmOptions(release_name="a", value_files=("values.yaml",), kube_version="1.30.0")
    render_chart(FsTree(root), "apps/web", other_kube, helm=helm, cache=cache)
    assert cache.misses == 4


def test_value_files_outside_the_repository_or_missing_are_refused(
    tmp_path: Path, helm: helm_engine.Helm
) -> None:
    tree = FsTree(write(tmp_path, CHART))
    cases = {
        "../../../etc/passwd": "value file '../../../etc/passwd' resolves outside the repository",
        "missing.yaml": "value file 'missing.yaml': apps/web/missing.yaml does not exist",
        "https://example.com/v.yaml": "remote value files are not supported yet",
        "$values/envs/prod.yaml": "($ref, multi-source) are not supported yet",
    }
    for raw, message in cases.items():
        opts = HelmOptions(release_name="a", value_files=(raw,), declared_in="apps/app.yaml")
        with pytest.raises(RenderError, match=r"^apps/app.yaml: .*") as e:
            render_chart(tree, "apps/web", opts, helm=helm)
        assert message in str(e.value)
    ignore = HelmOptions(
        release_name="a", value_files=("missing.yaml",), ignore_missing_value_files=True
    )
    assert len(render_chart(tree, "apps/web", ignore, helm=helm).objects) == 1


def test_a_template_error_names_the_template(tmp_path: Path, helm: helm_engine.Helm) -> None:
    files = {**CHART, "apps/web/templates/broken.yaml": "x: {{ .Values.nothing.here }}\n"}
    tree = FsTree(write(tmp_path, files))
    with pytest.raises(RenderError) as e:
        render_chart(tree, "apps/web", HelmOptions(release_name="a"), helm=helm)
    text = str(e.value)
    assert text.startswith("apps/web: helm template: template: web/templates/broken.yaml:1:")
    assert "nil pointer" in text and str(tmp_path) not in text


def test_without_helm_the_error_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(helm_engine.HELM_ENV, raising=False)
    monkeypatch.setenv("GITOPS_TUI_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(RenderError) as e:
        find_helm()
    assert "rendering a Helm chart needs helm, none found: install helm 3" in str(e.value)
    assert "python -m gitops_tui.localcluster --helm-only" in str(e.value)
    monkeypatch.setenv(helm_engine.HELM_ENV, str(tmp_path / "no-helm"))
    with pytest.raises(RenderError, match="GITOPS_TUI_HELM names no executable helm"):
        find_helm()


def test_the_cached_build_comes_before_path(
    tmp_path: Path, helm_path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(helm_engine.HELM_ENV, raising=False)
    fake = tmp_path / "bin" / "helm"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\necho v9.9.9\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    assert find_helm().path == helm_path  # the cache (the fixture's build) wins
    monkeypatch.setenv("GITOPS_TUI_CACHE", str(tmp_path / "empty-cache"))
    with pytest.raises(RenderError, match=r"helm v9.9.9 found; charts render with Helm 3"):
        find_helm()  # then PATH: a helm that is not Helm 3 is refused
    assert find_helm(helm_path).path == helm_path  # the setting comes first


def test_envsubst_is_go_os_expand_with_argo_names() -> None:
    env = {"ARGOCD_APP_NAME": "shop", "ARGOCD_APP_NAMESPACE": "prod"}
    assert envsubst("values-$ARGOCD_APP_NAME.yaml", env) == "values-shop.yaml"
    assert envsubst("${ARGOCD_APP_NAMESPACE}/x", env) == "prod/x"
    assert envsubst("$UNKNOWN-a", env) == "-a"
    assert envsubst("cost: $$5", env) == "cost: $5"
    assert envsubst("a$", env) == "a$"
    assert envsubst("a$ b", env) == "a$ b"
    assert envsubst("a${}b", env) == "ab"
