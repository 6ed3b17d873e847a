"""Connecting to a cluster from a kubeconfig, with errors an operator can act on."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kubernetes import client, config
from kubernetes.config.config_exception import ConfigException

from gitops_tui.cluster.request import root_reason
from gitops_tui.errors import GitOpsError


class ClusterConnectError(GitOpsError):
    pass


@dataclass(frozen=True)
class ClusterInfo:
    context: str
    server: str
    user: str
    version: str = "unknown"


def connect(
    kubeconfig: Path | None = None, context: str | None = None
) -> tuple[client.ApiClient, ClusterInfo]:
    """An API client for the kubeconfig context; no request is made yet."""
    path = str(kubeconfig) if kubeconfig else None
    try:
        contexts, active = config.list_kube_config_contexts(config_file=path)
        chosen = active
        if context:
            chosen = next((c for c in contexts if c["name"] == context), None)
            if chosen is None:
                names = ", ".join(c["name"] for c in contexts)
                raise ClusterConnectError(f"no context {context!r} in kubeconfig (have: {names})")
        api = config.new_client_from_config(config_file=path, context=chosen["name"])
    except ConfigException as e:
        where = path or "the default kubeconfig"
        raise ClusterConnectError(f"cannot load {where}: {e}") from None
    info = ClusterInfo(
        context=chosen["name"],
        server=api.configuration.host,
        user=chosen.get("context", {}).get("user", ""),
    )
    return api, info


def server_version(api: client.ApiClient) -> str:
    """The API server's gitVersion (one request)."""
    try:
        return client.VersionApi(api).get_code(_request_timeout=5).git_version
    except Exception as e:  # urllib3 errors, ApiException: one readable line
        raise ClusterConnectError(f"cannot reach {api.configuration.host}: {_short(e)}") from None


def _short(e: Exception) -> str:
    if isinstance(e, client.ApiException):
        return f"HTTP {e.status} {e.reason}"
    return root_reason(e)
