"""The patch fields: patchesStrategicMerge, patches (SM or JSON6902), patchesJson6902."""

from __future__ import annotations

import re
from typing import Any

import yaml

from ...errors import RenderError
from ...source import SourceTree
from ..nesting import check_depth
from . import patches_json6902, patches_sm, shapes
from .load import Kustomization, Loader, Unsupported, load_documents, read
from .paths import joined, local_path
from .resources import ResMap, Resource, res_id


def _matches_selector(labels: Any, selector: str) -> bool:
    """A label selector string (equality, set-based and existence terms)."""
    # A JSON patch may have left labels that are no mapping: they match nothing.
    labels = {str(a): str(b) for a, b in labels.items()} if isinstance(labels, dict) else {}
    for term in re.split(r",(?![^()]*\))", selector):
        term = term.strip()
        if not term:
            continue
        m = re.match(r"^(\S+)\s+(in|notin)\s+\((.*)\)$", term)
        if m:
            key, op, vals = m.group(1), m.group(2), {v.strip() for v in m.group(3).split(",")}
            ok = labels.get(key) in vals if key in labels else False
            if (op == "in" and not ok) or (op == "notin" and key in labels and ok):
                return False
            continue
        m = re.match(r"^([^!=\s]+)\s*(==|!=|=)\s*(\S*)$", term)
        if m:
            key, op, val = m.groups()
            if op == "!=":
                if labels.get(key) == val:
                    return False
            elif labels.get(key) != val:
                return False
            continue
        if term.startswith("!"):
            if term[1:].strip() in labels:
                return False
        elif term not in labels:
            return False
    return True


def select(rm: ResMap, target: dict[str, Any]) -> list[Resource]:
    """Resources a patch target selects (name/namespace are anchored regexes)."""

    def rx(v: Any) -> re.Pattern[str] | None:
        return re.compile(f"^(?:{v})$") if v else None

    name_rx, ns_rx = rx(target.get("name")), rx(target.get("namespace"))
    out = []
    for r in rm:
        cur, org = r.id, r.org_id
        if ns_rx and not (
            ns_rx.match(org.effective_namespace) or ns_rx.match(cur.effective_namespace)
        ):
            continue
        if name_rx and not (name_rx.match(org.name) or name_rx.match(cur.name)):
            continue
        if target.get("group") and target["group"] != cur.group:
            continue
        if target.get("version") and target["version"] != cur.version:
            continue
        if target.get("kind") and target["kind"] != cur.kind:
            continue
        if target.get("labelSelector") and not _matches_selector(
            r.meta.get("labels"), str(target["labelSelector"])
        ):
            continue
        if target.get("annotationSelector") and not _matches_selector(
            r.meta.get("annotations"), str(target["annotationSelector"])
        ):
            continue
        out.append(r)
    return out


def _select(
    rm: ResMap, target: dict[str, Any], k: Kustomization, field: str, i: int
) -> list[Resource]:
    """select(), with a target's bad name or namespace pattern as the entry's error."""
    try:
        return select(rm, target)
    except re.error as e:
        key = next((k for k in ("name", "namespace") if target.get(k)), "name")
        for key in ("name", "namespace"):
            try:
                re.compile(f"^(?:{target.get(key) or ''})$")
            except re.error:
                break
        raise RenderError(
            k.file,
            f"{field}[{i}].target.{key} {target.get(key)!r} is not a valid regular "
            f"expression: {e.msg}",
            k.line(field, i),
        ) from None


def _apply_sm(r: Resource, patch: dict[str, Any]) -> None:
    name, ns, kind = r.name, r.meta.get("namespace"), r.kind
    r.obj = patches_sm.apply(r.obj, patch)
    if not r.obj:
        return
    # kustomize keeps the target's identity whatever the patch says.
    r.obj["kind"] = kind
    r.name = name
    if ns:
        r.meta["namespace"] = ns
    else:
        r.meta.pop("namespace", None)


def _load_patch(
    tree: SourceTree, k: Kustomization, text_or_path: str, field: str, i: int
) -> tuple[str, bytes]:
    """(file, bytes) of a patch given inline or as a path."""
    s = str(text_or_path)
    if "\n" not in s and not s.lstrip().startswith(("{", "[", "-")):
        path = joined(k, s)
        if path is None or tree.exists(path):
            path = local_path(k, s, k.line(field, i))
            return path, read(tree, path, k.file, k.line(field, i))
        if ":" not in s:
            raise RenderError(k.file, f"{field}: {path}: no such file", k.line(field, i))
    return k.file, s.encode()


def _sm_by_id(
    rm: ResMap, patch: dict[str, Any], file: str, k: Kustomization, field: str, i: int
) -> None:
    pid = res_id(patch)
    if field == "patchesStrategicMerge":
        matches = rm.by_any_id(pid)
        if len(matches) != 1:
            raise RenderError(
                k.file,
                f"no unique match for patch {pid} from {file} ({len(matches)} matches)",
                k.line(field, i),
            )
    else:
        matches = select(
            rm,
            {
                "group": pid.group,
                "version": pid.version,
                "kind": pid.kind,
                "name": re.escape(pid.name),
                "namespace": re.escape(pid.namespace) if pid.namespace else "",
            },
        )
        if not matches:
            raise RenderError(
                k.file,
                f"no resource matches strategic merge patch {pid} from {file}",
                k.line(field, i),
            )
    for r in matches:
        _apply_sm(r, patch)


def _json_ops(data: bytes, file: str) -> list[dict[str, Any]]:
    try:
        ops = yaml.load(data, Loader=Loader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise RenderError(
            file, f"invalid JSON patch: {e}", mark.line + 1 if mark else None
        ) from None
    if not isinstance(ops, list):
        raise RenderError(file, "a JSON patch must be a list of operations")
    check_depth(ops, file)
    return ops


def _apply_json(targets: list[Resource], ops: list[dict[str, Any]], file: str) -> None:
    for r in targets:
        try:
            obj = patches_json6902.apply(r.obj, ops)
        except patches_json6902.PatchError as e:
            raise RenderError(file, f"applying JSON patch to {r.id}: {e}") from None
        # A patch may replace the whole object, or its metadata, with anything.
        if not isinstance(obj, dict):
            raise RenderError(
                file, f"applying JSON patch to {r.id}: the result is a {shapes.type_name(obj)}"
            )
        if problem := shapes.object_problem(obj, shapes.IDENTITY):
            raise RenderError(file, f"applying JSON patch to {r.id}: {problem}")
        r.obj = obj


def _patch_documents(data: bytes, file: str) -> list[dict[str, Any]]:
    """The strategic merge patches in a file: objects whose identity can be read."""
    docs = load_documents(data, file)
    shapes.check_objects(docs, data, file)
    return docs


def strategic_merge_field(tree: SourceTree, k: Kustomization, rm: ResMap) -> None:
    field = "patchesStrategicMerge"
    for i, entry in enumerate(k.get(field, [])):
        file, data = _load_patch(tree, k, entry, field, i)
        for patch in _patch_documents(data, file):
            _sm_by_id(rm, patch, file, k, field, i)
        rm.drop_empty()


def _is_json_patch(data: bytes, file: str) -> bool:
    try:
        doc = yaml.load(data, Loader=Loader)
    except yaml.YAMLError:
        return False
    return isinstance(doc, list)


def patches_field(tree: SourceTree, k: Kustomization, rm: ResMap) -> None:
    field = "patches"
    for i, entry in enumerate(k.get(field, [])):
        if not isinstance(entry, dict):
            raise RenderError(k.file, "each patches entry needs path or patch", k.line(field, i))
        if entry.get("path"):
            file = local_path(k, str(entry["path"]), k.line(field, i))
            data = read(tree, file, k.file, k.line(field, i))
        elif entry.get("patch"):
            file, data = k.file, str(entry["patch"]).encode()
        else:
            raise RenderError(k.file, "patches entry needs path or patch", k.line(field, i))
        if entry.get("options"):
            raise Unsupported("patches.options", k.file, k.line(field, i))
        target = entry.get("target")
        if _is_json_patch(data, file):
            if not target:
                raise RenderError(k.file, "a JSON patch needs a target", k.line(field, i))
            _apply_json(_select(rm, target, k, field, i), _json_ops(data, file), file)
            continue
        docs = _patch_documents(data, file)
        if target:
            if len(docs) > 1:
                raise RenderError(
                    k.file,
                    "multiple strategic merge patches in one patches entry may not set target",
                    k.line(field, i),
                )
            for r in _select(rm, target, k, field, i):
                for patch in docs:
                    _apply_sm(r, patch)
        else:
            for patch in docs:
                _sm_by_id(rm, patch, file, k, field, i)
        rm.drop_empty()


def json6902_field(tree: SourceTree, k: Kustomization, rm: ResMap) -> None:
    field = "patchesJson6902"
    for i, entry in enumerate(k.get(field, [])):
        target = entry.get("target") or {}
        if entry.get("path"):
            file = local_path(k, str(entry["path"]), k.line(field, i))
            data = read(tree, file, k.file, k.line(field, i))
        else:
            file, data = k.file, str(entry.get("patch") or "").encode()
        _apply_json(_select(rm, target, k, field, i), _json_ops(data, file), file)
