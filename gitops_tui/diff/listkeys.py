"""Merge keys of lists of maps: how a desired list item finds its live counterpart.

The live object's managedFields name them exactly: `f:containers` holds entries like
`k:{"name":"main"}` and `f:ports` entries like `k:{"containerPort":80,"protocol":"TCP"}`.
When managedFields are absent (or do not cover a list yet) a table of the well-known
Kubernetes merge keys is the fallback; lists with neither are compared by index.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from gitops_tui.diff.paths import Selector

# Fields the API defaults inside a merge key: a desired port without protocol is TCP.
KEY_DEFAULTS: dict[str, Any] = {"protocol": "TCP"}

_BY_NAME = ("name",)
_WELL_KNOWN: dict[str, tuple[str, ...]] = {
    "containers": _BY_NAME,
    "initContainers": _BY_NAME,
    "ephemeralContainers": _BY_NAME,
    "volumes": _BY_NAME,
    "env": _BY_NAME,
    "imagePullSecrets": _BY_NAME,
    "volumeMounts": ("mountPath",),
    "volumeDevices": ("devicePath",),
    "hostAliases": ("ip",),
    "conditions": ("type",),
    "versions": _BY_NAME,  # CRD spec.versions
    "topologySpreadConstraints": ("topologyKey", "whenUnsatisfiable"),
    "resourceClaims": _BY_NAME,
}


@lru_cache(maxsize=8192)
def parse_item_key(entry: str) -> dict[str, Any] | None:
    """`k:{"name":"main"}` -> {"name": "main"}; None for anything else."""
    if not entry.startswith("k:"):
        return None
    try:
        value = json.loads(entry[2:])
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def keys_from_fields(hints: Sequence[dict]) -> tuple[str, ...] | None:
    """Merge key names of the list whose fieldsV1 nodes are `hints`."""
    for node in hints:
        for entry in node:
            if (parsed := parse_item_key(entry)) is not None:
                return tuple(sorted(parsed))
    return None


def is_set_list(hints: Sequence[dict]) -> bool:
    """A list of scalars kept as a set (`v:"x"` entries), e.g. finalizers: order is not drift."""
    return any(entry.startswith("v:") for node in hints for entry in node)


def item_hints(hints: Sequence[dict]) -> tuple[dict, ...]:
    """fieldsV1 nodes of the list's items, pooled: they only serve to find deeper merge keys."""
    return tuple(
        sub for node in hints for entry, sub in node.items() if entry.startswith("k:") and sub
    )


def well_known_keys(field: str, item: dict) -> tuple[str, ...] | None:
    if field == "ports":
        # Container ports are keyed by containerPort, Service ports by port; both with protocol.
        if "containerPort" in item:
            return ("containerPort", "protocol")
        if "port" in item:
            return ("port", "protocol")
        return None
    return _WELL_KNOWN.get(field)


def selector(item: dict, keys: tuple[str, ...]) -> Selector | None:
    """The item's merge key, with API defaults filled in; None when a key field is unknown."""
    values = []
    for k in keys:
        v = item.get(k, KEY_DEFAULTS.get(k))
        if v is None:
            return None
        values.append((k, v))
    return Selector(values)
