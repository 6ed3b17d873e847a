"""The headless CLI on the real control plane: JSON out, exit codes, clear errors."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from kubernetes import client

from gitops_tui.cli import main
from tests.git.httpremote import GitHttpServer
from tests.support import Repo, deployment, poll


@pytest.fixture
def cli(repo: Repo, kubeconfig: Path, tmp_path: Path, monkeypatch, capsys):
    monkeypatch.setenv("GITOPS_TUI_CACHE", str(tmp_path / "cache"))
    control = f"ctl-{uuid.uuid4().hex[:8]}"
    repo.control = control  # type: ignore[attr-defined]

    def run(*argv: str) -> tuple[int, object, str]:
        common = ["--repo", str(repo.origin), "--kubeconfig", str(kubeconfig)]
        code = main([*argv, *common, "--namespace", control, "-o", "json"])
        cap = capsys.readouterr()
        return code, json.loads(cap.out) if cap.out.strip() else None, cap.err

    return run


def test_sync_status_diff_pause_resume(cli, repo: Repo, api_client) -> None:
    code, report, _ = cli("sync", repo.app, "--dry-run")
    assert code == 0 and report["dry_run"] and len(report["applied"]) == 3
    apps = client.AppsV1Api(api_client)
    assert not apps.list_namespaced_deployment(repo.ns).items  # a dry run changes nothing

    code, report, _ = cli("sync", repo.app)
    assert code == 0 and report["errors"] == []
    assert apps.read_namespaced_deployment("web", repo.ns).spec.replicas == 2

    code, views, _ = cli("status")
    (view,) = views
    assert (view["app"], view["sync"], view["error"]) == (repo.app, "Synced", "")
    assert view["lastSyncedRevision"] == report["revision"]

    assert cli("diff", repo.app)[0] == 0
    apps.patch_namespaced_deployment_scale(
        "web", repo.ns, {"spec": {"replicas": 4}}, field_manager="kubectl"
    )
    code, diffs, _ = poll(lambda: (r := cli("diff", repo.app))[0] == 3 and r, "the drift")
    (d,) = diffs
    assert d["status"] == "OutOfSync" and [m["manager"] for m in d["drifted_by"]] == ["kubectl"]
    assert "-  replicas: 4\n+  replicas: 2\n" in d["unified"]

    code, state, _ = cli("pause", repo.app, "--for", "45m", "--reason", "INC-9 debugging")
    assert code == 0 and state["pause"]["reason"] == "INC-9 debugging"
    code, views, _ = cli("status")
    assert views[0]["paused"]["reason"] == "INC-9 debugging"
    code, state, _ = cli("resume", repo.app)
    assert code == 0 and state["pause"] is None


def test_rejected_object_fails_with_object_and_field(cli, repo: Repo, api_client) -> None:
    assert cli("sync", repo.app)[0] == 0
    bad = deployment("web", "registry.example.com/web:1.0")
    bad["spec"]["replicas"] = -1
    repo.write("shop/web.yaml", bad)
    repo.remove("shop/config.yaml")
    repo.commit("shop: negative replicas, and drop the config map")
    code, report, _ = cli("sync", repo.app)
    assert code == 1
    (error,) = report["errors"]
    assert f"Deployment.apps {repo.ns}/web field spec.replicas" in error and "(HTTP 422)" in error
    # No prune after a failed apply: the config map is still there.
    assert report["pruned"] == []
    core = client.CoreV1Api(api_client)
    assert core.read_namespaced_config_map("web-config", repo.ns).data == {"mode": "fast"}


def test_missing_crd_is_a_clear_error(cli, repo: Repo) -> None:
    repo.write(
        "shop/widget.yaml",
        {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}},
    )
    repo.commit("shop: a widget, without its CRD")
    code, report, _ = cli("sync", repo.app)
    assert code == 1
    assert any(
        f"Widget.example.com {repo.ns}/w" in e and "is its CRD installed?" in e
        for e in report["errors"]
    ), report


def test_reconcile_once_fails_on_an_app_it_cannot_discover(cli, repo: Repo) -> None:
    (repo.work / "gitops-tui.yaml").write_text("apps:\n  - name: [x\n")
    repo.commit("a broken declaration")
    code, result, _ = cli("reconcile", "--once")
    assert code == 1  # not "everything in sync": nothing was checked
    assert result["errors"] == ["gitops-tui.yaml:3: invalid YAML: did not find expected ',' or ']'"]


def test_reconcile_once_syncs_and_revert_rolls_back(
    cli, repo: Repo, api_client, tmp_path: Path
) -> None:
    code, _, _ = cli("reconcile", "--once")
    apps = client.AppsV1Api(api_client)
    assert code == 0

    def image() -> str:
        return (
            apps.read_namespaced_deployment("web", repo.ns).spec.template.spec.containers[0].image
        )

    assert image() == "registry.example.com/web:1.0"
    repo.write("shop/web.yaml", deployment("web", "registry.example.com/web:2.0"))
    bump = repo.commit("shop: web 2.0")
    assert cli("reconcile", "--once")[0] == 0
    assert image() == "registry.example.com/web:2.0"
    code, out, _ = cli("revert", bump)
    assert code == 0 and out["reverted"] == bump
    assert cli("reconcile", "--once")[0] == 0
    assert image() == "registry.example.com/web:1.0"
    # The audit trail: Events on the app's state object, and the local JSON lines.
    events = client.CoreV1Api(api_client).list_namespaced_event(repo.control).items
    reasons = {(e.reason, e.involved_object.name) for e in events}
    assert {("Sync", f"app-{repo.app}"), ("Revert", f"app-{repo.app}")} <= reasons
    revert_event = next(e for e in events if e.reason == "Revert")
    assert f"reverted {bump[:12]}" in revert_event.message
    log = [json.loads(line) for line in (tmp_path / "cache" / "audit.jsonl").open()]
    assert [r["action"] for r in log].count("sync") == 3
    assert any(r["action"] == "revert" and r["app"] == repo.app for r in log)


def test_unknown_app_is_a_clear_error(cli, repo: Repo) -> None:
    code, _, err = cli("sync", "nope")
    assert code == 1 and err.startswith(f"error: no app named 'nope' (apps: {repo.app})")


def test_a_token_in_the_repo_url_or_a_reason_is_shown_nowhere(
    repo: Repo, kubeconfig: Path, api_client, tmp_path: Path, monkeypatch, capsys
) -> None:
    token = "glpat-Cli-Token-3e7b"
    server = GitHttpServer(repo.origin.parent, {"ops": token}).start()
    url = server.serve(repo.origin)
    given = url.replace("http://", f"http://ops:{token}@") + f"?private_token={token}"
    cache = tmp_path / "cache"
    monkeypatch.setenv("GITOPS_TUI_CACHE", str(cache))
    control = f"ctl-{uuid.uuid4().hex[:8]}"

    def run(*argv: str) -> tuple[int, object, str]:
        common = ["--repo", given, "--kubeconfig", str(kubeconfig), "--namespace", control]
        code = main([*argv, *common, "-o", "json"])
        cap = capsys.readouterr()
        assert token not in cap.out + cap.err
        return code, json.loads(cap.out) if cap.out.strip() else None, cap.err

    try:
        assert run("sync", repo.app)[0] == 0
        # An operator pastes a link with its token into a pause reason.
        code, state, _ = run("pause", repo.app, "--reason", f"see https://ci:{token}@ci.example/7")
        assert code == 0 and state["pause"]["reason"] == "see https://ci.example/7"
        code, views, _ = run("status")
        assert code == 0 and views[0]["paused"]["reason"] == "see https://ci.example/7"
    finally:
        server.stop()
    code, _, err = run("status")  # the remote is gone now
    assert code == 1
    assert err.startswith(f"error: fetching {url}?private_token=*** failed: ")

    core = client.CoreV1Api(api_client)
    events = core.list_namespaced_event(control).items
    pause = next(e for e in events if e.reason == "Pause")
    assert "see https://ci.example/7" in pause.message
    assert not [e.message for e in events if token in e.message]
    states = core.list_namespaced_config_map(control).items
    assert states and not [c.metadata.name for c in states if token in json.dumps(c.data)]
    audit = (cache / "audit.jsonl").read_text()
    assert "see https://ci.example/7" in audit and token not in audit
    assert [p for p in cache.rglob("*") if p.is_file() and token.encode() in p.read_bytes()] == []
