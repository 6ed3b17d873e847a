"""The private bare clone: where it lives, what it reads, and how it follows origin."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import pygit2
import pytest

from gitops_tui.errors import GitError
from gitops_tui.git.repo import GitRepo, GitTree
from gitops_tui.git.revert import Identity
from gitops_tui.source import Entry

from .conftest import BOB, REVERTER, Sample, WorkRepo, deployment, git


def snapshot(root: Path) -> dict[str, tuple[int, str]]:
    """Every file under root (the .git directory included): mtime and content hash."""
    return {
        str(p.relative_to(root)): (p.stat().st_mtime_ns, hashlib.sha1(p.read_bytes()).hexdigest())
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_private_clone_lives_in_the_cache_and_leaves_the_work_tree_alone(
    sample: Sample, cache: Path
) -> None:
    work = sample.work
    # An uncommitted edit and an untracked file: both must survive as they are.
    work.write({"apps/web/service.yaml": "edited by hand\n", "notes.txt": "draft\n"})
    status = work.git("status", "--porcelain")  # may refresh .git/index: before the snapshot
    before = snapshot(work.path)

    repo = GitRepo.open(work.path, cache)
    repo.fetch()
    tree = repo.tree("main")
    assert tree.read("apps/web/service.yaml").startswith(b"kind: Service")
    assert not tree.exists("notes.txt")

    assert repo.path.parent == cache.resolve()
    assert repo.path.name.startswith("work-")
    assert repo.pygit.is_bare
    assert snapshot(work.path) == before
    assert work.git("status", "--porcelain") == status
    assert repo.branch == "main"
    assert repo.remote_url == str(work.path.resolve())


def test_reopening_reuses_the_clone(sample: Sample, cache: Path) -> None:
    first = GitRepo.open(sample.origin, cache)
    marker = first.path / "gitops-tui-marker"
    marker.write_text("still here")
    again = GitRepo.open(str(sample.origin), cache)
    assert again.path == first.path
    assert marker.exists()
    assert [p.name for p in cache.iterdir()] == [first.path.name]
    # A different source gets its own clone.
    other = GitRepo.open(sample.work.path, cache)
    assert other.path != first.path


def test_read_files_and_directories_at_several_revisions(sample: Sample, cache: Path) -> None:
    repo = GitRepo.open(sample.origin, cache)
    head: GitTree = repo.tree("HEAD")
    assert head.listdir("") == [Entry("README.md", False), Entry("apps", True)]
    assert head.listdir("apps/web") == [
        Entry("config.yaml", False),
        Entry("deployment.yaml", False),
        Entry("service.yaml", False),
    ]
    assert head.listdir("./apps/web/") == head.listdir("apps/web")
    assert head.is_dir("apps") and not head.is_dir("README.md")
    assert head.exists("apps/web/config.yaml")
    assert not head.exists("apps/nope")
    with pytest.raises(FileNotFoundError):
        head.read("apps/nope.yaml")
    with pytest.raises(FileNotFoundError):
        head.read("apps")
    with pytest.raises(FileNotFoundError):
        head.listdir("apps/nope")
    with pytest.raises(NotADirectoryError):
        head.listdir("README.md")

    at_tag = repo.tree("v1")
    assert at_tag.read("apps/web/deployment.yaml").decode() == deployment(3, "1.27")
    assert not at_tag.exists("apps/web/config.yaml")
    assert repo.tree("v1-annotated").read("README.md") == b"# platform\n\nApps.\n"
    older = repo.tree(sample.shas["init"])
    assert older.read("apps/web/deployment.yaml").decode() == deployment()
    assert repo.tree(sample.shas["init"][:7]).tree_id("") == older.tree_id("")


def test_branches_resolve_remote_tracking_first(sample: Sample, cache: Path) -> None:
    work = sample.work
    work.git("checkout", "--quiet", "-b", "staging")
    staging = work.commit("staging: 5 replicas", {"apps/web/deployment.yaml": deployment(5)}, BOB)
    work.push("staging")
    work.git("checkout", "--quiet", "main")

    repo = GitRepo.open(sample.origin, cache)
    assert repo.resolve("staging") == staging
    assert repo.tree("staging").read("apps/web/deployment.yaml").decode() == deployment(5)
    assert repo.resolve("main") == sample.shas["web-config"]
    assert repo.resolve("HEAD") == sample.shas["web-config"]
    assert repo.resolve("main~2") == sample.shas["web-image"]
    assert repo.resolve("origin/main") == sample.shas["web-config"]
    assert repo.resolve("v1") == sample.shas["web-image"]
    assert repo.resolve("v1-annotated") == sample.shas["readme"]
    assert repo.resolve(sample.shas["both"][:8]) == sample.shas["both"]

    on_staging = GitRepo.open(sample.origin, cache, branch="staging")
    assert on_staging.branch == "staging"
    assert on_staging.resolve("HEAD") == staging


def test_tree_id_changes_only_with_content(sample: Sample, cache: Path) -> None:
    repo = GitRepo.open(sample.origin, cache)
    ids = {name: repo.tree(sha) for name, sha in sample.shas.items()}
    # The readme commit leaves both apps alone; the web image commit leaves db alone.
    assert ids["db-label"].tree_id("apps/web") == ids["readme"].tree_id("apps/web")
    assert ids["db-label"].tree_id("apps/db") == ids["web-image"].tree_id("apps/db")
    assert ids["readme"].tree_id("apps/web") != ids["web-image"].tree_id("apps/web")
    assert ids["readme"].tree_id("") != ids["db-label"].tree_id("")
    blob = ids["init"].tree_id("apps/web/service.yaml")
    assert blob == str(pygit2.hash(b"kind: Service\nmetadata:\n  name: web\n"))
    assert ids["init"].tree_id("apps/missing") is None


def test_fetch_picks_up_new_commits(sample: Sample, cache: Path, tmp_path: Path) -> None:
    repo = GitRepo.open(sample.origin, cache)
    other = WorkRepo.clone(sample.origin, tmp_path / "other")
    new = other.commit("web: 4 replicas", {"apps/web/deployment.yaml": deployment(4)}, BOB)
    other.push()
    other.git("tag", "v2")
    other.git("push", "--quiet", "origin", "v2")

    assert repo.resolve("main") == sample.shas["web-config"]
    assert repo.fetch() == new
    assert repo.resolve("main") == new
    assert repo.resolve("v2") == new
    assert repo.commit_subject(new) == "web: 4 replicas"
    assert repo.tree("main").read("apps/web/deployment.yaml").decode() == deployment(4)
    assert repo.fetch() == new  # nothing new: same tip


def test_fetch_and_reads_from_several_threads(sample: Sample, cache: Path, tmp_path: Path) -> None:
    repo = GitRepo.open(sample.origin, cache)
    other = WorkRepo.clone(sample.origin, tmp_path / "other")
    new = other.commit("web: 8 replicas", {"apps/web/deployment.yaml": deployment(8)}, BOB)
    other.push()
    tips: list[str] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(5):
                tips.append(repo.fetch())
                repo.tree(repo.branch).read("apps/web/deployment.yaml")
        except BaseException as e:  # reported below, on the test's thread
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert tips == [new] * 20
    assert repo.tree("main").read("apps/web/deployment.yaml").decode() == deployment(8)


def test_unknown_revision_names_it(sample: Sample, cache: Path) -> None:
    repo = GitRepo.open(sample.origin, cache)
    for rev in ("no-such-branch", "deadbeef", "main~99", ""):
        with pytest.raises(GitError, match=rev or "''"):
            repo.resolve(rev)


def test_unknown_branch_and_missing_source(sample: Sample, cache: Path, tmp_path: Path) -> None:
    with pytest.raises(GitError, match=r"branch 'prod' not found .*branches: main"):
        GitRepo.open(sample.origin, cache, branch="prod")
    with pytest.raises(GitError, match="no such path"):
        GitRepo.open(tmp_path / "missing", cache)
    plain = tmp_path / "plain-dir"
    plain.mkdir()
    with pytest.raises(GitError, match=f"cloning {plain} failed"):
        GitRepo.open(plain, cache)
    # A failed clone leaves nothing behind: only origin's clone (kept for reuse) is there.
    assert [p.name.split("-")[0] for p in cache.iterdir()] == ["origin"]


def test_default_branch_follows_the_remote_head(tmp_path: Path, cache: Path) -> None:
    work = WorkRepo.init(tmp_path / "trunk-repo")
    work.git("checkout", "--quiet", "-b", "trunk")
    sha = work.commit("first", {"a.txt": "a\n"})
    work.git("branch", "--quiet", "other")
    repo = GitRepo.open(work.path, cache)
    assert repo.branch == "trunk"
    assert repo.resolve("HEAD") == sha


def test_identity_from_the_clone_config_then_global(
    sample: Sample, cache: Path, isolated_git: Path
) -> None:
    repo = GitRepo.open(sample.origin, cache)
    assert repo.identity() is None
    git(isolated_git, "config", "--global", "user.name", REVERTER.name)
    git(isolated_git, "config", "--global", "user.email", REVERTER.email)
    fresh = GitRepo.open(sample.origin, cache)
    assert fresh.identity() == REVERTER
    fresh.pygit.config["user.name"] = "Clone Local"
    assert fresh.identity() == Identity("Clone Local", REVERTER.email)
