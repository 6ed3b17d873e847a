"""The private bare clone that every read, history walk and revert goes through.

The operator's own clone is never touched: the source (a URL or a local path) is
fetched into ``<cache>/<name>-<hash>``, a bare repository owned by gitops-tui, and
trees are read straight from its object database without any checkout.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import threading
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pygit2
from pygit2.enums import FetchPrune, Option

from gitops_tui.errors import GitError, SourceError
from gitops_tui.git.credentials import Callbacks, Remote, is_url, network_error, parse_remote
from gitops_tui.git.revert import Identity
from gitops_tui.redact import MASK, strip_credentials
from gitops_tui.source import Entry, norm, unsafe_name

REMOTE = "origin"
FETCH_REFSPECS = [f"+refs/heads/*:refs/remotes/{REMOTE}/*", "+refs/tags/*:refs/tags/*"]
_REV_SUFFIX = re.compile(r"[~^@:]")
# By default libgit2 waits for ever on a remote that stops answering: a fetch would hang
# holding the clone's lock (no revert, no history, no later fetch). With these it fails,
# naming the remote, and the next fetch tries again.
CONNECT_TIMEOUT = 10.0  # seconds
READ_TIMEOUT = 30.0  # seconds without a byte from the remote


def set_network_timeouts(connect: float = CONNECT_TIMEOUT, read: float = READ_TIMEOUT) -> None:
    """For every remote of the process (libgit2's settings are global)."""
    pygit2.option(Option.SET_SERVER_CONNECT_TIMEOUT, int(connect * 1000))
    pygit2.option(Option.SET_SERVER_TIMEOUT, int(read * 1000))


set_network_timeouts()


class GitTree:
    """A `SourceTree` over one Git tree object (a commit's root tree).

    `origin` says where the tree comes from ("commit <sha>"), for errors.
    """

    def __init__(self, root: pygit2.Tree, origin: str = "") -> None:
        self.root = root  # keeps its repository alive
        self.origin = origin or f"tree {root.id}"

    def _obj(self, path: str) -> pygit2.Object | None:
        p = norm(path)
        if not p:
            return self.root
        try:
            return self.root[p]
        except (KeyError, ValueError):
            return None

    def exists(self, path: str) -> bool:
        return isinstance(self._obj(path), (pygit2.Blob, pygit2.Tree))

    def is_dir(self, path: str) -> bool:
        return isinstance(self._obj(path), pygit2.Tree)

    def read(self, path: str) -> bytes:
        obj = self._obj(path)
        if not isinstance(obj, pygit2.Blob):
            raise FileNotFoundError(norm(path))
        return obj.data

    def listdir(self, path: str) -> list[Entry]:
        obj = self._obj(path)
        if obj is None:
            raise FileNotFoundError(norm(path))
        if not isinstance(obj, pygit2.Tree):
            raise NotADirectoryError(norm(path))
        # Git orders a tree's entries as if directory names ended in '/': re-sort by name.
        # Submodule entries (commits) have no content here and are left out.
        entries = [
            Entry(e.name, isinstance(e, pygit2.Tree))
            for e in obj
            if e.name is not None and isinstance(e, (pygit2.Blob, pygit2.Tree))
        ]
        for e in entries:
            # Every reader lists through here: a crafted name never reaches a path join.
            if why := unsafe_name(e.name):
                raise SourceError(
                    norm(path) or ".",
                    f"{self.origin} holds a tree entry named {e.name!r} ({why}); "
                    "this tree is not read",
                )
        return sorted(entries, key=lambda e: e.name)

    def tree_id(self, path: str) -> str | None:
        obj = self._obj(path)
        return str(obj.id) if isinstance(obj, (pygit2.Blob, pygit2.Tree)) else None


def _source_url(source: str | Path) -> str:
    text = str(source)
    path = Path(text).expanduser()
    if path.exists():
        return str(path.resolve())
    if isinstance(source, str) and is_url(text):
        try:
            urlsplit(text)  # a stray bracket in the host: "Invalid IPv6 URL"
        except ValueError as e:
            shown = re.sub(r"//[^/@]*@", "//", text)  # never a password in an error
            raise GitError(f"not a valid repository URL {shown!r}: {e}") from None
        return text
    # Neither: it may still be a URL mistyped around its credentials (``token@host/x``).
    shown = strip_credentials(text)
    head, slash, tail = shown.partition("/")
    if "@" in head and "://" not in shown:
        shown = f"{MASK}@{head.rsplit('@', 1)[1]}{slash}{tail}"
    raise GitError(f"no Git repository at {shown!r}: not a URL and no such path")


def _fetch(pygit: pygit2.Repository, callbacks: Callbacks, doing: str) -> None:
    remote = pygit.remotes[REMOTE]
    try:
        remote.fetch(callbacks=callbacks, prune=FetchPrune.PRUNE, message="gitops-tui: fetch")
    except pygit2.GitError as e:
        raise network_error(e, callbacks, doing) from None
    # The ref advertisement outlives the fetch: keep the remote's HEAD (its default branch).
    try:
        heads = remote.list_heads(connect=False)
    except pygit2.GitError:
        return
    for head in heads:
        target = head.symref_target
        if head.name == "HEAD" and target and target.startswith("refs/heads/"):
            tracking = f"refs/remotes/{REMOTE}/{target.removeprefix('refs/heads/')}"
            if tracking in pygit.references:
                pygit.references.create(f"refs/remotes/{REMOTE}/HEAD", tracking, force=True)


def _clone(remote: Remote, path: Path) -> None:
    """Fetch into a bare repository next to its final place, then move it in: a clone
    that fails half-way never looks like a usable one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{uuid.uuid4().hex[:8]}.tmp"
    try:
        pygit = pygit2.init_repository(str(tmp), bare=True)
        # The URL as shown: with no user info (the callbacks give it from memory) and a
        # query's values masked (libgit2 sends no query string, so none is lost).
        pygit.remotes.create(REMOTE, remote.shown, FETCH_REFSPECS[0])
        pygit.remotes.add_fetch(REMOTE, FETCH_REFSPECS[1])
        _fetch(pygit, Callbacks(remote), "cloning")
        pygit.free()
        try:
            os.rename(tmp, path)
        except OSError:
            if not path.exists():  # else another process won the race: use its clone
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _clone_name(url: str) -> str:
    """``<last path part>-<hash of the URL>``: readable, and distinct per source."""
    tail = re.split(r"[/:]", url.rstrip("/"))[-1] or "repo"
    tail = re.sub(r"\.git$", "", tail)
    tail = re.sub(r"[^A-Za-z0-9._-]+", "-", tail).strip(".-") or "repo"
    digest = hashlib.sha256(url.encode()).hexdigest()[:12]
    return f"{tail[:40]}-{digest}"


class GitRepo:
    def __init__(self, pygit: pygit2.Repository, remote: Remote, branch: str) -> None:
        self.pygit = pygit
        self.path = Path(pygit.path).resolve()
        self.branch = branch
        self._remote = remote  # its credentials stay in memory, never in the clone
        self.remote_url = remote.shown
        # Fetch, revert and push move refs: one at a time per clone.
        self.lock = threading.RLock()

    # ---- opening --------------------------------------------------------------------
    @classmethod
    def open(cls, source: str | Path, cache_dir: Path, branch: str | None = None) -> GitRepo:
        remote = parse_remote(_source_url(source))
        path = Path(cache_dir) / _clone_name(remote.shown)
        fresh = not path.exists()
        if fresh:
            _clone(remote, path)
        try:
            pygit = pygit2.Repository(str(path))
        except pygit2.GitError as e:
            raise GitError(f"the private clone at {path} is unreadable ({e}); delete it") from e
        repo = cls(pygit, remote, branch or "")
        if fresh:
            with repo.lock:
                repo._settle()  # the clone has just fetched everything
            return repo
        if pygit.remotes[REMOTE].url != remote.shown:  # a clone made with a token in it
            pygit.remotes.set_url(REMOTE, remote.shown)
        repo.fetch()
        return repo

    # ---- fetching -------------------------------------------------------------------
    def fetch(self) -> str:
        """Fetch origin and reset the local branch to the remote's tip; its sha."""
        with self.lock:
            _fetch(self.pygit, self.callbacks(), "fetching")
            return self._settle()

    def _settle(self) -> str:
        """Point the local branch (and HEAD) at the remote-tracking tip; its sha."""
        if not self.branch:
            self.branch = self._default_branch()
        ref = self.pygit.references.get(f"refs/remotes/{REMOTE}/{self.branch}")
        if ref is None:
            have = ", ".join(self.remote_branches()) or "none"
            raise GitError(
                f"branch {self.branch!r} not found on {self.remote_url} (branches: {have})"
            )
        tip = ref.target
        self.pygit.references.create(f"refs/heads/{self.branch}", tip, force=True)
        self.pygit.set_head(f"refs/heads/{self.branch}")
        return str(tip)

    def _default_branch(self) -> str:
        head = self.pygit.references.get(f"refs/remotes/{REMOTE}/HEAD")
        if (
            head is not None
            and isinstance(head.target, str)
            and head.target in self.pygit.references
        ):
            return head.target.removeprefix(f"refs/remotes/{REMOTE}/")
        return self._guess_branch()

    def _guess_branch(self) -> str:
        branches = self.remote_branches()
        for name in ("main", "master"):
            if name in branches:
                return name
        if len(branches) == 1:
            return branches[0]
        if not branches:
            raise GitError(f"{self.remote_url} has no branches (an empty repository?)")
        raise GitError(
            f"cannot tell the default branch of {self.remote_url}; "
            f"choose one with --branch ({', '.join(branches)})"
        )

    def remote_branches(self) -> list[str]:
        prefix = f"refs/remotes/{REMOTE}/"
        return sorted(
            r.removeprefix(prefix)
            for r in self.pygit.references
            if r.startswith(prefix) and r != f"{prefix}HEAD"
        )

    # ---- reading ----------------------------------------------------------------------
    def resolve(self, rev: str) -> str:
        """The full sha of a revision: a branch (remote-tracking first), a tag, a sha,
        ``HEAD`` or any of those followed by ``~n``/``^n``."""
        rev = rev.strip()
        m = _REV_SUFFIX.search(rev)
        base, suffix = (rev[: m.start()], rev[m.start() :]) if m else (rev, "")
        try:
            oid = self._resolve_name(base) if base else None
            if oid is None:
                obj = self.pygit.revparse_single(rev)
            elif suffix:
                obj = self.pygit.revparse_single(f"{oid}{suffix}")
            else:
                obj = self.pygit[oid]
            return str(obj.peel(pygit2.Commit).id)
        except (KeyError, ValueError, pygit2.GitError, pygit2.InvalidSpecError):
            raise GitError(f"unknown revision {rev!r} in {self.remote_url}") from None

    def _resolve_name(self, name: str) -> pygit2.Oid | None:
        if name == "HEAD":
            name = self.branch
        refs = self.pygit.references
        for full in (f"refs/remotes/{REMOTE}/{name}", f"refs/heads/{name}", f"refs/tags/{name}"):
            ref = refs.get(full)
            if ref is not None:
                return ref.resolve().target
        if name.startswith("refs/") and (ref := refs.get(name)) is not None:
            return ref.resolve().target
        return None

    def callbacks(self) -> Callbacks:
        """Fresh callbacks (credentials, push results) for one network operation."""
        return Callbacks(self._remote)

    def commit(self, rev: str) -> pygit2.Commit:
        return self.pygit[self.resolve(rev)].peel(pygit2.Commit)

    def tree(self, rev: str) -> GitTree:
        commit = self.commit(rev)
        return GitTree(commit.tree, f"commit {commit.id}")

    def commit_subject(self, sha: str) -> str:
        return self.commit(sha).message.split("\n", 1)[0].strip()

    def identity(self) -> Identity | None:
        """The author for commits made here: git's own environment variables, then
        user.name/user.email of the clone's config, then the global config."""
        config = self.pygit.config
        name = os.environ.get("GIT_AUTHOR_NAME") or _config_value(config, "user.name")
        email = os.environ.get("GIT_AUTHOR_EMAIL") or _config_value(config, "user.email")
        if name and email:
            return Identity(name, email)
        return None

    def __repr__(self) -> str:
        return f"GitRepo({self.remote_url!r}, branch={self.branch!r}, path={str(self.path)!r})"


def _config_value(config: pygit2.Config, key: str) -> str | None:
    try:
        return config[key] or None
    except KeyError:
        return None
