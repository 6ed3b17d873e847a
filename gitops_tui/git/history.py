"""`git log -- <paths>` and `git show` for the commits that touched an app.

The walk follows git's default history simplification: newest commit date first, a
commit shows when its path object ids differ from its parent's (a root commit when it
has the paths at all), and a merge that takes the paths unchanged from one parent is
hidden while only that parent is followed. Comparing object ids is cheap; line counts
are computed only for the commits in the returned page.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pygit2

from gitops_tui.source import norm

if TYPE_CHECKING:
    from gitops_tui.git.repo import GitRepo


@dataclass
class FileChange:
    path: str
    status: str  # git's letters: A added, D deleted, M modified, T type changed
    additions: int
    deletions: int


@dataclass
class CommitInfo:
    sha: str
    author_name: str
    author_email: str
    author_time: dt.datetime
    committer_name: str
    committer_email: str
    commit_time: dt.datetime
    message: str
    parents: list[str] = field(default_factory=list)
    files: list[FileChange] = field(default_factory=list)

    @property
    def short(self) -> str:
        return self.sha[:8]

    @property
    def subject(self) -> str:
        return self.message.split("\n", 1)[0].strip()

    # The names the CLI and the history screen read.
    @property
    def authored_at(self) -> dt.datetime:
        return self.author_time

    @property
    def committed_at(self) -> dt.datetime:
        return self.commit_time


def _paths(paths: list[str] | tuple[str, ...] | None) -> tuple[str, ...]:
    """Normalized, de-duplicated paths; () means the whole repository."""
    out = tuple(dict.fromkeys(norm(p) for p in paths or ()))
    return () if not out or "" in out else out


def _under(path: str, paths: tuple[str, ...]) -> bool:
    return not paths or any(path == p or path.startswith(p + "/") for p in paths)


def _walk(pygit: pygit2.Repository, tip: str, paths: tuple[str, ...]) -> Iterator[pygit2.Commit]:
    """The commits `git log <tip> -- <paths>` shows, in the same order."""
    heap: list[tuple[int, int, pygit2.Oid]] = []
    order = itertools.count()  # ties on commit time pop first-in first-out, as in git
    seen: set[pygit2.Oid] = set()
    ids: dict[pygit2.Oid, tuple[pygit2.Oid | None, ...]] = {}

    def push(oid: pygit2.Oid) -> None:
        if oid not in seen:
            seen.add(oid)
            heapq.heappush(heap, (-pygit[oid].commit_time, next(order), oid))

    def path_ids(oid: pygit2.Oid) -> tuple[pygit2.Oid | None, ...]:
        got = ids.get(oid)
        if got is None:
            tree = pygit[oid].tree
            got = tuple(_entry_id(tree, p) for p in paths)
            ids[oid] = got
        return got

    push(pygit2.Oid(hex=tip))
    while heap:
        oid = heapq.heappop(heap)[2]
        commit = pygit[oid]
        parents = commit.parent_ids
        if not paths:
            yield commit
            for p in parents:
                push(p)
            continue
        mine = path_ids(oid)
        if not parents:
            if any(i is not None for i in mine):
                yield commit
            continue
        same = next((p for p in parents if path_ids(p) == mine), None)
        if same is None:
            yield commit
            for p in parents:
                push(p)
        else:
            # Unchanged relative to this parent: hide the commit and follow only the
            # parent the paths came from (for a merge, the other sides did not matter).
            push(same)


def _entry_id(tree: pygit2.Tree, path: str) -> pygit2.Oid | None:
    try:
        return tree[path].id
    except KeyError:
        return None


def _when(seconds: int, offset_minutes: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, dt.timezone(dt.timedelta(minutes=offset_minutes)))


def _diff(commit: pygit2.Commit) -> pygit2.Diff:
    """The commit against its first parent (a root commit against the empty tree)."""
    if commit.parents:
        return commit.parents[0].tree.diff_to_tree(commit.tree)
    return commit.tree.diff_to_tree(swap=True)


def _patches(diff: pygit2.Diff, paths: tuple[str, ...]) -> Iterator[pygit2.Patch]:
    for i, delta in enumerate(diff.deltas):
        path = delta.new_file.path or delta.old_file.path
        if _under(path, paths):
            patch = diff[i]
            if patch is not None:
                yield patch


def _files(commit: pygit2.Commit, paths: tuple[str, ...]) -> list[FileChange]:
    files = []
    for patch in _patches(_diff(commit), paths):
        delta = patch.delta
        _, additions, deletions = patch.line_stats
        files.append(
            FileChange(
                delta.new_file.path or delta.old_file.path,
                delta.status_char(),
                additions,
                deletions,
            )
        )
    return files


def _info(commit: pygit2.Commit, paths: tuple[str, ...]) -> CommitInfo:
    author, committer = commit.author, commit.committer
    return CommitInfo(
        sha=str(commit.id),
        author_name=author.name,
        author_email=author.email,
        author_time=_when(author.time, author.offset),
        committer_name=committer.name,
        committer_email=committer.email,
        commit_time=_when(committer.time, committer.offset),
        message=commit.message,
        parents=[str(p) for p in commit.parent_ids],
        files=_files(commit, paths),
    )


def log(
    repo: GitRepo, rev: str, paths: list[str], skip: int = 0, limit: int = 50
) -> list[CommitInfo]:
    """`git log --skip=<skip> --max-count=<limit> <rev> -- <paths>`, newest first."""
    if limit <= 0:
        return []
    tip = repo.resolve(rev)
    wanted = _paths(paths)
    start = max(skip, 0)
    page = list(itertools.islice(_walk(repo.pygit, tip, wanted), start, start + limit))
    return [_info(c, wanted) for c in page]


def patch(repo: GitRepo, sha: str, paths: list[str]) -> str:
    """The unified patch of a commit against its first parent, limited to ``paths``."""
    commit = repo.commit(sha)
    wanted = _paths(paths)
    return "".join(p.text or "" for p in _patches(_diff(commit), wanted))


def commit_files(repo: GitRepo, sha: str) -> list[FileChange]:
    """Every file a commit changed (against its first parent), with +/- counts."""
    with repo.lock:
        return _files(repo.commit(sha), ())
