"""Secret values never leave the diff: not in changes, not in the unified diff.

Values show as `***`; a changed one shows as `*** (changed)` on the Git side. No hash or
length is shown: a short secret could be brute-forced from either.
"""

from __future__ import annotations

from typing import Any

from gitops_tui.diff.paths import Path

MASK = "***"
MASK_CHANGED = "*** (changed)"
SECRET_MAPS = frozenset({"data", "stringData"})
_LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def secret_path(path: Path) -> bool:
    """Paths holding secret values: data/stringData and the client-side-apply copy of them."""
    if not path:
        return True  # the whole object
    if path[0] in SECRET_MAPS:
        return True
    return len(path) >= 3 and path[:2] == ("metadata", "annotations") and path[2] == _LAST_APPLIED


def mask_value(value: Any) -> Any:
    """`value` with every secret value replaced; the structure (keys) stays readable."""
    if value is None:
        return None
    if isinstance(value, dict):
        return {k: mask_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_value(v) for v in value]
    return MASK


def mask_change(path: Path, old: Any, new: Any) -> tuple[Any, Any]:
    if not secret_path(path):
        return old, new
    if path and path[0] in SECRET_MAPS and len(path) == 2 and old is not None and new is not None:
        return MASK, MASK_CHANGED
    if not path:
        return mask_object(old), mask_object(new)
    return mask_value(old), mask_value(new)


def mask_object(obj: Any, compare_to: dict | None = None) -> Any:
    """A Secret (or None) with data/stringData and the last-applied copy masked.

    With `compare_to`, values that differ from it there are marked `*** (changed)`.
    """
    if not isinstance(obj, dict):
        return obj
    out = dict(obj)
    for key in SECRET_MAPS:
        if isinstance(out.get(key), dict):
            other = (compare_to or {}).get(key) or {}
            out[key] = {
                k: MASK_CHANGED if compare_to is not None and k in other and other[k] != v else MASK
                for k, v in out[key].items()
            }
    meta = out.get("metadata")
    if isinstance(meta, dict) and _LAST_APPLIED in (meta.get("annotations") or {}):
        annotations = dict(meta["annotations"])
        annotations[_LAST_APPLIED] = MASK
        out["metadata"] = {**meta, "annotations": annotations}
    return out
