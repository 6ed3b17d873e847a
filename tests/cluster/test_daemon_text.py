"""The headless daemon's log lines quote Git: they reach stderr as text, with no escape
sequence in them, like every other line the CLI prints."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

from kubernetes import client

from tests.hostile import CLEAR, RLO, unsafe_in
from tests.support import Repo, git, poll

ROOT = Path(__file__).resolve().parents[2]


def test_a_fetch_error_naming_a_hostile_remote_is_logged_as_text(
    repo: Repo, kubeconfig: Path, api_client, tmp_path: Path
) -> None:
    remote = tmp_path / f"{CLEAR}{RLO}origin.git"  # a path a remote may well have
    git(tmp_path, "clone", "--quiet", "--bare", str(repo.origin), str(remote))
    argv = ["reconcile", "--repo", str(remote), "--kubeconfig", str(kubeconfig)]
    argv += ["--namespace", f"ctl-{uuid.uuid4().hex[:8]}", "--interval", "0.3"]
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "PYTHONPATH": str(ROOT),
        "GITOPS_TUI_CACHE": str(tmp_path / "cache"),
    }
    err = tmp_path / "stderr"
    with err.open("wb") as stderr:
        daemon = subprocess.Popen(
            [sys.executable, "-m", "gitops_tui.cli", *argv],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    try:
        apps = client.AppsV1Api(api_client)
        poll(lambda: apps.list_namespaced_deployment(repo.ns).items, "the first sync", 60)
        remote.rename(tmp_path / "moved.git")  # the next fetch fails, naming the remote
        poll(lambda: b"origin.git failed" in err.read_bytes(), "the fetch error logged", 60)
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=30)
    raw = err.read_bytes()
    assert b"\x1b" not in raw
    logged = raw.decode()
    assert unsafe_in(logged) == [], logged
    assert "␛[2J\ufffdorigin.git failed" in logged
