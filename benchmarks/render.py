#!/usr/bin/env python3
"""Native kustomize rendering vs the kustomize binary, per overlay, in the same run.

Renders every `environments/*/*` overlay of the sample repository (written to a
temporary directory) when `gitops_tui.demo.write_sample_repo` exists, otherwise
every conformance case. Prints JSON: median seconds over --runs renders each,
natively (no cache) and as a `kustomize build` / `kubectl kustomize` subprocess.

    .venv/bin/python benchmarks/render.py [--runs 20] [--limit N]
"""

from __future__ import annotations

import argparse
import importlib
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gitops_tui.render.kustomize import render_kustomization  # noqa: E402
from gitops_tui.render.kustomize.binary import find_binary  # noqa: E402
from gitops_tui.source import FsTree  # noqa: E402

CASES = ROOT / "tests" / "conformance" / "cases"


def _sample_targets(tmp: Path) -> list[tuple[Path, str]] | None:
    try:
        demo = importlib.import_module("gitops_tui.demo")
    except ImportError:
        return None
    write = getattr(demo, "write_sample_repo", None)
    if write is None:
        return None
    write(tmp)
    return [
        (tmp, str(p.relative_to(tmp)))
        for p in sorted((tmp / "environments").glob("*/*"))
        if (p / "kustomization.yaml").is_file()
    ]


def _case_targets() -> list[tuple[Path, str]]:
    out = []
    for case in sorted(p for p in CASES.iterdir() if p.is_dir()):
        out.append((case, "overlay" if (case / "overlay").is_dir() else ""))
    return out


def _median(fn, runs: int) -> float:  # noqa: ANN001
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--limit", type=int, default=0, help="only the first N overlays")
    args = ap.parse_args(argv)
    cmd = find_binary()
    with tempfile.TemporaryDirectory() as tmp:
        targets = _sample_targets(Path(tmp))
        source = "sample-repo"
        if not targets:
            targets, source = _case_targets(), "conformance-cases"
        if args.limit:
            targets = targets[: args.limit]
        results = []
        for root, path in targets:
            tree = FsTree(root)
            native = _median(lambda t=tree, p=path: render_kustomization(t, p), args.runs)
            row: dict[str, object] = {
                "overlay": f"{root.name}/{path}" if source == "conformance-cases" else path,
                "native_s": round(native, 6),
            }
            if cmd:
                target = str(root / path)
                binary = _median(
                    lambda t=target: subprocess.run([*cmd, t], capture_output=True, check=True),
                    args.runs,
                )
                row["binary_s"] = round(binary, 6)
                row["ratio"] = round(binary / native, 1)
            results.append(row)
    ratios = [r["ratio"] for r in results if "ratio" in r]
    summary = {
        "source": source,
        "binary": " ".join(cmd) if cmd else None,
        "runs": args.runs,
        "overlays": results,
        "median_ratio": round(statistics.median(ratios), 1) if ratios else None,
        "min_ratio": min(ratios) if ratios else None,
    }
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
