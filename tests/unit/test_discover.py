"""App discovery: Argo CD Applications, Flux Kustomizations and gitops-tui.yaml."""

from __future__ import annotations

from pathlib import Path

from gitops_tui.apps import discover
from gitops_tui.demo import APP_NAMES, write_sample_repo
from gitops_tui.source import FsTree


def write(root: Path, files: dict[str, str]) -> FsTree:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return FsTree(root)


def test_sample_repo_apps(tmp_path: Path) -> None:
    found = discover(FsTree(write_sample_repo(tmp_path)))
    assert found.errors == []
    assert tuple(a.name for a in found.apps) == APP_NAMES
    apps = {a.name: a for a in found.apps}
    staging = apps["api-service-staging"]
    assert (staging.path, staging.namespace) == ("environments/staging/api-service", "shop-staging")
    assert staging.auto_sync and staging.prune and staging.self_heal
    prod = apps["payment-service-production"]
    assert not prod.auto_sync and not prod.self_heal
    assert prod.warnings == []
    (rule,) = prod.ignore_differences
    assert (rule.group, rule.kind, rule.pointers) == ("apps", "Deployment", ("/spec/replicas",))
    assert prod.ignored_paths("apps", "Deployment", "shop-production", "payment-service") == (
        ("spec", "replicas"),
    )
    assert prod.ignored_paths("", "Service", "shop-production", "payment-service") == ()


def test_argo_ignore_differences_what_is_kept_and_what_is_said(tmp_path: Path) -> None:
    text = (
        ARGO
        + """  ignoreDifferences:
  - {group: apps, kind: Deployment, name: web, jsonPointers: [/spec/replicas, /a~1b]}
  - {kind: ConfigMap, jqPathExpressions: [.data.x], jsonPointers: [data/x]}
  - {jsonPointers: [/spec]}
"""
    )
    (app,) = discover(write(tmp_path, {"apps/web.yaml": text})).apps
    web, cm = app.ignore_differences
    assert web.pointers == ("/spec/replicas", "/a~1b") and web.name == "web"
    assert app.ignored_paths("apps", "Deployment", "web", "web") == (("spec", "replicas"), ("a/b",))
    assert app.ignored_paths("apps", "Deployment", "web", "other") == ()
    assert cm.pointers == ()
    assert {
        "ignoreDifferences[1].jqPathExpressions is not supported and is ignored",
        "ignoreDifferences[1].jsonPointers 'data/x' is not a JSON pointer and is ignored",
        "ignoreDifferences[2] has no kind and is ignored",
    } <= set(app.warnings)


ARGO = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: web
spec:
  source:
    repoURL: https://git.example.com/x.git
    path: ./web/
    targetRevision: release-1
    kustomize:
      images: [nginx=nginx:1.27]
      namePrefix: x-
    helm:
      values: ""
  destination:
    server: https://prod.example.com:6443
    namespace: web
  syncPolicy:
    automated: {prune: true, allowEmpty: true}
    syncOptions: [CreateNamespace=true, Replace=true]
    retry: {limit: 2}
"""


def test_argo_fields_and_warnings(tmp_path: Path) -> None:
    found = discover(write(tmp_path, {"apps/web.yaml": ARGO}))
    (app,) = found.apps
    assert (app.path, app.namespace, app.target_revision) == ("web", "web", "release-1")
    assert app.auto_sync and app.prune and app.allow_empty and not app.self_heal
    assert app.create_namespace and app.images == ["nginx=nginx:1.27"]
    # Every ignored field is said out loud.
    assert set(app.warnings) == {
        "spec.source.kustomize.namePrefix is not supported and is ignored",
        "spec.syncPolicy.retry is not supported and is ignored",
        "spec.syncPolicy.syncOptions Replace=true is not supported and is ignored",
    }
    assert app.server == "https://prod.example.com:6443"


def test_argo_helm_repository_source(tmp_path: Path) -> None:
    text = "# apps\n" + ARGO.replace("    path: ./web/\n", "    chart: nginx\n")
    (app,) = discover(write(tmp_path, {"apps/web.yaml": text})).apps
    # The chart's targetRevision is its version; history follows the declaration.
    assert (app.chart.repo_url, app.chart.chart, app.chart.version) == (
        "https://git.example.com/x.git",
        "nginx",
        "release-1",
    )
    assert (app.path, app.target_revision) == ("apps/web.yaml", None)
    text = text.replace("    repoURL: https://git.example.com/x.git\n", "")
    found = discover(write(tmp_path, {"apps/web.yaml": text}))
    # Without a repository: shown on its own row, never rendered.
    (app,) = found.apps
    assert app.name == "web" and found.errors == []
    assert app.error == (
        "apps/web.yaml:2: Application web: spec.source.chart needs a chart name and "
        "spec.source.repoURL (the Helm repository)"
    )


FLUX = """\
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: shop, namespace: flux-system}
spec:
  url: https://git.example.com/shop.git
  ref: {branch: stable}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: shop-apps, namespace: flux-system}
spec:
  interval: 5m
  path: ./clusters/prod
  prune: true
  suspend: true
  targetNamespace: shop
  sourceRef: {kind: GitRepository, name: shop}
"""


def test_flux_kustomization_with_its_source(tmp_path: Path) -> None:
    (app,) = discover(write(tmp_path, {"clusters/flux.yaml": FLUX})).apps
    assert (app.name, app.path, app.target_revision) == ("shop-apps", "clusters/prod", "stable")
    assert app.repo_url == "https://git.example.com/shop.git"
    assert app.prune and app.suspend and app.force_namespace and app.namespace == "shop"
    assert app.interval == "5m" and app.recurse and app.warnings == []


def test_gitops_tui_yaml(tmp_path: Path) -> None:
    tree = write(
        tmp_path,
        {
            "gitops-tui.yaml": "apps:\n- name: a\n  path: a\n  namespace: na\n  prune: true\n"
            "  selfHeal: true\n- name: b\n  path: b\n  wave: 3\n- path: c\n"
        },
    )
    found = discover(tree)
    a, b = found.apps
    assert (a.name, a.namespace, a.prune, a.self_heal, a.auto_sync) == ("a", "na", True, True, True)
    assert (b.self_heal, b.auto_sync, b.warnings) == (
        False,
        False,
        ["wave is not supported and is ignored"],
    )
    assert [str(e) for e in found.errors] == [
        "gitops-tui.yaml:10: each app needs a name and a path"
    ]


def test_duplicate_names_and_bad_yaml_are_errors(tmp_path: Path) -> None:
    tree = write(
        tmp_path,
        {
            "a/web.yaml": ARGO,
            "b/web.yaml": ARGO,
            "c/broken.yaml": "apiVersion: argoproj.io/v1alpha1\nkind: Application\n  bad: [\n",
            "d/template.yaml": "not: [valid\n",  # no app in it: not discovery's business
        },
    )
    found = discover(tree)
    assert [a.name for a in found.apps] == ["web"]
    msgs = [str(e) for e in found.errors]
    assert msgs[0].startswith("c/broken.yaml:3: invalid YAML")
    assert msgs[1] == "b/web.yaml: app web is also declared in a/web.yaml"
