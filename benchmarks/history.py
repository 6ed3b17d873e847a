#!/usr/bin/env python3
"""`gitops_tui.git.history.log` versus `git log` on a 10,000-commit repository.

Builds a repository with `git fast-import` (two apps edited in turn, the README now
and then), opens it as gitops-tui's private clone, then times one app's history:
page 1 and page 100 (50 commits a page), natively and as a `git log --skip
--max-count --numstat -- <path>` subprocess on the same clone, in the same run.
Prints JSON: median seconds over --runs for each, and native/git ratios.

    .venv/bin/python benchmarks/history.py [--commits 10000] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gitops_tui.git import history  # noqa: E402
from gitops_tui.git.repo import GitRepo  # noqa: E402

PAGE = 50
EPOCH = 1_700_000_000


def _data(text: str) -> bytes:
    raw = text.encode()
    return b"data %d\n%s\n" % (len(raw), raw)


def fast_import_stream(commits: int) -> bytes:
    """Commit i edits apps/a (even i) or apps/b (odd i); every 10th also the README."""
    authors = [("Alice Adams", "alice@example.com"), ("Bob Brown", "bob@example.com")]
    out = bytearray()
    for i in range(commits):
        name, email = authors[i % len(authors)]
        app = "a" if i % 2 == 0 else "b"
        ident = f"{name} <{email}> {EPOCH + i * 60} +0000"
        out += b"commit refs/heads/main\n"
        out += f"mark :{i + 1}\nauthor {ident}\ncommitter {ident}\n".encode()
        out += _data(f"app {app}: revision {i}")
        if i:
            out += f"from :{i}\n".encode()
        body = f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {app}\n"
        body += f"spec:\n  replicas: {i % 7 + 1}\n  revision: '{i}'\n"
        out += f"M 100644 inline apps/{app}/deployment.yaml\n".encode() + _data(body)
        if i % 10 == 0:
            out += b"M 100644 inline README.md\n" + _data(f"# bench\n\nrevision {i}\n")
        out += b"\n"
    return bytes(out)


def build(root: Path, commits: int) -> Path:
    bare = root / "bench.git"
    subprocess.run(["git", "init", "--quiet", "--bare", str(bare)], check=True)
    subprocess.run(
        ["git", "fast-import", "--quiet"],
        cwd=bare,
        input=fast_import_stream(commits),
        check=True,
    )
    subprocess.run(["git", "symbolic-ref", "HEAD", "refs/heads/main"], cwd=bare, check=True)
    return bare


def median(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def git_log_cmd(repo: Path, path: str, skip: int) -> list[str]:
    return [
        "git",
        "-C",
        str(repo),
        "log",
        "--numstat",
        "--format=%H%x00%an%x00%ae%x00%at%x00%s",
        f"--skip={skip}",
        f"--max-count={PAGE}",
        "main",
        "--",
        path,
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--path", default="apps/a")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="gitops-tui-bench-") as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        bare = build(root, args.commits)
        built = time.perf_counter() - started
        repo = GitRepo.open(bare, root / "cache")

        pages = {}
        for number in (1, 100):
            skip = (number - 1) * PAGE
            # The first call also fills libgit2's object cache; the median is of warm runs.
            first = time.perf_counter()
            page = history.log(repo, "main", [args.path], skip=skip, limit=PAGE)
            first = time.perf_counter() - first
            cmd = git_log_cmd(repo.path, args.path, skip)
            git_shas = [
                line.split("\0")[0]
                for line in subprocess.run(cmd, capture_output=True, text=True).stdout.splitlines()
                if "\0" in line
            ]
            native = median(
                lambda skip=skip: history.log(repo, "main", [args.path], skip=skip, limit=PAGE),
                args.runs,
            )
            git = median(
                lambda cmd=cmd: subprocess.run(cmd, capture_output=True, check=True), args.runs
            )
            pages[f"page_{number}"] = {
                "skip": skip,
                "commits": len(page),
                "same_as_git": [c.sha for c in page] == git_shas,
                "native_first_s": round(first, 4),
                "native_s": round(native, 4),
                "git_s": round(git, 4),
                "ratio": round(native / git, 2),
            }

    print(
        json.dumps(
            {
                "commits": args.commits,
                "path": args.path,
                "page_size": PAGE,
                "runs": args.runs,
                "build_s": round(built, 2),
                "git_command": "git log --numstat --format=... --skip --max-count main -- <path>",
                **pages,
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
