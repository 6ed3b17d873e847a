"""The fast comparison: live projected onto the fields the desired object sets.

Rules (what counts as drift):
- a field present in the desired object whose live value differs, or is gone, is drift;
- live fields the desired object does not mention are not drift (server defaults, fields
  other managers own), EXCEPT extra items in a list of maps the desired object sets
  (an extra container, port or env var): those are drift too;
- lists of maps are matched by merge key (containers by name, ports by port+protocol, ...),
  so order does not matter; lists of scalars are compared whole (as sets when the API
  keeps them as sets), lists of maps without a merge key item by item;
- values the API normalises compare equal: quantities (0.5 == "500m"), int-or-string
  ports (8080 == "8080"), and empty values the API drops (`labels: {}` vs no labels).

`strict` also counts live map keys the desired object lacks: the dry-run comparison uses it,
where both sides are complete objects from the same server.

The walk allocates nothing for equal subtrees unless `build` asks for the projection
(only needed to render the unified diff of an object that differs).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gitops_tui.diff import listkeys
from gitops_tui.diff.normalize import ignored_key, is_empty, same_scalar
from gitops_tui.diff.paths import Path, Selector
from gitops_tui.diff.result import ChangeKind


class _Absent:
    __slots__ = ()

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Any = _Absent()
_UNKEYED: Any = object()  # keyed() could not match by merge key: fall back to indexes


@dataclass(frozen=True)
class RawChange:
    path: Path
    kind: ChangeKind
    old: Any  # live
    new: Any  # desired


@dataclass
class _Walk:
    strict: bool
    build: bool
    changes: list[RawChange] = field(default_factory=list)

    def change(self, path: Path, kind: ChangeKind, old: Any, new: Any) -> None:
        self.changes.append(RawChange(path, kind, old, new))

    def value(self, d: Any, live: Any, path: Path, hints: tuple[dict, ...]) -> Any:
        if d is None:
            # null in an apply body means "not set by us": nothing to compare.
            return ABSENT
        if live is ABSENT or live is None:
            if is_empty(d):
                return d
            self.change(path, ChangeKind.ADDED, None, d)
            return ABSENT
        if isinstance(d, dict):
            if not isinstance(live, dict):
                self.change(path, ChangeKind.CHANGED, live, d)
                return live
            return self.mapping(d, live, path, hints)
        if isinstance(d, list):
            if not isinstance(live, list):
                self.change(path, ChangeKind.CHANGED, live, d)
                return live
            return self.sequence(d, live, path, hints)
        if same_scalar(d, live, path):
            return d
        self.change(path, ChangeKind.CHANGED, live, d)
        return live

    def mapping(self, d: dict, live: dict, path: Path, hints: tuple[dict, ...]) -> Any:
        out: dict | None = {} if self.build else None
        for key, dv in d.items():
            if ignored_key(path, key):
                continue
            fk = "f:" + key
            sub = tuple(h[fk] for h in hints if h.get(fk)) if hints else ()
            projected = self.value(dv, live.get(key, ABSENT), (*path, key), sub)
            if out is not None and projected is not ABSENT:
                out[key] = projected
        if self.strict:
            for key, lv in live.items():
                if key not in d and not ignored_key(path, key) and not is_empty(lv):
                    self.change((*path, key), ChangeKind.REMOVED, lv, None)
                    if out is not None:
                        out[key] = lv
        return out

    def sequence(self, d: list, live: list, path: Path, hints: tuple[dict, ...]) -> Any:
        of_maps = (
            all(isinstance(item, dict) for item in d)
            if d
            else (bool(live) and all(isinstance(item, dict) for item in live))
        )
        if of_maps:
            keys = listkeys.keys_from_fields(hints) if hints else None
            if keys is None and path and isinstance(path[-1], str):
                sample = d[0] if d else live[0]
                keys = listkeys.well_known_keys(path[-1], sample)
            if keys:
                matched = self.keyed(d, live, keys, path, listkeys.item_hints(hints))
                if matched is not _UNKEYED:
                    return matched
            return self.by_index(d, live, path, listkeys.item_hints(hints))
        # Lists of scalars are atomic (args, command) or sets (finalizers): compare whole.
        if _same_scalars(d, live, path, as_set=bool(hints) and listkeys.is_set_list(hints)):
            return d
        self.change(path, ChangeKind.CHANGED, live, d)
        return live

    def keyed(
        self, d: list, live: list, keys: tuple[str, ...], path: Path, hints: tuple[dict, ...]
    ) -> Any:
        index: dict[Selector, int] = {}
        live_sel: list[Selector | None] = []
        try:
            for i, item in enumerate(live):
                sel = listkeys.selector(item, keys) if isinstance(item, dict) else None
                live_sel.append(sel)
                if sel is not None:
                    index.setdefault(sel, i)
            desired_sel = [listkeys.selector(item, keys) for item in d]
            for sel in desired_sel:
                hash(sel)
        except TypeError:  # an unhashable key value: this is not really a keyed list
            return _UNKEYED
        if any(sel is None for sel in desired_sel):
            return _UNKEYED
        out: list | None = [] if self.build else None
        used: set[int] = set()
        for item, sel in zip(d, desired_sel, strict=True):
            i = index.get(sel)  # type: ignore[arg-type]
            if i is None or i in used:
                self.change((*path, sel), ChangeKind.ADDED, None, item)
                continue
            used.add(i)
            projected = self.value(item, live[i], (*path, sel), hints)
            if out is not None and projected is not ABSENT:
                out.append(projected)
        for i, item in enumerate(live):
            if i not in used:
                seg = live_sel[i] if live_sel[i] is not None else i
                self.change((*path, seg), ChangeKind.REMOVED, item, None)
                if out is not None:
                    out.append(item)
        return out

    def by_index(self, d: list, live: list, path: Path, hints: tuple[dict, ...]) -> Any:
        out: list | None = [] if self.build else None
        for i, item in enumerate(d):
            if i < len(live):
                projected = self.value(item, live[i], (*path, i), hints)
                if out is not None and projected is not ABSENT:
                    out.append(projected)
            else:
                self.change((*path, i), ChangeKind.ADDED, None, item)
        for i in range(len(d), len(live)):
            self.change((*path, i), ChangeKind.REMOVED, live[i], None)
            if out is not None:
                out.append(live[i])
        return out


def _same_scalars(d: list, live: list, path: Path, as_set: bool) -> bool:
    if len(d) != len(live):
        return False
    if as_set:
        try:
            return set(map(_hashable, d)) == set(map(_hashable, live))
        except TypeError:
            pass
    return all(
        same_scalar(a, b, path) if not isinstance(a, dict | list) else a == b
        for a, b in zip(d, live, strict=True)
    )


def _hashable(v: Any) -> Any:
    return v if not isinstance(v, dict | list) else repr(v)


def managed_fields_hints(live: dict) -> tuple[dict, ...]:
    entries = (live.get("metadata") or {}).get("managedFields") or ()
    return tuple(e["fieldsV1"] for e in entries if isinstance(e, dict) and e.get("fieldsV1"))


def project(
    desired: dict,
    live: dict,
    *,
    strict: bool = False,
    build: bool = False,
    hints: tuple[dict, ...] | None = None,
) -> tuple[list[RawChange], Any]:
    """Changes from live to desired, and (with build) live projected onto desired's fields.

    `hints` are the fieldsV1 trees that name list merge keys; by default live's managedFields.
    """
    walk = _Walk(strict=strict, build=build)
    if hints is None:
        hints = managed_fields_hints(live)
    projected = walk.mapping(desired, live, (), hints)
    return walk.changes, projected
