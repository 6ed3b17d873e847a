"""A fetch that breaks half-way: a remote that sends a truncated pack, a cache disk
that fills up. Each is one clear error; the clone keeps its last good state and the
next fetch, once the cause is gone, works without reopening anything."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from gitops_tui.git.repo import GitError, GitRepo

from .conftest import Sample, git
from .httpremote import GitHttpServer

TOKEN = "s3cret-Token-4f9a"  # what the server accepts for alice (see conftest)


def packs_complete(clone: Path) -> bool:
    """Every pack in the clone has its index (none half-written) and git fsck is happy."""
    pack_dir = clone / "objects" / "pack"
    packs = {p.stem for p in pack_dir.glob("*.pack")}
    leftovers = [p.name for p in pack_dir.iterdir() if p.suffix not in (".pack", ".idx", ".rev")]
    fsck = subprocess.run(["git", "--git-dir", str(clone), "fsck", "--no-dangling"], check=False)
    return (
        not leftovers and packs == {p.stem for p in pack_dir.glob("*.idx")} and not fsck.returncode
    )


def test_a_truncated_pack_is_an_error_naming_the_remote_and_keeps_the_last_good_tree(
    cache: Path, sample: Sample, http_server: GitHttpServer, monkeypatch
) -> None:
    monkeypatch.setenv("GITOPS_TUI_GIT_USERNAME", "alice")
    monkeypatch.setenv("GITOPS_TUI_GIT_TOKEN", TOKEN)
    url = http_server.serve(sample.origin)
    served = http_server.root / sample.origin.name
    repo = GitRepo.open(url, cache)
    good = repo.fetch()
    sample.work.commit("web: a big change", {"apps/web/blob.txt": os.urandom(200_000).hex()})
    sample.work.git("push", "--quiet", str(served), "main")
    http_server.pack_bytes = 2000  # the pack stops early, the HTTP answer looks whole
    with pytest.raises(GitError) as caught:
        repo.fetch()
    assert str(caught.value) == f"fetching {url} failed: could not read from remote repository"
    # The branch and its trees are as the last good fetch left them.
    assert repo.resolve("main") == good
    assert repo.tree(good).read("apps/web/deployment.yaml")
    assert packs_complete(repo.path)
    http_server.pack_bytes = None
    assert repo.fetch() == sample.work.head()  # the same clone, no restart
    assert repo.tree(sample.work.head()).read("apps/web/blob.txt")


@pytest.fixture
def small_disk(tmp_path: Path):
    """A 1 MiB file system for the cache (a tmpfs: mounting needs root)."""
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("a full disk is emulated with a small tmpfs, which needs root to mount")
    mount = tmp_path / "small-disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def used_kib(path: Path) -> int:
    stat = os.statvfs(path)
    return (stat.f_blocks - stat.f_bfree) * stat.f_frsize // 1024


def test_a_full_cache_disk_during_a_fetch_is_an_error_and_frees_what_it_wrote(
    sample: Sample, small_disk: Path
) -> None:
    repo = GitRepo.open(sample.origin, small_disk)
    good = repo.fetch()
    before = used_kib(small_disk)
    # Random bytes do not compress: the pack is larger than the disk.
    (sample.work.path / "apps/web/big.bin").write_bytes(os.urandom(3_000_000))
    sample.work.git("add", "--all")
    sample.work.git("commit", "--quiet", "-m", "web: a big binary")
    sample.work.push()
    with pytest.raises(GitError) as caught:
        repo.fetch()
    message = str(caught.value)
    assert message.startswith(f"fetching {sample.origin} failed: ") and "\n" not in message
    assert "No space left on device" in message
    assert repo.resolve("main") == good
    assert repo.tree(good).read("apps/web/deployment.yaml")
    assert used_kib(small_disk) <= before + 8  # the half-written pack is gone
    assert packs_complete(repo.path)
    subprocess.run(["mount", "-o", "remount,size=16m", str(small_disk)], check=True)
    assert repo.fetch() == sample.work.head()  # room again: the same clone fetches
    assert git(repo.path, "cat-file", "-t", "HEAD:apps/web/big.bin") == "blob"
