"""Name references: after renames (prefix, suffix, hash), fix the fields that name them.

The table follows kustomize's built-in nameReference configuration; the matching
follows its nameref filter (previous names, namespace scope, then prefix/suffix history).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...errors import RenderError
from .fieldspecs import FieldSpec, split_path, visit
from .resources import ResId, ResMap, Resource


@dataclass(frozen=True)
class Referral:
    kind: str
    group: str = ""
    version: str = ""

    def selects(self, rid: ResId) -> bool:
        return (
            rid.kind == self.kind
            and (not self.group or rid.group == self.group)
            and (not self.version or rid.version == self.version)
        )


_POD_SPEC = {
    "Pod": "spec",
    "PodTemplate": "template/spec",
    "Deployment": "spec/template/spec",
    "ReplicaSet": "spec/template/spec",
    "DaemonSet": "spec/template/spec",
    "StatefulSet": "spec/template/spec",
    "Job": "spec/template/spec",
    "CronJob": "spec/jobTemplate/spec/template/spec",
}
# Kinds whose service account, claims and priority class kustomize follows.
_WORKLOADS = [
    "Pod",
    "StatefulSet",
    "Deployment",
    "ReplicationController",
    "CronJob",
    "Job",
    "DaemonSet",
]


def _pod_spec(kind: str) -> str:
    return _POD_SPEC.get(kind, "spec/template/spec")


def _under_pod_specs(fields: list[str], kinds: list[str]) -> list[FieldSpec]:
    return [FieldSpec(f"{_pod_spec(k)}/{f}", k) for k in kinds for f in fields]


_CM_FIELDS = [
    "volumes/configMap/name",
    "containers/env/valueFrom/configMapKeyRef/name",
    "initContainers/env/valueFrom/configMapKeyRef/name",
    "containers/envFrom/configMapRef/name",
    "initContainers/envFrom/configMapRef/name",
    "volumes/projected/sources/configMap/name",
]
_SECRET_FIELDS = [
    "volumes/secret/secretName",
    "containers/env/valueFrom/secretKeyRef/name",
    "initContainers/env/valueFrom/secretKeyRef/name",
    "containers/envFrom/secretRef/name",
    "initContainers/envFrom/secretRef/name",
    "imagePullSecrets/name",
    "volumes/projected/sources/secret/name",
]
_RBAC = "rbac.authorization.k8s.io"

REFERENCES: list[tuple[Referral, list[FieldSpec]]] = [
    *[
        (Referral(k), [FieldSpec("spec/scaleTargetRef/name", "HorizontalPodAutoscaler")])
        for k in ("Deployment", "ReplicationController", "ReplicaSet", "StatefulSet")
    ],
    (
        Referral("ConfigMap", version="v1"),
        [
            *_under_pod_specs(_CM_FIELDS, list(_POD_SPEC)),
            FieldSpec("spec/configSource/configMap", "Node"),
            FieldSpec("rules/resourceNames", "Role"),
            FieldSpec("rules/resourceNames", "ClusterRole"),
            FieldSpec(
                r"metadata/annotations/nginx.ingress.kubernetes.io\/fastcgi-params-configmap",
                "Ingress",
            ),
        ],
    ),
    (
        Referral("Secret", version="v1"),
        [
            *_under_pod_specs(_SECRET_FIELDS, list(_POD_SPEC)),
            FieldSpec("spec/tls/secretName", "Ingress"),
            FieldSpec(r"metadata/annotations/ingress.kubernetes.io\/auth-secret", "Ingress"),
            FieldSpec(r"metadata/annotations/nginx.ingress.kubernetes.io\/auth-secret", "Ingress"),
            FieldSpec(
                r"metadata/annotations/nginx.ingress.kubernetes.io\/auth-tls-secret", "Ingress"
            ),
            FieldSpec("imagePullSecrets/name", "ServiceAccount"),
            *[
                FieldSpec(f"parameters/{p}", "StorageClass")
                for p in ("secretName", "adminSecretName", "userSecretName", "secretRef")
            ],
            FieldSpec("rules/resourceNames", "Role"),
            FieldSpec("rules/resourceNames", "ClusterRole"),
            FieldSpec(
                "spec/template/spec/containers/env/valueFrom/secretKeyRef/name",
                "Service",
                "serving.knative.dev",
                "v1",
            ),
            FieldSpec("spec/azureFile/secretName", "PersistentVolume"),
        ],
    ),
    (
        Referral("Service", version="v1"),
        [
            FieldSpec("spec/serviceName", "StatefulSet", "apps"),
            FieldSpec("spec/rules/http/paths/backend/serviceName", "Ingress"),
            FieldSpec("spec/backend/serviceName", "Ingress"),
            FieldSpec("spec/rules/http/paths/backend/service/name", "Ingress"),
            FieldSpec("spec/defaultBackend/service/name", "Ingress"),
            FieldSpec("spec/service/name", "APIService", "apiregistration.k8s.io"),
            FieldSpec(
                "webhooks/clientConfig/service",
                "ValidatingWebhookConfiguration",
                "admissionregistration.k8s.io",
            ),
            FieldSpec(
                "webhooks/clientConfig/service",
                "MutatingWebhookConfiguration",
                "admissionregistration.k8s.io",
            ),
            FieldSpec("spec/rules/backendRefs/name", "HTTPRoute"),
        ],
    ),
    (Referral("Role", _RBAC), [FieldSpec("roleRef/name", "RoleBinding", _RBAC)]),
    (
        Referral("ClusterRole", _RBAC),
        [
            FieldSpec("roleRef/name", "RoleBinding", _RBAC),
            FieldSpec("roleRef/name", "ClusterRoleBinding", _RBAC),
        ],
    ),
    (
        Referral("ServiceAccount", version="v1"),
        [
            FieldSpec("subjects", "RoleBinding", _RBAC),
            FieldSpec("subjects", "ClusterRoleBinding", _RBAC),
            *_under_pod_specs(["serviceAccountName"], _WORKLOADS),
        ],
    ),
    (
        Referral("PersistentVolumeClaim", version="v1"),
        _under_pod_specs(["volumes/persistentVolumeClaim/claimName"], _WORKLOADS),
    ),
    (
        Referral("PersistentVolume", version="v1"),
        [
            FieldSpec("spec/volumeName", "PersistentVolumeClaim"),
            FieldSpec("rules/resourceNames", "ClusterRole"),
        ],
    ),
    (
        Referral("StorageClass", "storage.k8s.io", "v1"),
        [
            FieldSpec("spec/storageClassName", "PersistentVolume"),
            FieldSpec("spec/storageClassName", "PersistentVolumeClaim"),
            FieldSpec("spec/volumeClaimTemplates/spec/storageClassName", "StatefulSet"),
        ],
    ),
    (
        Referral("PriorityClass", "scheduling.k8s.io", "v1"),
        _under_pod_specs(["priorityClassName"], _WORKLOADS),
    ),
    # kustomize lists IngressClass with group "networking.k8s.io/v1", which never
    # matches, so it never follows spec/ingressClassName; mirrored by leaving it out.
]


def _same_ending(a: list[str], b: list[str]) -> bool:
    n = min(len(a), len(b))
    return a[len(a) - n :] == b[len(b) - n :]


def _subset_for(referrer: Resource, rm: ResMap) -> list[Resource]:
    rid = referrer.id
    if rid.cluster_scoped:
        return list(rm.items)
    rb_namespaces: set[str] = set()
    if referrer.kind == "RoleBinding":
        for s in referrer.obj.get("subjects") or []:
            if (
                isinstance(s, dict)
                and s.get("kind") == "ServiceAccount"
                and isinstance(s.get("namespace"), str)
            ):
                rb_namespaces.add(s["namespace"])
    out = []
    for r in rm.items:
        cid = r.id
        if (
            cid.cluster_scoped
            or cid.effective_namespace == rid.effective_namespace
            or str(r.meta.get("namespace") or "") in rb_namespaces
        ):
            out.append(r)
    return out


class _Fixer:
    def __init__(
        self, referrer: Resource, referral: Referral, spec: FieldSpec, subset: list[Resource]
    ):
        self.referrer = referrer
        self.referral = referral
        self.spec = spec
        self.subset = subset

    def select(self, old: str, candidates: list[Resource], same_ns_too: bool) -> Resource | None:
        rid = self.referrer.id
        c = [r for r in candidates if any(p.name == old for p in r.prev_ids)]
        c = [r for r in c if any(self.referral.selects(p) for p in r.prev_ids)]
        if self.spec.path.endswith("roleRef/name"):
            ref_kind = (self.referrer.obj.get("roleRef") or {}).get("kind")
            c = [r for r in c if r.org_id.kind == ref_kind]
        if not rid.cluster_scoped:
            c = [
                r
                for r in c
                if r.id.cluster_scoped
                or r.kind == "ServiceAccount"
                or r.id.effective_namespace == rid.effective_namespace
            ]
        if len(c) == 1:
            return c[0]
        c = [
            r
            for r in c
            if _same_ending(r.prefixes, self.referrer.prefixes)
            and _same_ending(r.suffixes, self.referrer.suffixes)
        ]
        if len(c) == 1:
            return c[0]
        if not c:
            return None
        first = c[0]
        if all(
            r.name == first.name and (not same_ns_too or r.id.namespace == first.id.namespace)
            for r in c
        ):
            return first
        ids = ", ".join(str(r.id) for r in c)
        raise RenderError(
            self.referrer.source, f"found multiple possible referrals for {old!r}: {ids}"
        )

    def scalar(self, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        found = self.select(value, self.subset, False)
        return found.name if found else value

    def mapping(self, node: dict[str, Any]) -> None:
        old = node.get("name")
        if not isinstance(old, str):
            return
        subset = self.subset
        ns = node.get("namespace")
        if ns is not None:
            subset = [r for r in subset if r.org_id.namespace == ns]
            if not subset:
                return
        found = self.select(old, subset, True)
        if found is None:
            return
        new_ns = str(found.meta.get("namespace") or "")
        if found.name == old and new_ns == (ns or ""):
            return
        node["name"] = found.name
        if new_ns:
            node["namespace"] = new_ns

    def __call__(self, parent: dict[str, Any], field: str) -> None:
        value = parent.get(field)
        if value is None:
            return
        if isinstance(value, dict):
            self.mapping(value)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, dict):
                    self.mapping(item)
                else:
                    value[i] = self.scalar(item)
        else:
            parent[field] = self.scalar(value)


def fix_references(rm: ResMap) -> None:
    renamed = [r for r in rm.items if r.prev_ids]
    if not renamed:
        return
    # Only the kinds that were renamed can have stale references.
    active = [
        (ref, specs)
        for ref, specs in REFERENCES
        if any(ref.selects(p) for r in renamed for p in r.prev_ids)
    ]
    for referrer in rm.items:
        subset: list[Resource] | None = None
        for referral, specs in active:
            for spec in specs:
                if not spec.selects(referrer):
                    continue
                if subset is None:
                    subset = _subset_for(referrer, rm)
                visit(
                    referrer.obj,
                    split_path(spec.path),
                    False,
                    _Fixer(referrer, referral, spec, subset),
                )
