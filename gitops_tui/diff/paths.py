"""Field paths: segments kept as tuples while walking, formatted only for a change.

A segment is a map key (str), a list index (int) or a list item selected by its merge
key (Selector). Formatting follows the usual reading: `spec.template.spec.containers[name=main].image`,
with keys that are not plain identifiers quoted: `metadata.labels["app.kubernetes.io/name"]`.
"""

from __future__ import annotations

import json
import re
from typing import Any

_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


class Selector(tuple):
    """A list item named by its merge key: ((key, value), ...) in key order."""

    __slots__ = ()

    def as_dict(self) -> dict[str, Any]:
        return dict(self)

    def __str__(self) -> str:
        return "[" + ",".join(f"{k}={v}" for k, v in self) + "]"


Segment = str | int | Selector
Path = tuple[Segment, ...]


def format_path(path: Path) -> str:
    out: list[str] = []
    for seg in path:
        if isinstance(seg, Selector):
            out.append(str(seg))
        elif isinstance(seg, int):
            out.append(f"[{seg}]")
        elif _PLAIN.match(seg):
            out.append(f".{seg}" if out else seg)
        else:
            out.append(f"[{json.dumps(seg)}]")
    return "".join(out)
