"""kustomize's helmCharts rendered natively, judged by `kustomize build --enable-helm` with
the same helm: the same objects in the same order, byte for byte once dumped.

The helm both use is the cached build, put first on PATH as `helm` (our side finds it
there; the judge is handed it with --helm-command).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from gitops_tui.errors import RenderError
from gitops_tui.render import helm as engine
from gitops_tui.render.kustomize import render_kustomization
from gitops_tui.render.kustomize.load import load_documents
from gitops_tui.source import FsTree

from ..conftest import canonical

CHARTS = Path(__file__).parent / "repo" / "charts"


@dataclass
class Case:
    id: str
    kustomization: str
    files: dict[str, str] = field(default_factory=dict)
    charts: dict[str, str] = field(default_factory=lambda: {"charts/shop": "shop"})
    fails: str = ""  # what our error says (the judge fails too)


CASES = [
    Case(
        "release-and-namespace", "helmCharts:\n- {name: shop, releaseName: web, namespace: prod}\n"
    ),
    Case("no-release-name", "helmCharts:\n- {name: shop}\n"),
    Case(
        "values-file-and-additional-files-in-order",
        """\
helmCharts:
- name: shop
  releaseName: web
  valuesFile: values/base.yaml
  additionalValuesFiles: [values/prod.yaml, values/last.yaml]
""",
        files={
            "values/base.yaml": "replicas: 2\nconfig: {greeting: base}\n",
            "values/prod.yaml": "replicas: 3\nimage: {tag: '9.9'}\n",
            "values/last.yaml": "config: {greeting: last}\n",
        },
    ),
    Case(
        "values-inline-overrides",
        """\
helmCharts:
- name: echo
  releaseName: e
  valuesInline:
    nested: {keep: 10, drop: null, list: [z]}
    switch: off
    added: {deep: {x: 1}, gone: null}
""",
        charts={"charts/echo": "echo"},
    ),
    Case(
        "values-inline-merged-under-the-file",
        """\
helmCharts:
- name: echo
  releaseName: e
  valuesMerge: merge
  valuesInline:
    nested: {keep: 10, extra: 3}
    answer: 42
    fresh: null
""",
        charts={"charts/echo": "echo"},
    ),
    Case(
        "values-inline-replaces-the-file",
        """\
helmCharts:
- name: echo
  releaseName: e
  valuesMerge: replace
  valuesInline: {nested: {keep: 5}, fresh: null}
""",
        charts={"charts/echo": "echo"},
    ),
    Case(
        "values-inline-over-a-values-file",
        """\
helmCharts:
- name: echo
  releaseName: e
  valuesFile: mine.yaml
  valuesInline: {answer: no}
""",
        files={"mine.yaml": "answer: maybe\nwritten: ~\nnested: {keep: 7}\n"},
        charts={"charts/echo": "echo"},
    ),
    Case("crds-included", "helmCharts:\n- {name: shop, releaseName: web, includeCRDs: true}\n"),
    Case(
        "tests-and-hooks-skipped",
        "helmCharts:\n- {name: echo, releaseName: e, skipTests: true}\n"
        "- {name: echo, releaseName: f, skipHooks: true}\n",
        charts={"charts/echo": "echo"},
    ),
    Case(
        "kube-and-api-versions",
        """\
helmCharts:
- name: echo
  releaseName: e
  kubeVersion: 1.30.2
  apiVersions: [example.com/v1]
""",
        charts={"charts/echo": "echo"},
    ),
    Case(
        "chart-home-from-helm-globals",
        "helmGlobals: {chartHome: vendor/helm}\nhelmCharts:\n- {name: shop, releaseName: web}\n",
        charts={"vendor/helm/shop": "shop"},
    ),
    Case(
        "chart-with-repo-and-version-vendored",
        "helmCharts:\n- {name: shop, releaseName: web, repo: 'https://charts.example.com', "
        "version: 1.4.0}\n",
        charts={"charts/shop-1.4.0/shop": "shop"},
    ),
    Case(
        "kustomize-transforms-the-chart",
        """\
namespace: team
namePrefix: eu-
commonLabels: {tier: web}
images:
- {name: registry.example.com/shop, newTag: '3.0'}
patches:
- target: {kind: Deployment, name: web-shop}
  patch: |
    - {op: replace, path: /spec/replicas, value: 9}
helmCharts:
- {name: shop, releaseName: web-shop}
""",
    ),
    Case(
        "generators-resources-and-a-chart",
        """\
resources: [extra.yaml]
configMapGenerator:
- {name: settings, literals: [mode=fast]}
helmCharts:
- {name: shop, releaseName: web}
""",
        files={"extra.yaml": "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: web}\n"},
    ),
    Case(
        "the-same-chart-twice",
        "helmCharts:\n- {name: echo, releaseName: one}\n- {name: echo, releaseName: two}\n",
        charts={"charts/echo": "echo"},
    ),
    Case(
        "the-older-field",
        """\
helmChartInflationGenerator:
- chartName: shop
  releaseName: web
  chartHome: vendor
  valuesLocal: {replicas: 4}
""",
        charts={"vendor/shop": "shop"},
    ),
    Case(
        "a-chart-that-is-not-there",
        "helmCharts:\n- {name: nothere, releaseName: x}\n",
        fails="helm chart nothere: no chart at charts/nothere and no repo to pull it from",
    ),
    Case(
        "chart-home-is-not-a-chart-field",
        "helmCharts:\n- {name: shop, chartHome: vendor}\n",
        fails="invalid Kustomization: helmCharts: unknown field 'chartHome'",
    ),
    Case(
        "a-bad-values-merge",
        "helmCharts:\n- {name: shop, valuesMerge: mix, valuesInline: {a: 1}}\n",
        fails="helm chart shop: valuesMerge must be one of ['merge', 'override', 'replace']",
    ),
]


@pytest.fixture
def helm_on_path(helm_path: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The cached helm as `helm` first on PATH, and nothing else to find it by."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "helm").symlink_to(helm_path)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("GITOPS_TUI_CACHE", str(tmp_path / "empty-cache"))
    monkeypatch.delenv(engine.HELM_ENV, raising=False)
    return str(bin_dir / "helm")


def write_case(case: Case, root: Path) -> Path:
    root.mkdir()
    (root / "kustomization.yaml").write_text(case.kustomization)
    for rel, text in case.files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    for dest, chart in case.charts.items():
        shutil.copytree(CHARTS / chart, root / dest)
    return root


def judge(cmd: list[str], helm: str, directory: Path, home: Path) -> subprocess.CompletedProcess:
    home.mkdir()
    env = {"PATH": os.environ["PATH"], "HOME": str(home)}
    return subprocess.run(
        [*cmd, str(directory), "--enable-helm", "--helm-command", helm],
        capture_output=True,
        timeout=120,
        check=False,
        env=env,
    )


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_helm_charts_render_as_kustomize_enable_helm(
    case: Case, kustomize_cmd: list[str], helm_on_path: str, tmp_path: Path
) -> None:
    root = write_case(case, tmp_path / "case")
    want = judge(kustomize_cmd, helm_on_path, root, tmp_path / "home")
    if case.fails:
        assert want.returncode != 0
        with pytest.raises(RenderError) as e:
            render_kustomization(FsTree(root), "")
        assert e.value.file == "kustomization.yaml" and e.value.message == case.fails
        return
    assert want.returncode == 0, want.stderr.decode()
    expected = load_documents(want.stdout, str(root))
    got = render_kustomization(FsTree(root), "")
    assert canonical(got) == canonical(expected)
