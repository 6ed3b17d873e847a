"""The Git layer: a private bare clone, history, revert and push, and credentials."""

from gitops_tui.git.credentials import AuthenticationFailed, NoKeyring, strip_credentials
from gitops_tui.git.history import CommitInfo, FileChange
from gitops_tui.git.repo import GitRepo, GitTree
from gitops_tui.git.revert import Identity, NeedsMainline, PushRejected, RevertConflict

__all__ = [
    "AuthenticationFailed",
    "CommitInfo",
    "FileChange",
    "GitRepo",
    "GitTree",
    "Identity",
    "NeedsMainline",
    "NoKeyring",
    "PushRejected",
    "RevertConflict",
    "strip_credentials",
]
