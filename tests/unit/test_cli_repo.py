"""`gitops-tui apps|history|render --output json` on the sample repository (no cluster)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from gitops_tui.cli import main
from gitops_tui.demo import APP_NAMES, write_sample_repo


@pytest.fixture(scope="module")
def origin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("sample")
    work = write_sample_repo(root / "work")
    bare = root / "origin.git"
    subprocess.run(["git", "clone", "--quiet", "--bare", str(work), str(bare)], check=True)
    return bare


@pytest.fixture(autouse=True)
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITOPS_TUI_CACHE", str(tmp_path / "cache"))


def run(capsys, *argv: str) -> tuple[int, object]:
    code = main([*argv, "-o", "json"])
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else None


def test_apps_json(origin: Path, capsys) -> None:
    code, data = run(capsys, "apps", "--repo", str(origin))
    assert code == 0
    assert tuple(a["name"] for a in data["apps"]) == APP_NAMES
    prod = next(a for a in data["apps"] if a["name"] == "payment-service-production")
    assert prod["path"] == "environments/production/payment-service"
    assert prod["warnings"] == []


def test_history_follows_the_base_too(origin: Path, capsys) -> None:
    code, commits = run(capsys, "history", "payment-service-production", "--repo", str(origin))
    assert code == 0
    subjects = [c["message"].splitlines()[0] for c in commits]
    # The overlay's own commits and the base's (services/payment-service).
    assert subjects == [
        "payment-service: bump image to 1.4.2",
        "payment-service: database credentials as a SealedSecret",
        "production overlays for api-service and payment-service",
        "payment-service: base and staging overlay",
    ]
    assert commits[0]["author_name"] == "Bob Okafor"
    assert commits[0]["files"] == [
        {
            "path": "environments/production/payment-service/kustomization.yaml",
            "status": "M",
            "additions": 1,
            "deletions": 1,
        }
    ]
    code, page = run(
        capsys, "history", "payment-service-production", "--repo", str(origin), "--skip", "3"
    )
    assert [c["sha"] for c in page] == [commits[3]["sha"]]


def images(objs: list[dict]) -> list[str]:
    return [
        c["image"]
        for o in objs
        if o["kind"] == "Deployment"
        for c in o["spec"]["template"]["spec"]["containers"]
    ]


def test_render_kustomize_app_at_head_and_older_commit(origin: Path, capsys) -> None:
    app = "payment-service-staging"
    code, head = run(capsys, "render", app, "--repo", str(origin))
    assert code == 0
    assert images(head) == ["registry.example.com/shop/payment-service:1.4.2"]
    assert {o["metadata"]["namespace"] for o in head} == {"shop-staging"}
    code, old = run(capsys, "render", app, "--repo", str(origin), "--revision", "main~1")
    assert images(old) == ["registry.example.com/shop/payment-service:1.4.0"]


def test_render_plain_app(origin: Path, capsys) -> None:
    code, objs = run(capsys, "render", "platform", "--repo", str(origin))
    assert code == 0
    assert [(o["kind"], o["metadata"]["name"]) for o in objs] == [
        ("Namespace", "shop-staging"),
        ("Namespace", "shop-production"),
        ("ResourceQuota", "shop-quota"),
        ("CustomResourceDefinition", "sealedsecrets.bitnami.com"),
    ]


def test_errors_are_one_clear_line(origin: Path, capsys) -> None:
    assert main(["render", "nope", "--repo", str(origin)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: no app named 'nope' (apps: api-service-production,")
    assert main(["render", "platform", "--repo", str(origin), "--revision", "v9"]) == 1
    err = capsys.readouterr().err
    assert "v9" in err and "Traceback" not in err
