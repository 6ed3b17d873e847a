"""Test helpers shared by the cluster and TUI tests: real Git repos, polling with deadlines."""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from gitops_tui.config import Settings
from gitops_tui.localcluster import BuildError, ClusterError, LocalCluster
from gitops_tui.localcluster.build import SealedSecretsBinaries, ensure_sealed_secrets
from gitops_tui.localcluster.sealedsecrets import SealedSecretsController
from gitops_tui.service import Service

DEADLINE = 20.0
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Alice",
    "GIT_AUTHOR_EMAIL": "alice@example.com",
    "GIT_COMMITTER_NAME": "Alice",
    "GIT_COMMITTER_EMAIL": "alice@example.com",
    "HOME": "/nonexistent",
    "PATH": "/usr/bin:/bin:/usr/local/bin",
}


def poll(fn, what: str, deadline: float = DEADLINE):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if result := fn():
            return result
        time.sleep(0.02)
    pytest.fail(f"timed out after {deadline}s waiting for {what}")


def git(cwd: Path, *args: str) -> str:
    out = subprocess.run(
        ["git", *args], cwd=cwd, env=GIT_ENV, check=True, capture_output=True, text=True
    )
    return out.stdout.strip()


def deployment(name: str, image: str, replicas: int = 2) -> dict:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": {"app": name}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "main", "image": image}]},
            },
        },
    }


class Repo:
    """A work tree pushing to a bare 'remote' that the service follows."""

    def __init__(self, root: Path, namespace: str) -> None:
        self.work, self.origin, self.ns = root / "work", root / "origin.git", namespace
        # App names are unique per cluster, as in Argo CD: one per test namespace here.
        self.app = f"shop-{namespace}"
        git(root, "init", "--quiet", "--bare", "--initial-branch=main", str(self.origin))
        git(root, "init", "--quiet", "--initial-branch=main", str(self.work))
        git(self.work, "remote", "add", "origin", str(self.origin))
        self.write(
            "gitops-tui.yaml",
            {
                "apps": [
                    {
                        "name": self.app,
                        "path": "shop",
                        "namespace": namespace,
                        "prune": True,
                        "selfHeal": True,
                    }
                ]
            },
        )
        self.write("shop/web.yaml", deployment("web", "registry.example.com/web:1.0"))
        self.write(
            "shop/config.yaml",
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": "web-config"},
                "data": {"mode": "fast"},
            },
        )
        self.write(
            "shop/svc.yaml",
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {"name": "web"},
                "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]},
            },
        )
        self.commit("shop: first version")

    def configure(self, **fields) -> str:
        """Change the app's entry in gitops-tui.yaml (e.g. autoSync=False) and push."""
        entry = {"name": self.app, "path": "shop", "namespace": self.ns, "prune": True,
                 "selfHeal": True, **fields}  # fmt: skip
        self.write("gitops-tui.yaml", {"apps": [entry]})
        return self.commit(f"configure {', '.join(fields)}")

    def write(self, path: str, obj: dict) -> None:
        p = self.work / path
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(yaml.safe_dump(obj, sort_keys=False))

    def remove(self, path: str) -> None:
        git(self.work, "rm", "--quiet", path)

    def commit(self, message: str) -> str:
        git(self.work, "add", "-A")
        git(self.work, "commit", "--quiet", "-m", message)
        git(self.work, "push", "--quiet", "origin", "main")
        return git(self.work, "rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path: Path, namespace: str) -> Repo:
    return Repo(tmp_path, namespace)


@pytest.fixture
def make_service(tmp_path: Path, kubeconfig: Path):
    control = f"ctl-{uuid.uuid4().hex[:8]}"
    made: list[Service] = []

    def make(repo: Repo, name: str = "a") -> Service:
        svc = Service(
            Settings(
                repo=str(repo.origin),
                kubeconfig=kubeconfig,
                control_namespace=control,
                cache=tmp_path / f"cache-{name}",
            )
        )
        made.append(svc)
        return svc

    yield make
    for svc in made:
        svc.close()


# ---- the real sealed-secrets controller, for sealing tests and the editor ------------
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def unavailable(reason: str) -> None:
    # In CI a missing controller must fail the run, never turn it green by skipping.
    if IN_CI:
        pytest.fail(f"sealed-secrets controller unavailable under CI=true: {reason}", pytrace=False)
    pytest.skip(f"sealed-secrets controller unavailable: {reason}")


@dataclass
class Running:
    controller: SealedSecretsController
    binaries: SealedSecretsBinaries
    kubeconfig: Path
    proxy_error: str = ""  # why the service proxy path is not set up, if it is not

    @property
    def seal_from(self) -> list[str]:
        """Where `seal` takes the cert: the cluster (service proxy), else the controller URL."""
        if self.proxy_error:
            return ["--cert", self.controller.cert_url]
        return ["--kubeconfig", str(self.kubeconfig)]


@pytest.fixture(scope="session")
def sealed_secrets(
    local_cluster: LocalCluster, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Running]:
    try:
        bins = ensure_sealed_secrets()
    except BuildError as e:
        unavailable(str(e))
    controller = SealedSecretsController(
        local_cluster.kubeconfig, tmp_path_factory.mktemp("sealed-secrets"), binaries=bins
    )
    try:
        controller.start()
    except ClusterError as e:
        unavailable(str(e))
    try:
        running = Running(controller, bins, local_cluster.kubeconfig)
        try:
            controller.expose()
        except ClusterError as e:
            running.proxy_error = str(e)
        yield running
    finally:
        controller.stop()
