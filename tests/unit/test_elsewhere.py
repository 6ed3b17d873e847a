"""Which apps are this cluster's: the others are shown and never applied."""

from __future__ import annotations

from gitops_tui.apps.model import App
from gitops_tui.cluster.client import ClusterInfo
from gitops_tui.service import elsewhere

HERE = ClusterInfo(context="prod-eu", server="https://10.0.0.1:6443", user="admin")


def app(**fields) -> App:
    fields.setdefault("source_kind", "argocd")
    return App(name="web", path="web", declared_in="apps/web.yaml", **fields)


def test_in_cluster_destinations_and_this_clusters_url_or_name_are_ours() -> None:
    for server in (None, "https://kubernetes.default.svc", "in-cluster", "prod-eu"):
        assert elsewhere(app(server=server), HERE) == ""
    assert elsewhere(app(server="https://10.0.0.1:6443/"), HERE) == ""
    assert elsewhere(app(source_kind="gitops-tui", context="prod-eu"), HERE) == ""


def test_another_clusters_app_says_which_cluster_and_why() -> None:
    assert elsewhere(app(server="https://10.9.9.9:6443"), HERE) == (
        "destination 'https://10.9.9.9:6443' is not this cluster (https://10.0.0.1:6443): "
        "not managed from here"
    )
    assert elsewhere(app(source_kind="gitops-tui", context="staging"), HERE) == (
        "declared for context 'staging', connected to 'prod-eu': not managed from here"
    )
