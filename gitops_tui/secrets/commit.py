"""Commit one changed file to the private bare clone and push it, without a checkout.

The new tree is the branch tip's tree with one blob replaced (every tree on the way
rebuilt); the branch ref moves only once the commit exists and only from the tip it
was built on. A refused or failed push puts the local branch back, so nothing
half-written stays in the clone.
"""

from __future__ import annotations

from collections.abc import Iterable

import pygit2
from pygit2.enums import FileMode

from gitops_tui.errors import GitError
from gitops_tui.git.repo import GitRepo
from gitops_tui.git.revert import Identity, PushRejected, push
from gitops_tui.source import norm


class FileChanged(GitError):
    """The file moved on at the branch tip since it was read: edit it again."""


def secrets_message(namespace: str | None, name: str, keys: Iterable[str]) -> str:
    listed = ", ".join(sorted(keys))
    return f"secrets: update {namespace or '-'}/{name}" + (f" (keys: {listed})" if listed else "")


def blob_id(repo: GitRepo, path: str, rev: str | None = None) -> str | None:
    """The blob id of `path` at `rev` (default: the local branch tip), None if absent."""
    return repo.tree(rev or repo.branch).tree_id(path)


def _with_blob(
    repo: pygit2.Repository, tree: pygit2.Tree | None, parts: list[str], blob: pygit2.Oid
) -> pygit2.Oid:
    builder = repo.TreeBuilder(tree) if tree is not None else repo.TreeBuilder()
    head, rest = parts[0], parts[1:]
    existing = tree[head] if tree is not None and head in tree else None
    if not rest:
        if isinstance(existing, pygit2.Tree):
            raise GitError(f"{head} is a directory, not a file")
        # Keep an executable bit; a new file is a plain blob.
        mode = existing.filemode if existing is not None else FileMode.BLOB
        builder.insert(head, blob, mode)
    else:
        if existing is not None and not isinstance(existing, pygit2.Tree):
            raise GitError(f"{head} is a file, not a directory")
        builder.insert(head, _with_blob(repo, existing, rest, blob), FileMode.TREE)
    return builder.write()


def commit_file(
    repo: GitRepo,
    path: str,
    content: bytes,
    message: str,
    *,
    identity: Identity | None = None,
    expected_blob: str | None = None,
) -> str:
    """Commit `content` at `path` on the local branch; the new commit's sha.

    With `expected_blob` (the blob the edit started from), a file changed at the tip
    since then is refused with FileChanged instead of being overwritten.
    """
    parts = [p for p in norm(path).split("/") if p]
    if not parts:
        raise GitError(f"not a file path: {path!r}")
    with repo.lock:
        who = identity or repo.identity()
        if who is None:
            raise GitError(
                "no author for the commit: set `git config --global user.name` "
                "and `git config --global user.email`"
            )
        pg = repo.pygit
        ref_name = f"refs/heads/{repo.branch}"
        tip = pg.references[ref_name].peel(pygit2.Commit)
        current = repo.tree(str(tip.id)).tree_id(path)
        if expected_blob is not None and current != expected_blob:
            raise FileChanged(
                f"{norm(path)} changed on {repo.branch} since it was opened; open it again"
            )
        tree = _with_blob(pg, tip.tree, parts, pg.create_blob(content))
        if tree == tip.tree_id:
            raise GitError(f"{norm(path)} is unchanged: nothing to commit")
        signature = pygit2.Signature(who.name, who.email)
        new = pg.create_commit(None, signature, signature, message, tree, [tip.id])
        ref = pg.references[ref_name]
        if ref.target != tip.id:
            raise GitError(f"{repo.branch} moved while the commit was being made; try again")
        ref.set_target(new, f"gitops-tui: {message.splitlines()[0]}")
        return str(new)


def commit_and_push(
    repo: GitRepo,
    path: str,
    content: bytes,
    message: str,
    *,
    identity: Identity | None = None,
    expected_blob: str | None = None,
) -> str:
    """commit_file, then push; on any push failure the local branch goes back.

    PushRejected (someone pushed first) also fetches, so the clone shows the remote's
    new tip, and is raised again for the caller to reload and retry.
    """
    with repo.lock:
        ref_name = f"refs/heads/{repo.branch}"
        before = repo.pygit.references[ref_name].target
        sha = commit_file(
            repo, path, content, message, identity=identity, expected_blob=expected_blob
        )
        try:
            push(repo)
        except PushRejected:
            repo.pygit.references.create(ref_name, before, force=True)
            repo.fetch()
            raise
        except BaseException:
            repo.pygit.references.create(ref_name, before, force=True)
            raise
        return sha


def commit_sealed_secret(
    repo: GitRepo,
    path: str,
    content: bytes,
    *,
    namespace: str | None,
    name: str,
    keys: Iterable[str],
    identity: Identity | None = None,
    expected_blob: str | None = None,
) -> str:
    """Commit and push a SealedSecret file: `secrets: update <ns>/<name> (keys: a, b)`."""
    return commit_and_push(
        repo,
        path,
        content,
        secrets_message(namespace, name, keys),
        identity=identity,
        expected_blob=expected_blob,
    )
