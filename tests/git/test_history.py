"""`log` and `patch` against the `git` CLI on the same repositories."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from gitops_tui.git import history
from gitops_tui.git.history import FileChange
from gitops_tui.git.repo import GitRepo

from .conftest import ALICE, BOB, CAROL, Sample, WorkRepo, deployment, git


def git_log(origin: Path, paths: list[str], skip: int = 0, limit: int | None = None) -> list[str]:
    args = ["log", "--format=%H", f"--skip={skip}"]
    if limit is not None:
        args.append(f"--max-count={limit}")
    out = git(origin, *args, "main", "--", *paths)
    return out.split() if out else []


def numstat(origin: Path, sha: str, paths: list[str]) -> list[tuple[str, int, int]]:
    out = git(origin, "show", "--numstat", "--format=", sha, "--", *paths)
    rows = [line.split("\t") for line in out.splitlines() if line]
    return sorted((path, int(add), int(rem)) for add, rem, path in rows)


@pytest.fixture
def repo(sample: Sample, cache: Path) -> GitRepo:
    return GitRepo.open(sample.origin, cache)


def test_log_filters_by_path(sample: Sample, repo: GitRepo) -> None:
    shas = sample.shas
    web = [c.sha for c in history.log(repo, "main", ["apps/web"])]
    assert web == [
        shas["web-config"],
        shas["both"],
        shas["web-image"],
        shas["web-scale"],
        shas["init"],
    ]
    assert web == git_log(sample.origin, ["apps/web"])
    db = [c.sha for c in history.log(repo, "main", ["apps/db/"])]
    assert db == [shas["both"], shas["db-label"], shas["init"]]
    file_only = [c.sha for c in history.log(repo, "main", ["apps/web/deployment.yaml"])]
    assert file_only == [shas["web-image"], shas["web-scale"], shas["init"]]
    assert history.log(repo, "main", ["apps/nothing-here"]) == []


def test_log_with_two_paths(sample: Sample, repo: GitRepo) -> None:
    paths = ["apps/db", "README.md"]
    got = [c.sha for c in history.log(repo, "main", paths)]
    assert got == git_log(sample.origin, paths)
    assert got == [sample.shas[n] for n in ("both", "readme", "db-label", "init")]


def test_whole_repository(sample: Sample, repo: GitRepo) -> None:
    everything = git_log(sample.origin, [])
    assert [c.sha for c in history.log(repo, "main", [])] == everything
    assert [c.sha for c in history.log(repo, "main", [""])] == everything
    assert [c.sha for c in history.log(repo, "v1", ["."])] == git_log(sample.origin, ["."])[2:]


def test_commit_details_and_file_stats(sample: Sample, repo: GitRepo) -> None:
    web, init = history.log(repo, "main", ["apps/web"], skip=2, limit=1)[0], None
    assert web.sha == sample.shas["web-image"]
    assert web.short == web.sha[:8]
    assert web.subject == "web: nginx 1.27"
    assert web.message == "web: nginx 1.27\n\nSecurity fixes.\n"
    assert (web.author_name, web.author_email) == (BOB.name, BOB.email)
    assert (web.committer_name, web.committer_email) == (BOB.name, BOB.email)
    assert web.author_time.tzinfo is not None
    assert web.author_time.utcoffset() == dt.timedelta(0)
    assert web.commit_time == web.authored_at == web.committed_at
    assert web.parents == [sample.shas["readme"]]
    assert web.files == [FileChange("apps/web/deployment.yaml", "M", 1, 1)]

    (both,) = history.log(repo, sample.shas["both"], ["apps/web"], limit=1)
    assert both.author_name == CAROL.name
    assert both.files == [FileChange("apps/web/service.yaml", "M", 1, 0)]
    (both_all,) = history.log(repo, sample.shas["both"], ["apps"], limit=1)
    assert [(f.path, f.additions, f.deletions) for f in both_all.files] == numstat(
        sample.origin, sample.shas["both"], ["apps"]
    )

    init = history.log(repo, "main", ["apps/web"])[-1]
    assert init.author_name == ALICE.name and init.parents == []
    assert [(f.path, f.status, f.additions) for f in init.files] == [
        ("apps/web/deployment.yaml", "A", 11),
        ("apps/web/service.yaml", "A", 3),
    ]


def test_patch_is_limited_to_the_paths(sample: Sample, repo: GitRepo) -> None:
    sha = sample.shas["both"]
    web = history.patch(repo, sha, ["apps/web"])
    assert "apps/web/service.yaml" in web
    assert "statefulset" not in web
    assert "+  labels: {}" in web
    assert (
        web == git(sample.origin, "show", "--format=", "--no-color", sha, "--", "apps/web") + "\n"
    )
    both = history.patch(repo, sha, ["apps/web", "apps/db"])
    assert "apps/db/statefulset.yaml" in both and "+  name: db2" in both
    assert history.patch(repo, sha, ["README.md"]) == ""
    assert "README.md" in history.patch(repo, sample.shas["init"], [])


@pytest.fixture(scope="module")
def branchy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_branchy(tmp_path_factory.mktemp("branchy"))


def build_branchy(root: Path) -> Path:
    """80-odd commits by three authors, with feature branches merged in (some touching
    the same app on both sides); returns the bare origin."""
    work = WorkRepo.init(root / "branchy")
    authors = [ALICE, BOB, CAROL]
    work.commit("start", {"apps/web/deployment.yaml": deployment(), "README.md": "r0\n"})
    for i in range(1, 61):
        who = authors[i % 3]
        if i % 15 == 0:
            work.git("checkout", "--quiet", "-b", f"feature-{i}")
            work.commit(f"feature {i}: web", {f"apps/web/feature-{i}.yaml": f"f{i}\n"}, who)
            work.commit(f"feature {i}: db", {"apps/db/db.yaml": f"feature {i}\n"}, who)
            work.git("checkout", "--quiet", "main")
            if i % 30 == 0:  # the main side changes the same app meanwhile
                work.commit(f"main {i}: web", {"apps/web/deployment.yaml": deployment(i)}, who)
            work.git("merge", "--quiet", "--no-ff", "-m", f"Merge feature {i}", f"feature-{i}")
        elif i % 4 == 0:
            work.commit(f"db {i}", {"apps/db/db.yaml": f"db {i}\n"}, who)
        elif i % 7 == 0:
            work.commit(f"readme {i}", {"README.md": f"r{i}\n"}, who)
        elif i % 11 == 0:
            work.commit(f"empty {i}", {}, who)
        else:
            work.commit(f"web {i}", {"apps/web/deployment.yaml": deployment(i % 9 + 1)}, who)
    origin = root / "branchy.git"
    git(root, "clone", "--quiet", "--bare", str(work.path), str(origin))
    return origin


@pytest.mark.parametrize(
    "paths",
    [["apps/web"], ["apps/db"], ["apps/web/deployment.yaml", "README.md"], ["README.md"], []],
)
def test_paging_matches_git_log(branchy: Path, cache: Path, paths: list[str]) -> None:
    origin = branchy
    repo = GitRepo.open(origin, cache)
    everything = git_log(origin, paths)
    assert [c.sha for c in history.log(repo, "main", paths, limit=1000)] == everything
    size = 7
    for skip in range(0, len(everything) + size, size):
        page = history.log(repo, "main", paths, skip=skip, limit=size)
        assert [c.sha for c in page] == git_log(origin, paths, skip, size), skip
        for commit in page:
            if len(commit.parents) == 1:
                got = sorted((f.path, f.additions, f.deletions) for f in commit.files)
                assert got == numstat(origin, commit.sha, paths), commit.subject
    assert history.log(repo, "main", paths, skip=len(everything)) == []
    assert history.log(repo, "main", paths, limit=0) == []


def test_merge_commit_files_are_against_the_first_parent(branchy: Path, cache: Path) -> None:
    repo = GitRepo.open(branchy, cache)
    merges = [c for c in history.log(repo, "main", ["apps/web"], limit=1000) if len(c.parents) > 1]
    # Only merges whose both sides changed apps/web show, as in `git log -- apps/web`.
    assert [m.subject for m in merges] == ["Merge feature 60", "Merge feature 30"]
    files = {f.path for f in merges[0].files}
    assert files == {"apps/web/feature-60.yaml"}
    assert "apps/web/feature-60.yaml" in history.patch(repo, merges[0].sha, ["apps/web"])
