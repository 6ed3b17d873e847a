"""diff_object / diff_extra: the per-object comparison the reconciler runs on every object."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from gitops_tui.diff.mask import mask_change, mask_object
from gitops_tui.diff.normalize import is_secret, normalize_desired, strip_server_fields
from gitops_tui.diff.owners import attribute
from gitops_tui.diff.paths import Selector, format_path
from gitops_tui.diff.project import RawChange, project
from gitops_tui.diff.result import FieldChange, ObjectDiff, ObjectRef, Status
from gitops_tui.diff.unified import unified
from gitops_tui.model import FIELD_MANAGER


def diff_object(
    desired: dict,
    live: dict | None,
    *,
    manager: str = FIELD_MANAGER,
    context: int = 3,
    ignore: Sequence[tuple[str, ...]] = (),
) -> ObjectDiff:
    """Compare a desired object (rendered from Git) with its live one (None: not found).
    Differences under an `ignore` path (ignoreDifferences) are not drift."""
    ref = ObjectRef.of(desired)
    desired = normalize_desired(desired)
    secret = is_secret(desired)
    if live is None:
        shown = mask_object(desired) if secret else desired
        return ObjectDiff(ref, Status.MISSING, text=lambda: unified(None, shown, context))

    # Equal objects (the common case) cost one walk and no allocation.
    changes, _ = project(desired, live)
    if ignore:
        changes = [c for c in changes if not ignored(c.path, ignore)]
    if not changes:
        return ObjectDiff(ref, Status.SYNCED)
    _, projected = project(desired, live, build=True)
    if ignore:
        # Neither side shows an ignored field: the text is what counts as drift.
        desired, projected = without(desired, ignore), without(projected, ignore)
    return out_of_sync(ref, desired, live, changes, projected, manager, secret, context)


def ignored(path: tuple, ignore: Sequence[tuple[str, ...]]) -> bool:
    """Whether a change's path lies at or under one of the ignored paths. A list item
    named by its merge key matches a pointer's index only through the list itself."""
    for prefix in ignore:
        if len(path) < len(prefix):
            continue
        for seg, want in zip(path, prefix, strict=False):
            if isinstance(seg, Selector) or str(seg) != want:
                break
        else:
            return True
    return False


def without(obj: dict, ignore: Sequence[tuple[str, ...]]) -> dict:
    out = copy.deepcopy(obj)
    for path in ignore:
        if path:
            _drop(out, path)
    return out


def _drop(node: Any, path: tuple[str, ...]) -> None:
    *parents, last = path
    for seg in parents:
        if isinstance(node, dict):
            node = node.get(seg)
        elif isinstance(node, list) and seg.isdigit() and int(seg) < len(node):
            node = node[int(seg)]
        else:
            return
    if isinstance(node, dict):
        node.pop(last, None)
    elif isinstance(node, list) and last.isdigit() and int(last) < len(node):
        del node[int(last)]


def out_of_sync(
    ref: ObjectRef,
    desired: dict,
    live: dict,
    changes: list[RawChange],
    projected: dict,
    manager: str,
    secret: bool,
    context: int,
) -> ObjectDiff:
    by, touches = attribute(live, changes, manager)
    field_changes = []
    for change, who in zip(changes, by, strict=True):
        old, new = (
            mask_change(change.path, change.old, change.new) if secret else (change.old, change.new)
        )
        field_changes.append(FieldChange(format_path(change.path), change.kind, old, new, who))

    def text() -> str:
        if secret:
            return unified(
                mask_object(projected), mask_object(desired, compare_to=projected), context
            )
        return unified(projected, desired, context)

    return ObjectDiff(ref, Status.OUT_OF_SYNC, field_changes, text, touches)


def diff_extra(live: dict, *, context: int = 3) -> ObjectDiff:
    """A live object we track that Git no longer has: it would be pruned."""

    def text() -> str:
        shown = strip_server_fields(live)
        return unified(mask_object(shown) if is_secret(live) else shown, None, context)

    return ObjectDiff(ObjectRef.of(live), Status.EXTRA, text=text)
