"""Rendering: a path at a commit to the objects Git declares (plain YAML, Kustomize, or a
Helm chart rendered by helm)."""

from __future__ import annotations

import copy
import posixpath
from dataclasses import dataclass, field
from typing import Any

from ..errors import RenderError
from ..source import Entry, SourceTree, norm
from .helm import (
    HelmHook,
    HelmOptions,
    find_helm,
    helm_setting,
    is_chart,
    render_chart,
    split_hooks,
)
from .kustomize import render_kustomization
from .kustomize.cache import RecordingTree
from .kustomize.load import KUSTOMIZATION_FILES
from .kustomize.resources import res_id
from .kustomize.shapes import object_problem
from .plain import render_plain

__all__ = ["Rendered", "Renderer", "is_kustomize", "render", "render_source"]


def is_kustomize(tree: SourceTree, path: str) -> bool:
    path = norm(path)
    return any(tree.exists(posixpath.join(path, n) if path else n) for n in KUSTOMIZATION_FILES)


@dataclass
class Rendered:
    objects: list[dict[str, Any]]
    read_paths: list[str] = field(default_factory=list)
    # Objects helm would run as hooks (helm.sh/hook): listed apart, never applied as
    # plain objects.
    hooks: list[HelmHook] = field(default_factory=list)
    chart: str = ""  # "name@version" when helm rendered the folder

    @property
    def warnings(self) -> list[str]:
        if not self.hooks:
            return []
        names = ", ".join(
            f"{h.object.get('kind')}/{(h.object.get('metadata') or {}).get('name')}"
            for h in self.hooks
        )
        n = len(self.hooks)
        return [f"{n} Helm hook{'s' if n > 1 else ''} not applied (hooks do not run yet): {names}"]


def render(
    tree: SourceTree, path: str, *, recurse: bool = False, allow_remote: bool = False
) -> list[dict[str, Any]]:
    """Kustomize when the directory holds a kustomization, else its plain manifests."""
    return render_source(tree, path, recurse=recurse, allow_remote=allow_remote).objects


def render_source(
    tree: SourceTree,
    path: str,
    *,
    recurse: bool = False,
    allow_remote: bool = False,
    helm: HelmOptions | None = None,
    helm_path: str | None = None,
) -> Rendered:
    """Kustomize when the directory holds a kustomization, else helm when it holds a
    Chart.yaml and `helm` says how (Argo CD's order), else its plain manifests. With
    `helm`, objects annotated as Helm hooks are set apart, as Argo CD does."""
    if is_kustomize(tree, path):
        objects = render_kustomization(tree, path, allow_remote=allow_remote)
        _check_applicable(objects, path)
    elif helm is not None and is_chart(tree, path):
        try:
            binary = find_helm(helm_path)
        except RenderError as e:
            raise RenderError(norm(path) or ".", e.message) from None
        out = render_chart(tree, path, helm, helm=binary)
        _check_applicable([*out.objects, *(h.object for h in out.hooks)], path)
        return Rendered(out.objects, hooks=out.hooks, chart=f"{out.chart}@{out.chart_version}")
    else:
        objects = render_plain(tree, path, recurse)
    if helm is None:
        return Rendered(objects)
    objects, hooks = split_hooks(objects)
    return Rendered(objects, hooks=hooks)


def _check_applicable(objects: list[dict[str, Any]], path: str) -> None:
    """kustomize prints what a JSON patch made of an object, helm what a template made of
    it; only what can be applied (and tracked: labels, annotations) goes on."""
    for obj in objects:
        if problem := object_problem(obj):
            raise RenderError(norm(path) or ".", f"{res_id(obj)}: {problem}")


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
class Renderer:
    """Renders an app path once per distinct content of every path the render looked at
    (Git tree ids), so an unchanged app is never re-rendered."""

    entries: dict[tuple, tuple[list[tuple[str, str | None]], Rendered]] = field(
        default_factory=dict
    )
    # Remote kustomize bases and files (the setting allow_remote_resources).
    allow_remote: bool = False
    helm_path: str | None = None  # the setting; None: $GITOPS_TUI_HELM, the cache, PATH
    hits: int = 0
    misses: int = 0

    def render(
        self,
        tree: SourceTree,
        path: str,
        *,
        recurse: bool = False,
        key: tuple = (),
        helm: HelmOptions | None = None,
    ) -> Rendered:
        k = (norm(path), recurse, helm, *key)
        hit = self.entries.get(k)
        if hit is not None and all(tree.tree_id(p) == i for p, i in hit[0]):
            self.hits += 1
            return copy.deepcopy(hit[1])
        self.misses += 1
        rec = RecordingTree(tree)
        with helm_setting(self.helm_path):
            result = render_source(
                rec,
                path,
                recurse=recurse,
                allow_remote=self.allow_remote,
                helm=helm,
                helm_path=self.helm_path,
            )
        # Directories listed count too: a new file in a plain directory is a change.
        ids = [(p, tree.tree_id(p)) for p in rec.key_paths()]
        result.read_paths = rec.read_paths()
        self.entries[k] = (ids, copy.deepcopy(result))
        return result
