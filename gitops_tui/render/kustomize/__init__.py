"""Native kustomize rendering over a SourceTree, judged against the real kustomize.

    render_kustomization(tree, path) -> list[dict]   the objects `kustomize build` prints
    read_paths(tree, path) -> list[str]              every repo path the build reads
    RenderCache().render(tree, path)                 re-renders only when a read path changed

Features the native renderer leaves out (helm charts, remote bases, replacements, ...)
render through the kustomize binary when one is installed.
"""

from __future__ import annotations

import posixpath

from ...source import SourceTree, norm
from .binary import render_with_binary
from .build import Unsupported, build
from .cache import RecordingTree, RenderCache
from .load import KUSTOMIZATION_FILES

__all__ = ["RenderCache", "read_paths", "render_kustomization"]


def render_kustomization(tree: SourceTree, path: str, *, allow_remote: bool = False) -> list[dict]:
    """Render the kustomization in directory `path` (repo-relative) of `tree`.

    `path` may also name the kustomization file itself. Remote bases and files (URLs,
    git repositories) are refused unless `allow_remote`.
    """
    path = norm(path)
    if posixpath.basename(path) in KUSTOMIZATION_FILES and not tree.is_dir(path):
        path = posixpath.dirname(path)
    try:
        return build(tree, path)
    except Unsupported as u:
        return render_with_binary(tree, path, u.field, u.file, u.line, allow_remote=allow_remote)


def read_paths(tree: SourceTree, path: str) -> list[str]:
    """Every file the kustomization at `path` reads: itself, resources, bases, patches, ..."""
    rec = RecordingTree(tree)
    render_kustomization(rec, path)
    return rec.read_paths()
