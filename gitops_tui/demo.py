"""The sample GitOps repository that `gitops-tui demo` and the tests run on.

Two services (api-service, payment-service) as Kustomize bases with staging and
production overlays, a plain-YAML platform app (namespaces and the SealedSecret CRD),
and Argo CD Applications in apps/. The history has several authors; its last commit
bumps the payment-service image, so there is always something to diff and revert.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import textwrap
from dataclasses import dataclass
from pathlib import Path

import yaml

REGISTRY = "registry.example.com/shop"
REPO_URL = "https://git.example.com/shop/gitops.git"


@dataclass(frozen=True)
class Author:
    name: str
    email: str


ALICE = Author("Alice Moreau", "alice@example.com")
BOB = Author("Bob Okafor", "bob@example.com")
CAROL = Author("Carol Lindqvist", "carol@example.com")
DAVE = Author("Dave Tanaka", "dave@example.com")


def _y(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def _deployment(name: str, port: int, image: str, env_from_secret: str | None = None) -> str:
    secret = ""
    if env_from_secret:
        pad = " " * 16
        secret = f"\n{pad}- secretRef:\n{pad}    name: {env_from_secret}"
    return _y(
        f"""
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: {name}
          labels:
            app.kubernetes.io/name: {name}
        spec:
          replicas: 1
          selector:
            matchLabels:
              app.kubernetes.io/name: {name}
          template:
            metadata:
              labels:
                app.kubernetes.io/name: {name}
            spec:
              containers:
              - name: {name}
                image: {REGISTRY}/{image}
                ports:
                - name: http
                  containerPort: {port}
                env:
                - name: LOG_LEVEL
                  value: info
                envFrom:
                - configMapRef:
                    name: {name}-config{secret}
                readinessProbe:
                  httpGet:
                    path: /healthz
                    port: http
                resources:
                  requests:
                    cpu: 100m
                    memory: 128Mi
        """
    )


def _service(name: str, port: int) -> str:
    return _y(
        f"""
        apiVersion: v1
        kind: Service
        metadata:
          name: {name}
          labels:
            app.kubernetes.io/name: {name}
        spec:
          selector:
            app.kubernetes.io/name: {name}
          ports:
          - name: http
            port: 80
            targetPort: http
        """
    )


def _base(name: str) -> str:
    return _y(
        """
        apiVersion: kustomize.config.k8s.io/v1beta1
        kind: Kustomization
        resources:
        - deployment.yaml
        - service.yaml
        """
    )


class _Dumper(yaml.SafeDumper):
    """Writes multi-line strings (inline patches) as literal blocks, as people do."""


_Dumper.add_representer(
    str,
    lambda d, s: d.represent_scalar("tag:yaml.org,2002:str", s, style="|" if "\n" in s else None),
)


def _dump(doc: dict) -> str:
    return yaml.dump(doc, Dumper=_Dumper, sort_keys=False, default_flow_style=False)


def _overlay(
    svc: str,
    env: str,
    tag: str,
    replicas: int,
    extra_resources: tuple[str, ...] = (),
    config: dict[str, str] | None = None,
) -> str:
    literals = [f"ENVIRONMENT={env}", *(f"{k}={v}" for k, v in (config or {}).items())]
    patches: dict = {}
    if env == "production":
        # Production: memory limits from a strategic-merge patch file (resources_patch).
        patches["patchesStrategicMerge"] = ["resources-patch.yaml"]
    else:
        # Staging: verbose logs through an inline JSON6902 patch.
        op = [
            {
                "op": "replace",
                "path": "/spec/template/spec/containers/0/env/0/value",
                "value": "debug",
            }
        ]
        patches["patches"] = [
            {"target": {"group": "apps", "kind": "Deployment", "name": svc}, "patch": _dump(op)}
        ]
    return _dump(
        {
            "apiVersion": "kustomize.config.k8s.io/v1beta1",
            "kind": "Kustomization",
            "namespace": f"shop-{env}",
            "resources": [f"../../../services/{svc}", *extra_resources],
            "labels": [
                {"pairs": {"environment": env}, "includeSelectors": False, "includeTemplates": True}
            ],
            "images": [{"name": f"{REGISTRY}/{svc}", "newTag": tag}],
            "replicas": [{"name": svc, "count": replicas}],
            "configMapGenerator": [{"name": f"{svc}-config", "literals": literals}],
            **patches,
        }
    )


def resources_patch(svc: str) -> str:
    return _dump(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": svc},
            "spec": {
                "template": {
                    "spec": {
                        "containers": [{"name": svc, "resources": {"limits": {"memory": "512Mi"}}}]
                    }
                }
            },
        }
    )


def _application(
    name: str,
    path: str,
    namespace: str,
    *,
    automated: bool = True,
    prune: bool = True,
    self_heal: bool = True,
    create_namespace: bool = False,
    extra: dict | None = None,
) -> str:
    policy: dict = {}
    if automated:
        policy["automated"] = {"prune": prune, "selfHeal": self_heal}
    if create_namespace:
        policy["syncOptions"] = ["CreateNamespace=true"]
    spec = {
        "project": "default",
        "source": {"repoURL": REPO_URL, "targetRevision": "HEAD", "path": path},
        "destination": {"server": "https://kubernetes.default.svc", "namespace": namespace},
        "syncPolicy": policy,
        **(extra or {}),
    }
    return _dump(
        {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Application",
            "metadata": {"name": name, "namespace": "argocd"},
            "spec": spec,
        }
    )


NAMESPACES = _y(
    """
    apiVersion: v1
    kind: Namespace
    metadata:
      name: shop-staging
      labels:
        environment: staging
    ---
    apiVersion: v1
    kind: Namespace
    metadata:
      name: shop-production
      labels:
        environment: production
    """
)

SEALED_SECRET_CRD = _y(
    """
    apiVersion: apiextensions.k8s.io/v1
    kind: CustomResourceDefinition
    metadata:
      name: sealedsecrets.bitnami.com
    spec:
      group: bitnami.com
      names:
        kind: SealedSecret
        listKind: SealedSecretList
        plural: sealedsecrets
        singular: sealedsecret
      scope: Namespaced
      versions:
      - name: v1alpha1
        served: true
        storage: true
        subresources:
          status: {}
        schema:
          openAPIV3Schema:
            type: object
            properties:
              spec:
                type: object
                x-kubernetes-preserve-unknown-fields: true
              status:
                type: object
                x-kubernetes-preserve-unknown-fields: true
    """
)

QUOTA = _y(
    """
    apiVersion: v1
    kind: ResourceQuota
    metadata:
      name: shop-quota
      namespace: shop-production
    spec:
      hard:
        requests.cpu: "8"
        requests.memory: 16Gi
        pods: "50"
    """
)

INGRESS = _y(
    """
    apiVersion: networking.k8s.io/v1
    kind: Ingress
    metadata:
      name: api-service
    spec:
      rules:
      - host: api.shop.example.com
        http:
          paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: api-service
                port:
                  name: http
    """
)

HPA = _y(
    """
    apiVersion: autoscaling/v2
    kind: HorizontalPodAutoscaler
    metadata:
      name: payment-service
    spec:
      scaleTargetRef:
        apiVersion: apps/v1
        kind: Deployment
        name: payment-service
      minReplicas: 2
      maxReplicas: 6
      metrics:
      - type: Resource
        resource:
          name: cpu
          target:
            type: Utilization
            averageUtilization: 70
    """
)

# Ciphertext sealed for the demo cluster's key is written by `gitops-tui seal`; the
# sample carries an opaque placeholder of the right shape (base64 of random bytes).
SEALED_DB = _y(
    """
    apiVersion: bitnami.com/v1alpha1
    kind: SealedSecret
    metadata:
      name: payment-db
      namespace: shop-production
    spec:
      encryptedData:
        DB_PASSWORD: AgBy3i4OJSWK+PiTySYZZA9rO43cGDEq
        DB_USER: AgAKAoiQm7QDPGvSzDxUZ+9x4+LgXSgm
      template:
        metadata:
          name: payment-db
          namespace: shop-production
        type: Opaque
    """
)


def _stages(sealed_db: str = SEALED_DB) -> list[tuple[Author, str, str, dict[str, str | None]]]:
    """(author, date, message, files) in history order; None deletes a file."""
    api, pay = "api-service", "payment-service"
    return [
        (
            ALICE,
            "2026-11-02T09:12:00+01:00",
            "platform: shop namespaces and the SealedSecret CRD",
            {
                "README.md": "# shop GitOps\n\nEverything the shop runs, declared here.\n",
                "platform/namespaces.yaml": NAMESPACES,
                "platform/sealedsecret-crd.yaml": SEALED_SECRET_CRD,
                "apps/platform.yaml": _application(
                    "platform", "platform", "default", prune=False, self_heal=True
                ),
            },
        ),
        (
            BOB,
            "2026-11-04T14:40:00+01:00",
            "api-service: base and staging overlay",
            {
                f"services/{api}/deployment.yaml": _deployment(api, 8080, f"{api}:1.7.0"),
                f"services/{api}/service.yaml": _service(api, 8080),
                f"services/{api}/kustomization.yaml": _base(api),
                f"environments/staging/{api}/kustomization.yaml": _overlay(
                    api, "staging", "1.7.0", 1, config={"FEATURE_CHECKOUT_V2": "true"}
                ),
                f"apps/{api}-staging.yaml": _application(
                    f"{api}-staging",
                    f"environments/staging/{api}",
                    "shop-staging",
                    create_namespace=True,
                ),
            },
        ),
        (
            CAROL,
            "2026-11-06T11:05:00+01:00",
            "payment-service: base and staging overlay",
            {
                f"services/{pay}/deployment.yaml": _deployment(
                    pay, 9090, f"{pay}:1.4.0", env_from_secret="payment-db"
                ),
                f"services/{pay}/service.yaml": _service(pay, 9090),
                f"services/{pay}/kustomization.yaml": _base(pay),
                f"environments/staging/{pay}/kustomization.yaml": _overlay(
                    pay, "staging", "1.4.0", 1, config={"PAYMENT_PROVIDER": "sandbox"}
                ),
                f"apps/{pay}-staging.yaml": _application(
                    f"{pay}-staging",
                    f"environments/staging/{pay}",
                    "shop-staging",
                    create_namespace=True,
                ),
            },
        ),
        (
            ALICE,
            "2026-11-10T16:20:00+01:00",
            "production overlays for api-service and payment-service",
            {
                f"environments/production/{api}/ingress.yaml": INGRESS,
                f"environments/production/{api}/resources-patch.yaml": resources_patch(api),
                f"environments/production/{pay}/resources-patch.yaml": resources_patch(pay),
                f"environments/production/{api}/kustomization.yaml": _overlay(
                    api, "production", "1.7.0", 2, ("ingress.yaml",)
                ),
                f"environments/production/{pay}/hpa.yaml": HPA,
                f"environments/production/{pay}/kustomization.yaml": _overlay(
                    pay, "production", "1.4.0", 2, ("hpa.yaml",), {"PAYMENT_PROVIDER": "live"}
                ),
                f"apps/{api}-production.yaml": _application(
                    f"{api}-production",
                    f"environments/production/{api}",
                    "shop-production",
                    prune=False,
                ),
                # Production payments sync by hand: an operator presses the key.
                f"apps/{pay}-production.yaml": _application(
                    f"{pay}-production",
                    f"environments/production/{pay}",
                    "shop-production",
                    automated=False,
                    extra={
                        "ignoreDifferences": [
                            {
                                "group": "apps",
                                "kind": "Deployment",
                                "jsonPointers": ["/spec/replicas"],
                            }
                        ]
                    },
                ),
            },
        ),
        (
            DAVE,
            "2026-11-13T10:02:00+01:00",
            "platform: resource quota for shop-production",
            {"platform/quota.yaml": QUOTA},
        ),
        (
            BOB,
            "2026-11-17T08:45:00+01:00",
            "api-service: 1.8.0 to staging",
            {
                f"environments/staging/{api}/kustomization.yaml": _overlay(
                    api, "staging", "1.8.0", 1, config={"FEATURE_CHECKOUT_V2": "true"}
                ),
            },
        ),
        (
            CAROL,
            "2026-11-19T15:30:00+01:00",
            "payment-service: database credentials as a SealedSecret",
            {
                f"environments/production/{pay}/sealed-db.yaml": sealed_db,
                f"environments/production/{pay}/kustomization.yaml": _overlay(
                    pay,
                    "production",
                    "1.4.0",
                    2,
                    ("hpa.yaml", "sealed-db.yaml"),
                    {"PAYMENT_PROVIDER": "live"},
                ),
            },
        ),
        (
            DAVE,
            "2026-11-20T09:10:00+01:00",
            "api-service: 1.8.0 to production",
            {
                f"environments/production/{api}/kustomization.yaml": _overlay(
                    api, "production", "1.8.0", 2, ("ingress.yaml",)
                ),
            },
        ),
        (
            BOB,
            "2026-11-24T17:55:00+01:00",
            "payment-service: bump image to 1.4.2",
            {
                f"environments/staging/{pay}/kustomization.yaml": _overlay(
                    pay, "staging", "1.4.2", 1, config={"PAYMENT_PROVIDER": "sandbox"}
                ),
                f"environments/production/{pay}/kustomization.yaml": _overlay(
                    pay,
                    "production",
                    "1.4.2",
                    2,
                    ("hpa.yaml", "sealed-db.yaml"),
                    {"PAYMENT_PROVIDER": "live"},
                ),
            },
        ),
    ]


APP_NAMES = (
    "api-service-production",
    "api-service-staging",
    "payment-service-production",
    "payment-service-staging",
    "platform",
)


def git(repo: Path, *args: str, env: dict[str, str] | None = None) -> str:
    full = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", **(env or {})}
    proc = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, env=full, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)}: {proc.stderr.strip()}")
    return proc.stdout


def commit(
    repo: Path, author: Author, date: str, message: str, files: dict[str, str | None]
) -> str:
    for rel, text in files.items():
        path = repo / rel
        if text is None:
            path.unlink(missing_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    git(repo, "add", "-A")
    env = {
        "GIT_AUTHOR_NAME": author.name,
        "GIT_AUTHOR_EMAIL": author.email,
        "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_NAME": author.name,
        "GIT_COMMITTER_EMAIL": author.email,
        "GIT_COMMITTER_DATE": date,
    }
    git(repo, "commit", "--quiet", "--no-gpg-sign", "-m", message, env=env)
    return git(repo, "rev-parse", "HEAD").strip()


def sealed_db_for(public_key) -> str:
    """The sample's database credentials sealed for a real controller. The password is
    random and never stored: reveal it in the editor (audited) to read it."""
    from gitops_tui.secrets.crypto import Scope
    from gitops_tui.secrets.sealedsecret import seal

    values = {"DB_USER": b"payments", "DB_PASSWORD": secrets.token_urlsafe(18).encode()}
    ss = seal(
        values,
        namespace="shop-production",
        name="payment-db",
        scope=Scope.STRICT,
        public_key=public_key,
    )
    values.clear()
    return "# payment-service database credentials, sealed for the cluster\n" + (
        ss.serialize().decode()
    )


def write_sample_repo(dest: str | Path, public_key=None) -> Path:
    """Write the sample repository (a Git work tree on branch main) into `dest`. With
    a controller's public key, its SealedSecret is sealed for that controller."""
    dest = Path(dest)
    if (dest / ".git").exists():
        return dest
    dest.mkdir(parents=True, exist_ok=True)
    git(dest, "init", "--quiet", "--initial-branch=main")
    git(dest, "config", "user.name", "Shop Platform")
    git(dest, "config", "user.email", "platform@example.com")
    sealed = sealed_db_for(public_key) if public_key is not None else SEALED_DB
    for author, date, message, files in _stages(sealed):
        commit(dest, author, date, message, files)
    return dest
