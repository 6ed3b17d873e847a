"""Argo CD apps whose chart comes from an HTTP Helm repository (`chart:` + `repoURL` +
`targetRevision`), against a chart repository on loopback: charts packaged with
`helm package`, the index made by `helm repo index`, served by Python's http.server."""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from gitops_tui.cli import main
from tests.support import git

TEMPLATE = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-web
data:
  chart: {{ .Chart.Version | quote }}
  color: {{ .Values.color | quote }}
  namespace: {{ .Release.Namespace | quote }}
"""


class ChartRepo:
    """A Helm chart repository on 127.0.0.1 that records the paths asked for."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.paths: list[str] = []
        repo = self

        class Handler(SimpleHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                repo.paths.append(self.path)
                super().do_GET()

            def log_message(self, *args) -> None:  # quiet
                pass

        self.server = ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(Handler, directory=str(root))
        )
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def package(helm: str, work: Path, version: str, out: Path) -> None:
    chart = work / f"web-{version}" / "web"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text(f"apiVersion: v2\nname: web\nversion: {version}\n")
    (chart / "values.yaml").write_text("color: blue\n")
    (chart / "templates" / "cm.yaml").write_text(TEMPLATE)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(work)}
    subprocess.run(
        [helm, "package", str(chart), "-d", str(out)], check=True, env=env, capture_output=True
    )


@pytest.fixture
def chart_repo(tmp_path: Path, helm_path: str) -> Iterator[ChartRepo]:
    served = tmp_path / "served"
    served.mkdir()
    for version in ("0.1.0", "0.2.0"):
        package(helm_path, tmp_path / "build", version, served)
    repo = ChartRepo(served)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    subprocess.run(
        [helm_path, "repo", "index", str(served), "--url", repo.url],
        check=True,
        env=env,
        capture_output=True,
    )
    yield repo
    repo.stop()


@pytest.fixture(autouse=True)
def env(tmp_path: Path, helm_path: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITOPS_TUI_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("GITOPS_TUI_HELM", helm_path)


def fleet(tmp_path: Path, url: str, version: str, extra: str = "") -> str:
    app = f"""\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {{name: web}}
spec:
  source:
    repoURL: {url}
    chart: web
    targetRevision: "{version}"
    helm:
      parameters: [{{name: color, value: green}}]
{extra}  destination: {{server: https://kubernetes.default.svc, namespace: shop}}
"""
    work = tmp_path / "fleet"
    shutil.rmtree(work, ignore_errors=True)
    (work / "apps").mkdir(parents=True)
    (work / "apps" / "web.yaml").write_text(app)
    git(work, "init", "--quiet", "--initial-branch=main")
    git(work, "add", "-A")
    git(work, "commit", "--quiet", "-m", "fleet")
    return str(work)


def render(capsys, repo: str, *flags: str) -> tuple[int, list[dict], str]:
    code = main(["render", "web", "--repo", repo, "-o", "json", *flags])
    cap = capsys.readouterr()
    return code, json.loads(cap.out) if cap.out.strip() else [], cap.err


def test_a_chart_from_a_helm_repository_renders_as_helm_template_with_repo(
    tmp_path: Path, chart_repo: ChartRepo, helm_path: str, capsys
) -> None:
    repo = fleet(tmp_path, chart_repo.url, "0.1.0")
    code, objs, err = render(capsys, repo, "--allow-remote-resources")
    assert code == 0, err
    assert [p for p in chart_repo.paths if p.endswith(".tgz")] == ["/web-0.1.0.tgz"]
    chart_repo.paths.clear()
    hand = subprocess.run(
        [helm_path, "template", "web", "web", "--repo", chart_repo.url, "--version", "0.1.0"]
        + ["--namespace", "shop", "--set", "color=green", "--include-crds"]
        + ["--kube-version", "v1.36.3"],
        check=True,
        capture_output=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    want = [d for d in yaml.safe_load_all(hand.stdout) if d]
    want[0]["metadata"]["namespace"] = "shop"  # placed in the destination, as Argo CD does
    assert objs == want
    assert objs[0]["data"] == {"chart": "0.1.0", "color": "green", "namespace": "shop"}

    # An exact version is pulled once: the next render reads the cache, offline.
    chart_repo.stop()
    code, again, err = render(capsys, repo, "--allow-remote-resources")
    assert (code, again) == (0, objs), err


def test_a_version_range_takes_the_newest_match(
    tmp_path: Path, chart_repo: ChartRepo, capsys
) -> None:
    code, (cm,), err = render(
        capsys, fleet(tmp_path, chart_repo.url, "0.*"), "--allow-remote-resources"
    )
    assert code == 0, err
    assert cm["data"]["chart"] == "0.2.0"


def test_remote_charts_are_refused_unless_allowed(
    tmp_path: Path, chart_repo: ChartRepo, capsys
) -> None:
    code, objs, err = render(capsys, fleet(tmp_path, chart_repo.url, "0.1.0"))
    assert (code, objs) == (1, [])
    assert err == (
        f"error: apps/web.yaml: chart web@0.1.0 from {chart_repo.url} is remote: refused "
        "unless remote resources are allowed (setting allow_remote_resources, flag "
        "--allow-remote-resources)\n"
    )
    assert chart_repo.paths == []


def test_what_is_not_supported_yet_says_so(tmp_path: Path, capsys) -> None:
    code, objs, err = render(
        capsys, fleet(tmp_path, "oci://registry.example.com/charts", "1.0.0"), "--allow-remote"
    )
    assert (code, objs) == (1, [])
    assert "OCI registries are not supported yet (an HTTP(S) Helm repository is)" in err
    code, objs, err = render(
        capsys, fleet(tmp_path, "http://127.0.0.1:9", "1.0.0", "    path: charts/web\n")
    )
    assert code == 1 and "is remote: refused" in err


def test_kustomize_helm_charts_from_a_repository_go_to_kustomize_with_our_helm(
    tmp_path: Path, chart_repo: ChartRepo, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No helm on PATH: kustomize gets ours with --helm-command.
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    work = tmp_path / "fleet"
    (work / "web").mkdir(parents=True)
    (work / "web" / "kustomization.yaml").write_text(
        "namespace: shop\nhelmCharts:\n"
        f"- {{name: web, repo: '{chart_repo.url}', version: 0.2.0, releaseName: k}}\n"
    )
    (work / "gitops-tui.yaml").write_text("apps:\n- {name: web, path: web}\n")
    git(work, "init", "--quiet", "--initial-branch=main")
    git(work, "add", "-A")
    git(work, "commit", "--quiet", "-m", "fleet")
    code, objs, err = render(capsys, str(work))
    assert (code, objs) == (1, [])
    assert f"helmCharts web from '{chart_repo.url}' is remote: refused" in err
    assert chart_repo.paths == []
    code, (cm,), err = render(capsys, str(work), "--allow-remote-resources")
    assert code == 0, err
    assert cm["metadata"] == {"name": "k-web", "namespace": "shop"}
    assert cm["data"]["chart"] == "0.2.0"
