"""The one resolver of the paths a kustomization names, for the native renderer and
for the checks made before the kustomize binary runs.

Every path is taken from the kustomization's folder and must stay inside the
repository. Files that kustomize loads through its load restrictor (patches, generator
files, crds, ...) must also be in or below the kustomization's own folder, as
`kustomize build` requires with its default `LoadRestrictionsRootOnly`.
"""

from __future__ import annotations

import posixpath
import re
from typing import TYPE_CHECKING

from ...errors import RenderError
from ...source import PathOutsideRoot, norm

if TYPE_CHECKING:
    from .load import Kustomization

# Everything kustomize (v4 or v5) may fetch or clone instead of reading a local path:
# a URL of any scheme (https, ssh, file, oci, ...), go-getter's `git::`, `gh:`, a user
# name before the host (`git@host:org/repo`, `me@host/path`), a bare well-known host,
# Azure's `_git/` and a `?ref=`/`?version=` query. A superset of kustomize's own test.
_REMOTE_PREFIXES = ("git::", "gh:", "github.com/", "github.com:", "gitlab.com/", "bitbucket.org/")
_USER_AT = re.compile(r"^[^/:]*@")


def is_remote(entry: str) -> bool:
    low = entry.strip().lower()
    return (
        "://" in low
        or low.startswith(_REMOTE_PREFIXES)
        or bool(_USER_AT.match(low))
        or "_git/" in low
        or "?ref=" in low
        or "?version=" in low
    )


def within(root: str, path: str) -> bool:
    return root == "" or path == root or path.startswith(root + "/")


def _shown(k: Kustomization, rel: str) -> str:
    """The path as named, from the repository root (may start with '..' or '/')."""
    if rel.startswith("/"):
        return posixpath.normpath(rel)
    return posixpath.normpath(posixpath.join(k.dir or ".", rel.replace("\\", "/")))


def joined(k: Kustomization, rel: str) -> str | None:
    """`rel` from the kustomization's folder, from the repository root; None when it is
    absolute or climbs above the root."""
    if rel.startswith("/"):
        return None
    try:
        return norm(posixpath.join(k.dir, rel))
    except PathOutsideRoot:
        return None


def resolve(k: Kustomization, rel: str, line: int | None, what: str) -> str:
    """`rel`, named by `k` as `what`, from the repository root; refused outside it."""
    path = joined(k, rel)
    if path is None:
        where = "an absolute path" if rel.startswith("/") else f"{_shown(k, rel)!r}"
        raise RenderError(k.file, f"{what} {rel!r}: {where} is outside the repository", line)
    return path


def local_path(k: Kustomization, rel: str, line: int | None) -> str:
    """A file kustomize loads through its load restrictor: in or below the kustomization's
    folder, with kustomize's own message (paths from the repository root)."""
    path = joined(k, rel)
    if path is None or not within(k.dir, path):
        shown = path if path is not None else _shown(k, rel)
        raise RenderError(
            k.file, f"security; file {shown!r} is not in or below {k.dir or '.'!r}", line
        )
    return path
