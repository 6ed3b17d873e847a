"""The judge for conformance: the real kustomize binary."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import yaml

from gitops_tui.render.kustomize.binary import find_binary
from gitops_tui.render.kustomize.load import load_documents

CASES = Path(__file__).parent / "cases"


def case_dirs() -> list[Path]:
    return sorted(p for p in CASES.iterdir() if p.is_dir())


def case_path(case: Path) -> str:
    """The kustomization a case renders: `overlay/` when present, else the case root."""
    return "overlay" if (case / "overlay").is_dir() else ""


def canonical(objs: list[dict]) -> str:
    return yaml.safe_dump_all(objs, sort_keys=True)


@pytest.fixture(scope="session")
def kustomize_cmd() -> list[str]:
    cmd = find_binary()
    if cmd is None:
        if os.environ.get("CI") == "true":
            pytest.fail("conformance needs `kustomize` or `kubectl` on PATH (CI=true)")
        pytest.skip("conformance needs `kustomize` or `kubectl` on PATH")
    return cmd


def kustomize_build(cmd: list[str], directory: Path) -> list[dict]:
    proc = subprocess.run([*cmd, str(directory)], capture_output=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr.decode()
    return load_documents(proc.stdout, str(directory))
