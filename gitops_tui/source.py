"""A read-only view of a directory tree: at a Git commit or on disk.

Discovery and rendering read through this protocol, so the same code renders
HEAD, any older commit (straight from the object database) or a plain folder.
Paths are POSIX, relative to the repository root, with no leading slash.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from .errors import GitOpsError


@dataclass(frozen=True)
class Entry:
    name: str
    is_dir: bool


class SourceTree(Protocol):
    def exists(self, path: str) -> bool: ...

    def is_dir(self, path: str) -> bool: ...

    def read(self, path: str) -> bytes:
        """The file's bytes; FileNotFoundError when missing."""
        ...

    def listdir(self, path: str) -> list[Entry]:
        """Entries of a directory, sorted by name; NotADirectoryError/FileNotFoundError."""
        ...

    def tree_id(self, path: str) -> str | None:
        """A content id of the file or directory (the Git object id at a commit), None if absent."""
        ...


class PathOutsideRoot(GitOpsError, ValueError):
    """A path whose '..' climbs above the repository root."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path

    def __str__(self) -> str:
        return f"path {self.path!r} climbs above the repository root"


def norm(path: str) -> str:
    """Normalize a repo-relative path: no leading './' or '/', no trailing '/', '' is the root.

    A '..' above the root raises PathOutsideRoot: clamping it would quietly read another
    file of the repository than the one named.
    """
    parts: list[str] = []
    for part in path.replace("\\", "/").split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                raise PathOutsideRoot(path)
            parts.pop()
            continue
        parts.append(part)
    return "/".join(parts)


def unsafe_name(name: str) -> str | None:
    """Why a directory entry's name may not be used as one path component, or None.

    A tree written with `git hash-object --literally` (and pushed: servers accept it)
    may name an entry '..', '../x' or 'a\\b'; joined to a folder, such a name points
    outside it.
    """
    if name in ("", ".", ".."):
        return f"a name may not be {name!r}"
    for char, what in (("/", "'/'"), ("\\", "a backslash"), ("\0", "a NUL")):
        if char in name:
            return f"a name may not hold {what}"
    return None


class FsTree:
    """A SourceTree over a folder on disk (tests, and rendering a working copy)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _p(self, path: str) -> Path:
        return self.root / norm(path)

    def exists(self, path: str) -> bool:
        return self._p(path).exists()

    def is_dir(self, path: str) -> bool:
        return self._p(path).is_dir()

    def read(self, path: str) -> bytes:
        p = self._p(path)
        if not p.is_file():
            raise FileNotFoundError(norm(path))
        return p.read_bytes()

    def listdir(self, path: str) -> list[Entry]:
        p = self._p(path)
        if not p.exists():
            raise FileNotFoundError(norm(path))
        if not p.is_dir():
            raise NotADirectoryError(norm(path))
        return sorted(
            (Entry(c.name, c.is_dir()) for c in p.iterdir() if c.name != ".git"),
            key=lambda e: e.name,
        )

    def tree_id(self, path: str) -> str | None:
        p = self._p(path)
        if not p.exists():
            return None
        h = hashlib.sha1()
        for f in sorted(p.rglob("*")) if p.is_dir() else [p]:
            if f.is_file() and ".git" not in f.parts:
                h.update(str(f.relative_to(p)).encode() + b"\0" + f.read_bytes())
        return h.hexdigest()
