"""A repository never reaches outside itself.

Crafted tree entries ('../x'), paths that climb out of the repository, remote bases
and files, and our own environment: through the real readers (a private clone's
`GitTree`, the renderers, the CLI), with the real `kubectl kustomize` as the judge of
what kustomize itself refuses.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path

import pytest
import yaml

from gitops_tui.apps.discover import discover
from gitops_tui.cli import main
from gitops_tui.errors import RenderError, SourceError
from gitops_tui.git.repo import GitRepo, GitTree
from gitops_tui.render import render
from gitops_tui.render.kustomize.binary import find_binary, materialize
from gitops_tui.render.kustomize.confine import REMOTE_FLAG, REMOTE_SETTING
from gitops_tui.render.kustomize.load import load_documents
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


def render_error(tree, path: str = "app", **kw) -> RenderError:
    with pytest.raises(RenderError) as info:
        render(tree, path, **kw)
    return info.value


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


# ---- 2. the binary fallback reads only the repository --------------------------------
@pytest.fixture
def other_repo(tmp_path: Path) -> Path:
    """Another repository on the same machine (a private clone, say)."""
    return work_repo(
        tmp_path / "other",
        {
            "dir/kustomization.yaml": "resources:\n- cm.yaml\n",
            "dir/cm.yaml": CM.format(name="other-secret"),
        },
    )


@pytest.fixture
def outside_folder(tmp_path: Path) -> Path:
    return write(
        tmp_path / "outside",
        {"kustomization.yaml": "resources:\n- cm.yaml\n", "cm.yaml": CM.format(name="outside")},
    )


def _kubectl(folder: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["kubectl", "kustomize", str(folder)], capture_output=True, text=True, env=env, timeout=120
    )


@needs_kubectl
def test_a_folder_outside_the_repository_is_refused(
    tmp_path: Path, cache: Path, outside_folder: Path
) -> None:
    # Climb to / from wherever the copy is made, then down to the folder.
    climb = "../" * 40 + str(outside_folder).lstrip("/")
    source = work_repo(
        tmp_path / "fleet",
        {
            "app/kustomization.yaml": f"resources:\n- {climb}\n{TO_BINARY}",
            "gitops-tui.yaml": GITOPS_YAML.decode(),
        },
    )
    # kustomize alone follows it: that is what has to be stopped before it runs.
    judge = _kubectl(source / "app")
    assert judge.returncode == 0 and "name: outside" in judge.stdout
    err = render_error(head_tree(source, cache))
    assert (err.file, err.line) == ("app/kustomization.yaml", 2)
    assert "outside the repository" in err.message


@needs_binary
def test_a_file_url_to_another_repository_is_refused_unless_allowed(
    tmp_path: Path, cache: Path, other_repo: Path, capsys
) -> None:
    url = f"file://{other_repo}//dir?ref=main"
    source = work_repo(
        tmp_path / "fleet",
        {
            "app/kustomization.yaml": f"resources:\n- {url}\n",
            "gitops-tui.yaml": GITOPS_YAML.decode(),
        },
    )
    err = render_error(head_tree(source, cache))
    assert (err.file, err.line) == ("app/kustomization.yaml", 2)
    assert url in err.message and REMOTE_SETTING in err.message and REMOTE_FLAG in err.message
    code, out, err_text = cli(capsys, "render", "app", "--repo", str(source))
    assert (code, out) == (1, "")
    assert REMOTE_SETTING in err_text and "other-secret" not in err_text
    # Allowed explicitly, the same build clones it (git runs in the scrubbed environment).
    code, out, _ = cli(capsys, "render", "app", "--repo", str(source), REMOTE_FLAG)
    assert code == 0 and "name: other-secret" in out


@pytest.mark.parametrize(
    "entry",
    [
        "https://127.0.0.1:9/cm.yaml",
        "http://169.254.169.254/latest/meta-data",
        "github.com/example/fleet//base?ref=v1",
        "git@github.com:example/fleet.git//base",
        "me@localhost/srv/git/fleet",
        "ssh://git@example.com/fleet.git",
        "git::https://example.com/fleet.git",
        "oci://registry.example.com/fleet",
    ],
)
def test_remote_resources_are_refused_by_default(tmp_path: Path, entry: str) -> None:
    tree = FsTree(write(tmp_path, {"app/kustomization.yaml": f"resources:\n- {entry}\n"}))
    err = render_error(tree)
    assert (err.file, err.line) == ("app/kustomization.yaml", 2)
    assert "is remote" in err.message and REMOTE_SETTING in err.message


# Every field whose files kustomize loads through its load restrictor: a file of the
# repository outside the kustomization's folder ('../x.txt'), then above the repository.
FILE_FIELDS = {
    "patches": "patches:\n- path: {p}\n",
    "patchesStrategicMerge": "patchesStrategicMerge:\n- {p}\n",
    "patchesJson6902": (
        "patchesJson6902:\n- path: {p}\n  target: {{version: v1, kind: ConfigMap, name: a}}\n"
    ),
    "configMapGenerator files": "configMapGenerator:\n- name: c\n  files:\n  - {p}\n",
    "configMapGenerator key=file": "configMapGenerator:\n- name: c\n  files:\n  - k={p}\n",
    "configMapGenerator envs": "configMapGenerator:\n- name: c\n  envs:\n  - {p}\n",
    "secretGenerator env": "secretGenerator:\n- name: s\n  env: {p}\n",
    "crds": "crds:\n- {p}\n",
    "openapi": "openapi:\n  path: {p}\n",
    "configurations": "configurations:\n- {p}\n",
    "transformers": "transformers:\n- {p}\n",
    "generators": "generators:\n- {p}\n",
    "validators": "validators:\n- {p}\n",
    "replacements": "replacements:\n- path: {p}\n",
}
# The line an error points at: the entry, or the field for generators and openapi.
FIELD_LINE = {"openapi": 3, "configMapGenerator": 3, "secretGenerator": 3}


# The fields the native renderer reads, once more with the build sent to the binary.
NATIVE = (
    "patches",
    "patchesStrategicMerge",
    "patchesJson6902",
    "configMapGenerator",
    "secretGenerator",
)
CASES = [pytest.param(f, False, id=f) for f in sorted(FILE_FIELDS)] + [
    pytest.param(f, True, id=f"{f} (binary)") for f in sorted(FILE_FIELDS) if f.split()[0] in NATIVE
]


def _line(field: str) -> int:
    return FIELD_LINE.get(field.split()[0], 4)


def _fleet(field: str, path: str, to_binary: bool) -> dict[str, str]:
    return {
        "app/kustomization.yaml": "resources:\n- cm.yaml\n"
        + FILE_FIELDS[field].format(p=path)
        + (TO_BINARY if to_binary else ""),
        "app/cm.yaml": CM.format(name="a"),
        "x.txt": "A=1\n",
        "etc/passwd": "A=1\n",
    }


@needs_kubectl
@pytest.mark.parametrize(("field", "to_binary"), CASES)
def test_files_outside_the_kustomization_folder_are_refused_as_kustomize_does(
    tmp_path: Path, cache: Path, field: str, to_binary: bool
) -> None:
    source = work_repo(tmp_path / "fleet", _fleet(field, "../x.txt", to_binary))
    judge = _kubectl(source / "app")
    assert judge.returncode != 0
    assert "security; file" in judge.stderr and "is not in or below" in judge.stderr
    err = render_error(head_tree(source, cache))
    assert (err.file, err.line) == ("app/kustomization.yaml", _line(field))
    assert err.message == "security; file 'x.txt' is not in or below 'app'"


@pytest.mark.parametrize(("field", "to_binary"), CASES)
@pytest.mark.parametrize(
    ("path", "shown"), [("../../etc/passwd", "../etc/passwd"), ("/etc/passwd", "/etc/passwd")]
)
def test_files_above_the_repository_are_refused(
    tmp_path: Path, field: str, path: str, shown: str, to_binary: bool
) -> None:
    tree = FsTree(write(tmp_path, _fleet(field, path, to_binary)))
    err = render_error(tree)
    assert (err.file, err.line) == ("app/kustomization.yaml", _line(field))
    if field in ("transformers", "generators", "validators"):
        # An entry may also be a folder (a kustomization): first of all, in the repository.
        where = "an absolute path" if path.startswith("/") else repr(shown)
        assert err.message == f"{field} entry {path!r}: {where} is outside the repository"
    else:
        assert err.message == f"security; file {shown!r} is not in or below 'app'"


@pytest.mark.parametrize(
    ("kustomization", "line", "message"),
    [
        (
            "helmCharts:\n- name: web\n  valuesFile: ../values.yaml\n",
            2,
            "security; file 'values.yaml' is not in or below 'app'",
        ),
        (
            "helmCharts:\n- name: web\n  additionalValuesFiles: [../../etc/passwd]\n",
            2,
            "security; file '../etc/passwd' is not in or below 'app'",
        ),
        (
            "helmGlobals:\n  chartHome: /srv/charts\nhelmCharts:\n- name: web\n",
            1,
            "helmGlobals chartHome '/srv/charts': an absolute path is outside the repository",
        ),
        (
            "helmGlobals:\n  chartHome: ../../charts\n",
            1,
            "helmGlobals chartHome '../../charts': '../charts' is outside the repository",
        ),
        (
            "helmCharts:\n- name: ../../../etc\n",
            2,
            "helmCharts chart 'charts/../../../etc': '../etc' is outside the repository",
        ),
        (
            "helmGlobals:\n  configHome: /home/me/.config/helm\n",
            1,
            "helmGlobals configHome '/home/me/.config/helm' is outside the repository",
        ),
        (
            "helmCharts:\n- name: web\n  repo: https://charts.example.com\n",
            2,
            "helmCharts web from 'https://charts.example.com' is remote",
        ),
        (
            "helmChartInflationGenerator:\n- chartName: web\n  chartRepoUrl: oci://r.example.com\n",
            2,
            "helmChartInflationGenerator web from 'oci://r.example.com' is remote",
        ),
        (
            "generators:\n- |\n  apiVersion: builtin\n  kind: HelmChartInflationGenerator\n"
            "  metadata: {name: h}\n  name: web\n  chartHome: /\n",
            2,
            "an absolute path is outside the repository",
        ),
    ],
)
def test_helm_charts_stay_inside_the_repository(
    tmp_path: Path, kustomization: str, line: int, message: str
) -> None:
    tree = FsTree(write(tmp_path, {"app/kustomization.yaml": kustomization}))
    err = render_error(tree)
    assert (err.file, err.line) == ("app/kustomization.yaml", line)
    assert message in err.message


def test_a_vendored_chart_needs_no_remote(tmp_path: Path) -> None:
    # With the chart in chartHome kustomize never pulls: `repo` alone is no reason to
    # refuse. The chart inflates natively, with helm (which this PATH does not hold).
    tree = FsTree(
        write(
            tmp_path,
            {
                "app/kustomization.yaml": "helmCharts:\n- name: web\n  repo: https://c.example.com\n",
                "app/charts/web/Chart.yaml": "name: web\nversion: 1.0.0\n",
                "app/charts/web/values.yaml": "",
            },
        )
    )
    empty = tmp_path / "nobin"
    empty.mkdir()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PATH", str(empty))  # stop at "no helm", after the checks passed
        mp.setenv("GITOPS_TUI_CACHE", str(empty))
        mp.delenv("GITOPS_TUI_HELM", raising=False)
        err = render_error(tree)
    assert "helm chart web: rendering a Helm chart needs helm, none found" in err.message


def test_a_transformer_config_file_with_a_remote_patch_is_refused(tmp_path: Path) -> None:
    tree = FsTree(
        write(
            tmp_path,
            {
                "app/kustomization.yaml": "resources:\n- cm.yaml\ntransformers:\n- patch.yaml\n",
                "app/cm.yaml": CM.format(name="a"),
                "app/patch.yaml": (
                    "apiVersion: builtin\nkind: PatchTransformer\nmetadata: {name: p}\n"
                    "path: https://10.0.0.1/patch.yaml\n"
                ),
            },
        )
    )
    err = render_error(tree)
    assert (err.file, err.line) == ("app/kustomization.yaml", 4)
    assert "https://10.0.0.1/patch.yaml" in err.message and REMOTE_SETTING in err.message


@needs_binary
def test_bases_inside_the_repository_still_render_through_the_binary(
    tmp_path: Path, cache: Path
) -> None:
    source = work_repo(
        tmp_path / "fleet",
        {
            "overlays/prod/kustomization.yaml": f"resources:\n- ../../base\n{TO_BINARY}",
            "base/kustomization.yaml": "resources:\n- cm.yaml\nconfigMapGenerator:\n"
            "- name: env\n  envs: [app.env]\n",
            "base/cm.yaml": CM.format(name="base"),
            "base/app.env": "A=1\n",
        },
    )
    judge = subprocess.run(
        [*find_binary(), str(source / "overlays/prod")], capture_output=True, check=True
    )
    out = render(head_tree(source, cache), "overlays/prod")
    assert out == load_documents(judge.stdout, "judge")
    assert sorted(o["metadata"]["name"] for o in out)[0] == "base"


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


# ---- 4. the environment ---------------------------------------------------------------
SECRET = "GITOPS_TUI_GIT_TOKEN"


@needs_kubectl
def test_a_key_alone_in_an_env_file_is_empty_as_in_kustomize(
    tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SECRET, "s3cret-token")
    source = work_repo(
        tmp_path / "fleet",
        {
            "app/kustomization.yaml": "configMapGenerator:\n- name: leak\n  envs: [app.env]\n"
            "secretGenerator:\n- name: leak\n  envs: [app.env]\n",
            "app/app.env": f"A=1\n{SECRET}\n",
        },
    )
    judge = _kubectl(source / "app", env={**os.environ})
    assert judge.returncode == 0, judge.stderr
    out = render(head_tree(source, cache), "app")
    cm = next(o for o in out if o["kind"] == "ConfigMap")
    secret = next(o for o in out if o["kind"] == "Secret")
    assert cm["data"] == {"A": "1", SECRET: ""}
    assert secret["data"][SECRET] == ""
    # The same objects, hashed names included, as kustomize prints them.
    assert sorted(json.dumps(o, sort_keys=True) for o in out) == sorted(
        json.dumps(o, sort_keys=True) for o in yaml.safe_load_all(judge.stdout)
    )


@needs_kubectl
def test_the_binary_sees_none_of_our_environment(
    tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A `kustomize` first on PATH that records what it was given, then runs the real one.
    seen = tmp_path / "seen"
    bindir = tmp_path / "bin"
    bindir.mkdir()
    spy = bindir / "kustomize"
    spy.write_text(
        "#!/bin/sh\n"
        f'env > "{seen}.env"\n'
        f'ls -A "$HOME" > "{seen}.home"\n'
        f'echo "$@" > "{seen}.args"\n'
        'shift\nexec kubectl kustomize "$@"\n'
    )
    spy.chmod(spy.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv(SECRET, "s3cret-token")
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "admin.kubeconfig"))
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "aws-s3cret")
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example.com:3128")
    source = work_repo(
        tmp_path / "fleet",
        {
            "app/kustomization.yaml": f"resources:\n- cm.yaml\n{TO_BINARY}",
            "app/cm.yaml": CM.format(name="a"),
        },
    )
    out = render(head_tree(source, cache), "app")
    assert [o["metadata"]["name"] for o in out] == ["a"]
    env = dict(
        line.split("=", 1)
        for line in (tmp_path / "seen.env").read_text().splitlines()
        if "=" in line
    )
    assert "s3cret-token" not in (tmp_path / "seen.env").read_text()
    for name in (SECRET, "KUBECONFIG", "AWS_SECRET_ACCESS_KEY", "HTTPS_PROXY"):
        assert name not in env
    assert env["HOME"] != os.environ.get("HOME") and (tmp_path / "seen.home").read_text() == ""
    assert "--load-restrictor LoadRestrictionsRootOnly" in (tmp_path / "seen.args").read_text()
