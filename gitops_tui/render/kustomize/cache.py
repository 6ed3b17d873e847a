"""A render cache keyed by the tree ids of every path a render looked at."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from ...source import Entry, SourceTree, norm


class RecordingTree:
    """A SourceTree that remembers what was read and what was probed."""

    def __init__(self, tree: SourceTree) -> None:
        self.tree = tree
        self.reads: dict[str, None] = {}
        self.probes: dict[str, None] = {}

    def exists(self, path: str) -> bool:
        self.probes[norm(path)] = None
        return self.tree.exists(path)

    def is_dir(self, path: str) -> bool:
        self.probes[norm(path)] = None
        return self.tree.is_dir(path)

    def read(self, path: str) -> bytes:
        self.reads[norm(path)] = None
        return self.tree.read(path)

    def listdir(self, path: str) -> list[Entry]:
        self.probes[norm(path)] = None
        return self.tree.listdir(path)

    def tree_id(self, path: str) -> str | None:
        return self.tree.tree_id(path)

    def note_read(self, path: str) -> None:
        """A folder read whole by a tool (helm), though maybe not file by file here."""
        self.reads[norm(path)] = None
        self.probes[norm(path)] = None

    def read_paths(self) -> list[str]:
        return list(self.reads)

    def key_paths(self) -> list[str]:
        return list(dict.fromkeys([*self.reads, *self.probes]))


@dataclass
class _Entry:
    ids: list[tuple[str, str | None]]
    objects: list[dict[str, Any]]
    read_paths: list[str]


@dataclass
class RenderCache:
    """Renders once per distinct content of the paths a kustomization reads."""

    entries: dict[str, _Entry] = field(default_factory=dict)
    allow_remote: bool = False
    hits: int = 0
    misses: int = 0

    def render(self, tree: SourceTree, path: str) -> list[dict[str, Any]]:
        from . import render_kustomization

        key = norm(path)
        hit = self.entries.get(key)
        if hit is not None and all(tree.tree_id(p) == i for p, i in hit.ids):
            self.hits += 1
            return copy.deepcopy(hit.objects)
        self.misses += 1
        rec = RecordingTree(tree)
        objects = render_kustomization(rec, key, allow_remote=self.allow_remote)
        ids = [(p, tree.tree_id(p)) for p in rec.key_paths()]
        self.entries[key] = _Entry(ids, copy.deepcopy(objects), rec.read_paths())
        return objects

    def read_paths(self, path: str) -> list[str] | None:
        e = self.entries.get(norm(path))
        return list(e.read_paths) if e else None
