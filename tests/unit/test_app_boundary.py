"""The per-app boundary: whatever an app's discovery or render raises, even an error
nobody foresaw, is that app's one-line error, and every other app goes on.

The unforeseen error here is real: the private clone lost one object (a damaged
cache), and reading it raises pygit2's NotFoundError, which is no GitOpsError.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from gitops_tui.cli import main
from gitops_tui.config import Settings
from gitops_tui.errors import GitOpsError
from gitops_tui.service import Service
from tests.unit.test_broken_app_inputs import CM, git

ARGO = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: argo-app}
spec:
  source: {path: two}
  destination: {namespace: shop}
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    work = tmp_path / "work"
    files = {
        "gitops-tui.yaml": json.dumps(
            {"apps": [{"name": "one", "path": "one"}, {"name": "two", "path": "two"}]}
        ),
        "one/cm.yaml": CM.format(name="one"),
        "two/cm.yaml": CM.format(name="two"),
        "argo/app.yaml": ARGO,
        "argo/other.yaml": ARGO.replace("argo-app", "argo-other"),
    }
    for rel, text in files.items():
        (work / rel).parent.mkdir(parents=True, exist_ok=True)
        (work / rel).write_text(text)
    git(work, "init", "--quiet", "--initial-branch=main")
    git(work, "add", "-A")
    git(work, "commit", "--quiet", "-m", "apps")
    return work


def lose_objects(clone: Path, *ids: str) -> None:
    """Unpack the clone's packs, then delete some objects: a damaged cache."""
    for pack in (clone / "objects" / "pack").glob("*.pack"):
        data = pack.read_bytes()
        pack.unlink()
        pack.with_suffix(".idx").unlink()
        subprocess.run(["git", "unpack-objects", "-q"], cwd=clone, input=data, check=True)
    for oid in ids:
        (clone / "objects" / oid[:2] / oid[2:]).unlink()


def blob(service: Service, path: str) -> str:
    return str(service.repo.tree(service.head().sha).root[path].id)


def test_an_unforeseen_error_is_the_apps_error_and_the_others_go_on(
    repo: Path, tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    svc = Service(Settings(repo=str(repo), cache=cache))
    svc.apps()
    lose_objects(svc.repo.path, blob(svc, "one/cm.yaml"), blob(svc, "argo/app.yaml"))

    svc = Service(Settings(repo=str(repo), cache=cache))
    found = svc.apps()
    # Discovery: the file it could not read is its error; the rest are found.
    assert [a.name for a in found.apps] == ["argo-other", "one", "two"]
    # (Discovery reads every manifest, the one app one's file too.)
    assert [str(e).split(": ")[:2] for e in found.errors] == [
        ["argo/app.yaml", "unexpected NotFoundError"],
        ["one/cm.yaml", "unexpected NotFoundError"],
    ]
    # Render: the app's error, one line with the exception's type; the others render.
    with pytest.raises(GitOpsError) as info:
        svc.render(svc.app("one"))
    assert str(info.value) == f"one: unexpected NotFoundError: '{blob(svc, 'one/cm.yaml')}'"
    assert [o["metadata"]["name"] for o in svc.render(svc.app("two"))] == ["two"]
    desired = svc._desired(svc.app("one"), svc.head().sha)
    assert desired.objects == {} and desired.error == str(info.value)

    monkeypatch.setenv("GITOPS_TUI_CACHE", str(cache))
    assert main(["render", "one", "--repo", str(repo)]) == 1
    err = capsys.readouterr().err
    assert err == f"error: {info.value}\n"
    # --debug: the same line, and the traceback of what was caught.
    assert main(["render", "one", "--repo", str(repo), "--debug"]) == 1
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and "NotFoundError" in err
    assert err.endswith(f"error: {info.value}\n")
