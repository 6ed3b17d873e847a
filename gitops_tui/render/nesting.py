"""How deep a loaded YAML value nests, checked before any recursive code walks it.

Every walker downstream (merges, diffs, YAML output, deep copies) recurses once per
level or more, and Python stops at 1,000 frames: a manifest nested a few hundred levels
made them fail with RecursionError, far from the file. No real manifest nests anywhere
near MAX_DEPTH (a CRD's schema reaches a few dozen); deeper is refused on load. A YAML
alias can also make a value contain itself, which no walker would ever finish.
"""

from __future__ import annotations

from typing import Any

from ..errors import RenderError

MAX_DEPTH = 100  # mappings and lists inside one another, the document itself counting 1


class NestingError(ValueError):
    pass


def _children(node: dict | list) -> Any:
    return node.values() if isinstance(node, dict) else node


def depth(value: Any, limit: int = MAX_DEPTH) -> int:
    """The nesting depth of value; NestingError when over limit or recursive. Iterative,
    and each shared (aliased) node is measured once."""
    heights: dict[int, int] = {}
    active: set[int] = set()  # the nodes on the current path: meeting one is a cycle
    stack: list[tuple[Any, bool]] = [(value, False)]
    while stack:
        node, done = stack.pop()
        if not isinstance(node, dict | list):
            continue
        nid = id(node)
        if done:
            active.discard(nid)
            below = (heights[id(c)] for c in _children(node) if isinstance(c, dict | list))
            heights[nid] = 1 + max(below, default=0)
            if heights[nid] > limit:
                raise NestingError(f"nested deeper than {limit} levels")
            continue
        if nid in heights:
            continue
        if nid in active:
            raise NestingError("a YAML alias makes a value contain itself")
        active.add(nid)
        stack.append((node, True))
        stack.extend((c, False) for c in _children(node) if isinstance(c, dict | list))
    return heights.get(id(value), 0)


def check_depth(value: Any, file: str, line: int | None = None) -> None:
    """RenderError naming the file when value nests too deep or contains itself."""
    try:
        depth(value)
    except NestingError as e:
        raise RenderError(file, str(e), line) from None
