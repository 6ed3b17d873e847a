"""Rendering: a path at a commit to the objects Git declares (plain YAML or Kustomize)."""

from __future__ import annotations

import copy
import posixpath
from dataclasses import dataclass, field
from typing import Any

from ..errors import RenderError
from ..source import Entry, SourceTree, norm
from .kustomize import render_kustomization
from .kustomize.cache import RecordingTree
from .kustomize.load import KUSTOMIZATION_FILES
from .kustomize.resources import res_id
from .kustomize.shapes import object_problem
from .plain import render_plain

__all__ = ["Rendered", "Renderer", "is_kustomize", "render"]


def is_kustomize(tree: SourceTree, path: str) -> bool:
    path = norm(path)
    return any(tree.exists(posixpath.join(path, n) if path else n) for n in KUSTOMIZATION_FILES)


def render(
    tree: SourceTree, path: str, *, recurse: bool = False, allow_remote: bool = False
) -> list[dict[str, Any]]:
    """Kustomize when the directory holds a kustomization, else its plain manifests."""
    if not is_kustomize(tree, path):
        return render_plain(tree, path, recurse)
    objects = render_kustomization(tree, path, allow_remote=allow_remote)
    # kustomize prints what a JSON patch made of an object; only what can be applied
    # (and tracked: labels, annotations) goes on.
    for obj in objects:
        if problem := object_problem(obj):
            raise RenderError(norm(path) or ".", f"{res_id(obj)}: {problem}")
    return objects


class OverlayTree:
    """A SourceTree with some files replaced in memory (Argo CD's kustomize.images edit)."""

    def __init__(self, tree: SourceTree, files: dict[str, bytes]) -> None:
        self.tree = tree
        self.files = {norm(k): v for k, v in files.items()}

    def exists(self, path: str) -> bool:
        return norm(path) in self.files or self.tree.exists(path)

    def is_dir(self, path: str) -> bool:
        return norm(path) not in self.files and self.tree.is_dir(path)

    def read(self, path: str) -> bytes:
        if (data := self.files.get(norm(path))) is not None:
            return data
        return self.tree.read(path)

    def listdir(self, path: str) -> list[Entry]:
        return self.tree.listdir(path)

    def tree_id(self, path: str) -> str | None:
        return self.tree.tree_id(path)


@dataclass
class Rendered:
    objects: list[dict[str, Any]]
    read_paths: list[str]


@dataclass
class Renderer:
    """Renders an app path once per distinct content of every path the render looked at
    (Git tree ids), so an unchanged app is never re-rendered."""

    entries: dict[tuple, tuple[list[tuple[str, str | None]], Rendered]] = field(
        default_factory=dict
    )
    # Remote kustomize bases and files (the setting allow_remote_resources).
    allow_remote: bool = False
    hits: int = 0
    misses: int = 0

    def render(
        self, tree: SourceTree, path: str, *, recurse: bool = False, key: tuple = ()
    ) -> Rendered:
        k = (norm(path), recurse, *key)
        hit = self.entries.get(k)
        if hit is not None and all(tree.tree_id(p) == i for p, i in hit[0]):
            self.hits += 1
            return copy.deepcopy(hit[1])
        self.misses += 1
        rec = RecordingTree(tree)
        objects = render(rec, path, recurse=recurse, allow_remote=self.allow_remote)
        # Directories listed count too: a new file in a plain directory is a change.
        ids = [(p, tree.tree_id(p)) for p in rec.key_paths()]
        result = Rendered(objects, rec.read_paths())
        self.entries[k] = (ids, copy.deepcopy(result))
        return result
