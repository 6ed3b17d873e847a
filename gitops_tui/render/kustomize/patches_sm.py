"""Strategic merge patches, with the merge keys of the Kubernetes OpenAPI.

Mirrors kustomize (kyaml merge2): maps merge recursively, a null deletes, lists
with a merge key merge element-wise (the patch's elements first, in patch order,
then the remaining elements of the target), other lists are replaced. Kinds the
schema does not know (custom resources) merge maps and replace lists.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from .resources import schema

_DIRECTIVE = "$patch"


def _field_schema(defn: str | None, name: str) -> dict[str, Any]:
    if defn is None:
        return {}
    return schema()["defs"].get(defn, {}).get(name, {})


def _kind_def(obj: dict[str, Any]) -> str | None:
    return schema()["kinds"].get(f"{obj.get('apiVersion', '')}/{obj.get('kind', '')}")


def _strip(value: Any) -> Any:
    """A patch value with its directives and nulls removed, for adding where nothing was."""
    if isinstance(value, dict):
        return {
            k: _strip(v)
            for k, v in value.items()
            if v is not None and not (isinstance(k, str) and k.startswith("$"))
        }
    if isinstance(value, list):
        return [
            _strip(v) for v in value if not (isinstance(v, dict) and v.get(_DIRECTIVE) is not None)
        ]
    return copy.deepcopy(value)


def merge_map(
    dest: dict[str, Any], patch: dict[str, Any], defn: str | None
) -> dict[str, Any] | None:
    """Merge `patch` into a copy of `dest`; None when the patch deletes the map."""
    directive = patch.get(_DIRECTIVE)
    if directive == "delete":
        return None
    if directive == "replace":
        return _strip(patch)
    out = dict(dest)
    for key, pv in patch.items():
        if isinstance(key, str) and key.startswith("$"):
            continue  # $setElementOrder, $retainKeys, ...: order and retention are kyaml's own
        if pv is None:
            out.pop(key, None)
            continue
        fs = _field_schema(defn, key)
        dv = out.get(key)
        if isinstance(pv, dict):
            if isinstance(dv, dict):
                merged = merge_map(dv, pv, fs.get("ref") if not fs.get("map") else None)
                if merged is None:
                    out.pop(key, None)
                else:
                    out[key] = merged
            elif pv.get(_DIRECTIVE) == "delete":
                out.pop(key, None)
            elif pv:
                out[key] = _strip(pv)
            # An empty map where the target has none: kyaml leaves the target as it is.
        elif isinstance(pv, list):
            out[key] = merge_list(dv if isinstance(dv, list) else None, pv, fs)
        else:
            out[key] = copy.deepcopy(pv)
    return out


def merge_list(dest: list[Any] | None, patch: list[Any], fs: dict[str, Any]) -> list[Any]:
    key = fs.get("key")
    strategy = fs.get("strategy", "")
    replace_all = any(isinstance(e, dict) and e.get(_DIRECTIVE) == "replace" for e in patch)
    if replace_all or dest is None or "merge" not in strategy:
        return _strip(patch)
    if not key:
        # A merged list of scalars (finalizers): the patch's values, then the others.
        if any(isinstance(e, (dict, list)) for e in dest + patch):
            return _strip(patch)
        return [*patch, *(e for e in dest if e not in patch)]
    if not all(isinstance(e, dict) for e in dest + patch):
        return _strip(patch)
    elem_def = fs.get("ref")
    by_key: dict[Any, dict[str, Any]] = {}
    for e in dest:
        by_key.setdefault(_merge_key(e.get(key)), e)
    out: list[Any] = []
    seen: set[Any] = set()
    # kustomize puts the patch's elements first, then the target's remaining ones.
    for e in patch:
        k = _merge_key(e.get(key))
        if k in seen:
            continue
        seen.add(k)
        if e.get(_DIRECTIVE) == "delete":
            continue
        if k in by_key:
            merged = merge_map(by_key[k], e, elem_def)
            if merged is not None:
                out.append(merged)
        else:
            out.append(_strip(e))
    for e in dest:
        if _merge_key(e.get(key)) not in seen:
            out.append(e)
    return out


def _merge_key(value: Any) -> Any:
    """A merge key's value as a dict key: a list or a mapping (`name: [a]`) by its
    content, so that equal values still match (they were a TypeError)."""
    try:
        hash(value)
    except TypeError:
        return ("\0", json.dumps(value, sort_keys=True, default=str))
    return value


def apply(obj: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """The object with the patch merged in; {} when the patch deletes it."""
    if patch.get(_DIRECTIVE) == "delete":
        return {}
    merged = merge_map(copy.deepcopy(obj), patch, _kind_def(obj))
    return merged or {}
