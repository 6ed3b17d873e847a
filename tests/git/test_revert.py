"""Reverts made in memory on the private clone and pushed to a real origin."""

from __future__ import annotations

from pathlib import Path

import pygit2
import pytest
from pygit2.enums import RepositoryState

from gitops_tui.errors import GitError
from gitops_tui.git import revert as git_revert
from gitops_tui.git.repo import GitRepo
from gitops_tui.git.revert import NeedsMainline, PushRejected, RevertConflict

from .conftest import BOB, CAROL, REVERTER, Sample, WorkRepo, deployment, git
from .httpremote import GitHttpServer

# The bare clone must never be left mid-operation.
STATE_FILES = ("MERGE_HEAD", "REVERT_HEAD", "CHERRY_PICK_HEAD", "MERGE_MSG", "MERGE_MODE", "index")


def origin_head(origin: Path, rev: str = "main") -> str:
    return git(origin, "rev-parse", rev)


def show(origin: Path, rev: str, path: str) -> str:
    return git(origin, "show", f"{rev}:{path}") + "\n"


def assert_clean(repo: GitRepo) -> None:
    assert repo.pygit.state() == RepositoryState.NONE
    assert [name for name in STATE_FILES if (repo.path / name).exists()] == []


def test_revert_is_pushed_with_the_right_message_and_content(sample: Sample, cache: Path) -> None:
    repo = GitRepo.open(sample.origin, cache)
    target = sample.shas["web-scale"]
    tip = repo.fetch()
    new = git_revert.revert(repo, target, REVERTER)
    assert origin_head(sample.origin) == tip  # nothing leaves the clone before push()
    assert repo.resolve(f"refs/heads/{repo.branch}") == new
    git_revert.push(repo)

    assert origin_head(sample.origin) == new
    message = git(sample.origin, "log", "-1", "--format=%B", new)
    assert message == f'Revert "web: scale to 3"\n\nThis reverts commit {target}.'
    assert git(sample.origin, "log", "-1", "--format=%an <%ae>|%P", new) == (
        f"{REVERTER.name} <{REVERTER.email}>|{tip}"
    )
    # Back to 2 replicas, with the later image change kept.
    assert show(sample.origin, "main", "apps/web/deployment.yaml") == deployment(2, "1.27")
    assert git(sample.origin, "diff", "--stat", tip, new, "--", "apps/db", "README.md") == ""
    assert repo.resolve("main") == new  # remote-tracking follows the push
    assert_clean(repo)


def test_identity_comes_from_git_config(sample: Sample, cache: Path, isolated_git: Path) -> None:
    repo = GitRepo.open(sample.origin, cache)
    with pytest.raises(GitError, match=r"user\.name.*user\.email"):
        git_revert.revert(repo, sample.shas["readme"])
    assert repo.resolve(f"refs/heads/{repo.branch}") == sample.shas["web-config"]
    git(isolated_git, "config", "--global", "user.name", "Gina Global")
    git(isolated_git, "config", "--global", "user.email", "gina@example.com")
    repo = GitRepo.open(sample.origin, cache)
    new = git_revert.revert(repo, sample.shas["readme"])
    author = repo.pygit[new].author
    assert (author.name, author.email) == ("Gina Global", "gina@example.com")
    assert repo.tree(new).read("README.md") == b"# platform\n"


def test_conflict_names_the_path_and_leaves_everything_untouched(
    sample: Sample, cache: Path
) -> None:
    # A later commit changes the same line the reverted commit changed.
    later = sample.work.commit(
        "web: scale to 5", {"apps/web/deployment.yaml": deployment(5, "1.27")}, CAROL
    )
    sample.work.push()
    repo = GitRepo.open(sample.origin, cache)
    refs_before = {name: repo.pygit.references[name].target for name in repo.pygit.references}

    with pytest.raises(RevertConflict) as caught:
        git_revert.revert(repo, sample.shas["web-scale"], REVERTER)
    assert caught.value.paths == ["apps/web/deployment.yaml"]
    assert "apps/web/deployment.yaml" in str(caught.value)
    assert sample.shas["web-scale"][:8] in str(caught.value)

    refs_after = {name: repo.pygit.references[name].target for name in repo.pygit.references}
    assert refs_after == refs_before
    assert repo.resolve(f"refs/heads/{repo.branch}") == later
    assert_clean(repo)
    assert origin_head(sample.origin) == later
    # The clone still works: a revert that does not conflict goes through.
    new = git_revert.revert(repo, sample.shas["readme"], REVERTER)
    assert repo.pygit[new].parent_ids == [pygit2.Oid(hex=later)]


def test_reverting_twice_changes_nothing(sample: Sample, cache: Path) -> None:
    repo = GitRepo.open(sample.origin, cache)
    git_revert.revert(repo, sample.shas["readme"], REVERTER)
    before = repo.resolve(f"refs/heads/{repo.branch}")
    with pytest.raises(GitError, match="already undone"):
        git_revert.revert(repo, sample.shas["readme"], REVERTER)
    assert repo.resolve(f"refs/heads/{repo.branch}") == before


def test_someone_pushed_first_then_retry_after_fetch(
    sample: Sample, cache: Path, tmp_path: Path
) -> None:
    repo = GitRepo.open(sample.origin, cache)
    first_try = git_revert.revert(repo, sample.shas["web-scale"], REVERTER)
    other = WorkRepo.clone(sample.origin, tmp_path / "other")
    theirs = other.commit("db: resize", {"apps/db/size.yaml": "10Gi\n"}, BOB)
    other.push()

    with pytest.raises(PushRejected) as caught:
        git_revert.push(repo)
    message = str(caught.value)
    assert str(sample.origin.resolve()) in message
    assert "someone pushed" in message
    assert origin_head(sample.origin) == theirs

    assert repo.fetch() == theirs  # drops the unpushed revert
    assert repo.resolve(f"refs/heads/{repo.branch}") == theirs
    retry = git_revert.revert(repo, sample.shas["web-scale"], REVERTER)
    assert retry != first_try
    git_revert.push(repo)
    assert origin_head(sample.origin) == retry
    assert git(sample.origin, "rev-parse", f"{retry}^") == theirs
    assert show(sample.origin, "main", "apps/db/size.yaml") == "10Gi\n"
    assert show(sample.origin, "main", "apps/web/deployment.yaml") == deployment(2, "1.27")


def make_merge(sample: Sample) -> tuple[str, str, str]:
    """A feature branch merged with --no-ff: (merge, first parent, second parent)."""
    work = sample.work
    work.git("checkout", "--quiet", "-b", "feature")
    feature = work.commit("web: nginx 1.28", {"apps/web/deployment.yaml": deployment(3, "1.28")})
    work.git("checkout", "--quiet", "main")
    mainline = work.commit("db: backups", {"apps/db/backup.yaml": "daily\n"}, CAROL)
    work.git("merge", "--quiet", "--no-ff", "-m", "Merge branch 'feature'", "feature")
    work.push()
    return work.head(), mainline, feature


def test_merge_commit_needs_a_mainline(sample: Sample, cache: Path) -> None:
    merge, first, second = make_merge(sample)
    repo = GitRepo.open(sample.origin, cache)
    with pytest.raises(NeedsMainline) as caught:
        git_revert.revert(repo, merge, REVERTER)
    text = str(caught.value)
    assert f"1 = {first[:8]} 'db: backups'" in text
    assert f"2 = {second[:8]} 'web: nginx 1.28'" in text
    assert [n for n, _, _ in caught.value.parents] == [1, 2]
    with pytest.raises(GitError, match="mainline must be 1 to 2"):
        git_revert.revert(repo, merge, REVERTER, mainline=3)
    with pytest.raises(GitError, match="not a merge"):
        git_revert.revert(repo, sample.shas["readme"], REVERTER, mainline=1)
    assert repo.resolve(f"refs/heads/{repo.branch}") == merge

    new = git_revert.revert(repo, merge, REVERTER, mainline=1)
    git_revert.push(repo)
    assert origin_head(sample.origin) == new
    # The feature's change is undone; the first parent's side stays.
    assert show(sample.origin, "main", "apps/web/deployment.yaml") == deployment(3, "1.27")
    assert show(sample.origin, "main", "apps/db/backup.yaml") == "daily\n"
    assert (
        git(sample.origin, "log", "-1", "--format=%s", new) == "Revert \"Merge branch 'feature'\""
    )


# ---- refusals the server reports per ref, not as an error ---------------------------
@pytest.fixture
def served(sample: Sample, http_server: GitHttpServer, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("GITOPS_TUI_GIT_USERNAME", "alice")
    monkeypatch.setenv("GITOPS_TUI_GIT_TOKEN", http_server.users["alice"])
    url = http_server.serve(sample.origin)
    return url, http_server.root / sample.origin.name


def test_a_ref_moved_during_the_push_is_rejected(
    sample: Sample, cache: Path, tmp_path: Path, served: tuple[str, Path]
) -> None:
    url, origin = served
    repo = GitRepo.open(url, cache)
    other = WorkRepo.clone(origin, tmp_path / "other")
    theirs = other.commit("web: 6 replicas", {"apps/web/service.yaml": "moved\n"}, BOB)
    other.git("push", "--quiet", "origin", "HEAD:refs/heads/parking")
    # The update hook runs after the advertisement: moving main there is a lost race,
    # which the server reports only through the per-ref status.
    hook = origin / "hooks" / "update"
    hook.write_text(f"#!/bin/sh\ngit update-ref refs/heads/main {theirs}\n")
    hook.chmod(0o755)
    git_revert.revert(repo, sample.shas["readme"], REVERTER)
    with pytest.raises(PushRejected, match="someone pushed") as caught:
        git_revert.push(repo)
    assert url in str(caught.value)
    assert origin_head(origin) == theirs

    hook.unlink()
    assert repo.fetch() == theirs
    new = git_revert.revert(repo, sample.shas["readme"], REVERTER)
    git_revert.push(repo)
    assert origin_head(origin) == new


def test_a_refusing_hook_is_an_error(sample: Sample, cache: Path, served: tuple[str, Path]) -> None:
    url, origin = served
    repo = GitRepo.open(url, cache)
    hook = origin / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'main is frozen' >&2\nexit 1\n")
    hook.chmod(0o755)
    git_revert.revert(repo, sample.shas["readme"], REVERTER)
    with pytest.raises(GitError, match="hook declined") as caught:
        git_revert.push(repo)
    assert not isinstance(caught.value, PushRejected)
    assert origin_head(origin) == sample.shas["web-config"]
    assert repo.resolve("origin/main") == sample.shas["web-config"]
