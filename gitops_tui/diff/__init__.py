"""Live vs Git: which objects drifted, which fields, and who drifted them."""

from gitops_tui.diff.compare import diff_extra, diff_object
from gitops_tui.diff.dryrun import diff_dry_run
from gitops_tui.diff.mask import MASK, MASK_CHANGED
from gitops_tui.diff.quantity import QuantityError, parse_quantity, same_quantity
from gitops_tui.diff.result import (
    ChangeKind,
    FieldChange,
    ManagerTouch,
    ObjectDiff,
    ObjectRef,
    Status,
)
from gitops_tui.model import FIELD_MANAGER

__all__ = [
    "FIELD_MANAGER",
    "MASK",
    "MASK_CHANGED",
    "ChangeKind",
    "FieldChange",
    "ManagerTouch",
    "ObjectDiff",
    "QuantityError",
    "ObjectRef",
    "Status",
    "diff_dry_run",
    "diff_extra",
    "diff_object",
    "parse_quantity",
    "same_quantity",
]
