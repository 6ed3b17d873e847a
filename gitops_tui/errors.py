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


class UnexpectedError(SourceError):
    """An exception the code did not foresee, caught at the edge of one app: it becomes
    that app's error (type and message on one line) instead of stopping the others."""


MESSAGE_MAX = 200  # characters of an unforeseen exception's message kept in its line


def one_line(e: BaseException) -> str:
    """`Type: message` on one line, cut short: what an operator reads of a bug."""
    msg = " ".join(str(e).split())
    if len(msg) > MESSAGE_MAX:
        msg = msg[: MESSAGE_MAX - 1] + "…"
    return f"{type(e).__name__}: {msg}" if msg else type(e).__name__


def unexpected(e: BaseException, where: str, line: int | None = None) -> UnexpectedError:
    """The app-level error for an unforeseen exception at `where` (a file or an app's
    path); its traceback goes to the debug log (`--debug`), never to the screen."""
    import logging

    logging.getLogger("gitops_tui").debug("unexpected error at %s", where, exc_info=e)
    return UnexpectedError(where or ".", f"unexpected {one_line(e)}", line)
