"""What a diff tells the operator: one ObjectDiff per object, with its field changes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from gitops_tui.model import ObjectRef


class Status(StrEnum):
    SYNCED = "Synced"
    OUT_OF_SYNC = "OutOfSync"
    MISSING = "Missing"  # in Git, not live
    EXTRA = "Extra"  # live and tracked, no longer in Git


class ChangeKind(StrEnum):
    CHANGED = "changed"  # live value differs from Git
    ADDED = "added"  # Git has it, live does not (applying would add it)
    REMOVED = "removed"  # live has it inside something we own, Git does not


@dataclass(frozen=True)
class FieldChange:
    """One drifted field. `old` is the live value, `new` the one in Git (masked for Secrets)."""

    path: str
    kind: ChangeKind
    old: Any
    new: Any
    # Foreign field managers that own the live value (empty: Git moved, or nobody owns it).
    by: tuple[str, ...] = ()


@dataclass(frozen=True)
class ManagerTouch:
    """A field manager other than ours that wrote drifted fields."""

    manager: str
    operation: str
    time: datetime | None
    subresource: str = ""
    paths: tuple[str, ...] = ()


@dataclass
class ObjectDiff:
    ref: ObjectRef
    status: Status
    changes: list[FieldChange] = field(default_factory=list)
    # The unified text, or how to make it. Views are recomputed on every change but the
    # text is read only when someone opens the diff: making it on first read keeps a
    # YAML dump per object out of every refresh.
    text: str | Callable[[], str] = field(default="", repr=False, compare=False)
    drifted_by: list[ManagerTouch] = field(default_factory=list)

    @property
    def unified(self) -> str:
        if callable(self.text):
            self.text = self.text()
        return self.text

    def as_json(self) -> dict[str, Any]:
        """The fields as data, with the text made (JSON has no place for a maker)."""
        return {
            "ref": self.ref,
            "status": self.status,
            "changes": self.changes,
            "unified": self.unified,
            "drifted_by": self.drifted_by,
        }

    @property
    def in_sync(self) -> bool:
        return self.status is Status.SYNCED
