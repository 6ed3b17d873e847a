"""An RBAC denial (403) ends as a clear error on the app and never in a partial prune."""

from __future__ import annotations

import uuid
from pathlib import Path

import yaml
from kubernetes import client

from gitops_tui.config import Settings
from gitops_tui.service import Service
from tests.support import Repo, deployment

READ = ["get", "list", "watch"]
WRITE = ["get", "list", "watch", "create", "patch", "update", "delete"]


def rule(groups: list[str], resources: list[str], verbs: list[str]) -> dict:
    return {"apiGroups": groups, "resources": resources, "verbs": verbs}


def deployer_kubeconfig(api_client, admin: Path, ns: str, control: str, out: Path) -> Path:
    """A service account that may read everything the app has but write only config
    maps and services in its namespace: no Deployments."""
    core = client.CoreV1Api(api_client)
    rbac = client.RbacAuthorizationV1Api(api_client)
    name = f"deployer-{ns}"
    core.create_namespace({"metadata": {"name": control}})
    core.create_namespaced_service_account(ns, {"metadata": {"name": "deployer"}})
    subject = [{"kind": "ServiceAccount", "name": "deployer", "namespace": ns}]
    rbac.create_cluster_role(
        {
            "metadata": {"name": name},
            "rules": [
                rule([""], ["configmaps", "services", "namespaces"], READ),
                rule(["apps"], ["deployments"], READ),
            ],
        }
    )
    rbac.create_cluster_role_binding(
        {
            "metadata": {"name": name},
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "ClusterRole",
                "name": name,
            },
            "subjects": subject,
        }
    )
    grants = {
        ns: [rule([""], ["configmaps", "services"], WRITE)],
        control: [
            rule([""], ["configmaps", "events"], WRITE),
            rule(["coordination.k8s.io"], ["leases"], WRITE),
        ],
    }
    for where, rules in grants.items():
        rbac.create_namespaced_role(where, {"metadata": {"name": "deployer"}, "rules": rules})
        rbac.create_namespaced_role_binding(
            where,
            {
                "metadata": {"name": "deployer"},
                "roleRef": {
                    "apiGroup": "rbac.authorization.k8s.io",
                    "kind": "Role",
                    "name": "deployer",
                },
                "subjects": subject,
            },
        )
    token = core.create_namespaced_service_account_token(
        "deployer", ns, {"spec": {"expirationSeconds": 3600}}
    ).status.token
    config = yaml.safe_load(admin.read_text())
    config["users"][0]["user"] = {"token": token}
    out.write_text(yaml.safe_dump(config))
    return out


def cleanup(api_client, ns: str, control: str) -> None:
    rbac = client.RbacAuthorizationV1Api(api_client)
    rbac.delete_cluster_role_binding(f"deployer-{ns}")
    rbac.delete_cluster_role(f"deployer-{ns}")
    client.CoreV1Api(api_client).delete_namespace(control)


def test_forbidden_write_is_a_clear_error_and_nothing_is_pruned(
    api_client, kubeconfig: Path, repo: Repo, tmp_path: Path
) -> None:
    control = f"ctl-{uuid.uuid4().hex[:8]}"
    admin = Service(
        Settings(repo=str(repo.origin), kubeconfig=kubeconfig, control_namespace=control,
                 cache=tmp_path / "admin")
    )  # fmt: skip
    limited_config = deployer_kubeconfig(
        api_client, kubeconfig, repo.ns, control, tmp_path / "deployer.kubeconfig"
    )
    limited = Service(
        Settings(repo=str(repo.origin), kubeconfig=limited_config, control_namespace=control,
                 cache=tmp_path / "limited")
    )  # fmt: skip
    try:
        assert admin.sync(repo.app).ok
        admin.close()
        # Git drops the config map and bumps the image: the sync must write a Deployment.
        repo.remove("shop/config.yaml")
        repo.write("shop/web.yaml", deployment("web", "registry.example.com/web:2.0"))
        repo.commit("shop: web 2.0, no config map")
        report = limited.sync(repo.app)
        assert not report.ok
        (error,) = report.errors
        assert error.startswith(f"Deployment.apps {repo.ns}/web: forbidden: ")
        assert "(HTTP 403)" in error
        # The apply failed, so nothing is pruned, even though prune is on for this app.
        assert report.pruned == []
        core = client.CoreV1Api(api_client)
        assert core.read_namespaced_config_map("web-config", repo.ns).data == {"mode": "fast"}
        web = client.AppsV1Api(api_client).read_namespaced_deployment("web", repo.ns)
        assert web.spec.template.spec.containers[0].image == "registry.example.com/web:1.0"
        # The failure is on the app for every reader: its state object records it.
        state = limited.engine.state(repo.app)
        assert not state.results[0].ok and "forbidden" in state.results[0].message
    finally:
        admin.close()
        limited.close()
        cleanup(api_client, repo.ns, control)
