"""A repository never reaches outside itself.

Crafted tree entries ('../x'), paths that climb out of the repository, remote bases
and files, and our own environment: through the real readers (a private clone's
`GitTree`, the renderers, the CLI), with the real `kubectl kustomize` as the judge of
what kustomize itself refuses.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from gitops_tui.apps.discover import discover
from gitops_tui.cli import main
from gitops_tui.errors import RenderError, SourceError
from gitops_tui.git.repo import GitRepo, GitTree
from gitops_tui.render import render
from gitops_tui.render.kustomize.binary import find_binary, materialize
from gitops_tui.source import FsTree, PathOutsideRoot, norm

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Mallory",
    "GIT_AUTHOR_EMAIL": "mallory@example.com",
    "GIT_COMMITTER_NAME": "Mallory",
    "GIT_COMMITTER_EMAIL": "mallory@example.com",
    "HOME": "/nonexistent",
    "GIT_CONFIG_NOSYSTEM": "1",
    "PATH": os.environ.get("PATH", os.defpath),
}
CM = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n"
# A field only the kustomize binary renders: the build goes to the binary.
TO_BINARY = "replacements: []\n"
needs_binary = pytest.mark.skipif(find_binary() is None, reason="needs kustomize or kubectl")
needs_kubectl = pytest.mark.skipif(shutil.which("kubectl") is None, reason="needs kubectl")


def git(cwd: Path, *args: str, data: bytes | None = None) -> str:
    out = subprocess.run(
        ["git", *args], cwd=cwd, env=GIT_ENV, input=data, check=True, capture_output=True
    )
    return out.stdout.decode().strip()


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return root


def work_repo(root: Path, files: dict[str, str]) -> Path:
    """A work tree with `files` committed on main: the source a private clone follows."""
    write(root, files)
    git(root, "init", "--quiet", "--initial-branch=main")
    git(root, "add", "-A")
    git(root, "commit", "--quiet", "-m", "fleet")
    return root


def crafted_repo(root: Path, tree: dict) -> tuple[Path, str]:
    """A bare repository whose main branch holds `tree` exactly as given: nested dicts
    are folders, bytes are files, and names are written as they are (`hash-object
    --literally`, as a hostile push would). The repository and the commit's sha."""
    git(root.parent, "init", "--quiet", "--bare", "--initial-branch=main", str(root))

    def write_tree(node: dict) -> str:
        entries = []
        for name, value in node.items():
            if isinstance(value, dict):
                entries.append((name, b"40000", write_tree(value)))
            else:
                blob = git(root, "hash-object", "-w", "--stdin", data=value)
                entries.append((name, b"100644", blob))
        # Git's order: by name, a folder's name as if it ended in '/'.
        entries.sort(key=lambda e: e[0].encode() + (b"/" if e[1] == b"40000" else b""))
        raw = b"".join(
            mode + b" " + name.encode() + b"\0" + bytes.fromhex(sha) for name, mode, sha in entries
        )
        return git(root, "hash-object", "-t", "tree", "--literally", "-w", "--stdin", data=raw)

    sha = git(root, "commit-tree", write_tree(tree), "-m", "crafted")
    git(root, "update-ref", "refs/heads/main", sha)
    return root, sha


def head_tree(source: Path, cache: Path) -> GitTree:
    return GitRepo.open(source, cache / "repos").tree("main")


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(autouse=True)
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GITOPS_TUI_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def tmpdir_watched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The folder Python makes its temporary folders in, for this test alone."""
    watched = tmp_path / "tmp"
    watched.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(watched))
    return watched


APP = {
    "kustomization.yaml": ("resources:\n- cm.yaml\n" + TO_BINARY).encode(),
    "cm.yaml": CM.format(name="a").encode(),
}
GITOPS_YAML = b"apps:\n- name: app\n  path: app\n"


# ---- 1. crafted tree entries ----------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("../escaped", b"pwned\n"),
        ("../../escaped", b"pwned\n"),
        ("..", {"escaped": b"pwned\n"}),
    ],
    ids=["file ../escaped", "file ../../escaped", "folder .."],
)
@needs_binary
def test_a_crafted_entry_writes_nothing_outside_the_temporary_folder(
    tmp_path: Path, cache: Path, tmpdir_watched: Path, name: str, value
) -> None:
    # `escaped` at the root too: what a path read of '../escaped' finds once clamped.
    crafted = {"app": APP, "escaped": b"pwned\n", name: value}
    origin, sha = crafted_repo(tmp_path / "origin.git", crafted)
    tree = head_tree(origin, cache)
    error: Exception | None = None
    try:
        render(tree, "app")
    except Exception as e:  # judged below, once the folders are checked
        error = e
    # Nothing was written next to the temporary folders, nor above them.
    assert list(tmpdir_watched.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "origin.git", "tmp"]
    assert isinstance(error, SourceError)
    assert error.file == "."
    assert f"commit {sha}" in error.message and repr(name) in error.message


@pytest.mark.parametrize("name", [".", "..", "../x", "a\\b", "sub/x"])
def test_every_reader_refuses_an_unsafe_entry_naming_commit_and_path(
    tmp_path: Path, cache: Path, capsys, name: str
) -> None:
    crafted = {"app": {"cm.yaml": CM.format(name="a").encode(), name: b"x\n"}}
    if name in (".", ".."):
        crafted["app"][name] = {"x.yaml": CM.format(name="b").encode()}
    origin, sha = crafted_repo(tmp_path / "origin.git", {"gitops-tui.yaml": GITOPS_YAML, **crafted})
    tree = head_tree(origin, cache)
    for read in (
        lambda: render(tree, "app"),  # plain YAML
        lambda: tree.listdir("app"),
        lambda: discover(tree),
    ):
        with pytest.raises(SourceError) as info:
            read()
        assert (info.value.file, f"commit {sha}" in info.value.message) == ("app", True)
        assert repr(name) in info.value.message
    code, out, err = cli(capsys, "render", "app", "--repo", str(origin))
    assert (code, out) == (1, "")
    assert err.startswith("error: app: commit ") and sha in err and repr(name) in err
    assert "Traceback" not in err


def test_materialize_never_writes_outside_its_destination(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("mine\n")
    # A name git would not check out, on a real folder: refused.
    src = write(tmp_path / "src", {"ok.yaml": "a: 1\n", "a\\b": "x\n"})
    with pytest.raises(RenderError, match="a backslash"):
        materialize(FsTree(src), _fresh(tmp_path / "dest1"))
    # A destination that already holds a link out: the file is not written through it.
    dest = _fresh(tmp_path / "dest2")
    (dest / "ok.yaml").symlink_to(outside)
    src2 = write(tmp_path / "src2", {"ok.yaml": "a: 1\n"})
    with pytest.raises(RenderError, match="twice"):
        materialize(FsTree(src2), dest)
    assert outside.read_text() == "mine\n"


def _fresh(path: Path) -> Path:
    path.mkdir()
    return path


def _kubectl(folder: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["kubectl", "kustomize", str(folder)], capture_output=True, text=True, env=env, timeout=120
    )


# ---- 3. '..' above the repository root ------------------------------------------------
@needs_kubectl
@pytest.mark.parametrize(
    "kustomization",
    [
        "resources:\n- ../../etc/passwd\n",
        "resources:\n- /etc/passwd\n",
        "configMapGenerator:\n- name: c\n  files:\n  - ../../etc/passwd\n",
        "patches:\n- path: ../../etc/passwd\n",
    ],
)
def test_paths_above_the_root_never_read_the_repositorys_own_file(
    tmp_path: Path, cache: Path, kustomization: str
) -> None:
    # The repository has its own etc/passwd: clamping '..' at the root would read it.
    source = work_repo(
        tmp_path / "fleet",
        {"kustomization.yaml": kustomization, "etc/passwd": CM.format(name="in-repo")},
    )
    judge = _kubectl(source)
    assert judge.returncode != 0 and "in-repo" not in judge.stdout
    with pytest.raises(RenderError) as info:
        render(head_tree(source, cache), "")
    err = info.value
    assert (err.file, err.line) == ("kustomization.yaml", 1 if "Generator" in kustomization else 2)
    assert "etc/passwd" in err.message
    assert "outside the repository" in err.message or "is not in or below '.'" in err.message


def test_dot_dot_inside_the_repository_keeps_working(tmp_path: Path, cache: Path) -> None:
    source = work_repo(
        tmp_path / "fleet",
        {
            "overlays/prod/kustomization.yaml": "resources:\n- ../../base\n- ./../prod/../prod/cm.yaml\n",
            "overlays/prod/cm.yaml": CM.format(name="prod"),
            "base/kustomization.yaml": "resources:\n- ./sub/../cm.yaml\n",
            "base/cm.yaml": CM.format(name="base"),
        },
    )
    out = render(head_tree(source, cache), "overlays/prod")
    assert sorted(o["metadata"]["name"] for o in out) == ["base", "prod"]


def test_norm_refuses_to_climb_above_the_root() -> None:
    assert norm("overlays/prod/../../base/") == "base"
    assert norm("/a/./b") == "a/b"
    for path in ("..", "../x", "a/../../x", "a/..\\..\\x"):
        with pytest.raises(PathOutsideRoot):
            norm(path)


@pytest.mark.parametrize(
    "config",
    [
        "apps:\n- name: app\n  path: ../outside\n",
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: app}\n"
        "spec:\n  source: {path: apps/../../outside}\n  destination: {namespace: x}\n",
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: app}\n"
        "spec: {path: ./../outside}\n",
    ],
    ids=["gitops-tui.yaml", "argocd", "flux"],
)
def test_an_app_path_above_the_root_is_a_discovery_error(tmp_path: Path, config: str) -> None:
    name = "gitops-tui.yaml" if config.startswith("apps:") else "apps.yaml"
    found = discover(FsTree(write(tmp_path, {name: config})))
    assert found.apps == []
    assert [(e.file, "outside the repository" in e.message) for e in found.errors] == [(name, True)]
