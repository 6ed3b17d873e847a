"""The unified YAML diff an operator reads: `--- live` / `+++ git`."""

from __future__ import annotations

import difflib
from typing import Any

import yaml

# libyaml's emitter is several times faster; the output is the same.
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def to_yaml(obj: Any) -> str:
    if obj is None:
        return ""
    # Keep the desired object's key order: projected live follows it, so hunks line up.
    return yaml.dump(
        obj, Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True
    )


def unified(live: Any, desired: Any, context: int = 3) -> str:
    a = to_yaml(live).splitlines(keepends=True)
    b = to_yaml(desired).splitlines(keepends=True)
    return "".join(difflib.unified_diff(a, b, fromfile="live", tofile="git", n=context))
