"""Text from Git reaches the terminal as text: `clean` itself, then the real CLI run as a
subprocess on a repository whose commits, authors and file names hold escape sequences,
bidi overrides and markup."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from rich.text import Text

from gitops_tui.text import clean
from gitops_tui.tui.format import plain
from tests.hostile import AUTHOR, CLEAR, CLIPBOARD, HYPERLINK, MARKUP, RLO, SUBJECT, unsafe_in

ROOT = Path(__file__).resolve().parents[2]


# ---- clean ----------------------------------------------------------------------------
def test_clean_replaces_every_control_with_one_visible_placeholder() -> None:
    assert clean(CLEAR) == "␛[2J"
    assert clean(CLIPBOARD) == "␛]52;c;ZXZpbA==␇"
    assert clean("a\rb\x00c\x7fd") == "a␍b␀c␡d"
    assert clean("\x9b31m") == "\ufffd31m"  # C1 CSI: one byte that starts a sequence
    for mark in ("\u202e", "\u202a", "\u2066", "\u2069", "\u200e", "\u200f", "\u061c"):
        assert clean(f"a{mark}b") == "a\ufffdb"
    for text in (SUBJECT, AUTHOR, HYPERLINK, RLO):
        assert unsafe_in(clean(text)) == []
        assert len(clean(text)) == len(text)  # a styled Text keeps its spans


def test_clean_keeps_tabs_newlines_markup_and_ordinary_unicode() -> None:
    text = "web:\tnginx 1.27\n✔ Synced · 東京 · café · [b]not bold[/b] · ␛"
    assert clean(text) is text


def test_plain_cleans_a_styled_text_and_keeps_its_styles() -> None:
    styled = Text.assemble(("ok ", "green"), (f"{CLEAR}bad", "red"))
    shown = plain(styled)
    assert shown.plain == "ok ␛[2Jbad"
    assert [(s.start, s.end, s.style) for s in shown.spans] == [(0, 3, "green"), (3, 10, "red")]
    assert styled.plain == f"ok {CLEAR}bad"  # the caller's Text is left as it was
    assert plain(MARKUP[1]).plain == MARKUP[1]  # a str is never read as markup


# ---- the CLI --------------------------------------------------------------------------
BAD_FILE = f"shop/{CLEAR}{MARKUP[3]}.yaml"  # a broken manifest with a hostile name
BAD_APP_FILE = f"argo/{CLIPBOARD}{RLO}.yaml"  # a broken Application with a hostile name


def git(cwd: Path, *args: str, author: str = "Alice") -> None:
    env = {
        "GIT_AUTHOR_NAME": author,
        "GIT_AUTHOR_EMAIL": "mallory@example.com",
        "GIT_COMMITTER_NAME": "Alice",
        "GIT_COMMITTER_EMAIL": "alice@example.com",
        "HOME": "/nonexistent",
        "PATH": os.environ["PATH"],
    }
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


@pytest.fixture(scope="module")
def origin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    work, bare = root / "work", root / "origin.git"
    git(root, "init", "--quiet", "--initial-branch=main", str(work))
    (work / "shop").mkdir()
    (work / "gitops-tui.yaml").write_text(
        yaml.safe_dump({"apps": [{"name": "shop", "path": "shop", "namespace": "shop"}]})
    )
    config_map = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "web"}}
    (work / "shop" / "web.yaml").write_text(yaml.safe_dump(config_map))
    git(work, "add", "-A")
    git(work, "commit", "--quiet", "-m", "shop: first version")
    (work / BAD_FILE).write_text("kind: [unclosed\n")
    git(work, "add", "-A")
    git(work, "commit", "--quiet", "-m", SUBJECT, author=AUTHOR)
    git(root, "clone", "--quiet", "--bare", str(work), str(bare))
    return bare


def run(tmp_path: Path, *argv: str) -> tuple[int, bytes, bytes]:
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "PYTHONPATH": str(ROOT),
        "GITOPS_TUI_CACHE": str(tmp_path / "cache"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "gitops_tui.cli", *argv], env=env, capture_output=True, timeout=60
    )
    return done.returncode, done.stdout, done.stderr


def shown(raw: bytes) -> str:
    """What a terminal receives, checked byte by byte: no ESC, no C1, no bidi control."""
    assert b"\x1b" not in raw
    text = raw.decode()
    assert unsafe_in(text) == [], text
    return text


def test_history_prints_hostile_subjects_and_authors_as_text(origin: Path, tmp_path) -> None:
    code, out, err = run(tmp_path, "history", "shop", "--repo", str(origin))
    assert code == 0, err
    newest = shown(out).splitlines()[0]
    assert "Mallory [/]␛]52;c;ZXZpbA==␇[b]" in newest
    assert "deploy [@click=app.quit]x[/] ␛[2J[link=file:///etc/passwd]x[/link]" in newest
    assert "␛]8;;http://evil␛\\x␛]8;;␛\\" in newest
    assert "\ufffdgpj.exe" in newest  # the override, not a reversed line
    shown(err)


def test_history_json_escapes_control_characters_and_keeps_the_data(origin: Path, tmp_path) -> None:
    code, out, _ = run(tmp_path, "history", "shop", "--repo", str(origin), "-o", "json")
    assert code == 0
    shown(out)
    newest = json.loads(out)[0]  # data, faithfully: JSON escapes what it carries
    assert newest["message"].splitlines()[0] == SUBJECT
    assert newest["author_name"] == AUTHOR


def test_an_error_naming_a_hostile_file_is_one_clean_line(origin: Path, tmp_path) -> None:
    code, out, err = run(tmp_path, "render", "shop", "--repo", str(origin))
    assert code == 1 and out == b""
    line = shown(err).strip()
    assert line.startswith("error: ") and "\n" not in line
    assert "shop/␛[2J[b].yaml" in line


def test_apps_lists_and_reports_hostile_file_names_as_text(origin: Path, tmp_path: Path) -> None:
    # A broken Application whose file name holds OSC 52 and a right-to-left override.
    work = tmp_path / "work"
    git(tmp_path, "clone", "--quiet", str(origin), str(work))
    (work / "argo").mkdir()
    (work / BAD_APP_FILE).write_text("apiVersion: argoproj.io/v1alpha1\nkind: [\n")
    git(work, "add", "-A")
    git(work, "commit", "--quiet", "-m", "argo: a broken Application")
    code, out, err = run(tmp_path, "apps", "--repo", str(work))
    assert code == 1
    lines = shown(out).splitlines()
    assert lines[0].startswith("shop ")
    assert any("argo/␛]52;c;ZXZpbA==␇\ufffd.yaml" in ln for ln in lines[1:]), lines
    shown(err)
