"""`git revert` and `git push`, in memory on the private bare clone.

The revert commit is built from an in-memory index on top of the local branch tip
(which `GitRepo.fetch` resets to the remote's tip); the branch ref moves only when the
commit exists, so a conflict or a refusal leaves the clone exactly as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pygit2

from gitops_tui.errors import GitError
from gitops_tui.git.credentials import network_error

if TYPE_CHECKING:
    from gitops_tui.git.repo import GitRepo, GitTree


@dataclass(frozen=True)
class Identity:
    name: str
    email: str


class RevertConflict(GitError):
    """Reverting the commit conflicts with later changes to the same lines."""

    def __init__(self, sha: str, paths: list[str]) -> None:
        self.sha = sha
        self.paths = paths
        super().__init__(
            f"reverting {sha[:8]} conflicts with later changes in {', '.join(paths)}; "
            "revert it by hand (git revert) and resolve the conflict"
        )


class NeedsMainline(GitError):
    """A merge commit can only be reverted relative to one of its parents."""

    def __init__(self, sha: str, parents: list[tuple[int, str, str]]) -> None:
        self.sha = sha
        self.parents = parents  # (1-based number, sha, subject)
        listed = "; ".join(f"{n} = {p[:8]} {subject!r}" for n, p, subject in parents)
        super().__init__(
            f"{sha[:8]} is a merge commit: choose the parent whose side to keep "
            f"(mainline) — {listed}"
        )


class PushRejected(GitError):
    """The remote refused the push because its branch moved on (someone pushed first)."""

    def __init__(self, remote_url: str, branch: str, reason: str) -> None:
        self.remote_url = remote_url
        self.branch = branch
        self.reason = reason
        super().__init__(
            f"push to {remote_url} rejected ({reason}): someone pushed to {branch} first; "
            "fetch and revert again"
        )


def _subject(commit: pygit2.Commit) -> str:
    return commit.message.split("\n", 1)[0].strip()


def revert_message(commit: pygit2.Commit) -> str:
    return f'Revert "{_subject(commit)}"\n\nThis reverts commit {commit.id}.\n'


def _check_mainline(target: pygit2.Commit, mainline: int | None) -> None:
    full = str(target.id)
    parents = target.parents
    if len(parents) > 1:
        if mainline is None:
            listed = [(i, str(p.id), _subject(p)) for i, p in enumerate(parents, 1)]
            raise NeedsMainline(full, listed)
        if not 1 <= mainline <= len(parents):
            raise GitError(
                f"{full[:8]} has {len(parents)} parents: mainline must be 1 to {len(parents)}"
            )
    elif mainline is not None:
        raise GitError(f"mainline was given but {full[:8]} is not a merge commit")


def _revert_index(repo: GitRepo, target: pygit2.Commit, ours: pygit2.Commit, mainline: int | None):
    index = repo.pygit.revert_commit(target, ours, mainline or 0)
    if index.conflicts is not None:
        paths = sorted({e.path for entries in index.conflicts for e in entries if e is not None})
        raise RevertConflict(str(target.id), paths)
    return index.write_tree(repo.pygit)


def revert_tree(repo: GitRepo, sha: str, mainline: int | None = None) -> GitTree:
    """The branch tip's tree with ``sha`` undone, made in memory: the revert preview."""
    from gitops_tui.git.repo import GitTree

    with repo.lock:
        target = repo.commit(sha)
        _check_mainline(target, mainline)
        ours = repo.pygit.references[f"refs/heads/{repo.branch}"].peel(pygit2.Commit)
        return GitTree(
            repo.pygit[_revert_index(repo, target, ours, mainline)],
            f"the revert of commit {target.id}",
        )


def revert(
    repo: GitRepo, sha: str, identity: Identity | None = None, mainline: int | None = None
) -> str:
    """Commit the revert of ``sha`` on the local branch; the new commit's sha."""
    with repo.lock:
        target = repo.commit(sha)
        full = str(target.id)
        _check_mainline(target, mainline)
        who = identity or repo.identity()
        if who is None:
            raise GitError(
                "no author for the revert commit: set `git config --global user.name` "
                "and `git config --global user.email`"
            )

        branch_ref = repo.pygit.references[f"refs/heads/{repo.branch}"]
        ours = branch_ref.peel(pygit2.Commit)
        tree = _revert_index(repo, target, ours, mainline)
        if tree == ours.tree_id:
            raise GitError(f"reverting {full[:8]} changes nothing on {repo.branch}: already undone")

        signature = pygit2.Signature(who.name, who.email)
        new = repo.pygit.create_commit(
            None, signature, signature, revert_message(target), tree, [ours.id]
        )
        # Only now does the branch move, and only from the tip the revert was built on.
        current = repo.pygit.references[branch_ref.name]
        if current.target != ours.id:
            raise GitError(f"{repo.branch} moved while the revert was being made; try again")
        current.set_target(new, f"gitops-tui: revert {full[:12]}")
        return str(new)


_MOVED_ON = (
    "fast-forward",
    "fetch first",
    "stale info",
    "failed to update ref",
    "cannot lock ref",
)


def push(repo: GitRepo) -> None:
    """Push the local branch to origin; PushRejected when the remote moved on."""
    with repo.lock:
        ref = f"refs/heads/{repo.branch}"
        local = repo.pygit.references[ref].target
        callbacks = repo.callbacks()
        remote = repo.pygit.remotes["origin"]
        try:
            remote.push([f"{ref}:{ref}"], callbacks=callbacks)
        except pygit2.GitError as e:
            text = callbacks.scrub(str(e))
            lowered = text.lower()
            if "fastforward" in lowered or "fast-forward" in lowered or "not present" in lowered:
                raise PushRejected(repo.remote_url, repo.branch, "non-fast-forward") from None
            raise network_error(e, callbacks, "pushing to") from None
        reason = callbacks.rejected.get(ref)
        if reason is not None:
            lowered = reason.lower()
            # A ref that moved between the advertisement and the update is a lost race
            # with another push: the server reports a failed update or lock, not non-ff.
            if any(w in lowered for w in _MOVED_ON):
                raise PushRejected(repo.remote_url, repo.branch, reason)
            raise GitError(f"{repo.remote_url} refused the push to {repo.branch}: {reason}")
        # What origin has now, so that resolving the branch sees the pushed commit.
        repo.pygit.references.create(f"refs/remotes/origin/{repo.branch}", local, force=True)
