"""Every case renders an Argo CD helm source as `helm template`, run by hand on the same
chart and inputs, renders it: the same objects in the same order, hooks apart, the same
error when helm fails.

The chart (`repo/charts/shop`) is ours: a library chart and an application subchart
vendored in charts/, CRDs in crds/, hooks, a test, NOTES.txt, a values schema, a
.helmignore. Our side reads it from a Git commit; the hand-run reads the folder.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pygit2
import pytest
import yaml

from gitops_tui.apps.helm_source import parse_helm
from gitops_tui.errors import RenderError
from gitops_tui.git.repo import GitTree
from gitops_tui.render import helm as engine
from gitops_tui.render.helm import HOOK, error_text, render_chart
from tests.support import git

REPO = Path(__file__).parent / "repo"
CHART = "charts/shop"
KUBE = "v1.36.3"  # what an app renders for when no cluster is known


@dataclass
class Case:
    id: str
    spec: dict[str, Any]  # spec.source.helm, as written in an Application
    by_hand: list[str]  # the arguments of `helm template` typed for the same inputs
    release: str = "shop"
    namespace: str = ""  # the destination namespace
    inline: str = ""  # the values a hand-run gives in a file of its own
    fails: bool = False
    expect: dict[str, str] = field(default_factory=dict)  # data of the shop ConfigMap


BASE = [CHART, "--kube-version", KUBE, "--include-crds"]

CASES = [
    Case(
        "defaults",
        {},
        ["shop", *BASE],
        expect={"release": "shop", "kube": KUBE, "lookup": "empty", "widgets": "false"},
    ),
    Case(
        "release-and-namespace",
        {},
        ["storefront", *BASE, "--namespace", "prod"],
        release="storefront",
        namespace="prod",
        expect={"release": "storefront"},
    ),
    Case(
        "release-name-from-helm-field",
        {"releaseName": "my-shop-eu", "namespace": "eu"},
        ["my-shop-eu", *BASE, "--namespace", "eu"],
        namespace="ignored-for-helm-namespace",
    ),
    Case(
        "value-files-in-order",
        {"valueFiles": ["/values/base.yaml", "/values/prod.yaml"]},
        ["shop", *BASE, "-f", "values/base.yaml", "-f", "values/prod.yaml"],
    ),
    Case(
        "value-files-reversed",
        {"valueFiles": ["/values/prod.yaml", "/values/base.yaml"]},
        ["shop", *BASE, "-f", "values/prod.yaml", "-f", "values/base.yaml"],
    ),
    Case(
        "value-file-relative-to-the-chart",
        {"valueFiles": ["../../values/base.yaml"]},
        ["shop", *BASE, "-f", "values/base.yaml"],
    ),
    Case(
        "values-after-value-files",
        {"valueFiles": ["/values/base.yaml"], "values": "config:\n  greeting: hey\nreplicas: 5\n"},
        ["shop", *BASE, "-f", "values/base.yaml", "-f", "{inline}"],
        inline="config:\n  greeting: hey\nreplicas: 5\n",
        expect={"greeting": "hey, shop"},
    ),
    Case(
        "values-object",
        {"valuesObject": {"config": {"greeting": "howdy", "enabled": False}}},
        ["shop", *BASE, "-f", "{inline}"],
        inline="config: {greeting: howdy, enabled: false}\n",
        expect={"enabled": "false (bool)"},
    ),
    Case(
        "parameters-beat-value-files-and-values",
        {
            "valueFiles": ["/values/prod.yaml"],
            "values": "replicas: 4\n",
            "parameters": [{"name": "replicas", "value": "6"}],
        },
        ["shop", *BASE, "-f", "values/prod.yaml", "-f", "{inline}", "--set", "replicas=6"],
        inline="replicas: 4\n",
    ),
    Case(
        "set-types",
        {
            "parameters": [
                {"name": "config.count", "value": "010"},
                {"name": "config.enabled", "value": "false"},
                {"name": "config.ratio", "value": "0.75"},
            ]
        },
        ["shop", *BASE, "--set", "config.count=010,config.enabled=false,config.ratio=0.75"],
        expect={"count": "010 (string)", "enabled": "false (bool)", "ratio": "0.75 (string)"},
    ),
    Case(
        "set-string",
        {
            "parameters": [
                {"name": "config.enabled", "value": "true", "forceString": True},
                {"name": "config.count", "value": "7", "forceString": True},
                {"name": "replicas", "value": "2"},
            ]
        },
        [
            "shop",
            *BASE,
            "--set",
            "replicas=2",
            "--set-string",
            "config.enabled=true,config.count=7",
        ],
        expect={"enabled": "true (string)", "count": "7 (string)"},
    ),
    Case(
        "set-a-list",
        {"parameters": [{"name": "items", "value": "{x,y,z}"}]},
        ["shop", *BASE, "--set", "items={x,y,z}"],
        expect={"items": "x|y|z"},
    ),
    Case(
        "commas-in-a-parameter-are-text",
        {"parameters": [{"name": "config.greeting", "value": "hello, world"}]},
        ["shop", *BASE, "--set", "config.greeting=hello\\, world"],
        expect={"greeting": "hello, world, shop"},
    ),
    Case(
        "set-file",
        {"fileParameters": [{"name": "motd", "path": "/files/motd.txt"}]},
        ["shop", *BASE, "--set-file", "motd=files/motd.txt"],
        expect={"motd": "Welcome, operators\n"},
    ),
    Case(
        "kube-version",
        {"kubeVersion": "1.29.4"},
        ["shop", CHART, "--kube-version", "1.29.4", "--include-crds"],
        expect={"kube": "v1.29.4", "newKube": "false"},
    ),
    Case(
        "kube-version-the-chart-refuses",
        {"kubeVersion": "1.24.0"},
        ["shop", CHART, "--kube-version", "1.24.0", "--include-crds"],
        fails=True,
    ),
    Case(
        "api-versions",
        {"apiVersions": ["example.com/v1", "example.com/v1/Widget"]},
        [
            "shop",
            *BASE,
            "--api-versions",
            "example.com/v1",
            "--api-versions",
            "example.com/v1/Widget",
        ],
        expect={"widgets": "true"},
    ),
    Case("skip-crds", {"skipCrds": True}, ["shop", CHART, "--kube-version", KUBE]),
    Case("skip-tests", {"skipTests": True}, ["shop", *BASE, "--skip-tests"]),
    Case(
        "subchart-disabled-by-its-condition",
        {"parameters": [{"name": "cache.enabled", "value": "false"}]},
        ["shop", *BASE, "--set", "cache.enabled=false"],
    ),
    Case(
        "subchart-and-global-values",
        {
            "parameters": [
                {"name": "cache.size", "value": "128"},
                {"name": "global.env", "value": "stage"},
            ]
        },
        ["shop", *BASE, "--set", "cache.size=128,global.env=stage"],
        expect={"env": "stage"},
    ),
    Case(
        "schema-refuses-a-value",
        {"valueFiles": ["/values/bad.yaml"]},
        ["shop", *BASE, "-f", "values/bad.yaml"],
        fails=True,
    ),
    Case(
        "schema-validation-skipped",
        {"valueFiles": ["/values/bad.yaml"], "skipSchemaValidation": True},
        ["shop", *BASE, "-f", "values/bad.yaml", "--skip-schema-validation"],
    ),
    Case(
        "missing-value-file-ignored",
        {"valueFiles": ["/values/none.yaml", "/values/base.yaml"], "ignoreMissingValueFiles": True},
        ["shop", *BASE, "-f", "values/base.yaml"],
    ),
]


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> GitTree:
    """The cases' repository as a Git commit (what the app reads)."""
    work = tmp_path_factory.mktemp("helm-repo") / "repo"
    shutil.copytree(REPO, work)
    git(work, "init", "--quiet", "--initial-branch=main")
    git(work, "add", "-A")
    git(work, "commit", "--quiet", "-m", "charts")
    repo = pygit2.Repository(str(work))
    return GitTree(repo.head.peel(pygit2.Commit).tree)


def by_hand(helm: str, args: list[str], home: Path) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home)}
    return subprocess.run(
        [helm, "template", *args], cwd=REPO, env=env, capture_output=True, check=False
    )


def split(out: bytes) -> tuple[list[dict], list[dict]]:
    docs = [d for d in yaml.safe_load_all(out) if d]
    hooks = [d for d in docs if HOOK in (d.get("metadata", {}).get("annotations") or {})]
    return [d for d in docs if d not in hooks], hooks


def canonical(objs: list[dict]) -> str:
    return yaml.safe_dump_all(objs, sort_keys=True)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_argo_helm_source_renders_as_helm_template(
    case: Case, tree: GitTree, helm_path: str, tmp_path: Path
) -> None:
    helm = engine.Helm(helm_path, engine.helm_version(helm_path))
    declared = parse_helm(case.spec, "spec.source.helm", [])
    opts = replace(
        declared,
        release_name=declared.release_name or case.release,
        namespace=declared.namespace or case.namespace,
        kube_version=declared.kube_version or KUBE,
    )
    args = list(case.by_hand)
    if case.inline:
        (tmp_path / "inline.yaml").write_text(case.inline)
        args = [str(tmp_path / "inline.yaml") if a == "{inline}" else a for a in args]
    hand = by_hand(helm_path, args, tmp_path)
    if case.fails:
        assert hand.returncode != 0
        with pytest.raises(RenderError) as e:
            render_chart(tree, CHART, opts, helm=helm, cache=engine.OutputCache())
        assert e.value.message == f"helm template: {error_text(hand.stderr)}"
        return
    assert hand.returncode == 0, hand.stderr.decode()
    ours = render_chart(tree, CHART, opts, helm=helm, cache=engine.OutputCache())
    want_objects, want_hooks = split(hand.stdout)
    assert canonical(ours.objects) == canonical(want_objects)
    assert canonical([h.object for h in ours.hooks]) == canonical(want_hooks)
    config = next(o for o in ours.objects if o["metadata"]["name"].endswith("-config"))
    assert case.expect.items() <= config["data"].items()


def test_what_the_cases_cover(tree: GitTree, helm_path: str) -> None:
    """The default render holds what the cases rely on: CRDs first, the library chart's
    labels, the subchart, hooks apart with Argo CD's phases, and no test or NOTES."""
    helm = engine.Helm(helm_path, engine.helm_version(helm_path))
    opts = replace(parse_helm({}, "helm", []), release_name="shop", kube_version=KUBE)
    out = render_chart(tree, CHART, opts, helm=helm, cache=engine.OutputCache())
    kinds = [(o["kind"], o["metadata"]["name"]) for o in out.objects]
    assert kinds == [
        ("CustomResourceDefinition", "widgets.example.com"),
        ("ConfigMap", "shop-cache"),
        ("ConfigMap", "shop-config"),
        ("Deployment", "shop"),
    ]
    deployment = out.objects[-1]
    assert deployment["metadata"]["labels"]["helm.sh/chart"] == "shop-1.4.0"
    hooks = [(h.object["metadata"]["name"], h.phases, h.wave) for h in out.hooks]
    assert hooks == [
        ("shop-test", (), 0),
        ("shop-migrate", ("PreSync",), -1),
        ("shop-warm", ("PostSync",), 5),
    ]
    assert out.hooks[2].delete_policies == ("hook-succeeded", "before-hook-creation")
    assert not any("NOTES" in str(o) for o in out.objects)
    assert out.objects[2]["data"]["files"] == "files/shipped.txt;"  # .helmignore honoured
