#!/usr/bin/env python3
"""Native kustomize rendering vs the kustomize binary, per overlay, in the same run; and
Helm chart apps rendered by us vs one `helm template` per app.

Renders every `environments/*/*` overlay of the sample repository (written to a
temporary directory) when `gitops_tui.demo.write_sample_repo` exists, otherwise
every conformance case. Prints JSON: median seconds over --runs renders each,
natively (no cache) and as a `kustomize build` / `kubectl kustomize` subprocess.

The Helm figure (`helm`, unless --helm-apps 0): --helm-apps chart apps in a Git
commit (the conformance chart, one value file each), rendered as the service does,
cold (no cache: one helm run per app), warm (the render cache: nothing changed) and
with only helm's output cached (a restarted render cache); the peer is one
`helm template` per app on the same folders. Min, median and max of --helm-runs.

    .venv/bin/python benchmarks/render.py [--runs 20] [--limit N] [--helm-apps 10]
"""

from __future__ import annotations

import argparse
import importlib
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gitops_tui.render.kustomize import render_kustomization  # noqa: E402
from gitops_tui.render.kustomize.binary import find_binary  # noqa: E402
from gitops_tui.source import FsTree  # noqa: E402

CASES = ROOT / "tests" / "conformance" / "cases"
HELM_CHART = ROOT / "tests" / "conformance" / "helm" / "repo" / "charts" / "shop"


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


def _spread(fn: Callable[[], object], runs: int) -> dict[str, float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return {
        "min_s": round(min(times), 6),
        "median_s": round(statistics.median(times), 6),
        "max_s": round(max(times), 6),
    }


def _helm_figure(apps: int, runs: int) -> dict[str, object]:
    import pygit2

    from gitops_tui.git.repo import GitTree
    from gitops_tui.render import Renderer
    from gitops_tui.render import helm as engine

    try:
        helm = engine.find_helm()
    except Exception as e:  # no helm: the figure says why instead
        return {"skipped": str(e)}
    kube = engine.default_kube_version()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "fleet"
        for i in range(apps):
            shutil.copytree(HELM_CHART, work / "apps" / f"app-{i}")
            values = work / "values" / f"app-{i}.yaml"
            values.parent.mkdir(parents=True, exist_ok=True)
            values.write_text(f"replicas: {i % 5}\nconfig: {{greeting: app-{i}}}\n")
        repo = pygit2.init_repository(str(work), initial_head="main")
        repo.index.add_all()
        repo.index.write()
        sig = pygit2.Signature("bench", "bench@example.com")
        repo.create_commit("HEAD", sig, sig, "charts", repo.index.write_tree(), [])
        tree = GitTree(repo.head.peel(pygit2.Commit).tree)
        targets = [
            (
                f"apps/app-{i}",
                engine.HelmOptions(
                    release_name=f"app-{i}",
                    namespace="bench",
                    value_files=(f"/values/app-{i}.yaml",),
                    kube_version=kube,
                ),
            )
            for i in range(apps)
        ]

        def render_all(renderer: Renderer) -> None:
            for path, opts in targets:
                renderer.render(tree, path, helm=opts)

        def cold() -> None:
            engine.CACHE.entries.clear()
            render_all(Renderer())

        warm_renderer = Renderer()
        render_all(warm_renderer)

        def helm_cache_only() -> None:
            render_all(Renderer())  # helm's output cached, every app still resolved

        def peer() -> None:
            for i in range(apps):
                subprocess.run(
                    [
                        helm.path,
                        "template",
                        f"app-{i}",
                        str(work / "apps" / f"app-{i}"),
                        "--namespace",
                        "bench",
                        "-f",
                        str(work / "values" / f"app-{i}.yaml"),
                        "--kube-version",
                        kube,
                        "--include-crds",
                    ],
                    capture_output=True,
                    check=True,
                    env=engine.helm_env(Path(tmp)),
                )

        figure: dict[str, object] = {
            "helm": f"{helm.path} {helm.version}",
            "apps": apps,
            "runs": runs,
            "ours_cold": _spread(cold, runs),
            "ours_warm": _spread(lambda: render_all(warm_renderer), runs),
            "ours_helm_output_cached": _spread(helm_cache_only, runs),
            "helm_template_per_app": _spread(peer, runs),
        }
    cold_median = figure["ours_cold"]["median_s"]  # type: ignore[index]
    peer_median = figure["helm_template_per_app"]["median_s"]  # type: ignore[index]
    warm_median = figure["ours_warm"]["median_s"]  # type: ignore[index]
    figure["cold_over_peer"] = round(cold_median / peer_median, 2)
    figure["peer_over_warm"] = round(peer_median / max(warm_median, 1e-9), 1)
    return figure


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--limit", type=int, default=0, help="only the first N overlays")
    ap.add_argument("--helm-apps", type=int, default=10, help="chart apps (0: no Helm figure)")
    ap.add_argument("--helm-runs", type=int, default=5)
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
    if args.helm_apps:
        summary["helm"] = _helm_figure(args.helm_apps, args.helm_runs)
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
