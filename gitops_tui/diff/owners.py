"""Who drifted an object: the foreign field managers that own the drifted live fields.

Each managedFields entry's fieldsV1 is a tree of `f:<field>` / `k:{merge key}` / `v:<value>`
nodes; a manager owns a path when the tree reaches it, or reaches an atomic ancestor
(an empty node above the end of the path: the manager owns that whole map or list).

A field that is gone from live has no owner any more (the remover's Update dropped it), so
removals are attributed to the foreign managers that wrote the object after our last write.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from gitops_tui.diff.listkeys import parse_item_key
from gitops_tui.diff.paths import Path, Selector, format_path
from gitops_tui.diff.project import RawChange
from gitops_tui.diff.result import ChangeKind, ManagerTouch


def owns(fields: dict, path: Path) -> bool:
    node: Any = fields
    for seg in path:
        if not node:
            return True  # an atomic map/list (or a scalar) owned whole
        if isinstance(seg, Selector):
            wanted = seg.as_dict()
            node = next((sub for e, sub in node.items() if parse_item_key(e) == wanted), None)
            if node is None:
                return False
        elif isinstance(seg, int):
            return True  # lists without merge keys are atomic: owning the list owns its items
        else:
            key = "f:" + seg
            if key not in node:
                return False
            node = node[key]
    return True


def _time(entry: dict) -> datetime | None:
    raw = entry.get("time")
    if isinstance(raw, datetime):
        return raw
    if not raw:
        return None
    try:
        return datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError:
        return None


def attribute(
    live: dict, changes: list[RawChange], manager: str
) -> tuple[list[tuple[str, ...]], list[ManagerTouch]]:
    """Per change the foreign managers behind it, and those managers with what they touched."""
    entries = [
        e
        for e in (live.get("metadata") or {}).get("managedFields") or ()
        if isinstance(e, dict) and e.get("manager")
    ]
    ours = [t for e in entries if e["manager"] == manager and (t := _time(e)) is not None]
    our_last = max(ours) if ours else None
    foreign = [e for e in entries if e["manager"] != manager]

    per_change: list[tuple[str, ...]] = []
    touched: dict[int, list[str]] = {}
    for change in changes:
        by: list[str] = []
        for i, entry in enumerate(foreign):
            if change.kind is ChangeKind.ADDED:
                # Gone from live: blame whoever wrote after us (with a write that is not an apply).
                t = _time(entry)
                hit = (
                    entry.get("operation") == "Update"
                    and t is not None
                    and (our_last is None or t >= our_last)
                )
            else:
                hit = owns(entry.get("fieldsV1") or {}, change.path)
            if hit:
                by.append(entry["manager"])
                touched.setdefault(i, []).append(format_path(change.path))
        per_change.append(tuple(dict.fromkeys(by)))

    touches = [
        ManagerTouch(
            manager=foreign[i]["manager"],
            operation=foreign[i].get("operation", ""),
            time=_time(foreign[i]),
            subresource=foreign[i].get("subresource", ""),
            paths=tuple(dict.fromkeys(paths)),
        )
        for i, paths in touched.items()
    ]
    touches.sort(key=lambda t: (t.time is None, t.time or datetime.min, t.manager))
    return per_change, touches
