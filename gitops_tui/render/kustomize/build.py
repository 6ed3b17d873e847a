"""Build a kustomization: accumulate resources, generate, transform, then finish as kustomize does."""

from __future__ import annotations

from typing import Any

from ...errors import RenderError
from ...source import SourceTree
from . import generators, helm_charts, names, patches, shapes, transformers
from .load import Kustomization, Unsupported, load_documents, load_kustomization
from .paths import is_remote, local_path, resolve
from .resources import ResMap, Resource

NATIVE_FIELDS = frozenset(
    {
        "apiVersion",
        "kind",
        "metadata",
        "resources",
        "bases",
        "components",
        "patchesStrategicMerge",
        "patches",
        "patchesJson6902",
        "images",
        "replicas",
        "namespace",
        "namePrefix",
        "nameSuffix",
        "commonLabels",
        "labels",
        "commonAnnotations",
        "configMapGenerator",
        "secretGenerator",
        "generatorOptions",
        "helmCharts",
        "helmGlobals",
        "helmChartInflationGenerator",
    }
)
# Fields only the kustomize binary handles; everything else unknown is an error.
BINARY_FIELDS = frozenset(
    {
        "replacements",
        "openapi",
        "crds",
        "vars",
        "configurations",
        "transformers",
        "generators",
        "validators",
        "sortOptions",
        "buildMetadata",
        "inventory",
    }
)


def _check_fields(k: Kustomization) -> None:
    shapes.check_kustomization(k)
    for key in k.data:
        if key in NATIVE_FIELDS:
            continue
        if key in BINARY_FIELDS:
            raise Unsupported(key, k.file, k.line(key))
        raise RenderError(k.file, f"unknown field {key!r} in kustomization", k.line(str(key)))
    if any(e.get("fields") for e in k.get("labels", [])):
        raise Unsupported("labels.fields", k.file, k.line("labels"))


def _accumulate(
    tree: SourceTree,
    dir: str,
    rm: ResMap,
    stack: list[str],
    referrer: str,
    line: int | None,
    component: bool,
) -> None:
    if dir in stack:
        cycle = " -> ".join([*stack[stack.index(dir) :], dir])
        raise RenderError(referrer, f"cycle between kustomizations: {cycle}", line)
    k = load_kustomization(tree, dir, referrer, line)
    _check_fields(k)
    kind = k.get("kind", "Kustomization")
    if component and kind != "Component":
        raise RenderError(referrer, f"{k.file}: expected kind Component, got {kind}", line)
    if not component and kind == "Component":
        raise RenderError(
            referrer, f"{k.file}: a Component may only be listed under components", line
        )
    stack = [*stack, dir]
    for field in ("resources", "bases"):
        for i, entry in enumerate(k.get(field, [])):
            entry = str(entry)
            at = k.line(field, i)
            if is_remote(entry):
                raise Unsupported(f"{field} (remote {entry})", k.file, at)
            path = resolve(k, entry, at, f"{field} entry")
            if tree.is_dir(path):
                sub = ResMap()
                _accumulate(tree, path, sub, stack, k.file, at, False)
                for r in sub.items:
                    rm.append(r, k.file, at)
            elif tree.exists(path):
                path = local_path(k, entry, at)
                data = tree.read(path)
                docs = load_documents(data, path)
                shapes.check_objects(docs, data, path)
                for doc in docs:
                    if not (doc.get("metadata") or {}).get("name"):
                        raise RenderError(
                            path, f"missing metadata.name in {doc.get('kind', 'object')}"
                        )
                    rm.append(Resource(doc, path), k.file, at)
            else:
                raise RenderError(k.file, f"{field} entry {entry!r}: {path} does not exist", at)
    for i, entry in enumerate(k.get("components", [])):
        entry = str(entry)
        at = k.line("components", i)
        if is_remote(entry):
            raise Unsupported(f"components (remote {entry})", k.file, at)
        path = resolve(k, entry, at, "components entry")
        if not tree.is_dir(path):
            raise RenderError(k.file, f"components entry {entry!r}: {path} is not a directory", at)
        _accumulate(tree, path, rm, stack, k.file, at, True)
    generators.run(tree, k, rm)
    helm_charts.generate(tree, k, rm)
    # The order of kustomize's built-in transformers.
    patches.strategic_merge_field(tree, k, rm)
    patches.patches_field(tree, k, rm)
    if k.get("namespace"):
        transformers.namespace(rm, str(k.get("namespace")), k)
    if k.get("namePrefix") or k.get("nameSuffix"):
        if k.get("namePrefix"):
            transformers.affix(rm, str(k.get("namePrefix")), "")
        if k.get("nameSuffix"):
            transformers.affix(rm, "", str(k.get("nameSuffix")))
    transformers.labels(rm, k)
    transformers.annotations(rm, k)
    patches.json6902_field(tree, k, rm)
    transformers.replicas(rm, k)
    transformers.images(rm, k)


_ORDER_FIRST = [
    "Namespace",
    "ResourceQuota",
    "StorageClass",
    "CustomResourceDefinition",
    "ServiceAccount",
    "PodSecurityPolicy",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "ConfigMap",
    "Secret",
    "Endpoints",
    "Service",
    "LimitRange",
    "PriorityClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "Deployment",
    "StatefulSet",
    "CronJob",
    "PodDisruptionBudget",
]
_ORDER_LAST = ["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"]
_TYPE_ORDER = {k: i - len(_ORDER_FIRST) for i, k in enumerate(_ORDER_FIRST)} | {
    k: 1 + i for i, k in enumerate(_ORDER_LAST)
}


def _legacy_key(r: Resource) -> tuple[int, str, str]:
    rid = r.id
    gvk = "_".join([rid.group or "~G", rid.version or "~V", rid.kind or "~K"])
    # An unset namespace sorts after every namespace name (kustomize's "~X").
    return _TYPE_ORDER.get(rid.kind, 0), gvk, f"{rid.namespace or '~X'}|{rid.name}"


def build(tree: SourceTree, path: str) -> list[dict[str, Any]]:
    rm = ResMap()
    _accumulate(tree, path, rm, [], path or ".", None, False)
    for r in rm.items:
        if r.needs_hash:
            r.store_previous_id()
            r.name = f"{r.name}-{generators.content_hash(r.obj)}"
    names.fix_references(rm)
    # kustomize's default output order ("legacy"): by kind priority, then GVK, namespace, name.
    out = [r.obj for r in sorted(rm.items, key=_legacy_key)]
    for obj in out:
        meta = obj.get("metadata")
        if isinstance(meta, dict) and meta.get("annotations") == {}:
            del meta["annotations"]
    return out
