"""The built-in transformers: namespace, name affixes, labels, annotations, replicas, images."""

from __future__ import annotations

import re
from typing import Any

from ...errors import RenderError
from .fieldspecs import (
    COMMON_ANNOTATIONS,
    COMMON_LABELS,
    METADATA_LABELS,
    REPLICAS,
    TEMPLATE_LABELS,
    FieldSpec,
    split_path,
    visit,
    walk_all,
)
from .load import Kustomization
from .resources import ResMap

_AFFIX_SKIP = {
    ("", "CustomResourceDefinition"),
    ("apiregistration.k8s.io", "APIService"),
    ("", "Namespace"),
}


def namespace(rm: ResMap, ns: str, k: Kustomization) -> None:
    for r in rm:
        r.store_previous_id()
        if r.kind == "Namespace" and r.id.cluster_scoped:
            # kustomize renames a Namespace object to the target namespace.
            r.name = ns
        elif not r.id.cluster_scoped:
            r.meta["namespace"] = ns
        if r.kind in ("RoleBinding", "ClusterRoleBinding"):
            for s in r.obj.get("subjects") or []:
                # kustomize moves every subject named "default", whatever its kind.
                if isinstance(s, dict) and s.get("name") == "default":
                    s["namespace"] = ns
    seen: dict[Any, str] = {}
    for r in rm:
        key = (r.id.group, r.id.version, r.id.kind, r.id.name, r.id.effective_namespace)
        if key in seen:
            raise RenderError(
                k.file,
                f"namespace transformation produces ID conflict: {r.id}",
                k.line("namespace"),
            )
        seen[key] = r.source


def affix(rm: ResMap, prefix: str, suffix: str) -> None:
    for r in rm:
        oid = r.org_id
        if (oid.group, oid.kind) in _AFFIX_SKIP or ("", r.kind) in _AFFIX_SKIP:
            continue
        r.store_previous_id()
        if prefix:
            r.name = prefix + r.name
            r.prefixes.append(prefix)
        if suffix:
            r.name = r.name + suffix
            r.suffixes.append(suffix)


def _set_pairs(rm: ResMap, pairs: dict[str, Any], specs: list[FieldSpec]) -> None:
    if not pairs:
        return
    values = {str(a): "" if b is None else str(b) for a, b in pairs.items()}
    for r in rm:
        for spec in specs:
            if not spec.selects(r):
                continue

            def put(parent: dict[str, Any], field: str, create: bool = spec.create) -> None:
                cur = parent.get(field)
                if isinstance(cur, dict):
                    cur.update(values)
                elif cur is None and create:
                    parent[field] = dict(values)

            visit(r.obj, split_path(spec.path), spec.create, put)


def _custom_specs(entries: list[dict[str, Any]]) -> list[FieldSpec]:
    return [
        FieldSpec(
            str(e.get("path", "")),
            str(e.get("kind") or ""),
            str(e.get("group") or ""),
            str(e.get("version") or ""),
            bool(e.get("create")),
        )
        for e in entries or []
    ]


def labels(rm: ResMap, k: Kustomization) -> None:
    for entry in k.get("labels", []):
        specs = _custom_specs(entry.get("fields") or [])
        if entry.get("includeSelectors"):
            specs += COMMON_LABELS
        else:
            specs.append(METADATA_LABELS[0])
            if entry.get("includeTemplates"):
                specs += TEMPLATE_LABELS
        _set_pairs(rm, entry.get("pairs") or {}, specs)
    _set_pairs(rm, k.get("commonLabels", {}), COMMON_LABELS)


def annotations(rm: ResMap, k: Kustomization) -> None:
    _set_pairs(rm, k.get("commonAnnotations", {}), COMMON_ANNOTATIONS)


def replicas(rm: ResMap, k: Kustomization) -> None:
    for i, entry in enumerate(k.get("replicas", [])):
        name, count = entry.get("name"), entry.get("count")
        found = False
        for spec in REPLICAS:
            for r in rm:
                if spec.kind != r.kind or not any(i.name == name for i in r.any_ids()):
                    continue
                found = True
                visit(r.obj, split_path(spec.path), True, lambda p, f, c=count: p.__setitem__(f, c))
        if not found:
            raise RenderError(
                k.file,
                f"resource with name {name} does not match a config with the following GVK "
                f"[{', '.join(s.kind for s in REPLICAS)}]",
                k.line("replicas", i),
            )


def split_image(image: str) -> tuple[str, str, str]:
    """name, tag, digest of an image reference (kustomize's image.Split)."""
    slash = image.find("/")
    search = image[slash:] if slash > 0 else image
    offset = slash if slash > 0 else 0
    at, colon = search.find("@"), search.find(":")
    if colon < 0 and at < 0:
        return image, "", ""
    if at >= 0 and (at < colon or colon < 0):
        at += offset
        return image[:at], "", image[at + 1 :]
    if at >= 0 and colon >= 0:
        at, colon = at + offset, colon + offset
        return image[:colon], image[colon + 1 : at], image[at + 1 :]
    colon += offset
    return image[:colon], image[colon + 1 :], ""


def _update_image(value: str, entry: dict[str, Any], pattern: re.Pattern[str]) -> str:
    if not pattern.match(value):
        return value
    name, tag, digest = split_image(value)
    new_name = str(entry.get("newName") or "")
    new_tag = "" if entry.get("newTag") is None else str(entry.get("newTag"))
    new_digest = str(entry.get("digest") or "")
    if new_name:
        name = new_name
    if new_tag and new_digest:
        tag, digest = new_tag, new_digest
    elif new_tag:
        tag, digest = new_tag, ""
    elif new_digest:
        tag, digest = "", new_digest
    if tag:
        name += ":" + tag
    if digest:
        name += "@" + digest
    return name


def images(rm: ResMap, k: Kustomization) -> None:
    for i, entry in enumerate(k.get("images", [])):
        # kustomize builds this pattern from the name as given (unescaped).
        name = str(entry.get("name", ""))
        try:
            pattern = re.compile("^" + name + r"(@sha256)?(:[a-zA-Z0-9_.{}-]*)?$")
        except re.error as e:
            raise RenderError(
                k.file,
                f"images[{i}].name {name!r} is not a valid pattern: {e.msg}",
                k.line("images", i),
            ) from None
        for r in rm:
            for containers in walk_all(r.obj, ("containers", "initContainers")):
                for c in containers:
                    if isinstance(c, dict) and isinstance(c.get("image"), str):
                        c["image"] = _update_image(c["image"], entry, pattern)
