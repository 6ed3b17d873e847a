"""One broken app among good ones, on the real control plane: the daemon keeps syncing
the others, and status says what is wrong with the broken one, in one line."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

from kubernetes import client

from gitops_tui.cli import main
from tests.support import Repo, poll

# `resources: 5` once raised a TypeError in the renderer, which stopped the loading of
# every app: the daemon then synced nothing at all.
BROKEN = "resources: 5\n"
BAD_NAME = "shop/../../secrets"


def declare_a_broken_app(repo: Repo) -> str:
    broken = f"broken-{repo.ns}"
    apps = [
        {"name": repo.app, "path": "shop", "namespace": repo.ns, "selfHeal": True},
        {"name": broken, "path": "broken", "namespace": repo.ns, "selfHeal": True},
        {"name": BAD_NAME, "path": "shop", "namespace": repo.ns, "selfHeal": True},
    ]
    repo.write("gitops-tui.yaml", {"apps": apps})
    (repo.work / "broken").mkdir()
    (repo.work / "broken" / "kustomization.yaml").write_text(BROKEN)
    repo.commit("a broken app and a badly named one next to the shop")
    return broken


def image(api_client, ns: str) -> str | None:
    try:
        web = client.AppsV1Api(api_client).read_namespaced_deployment("web", ns)
    except client.ApiException:
        return None
    return web.spec.template.spec.containers[0].image


def test_the_daemon_keeps_syncing_the_others(
    repo: Repo, kubeconfig: Path, api_client, tmp_path: Path, capsys
) -> None:
    broken = declare_a_broken_app(repo)
    control = f"ctl-{uuid.uuid4().hex[:8]}"
    common = ["--repo", str(repo.origin), "--kubeconfig", str(kubeconfig), "--namespace", control]
    env = {**os.environ, "GITOPS_TUI_CACHE": str(tmp_path / "daemon-cache")}
    cwd = Path(__file__).resolve().parents[2]
    daemon = subprocess.Popen(
        [sys.executable, "-m", "gitops_tui.cli", "reconcile", "--interval", "1", *common],
        env={**env, "PYTHONPATH": str(cwd)},
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        poll(lambda: image(api_client, repo.ns) == "registry.example.com/web:1.0", "web", 60)
        # A new commit to the good app: auto-synced too, the broken one notwithstanding.
        web = (repo.work / "shop" / "web.yaml").read_text()
        (repo.work / "shop" / "web.yaml").write_text(web.replace("web:1.0", "web:1.1"))
        repo.commit("shop: web 1.1")
        poll(lambda: image(api_client, repo.ns) == "registry.example.com/web:1.1", "1.1", 60)
        assert daemon.poll() is None, "the daemon died"
    finally:
        daemon.send_signal(signal.SIGTERM)
        _, err = daemon.communicate(timeout=30)
    assert "Traceback" not in err, err
    # The badly named app was never applied: nothing carries its name as owner.
    deployments = client.AppsV1Api(api_client).list_namespaced_deployment(repo.ns).items
    owners = {(d.metadata.labels or {}).get("gitops-tui.io/app") for d in deployments}
    assert owners == {repo.app}

    code = main(["status", *common, "-o", "json"])
    views = {v["app"]: v for v in json.loads(capsys.readouterr().out)}
    assert code == 1  # something is wrong, and status says what
    assert (views[repo.app]["sync"], views[repo.app]["error"]) == ("Synced", "")
    assert views[broken]["sync"] == "Unknown"
    assert views[broken]["error"] == (
        "broken/kustomization.yaml:1: resources must be a list of strings, got int"
    )
    assert views[BAD_NAME]["error"].startswith("gitops-tui.yaml:")
    assert "is not a valid Kubernetes name" in views[BAD_NAME]["error"]

    # Acting on the badly named app is refused before any request is made.
    for argv in (["sync", "--", BAD_NAME], ["pause", "--reason", "x", "--", BAD_NAME]):
        code = main([*argv[:-2], *common, *argv[-2:]])
        err = capsys.readouterr().err
        assert code == 1 and err.startswith(f"error: {BAD_NAME} is not managed: "), err
        assert "Traceback" not in err
