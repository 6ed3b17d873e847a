"""What is not drift: server-owned metadata, API normalisations and Secret stringData."""

from __future__ import annotations

import base64
from typing import Any

from gitops_tui.diff.paths import Path
from gitops_tui.diff.quantity import same_quantity

# Written by the API server or controllers, never by Git.
SERVER_METADATA = frozenset(
    {
        "managedFields",
        "resourceVersion",
        "uid",
        "generation",
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "selfLink",
    }
)
# Annotations controllers and clients add on their own.
SERVER_ANNOTATIONS = frozenset(
    {
        "deployment.kubernetes.io/revision",
        "kubectl.kubernetes.io/last-applied-configuration",
    }
)

# IntOrString fields: the API keeps 8080 and "8080" apart, but they name the same port/amount.
INT_OR_STRING = frozenset(
    {"targetPort", "port", "maxSurge", "maxUnavailable", "minAvailable", "partition"}
)
# Map keys whose values are quantities (resources.limits.cpu, ResourceQuota spec.hard, ...).
_QUANTITY_MAPS = frozenset({"limits", "requests", "hard", "capacity", "overhead", "allocatable"})
_QUANTITY_FIELDS = frozenset({"sizeLimit"})
# HPA autoscaling/v2 MetricTarget: target.value, target.averageValue.
_TARGET_QUANTITIES = frozenset({"value", "averageValue"})


def is_secret(obj: dict) -> bool:
    return obj.get("kind") == "Secret" and obj.get("apiVersion") == "v1"


def ignored_key(path: Path, key: str) -> bool:
    """Fields never compared: top-level status and server-written metadata."""
    if not path:
        return key == "status"
    if len(path) == 1 and path[0] == "metadata":
        return key in SERVER_METADATA
    return False


def normalize_desired(desired: dict) -> dict:
    """The desired object as the API would store it, where that is knowable without a schema."""
    if is_secret(desired) and desired.get("stringData"):
        # The API merges stringData into data (base64) and never returns stringData.
        desired = dict(desired)
        data = dict(desired.get("data") or {})
        for key, value in desired.pop("stringData").items():
            data[key] = base64.b64encode(str(value).encode()).decode()
        desired["data"] = data
    return desired


def is_empty(value: Any) -> bool:
    """Values the API drops on output (omitempty), so "absent live" is the same thing."""
    return value is None or value is False or value == 0 or value in ("", {}, [])


def same_scalar(desired: Any, live: Any, path: Path) -> bool:
    if desired == live and (type(desired) is bool) == (type(live) is bool):
        return True
    if isinstance(desired, bool) or isinstance(live, bool):
        return False
    key = path[-1] if path else ""
    if key in INT_OR_STRING and isinstance(desired, int | str) and isinstance(live, int | str):
        return str(desired) == str(live)
    if _quantity_path(path):
        return same_quantity(desired, live)
    return False


def _quantity_path(path: Path) -> bool:
    if len(path) < 2:
        return False
    key, parent = path[-1], path[-2]
    if parent in _QUANTITY_MAPS or key in _QUANTITY_FIELDS:
        return True
    return key in _TARGET_QUANTITIES and parent == "target"


def strip_server_fields(obj: dict) -> dict:
    """A live object without what the server writes (for Extra and the dry-run comparison)."""
    out = {k: v for k, v in obj.items() if k != "status"}
    meta = {k: v for k, v in (obj.get("metadata") or {}).items() if k not in SERVER_METADATA}
    if annotations := meta.get("annotations"):
        kept = {k: v for k, v in annotations.items() if k not in SERVER_ANNOTATIONS}
        if kept:
            meta["annotations"] = kept
        else:
            meta.pop("annotations")
    out["metadata"] = meta
    return out
