"""Inputs that once ended in a Python traceback, each in one app among healthy ones.

Through the real CLI on a real Git repository: the broken app's error is one line
naming the file (and line), and the other apps list and render as before.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from gitops_tui.cli import main

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Alice",
    "GIT_AUTHOR_EMAIL": "alice@example.com",
    "GIT_COMMITTER_NAME": "Alice",
    "GIT_COMMITTER_EMAIL": "alice@example.com",
    "HOME": "/nonexistent",
    "PATH": "/usr/bin:/bin:/usr/local/bin",
}
CM = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata: {{mode: fast}}\n"
BAD_CM = CM.format(name="b")
DEPTH = 330
NESTED = "[" * DEPTH + "]" * DEPTH


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, env=GIT_ENV, check=True, capture_output=True)


def make_repo(root: Path, broken: dict[str, str], names: tuple[str, ...] = ()) -> Path:
    """A repository with apps good-one (plain), bad (the broken files) and good-two
    (kustomize), plus apps named `names` pointing at good-one's path."""
    declared = ["good-one", "bad", "good-two"]
    apps = [{"name": n, "path": n, "namespace": "shop"} for n in declared]
    apps += [{"name": n, "path": "good-one"} for n in names]
    files = {
        "gitops-tui.yaml": json.dumps({"apps": apps}, indent=1),
        "good-one/cm.yaml": CM.format(name="one"),
        "good-two/kustomization.yaml": "resources: [cm.yaml]\ncommonLabels: {team: shop}\n",
        "good-two/cm.yaml": CM.format(name="two"),
        **broken,
    }
    work = root / "work"
    work.mkdir()
    for rel, text in files.items():
        folder = work
        for part in Path(rel).parts[:-1]:  # a loop: mkdir(parents=True) recurses
            folder = folder / part
            folder.mkdir(parents=True, exist_ok=True)
        (work / rel).write_text(text)
    git(work, "init", "--quiet", "--initial-branch=main")
    git(work, "add", "-A")
    git(work, "commit", "--quiet", "-m", "apps")
    return work


@pytest.fixture(autouse=True)
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITOPS_TUI_CACHE", str(tmp_path / "cache"))


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    cap = capsys.readouterr()
    return code, cap.out, cap.err


def assert_one_line(err: str) -> None:
    assert "Traceback" not in err
    assert err.count("\n") == 1 and err.startswith("error: "), err


def assert_good_apps_render(capsys, repo: Path) -> None:
    for name, want in (("good-one", "one"), ("good-two", "two")):
        code, out, err = run(capsys, "render", name, "--repo", str(repo), "-o", "json")
        assert code == 0, err
        assert [o["metadata"]["name"] for o in json.loads(out)] == [want]


KUSTOMIZATION = "bad/kustomization.yaml"
CASES = {
    "resources: 5": (
        {KUSTOMIZATION: "resources: 5\n"},
        f"{KUSTOMIZATION}:1: resources must be a list of strings, got int",
    ),
    "configMapGenerator: [foo]": (
        {KUSTOMIZATION: "configMapGenerator: [foo]\n"},
        f"{KUSTOMIZATION}:1: configMapGenerator[0] must be a mapping, got string",
    ),
    "commonLabels: [a, b]": (
        {KUSTOMIZATION: "resources: [cm.yaml]\ncommonLabels: [a, b]\n", "bad/cm.yaml": BAD_CM},
        f"{KUSTOMIZATION}:2: commonLabels must be a mapping of strings, got list",
    ),
    "images: [nginx]": (
        {KUSTOMIZATION: "resources: [cm.yaml]\nimages: [nginx]\n", "bad/cm.yaml": BAD_CM},
        f"{KUSTOMIZATION}:2: images[0] must be a mapping, got string",
    ),
    "generatorOptions: [a]": (
        {KUSTOMIZATION: "generatorOptions: [a]\nconfigMapGenerator: [{name: x}]\n"},
        f"{KUSTOMIZATION}:1: generatorOptions must be a mapping, got list",
    ),
    "patches: [{target: foo}]": (
        {
            KUSTOMIZATION: "resources: [cm.yaml]\npatches:\n- target: foo\n  patch: '{}'\n",
            "bad/cm.yaml": BAD_CM,
        },
        f"{KUSTOMIZATION}:3: patches[0].target must be a mapping, got string",
    ),
    "metadata: [a] in a manifest": (
        {
            KUSTOMIZATION: "resources: [cm.yaml]\n",
            "bad/cm.yaml": "# one\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: [a]\n",
        },
        "bad/cm.yaml:3: ConfigMap: metadata must be a mapping, got list",
    ),
    "a patch target name '('": (
        {
            KUSTOMIZATION: "resources: [cm.yaml]\npatches:\n"
            "- target: {kind: ConfigMap, name: '('}\n"
            "  patch: '[{op: add, path: /data/x, value: y}]'\n",
            "bad/cm.yaml": BAD_CM,
        },
        f"{KUSTOMIZATION}:3: patches[0].target.name '(' is not a valid regular expression: "
        "missing ), unterminated subpattern",
    ),
    "an image name '('": (
        {
            KUSTOMIZATION: "resources: [cm.yaml]\nimages:\n- {name: '(', newTag: '2'}\n",
            "bad/cm.yaml": BAD_CM,
        },
        f"{KUSTOMIZATION}:3: images[0].name '(' is not a valid pattern",
    ),
    "YAML nested 330 levels, plain": (
        {"bad/cm.yaml": BAD_CM + f"binaryData: {{x: {NESTED}}}\n"},
        "bad/cm.yaml: nested deeper than 100 levels",
    ),
    "YAML nested 330 levels, kustomize": (
        {KUSTOMIZATION: "resources: [cm.yaml]\n", "bad/cm.yaml": BAD_CM + f"spec: {NESTED}\n"},
        "bad/cm.yaml: nested deeper than 100 levels",
    ),
    "a value that contains itself": (
        {"bad/cm.yaml": BAD_CM + "spec: &x [1, *x]\n"},
        "bad/cm.yaml: a YAML alias makes a value contain itself",
    ),
    "a JSON patch that replaces the object with a number": (
        {
            KUSTOMIZATION: "resources: [cm.yaml]\npatches:\n- target: {kind: ConfigMap}\n"
            "  patch: '[{op: replace, path: \"\", value: 5}]'\n",
            "bad/cm.yaml": BAD_CM,
        },
        f"{KUSTOMIZATION}: applying JSON patch to v1 ConfigMap b: the result is a int",
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_one_broken_app_is_one_line_and_the_others_render(
    case: str, tmp_path: Path, capsys
) -> None:
    files, error = CASES[case]
    repo = make_repo(tmp_path, files)
    code, out, err = run(capsys, "apps", "--repo", str(repo))
    assert code == 0, err
    assert [line.split()[0] for line in out.splitlines()] == ["bad", "good-one", "good-two"]
    code, _, err = run(capsys, "render", "bad", "--repo", str(repo))
    assert code == 1
    assert_one_line(err)
    assert err.startswith(f"error: {error}"), err
    assert_good_apps_render(capsys, repo)


def remove_deep(folder: Path) -> None:
    """rmtree without recursion (shutil's, and pytest's cleanup, recurse per level)."""
    stack = [folder]
    while stack:
        top = stack[-1]
        subdirs = [p for p in top.iterdir() if p.is_dir() and not p.is_symlink()]
        if subdirs:
            stack.extend(subdirs)
            continue
        for p in top.iterdir():
            p.unlink()
        top.rmdir()
        stack.pop()


@pytest.fixture
def deep_tmp(tmp_path: Path):
    yield tmp_path
    remove_deep(tmp_path / "work")


def test_a_directory_nested_1100_deep_anywhere_in_the_repository(deep_tmp: Path, capsys) -> None:
    tmp_path = deep_tmp
    deep = "/".join(["d"] * 1100)
    files = {f"{deep}/cm.yaml": CM.format(name="deep"), "bad/cm.yaml": CM.format(name="b")}
    repo = make_repo(tmp_path, files)
    code, out, err = run(capsys, "apps", "--repo", str(repo))
    assert code == 0, err
    assert [line.split()[0] for line in out.splitlines()] == ["bad", "good-one", "good-two"]
    assert_good_apps_render(capsys, repo)
    # An app reading the whole repository walks it to the bottom.
    (repo / "gitops-tui.yaml").write_text(
        json.dumps({"apps": [{"name": "all", "path": ".", "recurse": True}]})
    )
    git(repo, "commit", "--quiet", "-am", "one app of everything")
    code, out, err = run(capsys, "render", "all", "--repo", str(repo), "-o", "json")
    assert code == 1  # gitops-tui.yaml itself has no kind: a clear error, no traceback
    assert_one_line(err)
    assert err.startswith("error: gitops-tui.yaml:1: a manifest needs apiVersion")


@pytest.mark.parametrize(
    "url",
    ["https://git.example.com]/shop.git", "ssh://[::1/shop.git", "https://alice:s3cret@[x/y"],
)
def test_a_repo_url_with_a_stray_bracket_is_one_line(url: str, capsys) -> None:
    code, _, err = run(capsys, "apps", "--repo", url)
    assert code == 1
    assert_one_line(err)
    assert "not a valid repository URL" in err and "Invalid IPv6 URL" in err
    assert "s3cret" not in err


BAD_NAMES = ["[/]", "[link=file:///etc/passwd]x[/link]", "a/b", "a" * 64, "Shop", "-shop"]


def test_app_names_that_are_no_kubernetes_name_are_each_the_apps_error(
    tmp_path: Path, capsys
) -> None:
    repo = make_repo(tmp_path, {"bad/cm.yaml": CM.format(name="b")}, names=tuple(BAD_NAMES))
    code, out, err = run(capsys, "apps", "--repo", str(repo), "-o", "json")
    assert code == 1  # something is wrong, and the listing says what
    apps = {a["name"]: a for a in json.loads(out)["apps"]}
    assert apps["good-one"]["error"] == "" and apps["bad"]["error"] == ""
    for i, name in enumerate(BAD_NAMES):
        error = apps[name]["error"]
        assert error.startswith(f"gitops-tui.yaml:{18 + 4 * i}: app name "), error
        assert "\n" not in error
    assert "is 64 characters long, more than 63" in apps["a" * 64]["error"]
    assert "'a/b' is not a valid Kubernetes name" in apps["a/b"]["error"]
    # Never rendered (nor synced: the engine gets the same error instead of objects).
    for name in BAD_NAMES:
        code, _, err = run(capsys, "render", "--repo", str(repo), "--", name)
        assert code == 1
        assert_one_line(err)
        assert "gitops-tui.yaml:" in err and "app name" in err
    assert_good_apps_render(capsys, repo)
    code, out, _ = run(capsys, "apps", "--repo", str(repo))
    row = next(line for line in out.splitlines() if line.startswith("a/b "))
    assert "✘ gitops-tui.yaml:" in row


def test_without_debug_an_unforeseen_error_is_one_line_and_with_it_a_traceback(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A cache path that is a file: the clone cannot be made, a plain OSError.
    (tmp_path / "cache-file").write_text("")
    monkeypatch.setenv("GITOPS_TUI_CACHE", str(tmp_path / "cache-file"))
    repo = make_repo(tmp_path, {"bad/cm.yaml": CM.format(name="b")})
    code, _, err = run(capsys, "apps", "--repo", str(repo))
    assert code == 1
    assert_one_line(err)
    assert err.startswith("error: NotADirectoryError: ") or err.startswith(
        "error: FileExistsError: "
    ), err
    assert "--debug" in err
    with pytest.raises(OSError):
        main(["apps", "--repo", str(repo), "--debug"])
