"""kustomize's built-in field specs: where labels, annotations, names and images live."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from .resources import Resource, split_api_version


@dataclass(frozen=True)
class FieldSpec:
    path: str
    kind: str = ""
    group: str = ""
    version: str = ""
    create: bool = False

    def selects(self, r: Resource) -> bool:
        # kustomize selects by the original kind; an empty field matches anything.
        oid = r.org_id
        if self.kind and self.kind != oid.kind:
            return False
        if self.group and self.group != oid.group:
            return False
        return not (self.version and self.version != oid.version)


def _fs(
    path: str, kind: str = "", group: str = "", version: str = "", create: bool = True
) -> FieldSpec:
    return FieldSpec(path, kind, group, version, create)


_TEMPLATE_KINDS: list[tuple[str, str, str]] = [
    ("ReplicationController", "", "v1"),
    ("Deployment", "", ""),
    ("ReplicaSet", "", ""),
    ("DaemonSet", "", ""),
    ("StatefulSet", "apps", ""),
    ("Job", "batch", ""),
]


def _template_specs(field: str) -> list[FieldSpec]:
    out = [_fs(f"spec/template/metadata/{field}", k, g, v) for k, g, v in _TEMPLATE_KINDS]
    out += [
        _fs(f"spec/jobTemplate/metadata/{field}", "CronJob", "batch"),
        _fs(f"spec/jobTemplate/spec/template/metadata/{field}", "CronJob", "batch"),
    ]
    return out


TEMPLATE_LABELS = _template_specs("labels")
METADATA_LABELS = [_fs("metadata/labels"), *TEMPLATE_LABELS]

_AFFINITY = [
    "spec/template/spec/affinity/podAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels",
    "spec/template/spec/affinity/podAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels",
    "spec/template/spec/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels",
    "spec/template/spec/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels",
    "spec/template/spec/topologySpreadConstraints/labelSelector/matchLabels",
]

COMMON_LABELS = [
    _fs("spec/selector", "Service", version="v1"),
    _fs("spec/selector", "ReplicationController", version="v1"),
    _fs("spec/selector/matchLabels", "Deployment"),
    *[_fs(p, "Deployment", "apps", create=False) for p in _AFFINITY],
    _fs("spec/selector/matchLabels", "ReplicaSet"),
    _fs("spec/selector/matchLabels", "DaemonSet"),
    _fs("spec/selector/matchLabels", "StatefulSet", "apps"),
    _fs("spec/volumeClaimTemplates[]/metadata/labels", "StatefulSet", "apps"),
    *[_fs(p, "StatefulSet", "apps", create=False) for p in _AFFINITY],
    _fs("spec/selector/matchLabels", "Job", "batch", create=False),
    _fs("spec/jobTemplate/spec/selector/matchLabels", "CronJob", "batch", create=False),
    _fs("spec/selector/matchLabels", "PodDisruptionBudget", "policy", create=False),
    _fs("spec/podSelector/matchLabels", "NetworkPolicy", "networking.k8s.io", create=False),
    _fs(
        "spec/ingress/from/podSelector/matchLabels",
        "NetworkPolicy",
        "networking.k8s.io",
        create=False,
    ),
    _fs(
        "spec/egress/to/podSelector/matchLabels", "NetworkPolicy", "networking.k8s.io", create=False
    ),
    *METADATA_LABELS,
]

COMMON_ANNOTATIONS = [_fs("metadata/annotations"), *_template_specs("annotations")]

REPLICAS = [
    _fs("spec/replicas", "Deployment"),
    _fs("spec/replicas", "ReplicationController"),
    _fs("spec/replicas", "ReplicaSet"),
    _fs("spec/replicas", "StatefulSet"),
]


def visit(
    obj: Any, path: list[str], create: bool, fn: Callable[[dict[str, Any], str], None]
) -> None:
    """Call fn(parent, field) for every match of a slash path ('[]' walks a list)."""
    if not path or not isinstance(obj, dict):
        return
    head, rest = path[0], path[1:]
    is_list = head.endswith("[]")
    name = head[:-2] if is_list else head
    if not rest:
        fn(obj, name)
        return
    child = obj.get(name)
    if is_list:
        if isinstance(child, list):
            for item in child:
                visit(item, rest, create, fn)
        return
    if isinstance(child, list):
        # kustomize walks into every element of a list met on the way.
        for item in child:
            visit(item, rest, create, fn)
        return
    if child is None:
        if not create:
            return
        child = obj[name] = {}
    visit(child, rest, create, fn)


def split_path(path: str) -> list[str]:
    """A field spec path; '\\/' escapes a slash inside a key (annotation names)."""
    parts: list[str] = []
    cur = ""
    i = 0
    while i < len(path):
        if path[i] == "\\" and i + 1 < len(path) and path[i + 1] == "/":
            cur += "/"
            i += 2
            continue
        if path[i] == "/":
            parts.append(cur)
            cur = ""
        else:
            cur += path[i]
        i += 1
    parts.append(cur)
    return parts


def gvk_of(obj: dict[str, Any]) -> tuple[str, str, str]:
    group, version = split_api_version(str(obj.get("apiVersion") or ""))
    return group, version, str(obj.get("kind") or "")


def walk_all(obj: Any, fields: tuple[str, ...]) -> Iterator[list[Any]]:
    """Every list held under one of `fields`, anywhere in obj."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k in fields and isinstance(v, list):
                yield v
            yield from walk_all(v, fields)
    elif isinstance(obj, list):
        for v in obj:
            yield from walk_all(v, fields)
