"""Shared fixtures: one real local control plane for the whole run, a namespace per test."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from gitops_tui.localcluster import BuildError, LocalCluster, ensure_binaries, go_missing_reason
from gitops_tui.localcluster.build import binaries

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _unavailable(reason: str, what: str = "local control plane") -> None:
    # In CI a missing control plane must fail the run, never turn it green by skipping.
    if IN_CI:
        pytest.fail(f"{what} unavailable under CI=true: {reason}", pytrace=False)
    pytest.skip(f"{what} unavailable: {reason}")


@pytest.fixture(scope="session")
def local_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCluster]:
    if not binaries().all_present() and (reason := go_missing_reason()):
        _unavailable(reason)
    try:
        bins = ensure_binaries()
    except BuildError as e:
        _unavailable(str(e))
    cluster = LocalCluster(tmp_path_factory.mktemp("local-cluster"), binaries=bins)
    cluster.up()
    try:
        yield cluster
    finally:
        cluster.down()


@pytest.fixture(scope="session")
def kubeconfig(local_cluster: LocalCluster) -> Path:
    return local_cluster.kubeconfig


@pytest.fixture(scope="session")
def api_client(kubeconfig: Path):
    from kubernetes import config

    client = config.new_client_from_config(config_file=str(kubeconfig))
    yield client
    client.close()


@pytest.fixture
def namespace(api_client) -> Iterator[str]:
    """A fresh namespace for one test; deleted afterwards (the controller-manager finishes it)."""
    from kubernetes import client

    core = client.CoreV1Api(api_client)
    name = f"t-{uuid.uuid4().hex[:10]}"
    core.create_namespace({"metadata": {"name": name}})
    yield name
    core.delete_namespace(name)


@pytest.fixture(scope="session")
def helm_path() -> str:
    """helm, built from its Go module into the cache the first time (as `make binaries`)."""
    from gitops_tui.localcluster.build import ensure_helm, helm_binary

    if not helm_binary().is_file() and (reason := go_missing_reason()):
        _unavailable(reason, "helm")
    try:
        return str(ensure_helm())
    except BuildError as e:
        _unavailable(str(e), "helm")
    raise AssertionError("unreachable")


@pytest.fixture(autouse=True, scope="session")
def git_identity() -> Iterator[None]:
    """Commits made by the product (reverts, sealed secrets) need an author; a fresh CI
    machine has no global git config, so the tests name one, as an operator would."""
    keys = {"GIT_AUTHOR_NAME": "Test Operator", "GIT_AUTHOR_EMAIL": "operator@example.com"}
    saved = {k: os.environ.get(k) for k in keys}
    for k, v in keys.items():
        os.environ.setdefault(k, v)
    yield
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)


# A real Git repo with one app, and services on it: for the cluster and TUI tests.
from tests.processes import operators  # noqa: E402, F401
from tests.support import make_service, repo, sealed_secrets  # noqa: E402, F401
