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
from pathlib import Path

import pytest

from gitops_tui.apps.discover import discover
from gitops_tui.errors import RenderError
from gitops_tui.git.repo import GitRepo, GitTree
from gitops_tui.render import render
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


def head_tree(source: Path, cache: Path) -> GitTree:
    return GitRepo.open(source, cache / "repos").tree("main")


@pytest.fixture(autouse=True)
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GITOPS_TUI_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


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
