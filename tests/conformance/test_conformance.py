"""Every case renders natively exactly as `kustomize build` renders it: same objects, same order."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_tui.demo import write_sample_repo
from gitops_tui.render.kustomize import render_kustomization
from gitops_tui.source import FsTree

from .conftest import canonical, case_dirs, case_path, kustomize_build


@pytest.mark.parametrize("case", case_dirs(), ids=lambda p: p.name)
def test_case_matches_kustomize(case: Path, kustomize_cmd: list[str]) -> None:
    sub = case_path(case)
    want = kustomize_build(kustomize_cmd, case / sub)
    got = render_kustomization(FsTree(case), sub)
    assert canonical(got) == canonical(want)


def _sample_overlays(dest: Path) -> list[str]:
    envs = dest / "environments"
    if not envs.is_dir():
        return []
    return sorted(
        str(p.relative_to(dest))
        for p in envs.glob("*/*")
        if p.is_dir()
        and any(
            (p / n).is_file() for n in ("kustomization.yaml", "kustomization.yml", "Kustomization")
        )
    )


def test_sample_repo_matches_kustomize(tmp_path: Path, kustomize_cmd: list[str]) -> None:
    write_sample_repo(tmp_path)
    overlays = _sample_overlays(tmp_path)
    assert overlays, "the sample repo has no environments/*/* kustomizations"
    tree = FsTree(tmp_path)
    for overlay in overlays:
        want = kustomize_build(kustomize_cmd, tmp_path / overlay)
        assert canonical(render_kustomization(tree, overlay)) == canonical(want), overlay
