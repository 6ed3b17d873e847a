"""Real repositories for the Git layer: a work repo with several authors and a bare origin.

Every test runs with an empty HOME and Git configuration (for the `git` CLI and for
libgit2), no credentials in the environment and no OS keyring, so nothing on the
machine leaks in and nothing is written outside the test's temporary directory.
"""

from __future__ import annotations

import itertools
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import keyring
import keyring.backend
import pygit2
import pytest
from jaraco.classes import properties
from keyring.backends import fail
from pygit2.enums import ConfigLevel

from gitops_tui.git.revert import Identity

from .httpremote import GitHttpServer


@dataclass(frozen=True)
class Author:
    name: str
    email: str


ALICE = Author("Alice Adams", "alice@example.com")
BOB = Author("Bob Brown", "bob@example.com")
CAROL = Author("Carol Chen", "carol@example.com")
REVERTER = Identity("Rita Reverter", "rita@example.com")

# Commit times strictly increase across every repository of a run, so that the
# newest-first order of `git log` is never decided by a tie.
_clock = itertools.count(1_700_000_000, 60)

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: {replicas}
  template:
    spec:
      containers:
        - name: web
          image: nginx:{tag}
"""


def deployment(replicas: int = 2, tag: str = "1.25") -> str:
    return DEPLOYMENT.format(replicas=replicas, tag=tag)


def git_env(author: Author = ALICE, when: int | None = None) -> dict[str, str]:
    stamp = f"@{when if when is not None else next(_clock)} +0000"
    # Hermetic even outside the per-test environment (module-scoped fixtures).
    return {
        "GIT_CONFIG_GLOBAL": os.devnull,
        **os.environ,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": author.name,
        "GIT_AUTHOR_EMAIL": author.email,
        "GIT_COMMITTER_NAME": author.name,
        "GIT_COMMITTER_EMAIL": author.email,
        "GIT_AUTHOR_DATE": stamp,
        "GIT_COMMITTER_DATE": stamp,
    }


def git(cwd: Path, *args: str, author: Author = ALICE, check: bool = True) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd, env=git_env(author), capture_output=True, text=True
    )
    if check and done.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout.strip()


class WorkRepo:
    """A non-bare repository an operator would work in."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def init(cls, path: Path) -> WorkRepo:
        path.mkdir(parents=True)
        git(path, "init", "--quiet", "--initial-branch=main")
        return cls(path)

    @classmethod
    def clone(cls, origin: Path, path: Path) -> WorkRepo:
        git(origin.parent, "clone", "--quiet", str(origin), str(path))
        return cls(path)

    def git(self, *args: str, author: Author = ALICE, check: bool = True) -> str:
        return git(self.path, *args, author=author, check=check)

    def write(self, files: dict[str, str | None]) -> None:
        for name, text in files.items():
            target = self.path / name
            if text is None:
                target.unlink()
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)

    def commit(self, message: str, files: dict[str, str | None], author: Author = ALICE) -> str:
        self.write(files)
        self.git("add", "--all")
        self.git("commit", "--quiet", "--allow-empty", "-m", message, author=author)
        return self.head()

    def head(self, rev: str = "HEAD") -> str:
        return self.git("rev-parse", rev)

    def push(self, *refs: str) -> None:
        self.git("push", "--quiet", "origin", *(refs or ("main",)))


@dataclass
class Sample:
    """The shared history: who changed what, by commit sha."""

    work: WorkRepo
    origin: Path
    shas: dict[str, str]


def build_sample(root: Path) -> Sample:
    work = WorkRepo.init(root / "work")
    shas = {
        "init": work.commit(
            "Initial layout",
            {
                "README.md": "# platform\n",
                "apps/web/deployment.yaml": deployment(),
                "apps/web/service.yaml": "kind: Service\nmetadata:\n  name: web\n",
                "apps/db/statefulset.yaml": "kind: StatefulSet\nmetadata:\n  name: db\n",
            },
        ),
        "web-scale": work.commit(
            "web: scale to 3", {"apps/web/deployment.yaml": deployment(3)}, BOB
        ),
        "db-label": work.commit(
            "db: add a label",
            {
                "apps/db/statefulset.yaml": "kind: StatefulSet\nmetadata:\n  name: db\n  labels: {}\n"
            },
            CAROL,
        ),
        "readme": work.commit("Describe the repo", {"README.md": "# platform\n\nApps.\n"}),
        "web-image": work.commit(
            "web: nginx 1.27\n\nSecurity fixes.",
            {"apps/web/deployment.yaml": deployment(3, "1.27")},
            BOB,
        ),
        "both": work.commit(
            "web and db: one change",
            {
                "apps/web/service.yaml": "kind: Service\nmetadata:\n  name: web\n  labels: {}\n",
                "apps/db/statefulset.yaml": "kind: StatefulSet\nmetadata:\n  name: db2\n",
            },
            CAROL,
        ),
        "web-config": work.commit(
            "web: add a config map", {"apps/web/config.yaml": "kind: ConfigMap\n"}, ALICE
        ),
    }
    work.git("tag", "v1", shas["web-image"])
    work.git("tag", "-a", "v1-annotated", "-m", "release", shas["readme"])
    origin = root / "origin.git"
    git(root, "clone", "--quiet", "--bare", str(work.path), str(origin))
    work.git("remote", "add", "origin", str(origin))
    work.git("fetch", "--quiet", "origin")
    work.git("branch", "--quiet", "--set-upstream-to=origin/main", "main")
    return Sample(work, origin, shas)


# ---- an isolated environment --------------------------------------------------------
class MemoryKeyring(keyring.backend.KeyringBackend):
    """A real keyring backend that keeps passwords in a dict."""

    @properties.classproperty
    def priority(cls) -> float:
        # Not viable for automatic selection: only ever installed by set_keyring().
        raise RuntimeError("installed explicitly")

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.passwords.pop((service, username), None)


@pytest.fixture(autouse=True)
def isolated_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    monkeypatch.setenv("GIT_TERMINAL_PROMPT", "0")
    for name in (
        "GITOPS_TUI_GIT_USERNAME",
        "GITOPS_TUI_GIT_TOKEN",
        "GIT_AUTHOR_NAME",
        "GIT_AUTHOR_EMAIL",
        "GIT_COMMITTER_NAME",
        "GIT_COMMITTER_EMAIL",
        "GIT_DIR",
        "GIT_WORK_TREE",
        "SSH_AUTH_SOCK",
    ):
        monkeypatch.delenv(name, raising=False)
    # libgit2 reads its global, XDG and system configuration from these directories:
    # the global one is the same ~/.gitconfig that `git config --global` writes.
    empty = tmp_path / "no-config"
    empty.mkdir()
    dirs = {ConfigLevel.GLOBAL: home, ConfigLevel.XDG: empty, ConfigLevel.SYSTEM: empty}
    saved_paths = {level: pygit2.settings.search_path[level] for level in dirs}
    for level, path in dirs.items():
        pygit2.settings.search_path[level] = str(path)
    # No OS keyring unless a test installs one.
    saved_keyring = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        yield home
    finally:
        keyring.set_keyring(saved_keyring)
        for level, path in saved_paths.items():
            pygit2.settings.search_path[level] = path


@pytest.fixture
def memory_keyring() -> MemoryKeyring:
    backend = MemoryKeyring()
    keyring.set_keyring(backend)  # isolated_git restores the previous backend
    return backend


@pytest.fixture
def sample(tmp_path: Path) -> Sample:
    return build_sample(tmp_path / "repos")


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


@pytest.fixture
def http_server(tmp_path: Path) -> Iterator[GitHttpServer]:
    root = tmp_path / "served"
    root.mkdir()
    server = GitHttpServer(
        root, {"alice": "s3cret-Token-4f9a"}, tokens=("ghp-AsUserName-8d2e",)
    ).start()
    try:
        yield server
    finally:
        server.stop()
