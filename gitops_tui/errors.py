"""Typed errors, rendered once at the edge (a CLI line, a TUI notification)."""

from __future__ import annotations

from dataclasses import dataclass


class GitOpsError(Exception):
    """Base of every error that the operator should read as one clear line."""


@dataclass
class SourceError(GitOpsError):
    """A problem in the Git source: a file, and where known a line."""

    file: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


class RenderError(SourceError):
    """The manifests at a path could not be rendered."""


class GitError(GitOpsError):
    """A Git operation failed; the message names the remote or ref involved."""
