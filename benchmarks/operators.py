#!/usr/bin/env python3
"""Many operators, one cluster: how soon a leading `gitops-tui reconcile` daemon acts
on app state that other processes change.

Starts its own local control plane in a temporary directory, a Git repository with
one app, and the daemon as a subprocess; every change comes from another process
(the CLI, as an operator types it). Prints one JSON object on stdout; progress goes
to stderr.

    .venv/bin/python benchmarks/operators.py [--rounds N]

resume   `gitops-tui pause`, a drift (kubectl scale), `gitops-tui resume`: from the
         resume landing in the cluster to the drift healed, each seen by a watch of
         ours (two watches: a figure can be a few ms below zero).
expire   `gitops-tui pause --for 2s` and a drift: from the pause's end (the API
         server's time) to the drift healed. The leader checks pauses every second.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kubernetes import client, config, watch  # noqa: E402

from gitops_tui.localcluster import LocalCluster  # noqa: E402
from gitops_tui.reconcile.leader import LEASE_NAME  # noqa: E402
from gitops_tui.reconcile.state import AppState, object_name  # noqa: E402

GOAL_MS = 1000
GIT_REPLICAS = 2
DEADLINE = 20.0
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "Bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
    "HOME": "/nonexistent",
    "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
}


def progress(msg: str) -> None:
    print(f"[operators] {msg}", file=sys.stderr, flush=True)


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, env=GIT_ENV, check=True, capture_output=True)


class Timeline:
    """When (time.monotonic()) the API server told us of each change we wait for."""

    def __init__(self, api: client.ApiClient, ns: str, control: str, app: str) -> None:
        self.lock = threading.Lock()
        self.replicas: list[tuple[float, int]] = []
        self.paused: list[tuple[float, bool]] = []
        apps, core = client.AppsV1Api(api), client.CoreV1Api(api)
        self.rewatches = 0
        self.stopped = threading.Event()
        self.threads = [
            threading.Thread(target=self._follow, args=(fn, args, on), daemon=True)
            for fn, args, on in (
                (apps.list_namespaced_deployment, (ns,), self._deployment),
                (core.list_namespaced_config_map, (control,), self._state(object_name(app))),
            )
        ]
        for t in self.threads:
            t.start()

    def stop(self) -> None:
        self.stopped.set()
        for t in self.threads:
            t.join(10)

    def _deployment(self, obj) -> None:
        self.replicas.append((time.monotonic(), (obj.metadata.name, obj.spec.replicas)))

    def _state(self, name: str):
        def on(obj) -> None:
            if obj.metadata.name == name:
                state = AppState.from_configmap(obj.to_dict())
                self.paused.append((time.monotonic(), state.pause is not None))

        return on

    def _follow(self, fn, args, on) -> None:
        """Watch for good: a watch that ends is resumed from the last version seen."""
        rv = ""
        while not self.stopped.is_set():
            try:
                # Short watches, so that the thread sees stop() and ends before we do.
                stream = watch.Watch().stream(fn, *args, resource_version=rv, timeout_seconds=2)
                for event in stream:
                    rv = event["object"].metadata.resource_version
                    with self.lock:
                        on(event["object"])
            except Exception:
                self.rewatches += 1
                rv = ""  # 410 or a new API server: list again (ADDED events)
                self.stopped.wait(0.2)

    def first(self, series: str, after: float, value) -> float:
        end = time.monotonic() + DEADLINE
        while time.monotonic() < end:
            with self.lock:
                for t, v in getattr(self, series):
                    if t >= after and v == value:
                        return t
            time.sleep(0.002)
        raise TimeoutError(f"no {series} == {value} within {DEADLINE}s")


def stats(ms: list[float]) -> dict:
    ordered = sorted(ms)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "runs": len(ms),
        "p50_ms": round(statistics.median(ms), 1),
        "p95_ms": round(p95, 1),
        "max_ms": round(max(ms), 1),
        "all_ms": [round(x, 1) for x in ms],
    }


def run(rounds: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-operators-") as d:
        tmp = Path(d)
        progress("starting the local control plane")
        local = LocalCluster(tmp / "cluster")
        local.up()
        api = config.new_client_from_config(config_file=str(local.kubeconfig))
        daemon = timeline = None
        try:
            ns, control, app = "shop", f"ctl-{uuid.uuid4().hex[:6]}", "shop"
            client.CoreV1Api(api).create_namespace({"metadata": {"name": ns}})
            work, origin = tmp / "work", tmp / "origin.git"
            git(tmp, "init", "--quiet", "--bare", "--initial-branch=main", str(origin))
            git(tmp, "init", "--quiet", "--initial-branch=main", str(work))
            (work / "shop").mkdir()
            entry = {"name": app, "path": "shop", "namespace": ns, "selfHeal": True}
            (work / "gitops-tui.yaml").write_text(yaml.safe_dump({"apps": [entry]}))
            # One Deployment per drift, so that the flap guard never backs off.
            expire_rounds = max(rounds // 3, 1)
            names = [f"web-{i}" for i in range(rounds + expire_rounds)]
            for name in names:
                (work / "shop" / f"{name}.yaml").write_text(yaml.safe_dump(deployment(name)))
            git(work, "add", "-A")
            git(work, "commit", "--quiet", "-m", "shop")
            git(work, "push", "--quiet", str(origin), "main")
            common = ["--repo", str(origin), "--kubeconfig", str(local.kubeconfig)]
            common += ["--namespace", control]
            env = dict(os.environ, PYTHONPATH=str(ROOT), GITOPS_TUI_CACHE=str(tmp / "cache"))
            cli_env = dict(env, GITOPS_TUI_CACHE=str(tmp / "cache-cli"))
            cmd = [sys.executable, "-m", "gitops_tui.cli"]
            timeline = Timeline(api, ns, control, app)
            daemon = subprocess.Popen(
                [*cmd, "reconcile", "--interval", "600", *common],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            progress("waiting for the daemon to lead and sync")
            timeline.first("replicas", 0.0, (names[-1], GIT_REPLICAS))
            wait_lease(api, control, daemon.pid)

            def cli(*argv: str) -> None:
                subprocess.run([*cmd, *argv, *common], env=cli_env, check=True, capture_output=True)

            def drift(name: str, n: int) -> None:
                client.AppsV1Api(api).patch_namespaced_deployment_scale(
                    name, ns, {"spec": {"replicas": n}}, field_manager="kubectl"
                )

            resume_ms = []
            for i in range(rounds):
                start = time.monotonic()
                cli("pause", app, "--for", "30m", "--reason", f"bench {i}")
                timeline.first("paused", start, True)
                drift(names[i], 5)
                timeline.first("replicas", start, (names[i], 5))
                resumed_from = time.monotonic()
                cli("resume", app)
                resumed = timeline.first("paused", resumed_from, False)
                # Two watches: the heal may reach us a hair before the resume does.
                healed = timeline.first("replicas", resumed_from, (names[i], GIT_REPLICAS))
                resume_ms.append((healed - resumed) * 1000)
                progress(f"resume {i + 1}/{rounds}: healed {resume_ms[-1]:.0f} ms after")
            expire_ms = []
            for i in range(expire_rounds):
                name = names[rounds + i]
                out = subprocess.run(
                    [*cmd, "pause", app, "--for", "2s", "--reason", "short", *common, "-o", "json"],
                    env=cli_env, check=True, capture_output=True, text=True,
                )  # fmt: skip
                until = dt.datetime.fromisoformat(json.loads(out.stdout)["pause"]["until"])
                drifted = time.monotonic()
                drift(name, 6)
                timeline.first("replicas", drifted, (name, 6))
                healed_at = timeline.first("replicas", drifted, (name, GIT_REPLICAS))
                # The API server runs here: its clock is this machine's wall clock.
                healed_wall = time.time() - (time.monotonic() - healed_at)
                expire_ms.append((healed_wall - until.timestamp()) * 1000)
                progress(f"expire {i + 1}: healed {expire_ms[-1]:.0f} ms after the pause's end")
            return {
                "resume_to_healed": stats(resume_ms),
                "pause_end_to_healed": stats(expire_ms),
                "goal_ms": GOAL_MS,
                "met": max(resume_ms) < GOAL_MS,
                "cpus": os.cpu_count(),
                "rewatches": timeline.rewatches,
            }
        finally:
            if timeline is not None:
                timeline.stop()
            if daemon is not None:
                daemon.terminate()
                daemon.wait(20)
            api.close()
            local.down()


def wait_lease(api: client.ApiClient, control: str, pid: int) -> None:
    end = time.monotonic() + DEADLINE
    while time.monotonic() < end:
        try:
            lease = client.CoordinationV1Api(api).read_namespaced_lease(LEASE_NAME, control)
            if f"#{pid}-" in (lease.spec.holder_identity or ""):
                return
        except client.ApiException:
            pass
        time.sleep(0.05)
    raise TimeoutError("the daemon did not lead")


def deployment(name: str) -> dict:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": GIT_REPLICAS,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]},
            },
        },
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--rounds", type=int, default=10, help="pause/drift/resume rounds (10)")
    args = ap.parse_args(argv)
    print(json.dumps(run(args.rounds), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
