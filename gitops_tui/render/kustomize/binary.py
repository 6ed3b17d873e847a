"""Render through the kustomize binary, for the features the native renderer leaves to it."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from ...errors import RenderError
from ...source import SourceTree, unsafe_name
from .load import load_documents


def find_binary() -> list[str] | None:
    """`kustomize build` if installed, else `kubectl kustomize`, else None."""
    if shutil.which("kustomize"):
        return ["kustomize", "build"]
    if shutil.which("kubectl"):
        return ["kubectl", "kustomize"]
    return None


def materialize(tree: SourceTree, dest: Path, path: str = "") -> None:
    """Copy the tree's files into a directory (the binary needs a real one).

    Nothing is written outside `dest`: every name is one plain path component, every
    target resolves below `dest`, and a file is only ever created, never overwritten
    (so not through a link either).
    """
    root = Path(os.path.abspath(dest))  # lexical: the names are checked, no link is made
    for entry in tree.listdir(path):
        child = f"{path}/{entry.name}" if path else entry.name
        if why := unsafe_name(entry.name):
            raise RenderError(child, f"refusing to copy a tree entry named {entry.name!r} ({why})")
        target = dest / child
        if not Path(os.path.abspath(target)).is_relative_to(root):
            raise RenderError(child, f"{target} is outside {root}")
        try:
            if entry.is_dir:
                target.mkdir()
            else:
                flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
                with os.fdopen(os.open(target, flags, 0o600), "wb") as f:
                    f.write(tree.read(child))
        except FileExistsError:
            raise RenderError(child, "the tree holds this name twice") from None
        if entry.is_dir:
            materialize(tree, dest, child)


def run_binary(cmd: list[str], directory: Path, *, helm: bool = False, label: str = "") -> bytes:
    args = [*cmd, str(directory)]
    if helm:
        args.append("--enable-helm")
    proc = subprocess.run(args, capture_output=True, timeout=300, check=False)
    if proc.returncode != 0:
        msg = proc.stderr.decode(errors="replace").strip().splitlines()
        raise RenderError(
            label or str(directory), f"{' '.join(cmd)}: {msg[-1] if msg else 'failed'}"
        )
    return proc.stdout


def render_with_binary(
    tree: SourceTree, path: str, field: str, file: str, line: int | None
) -> list[dict[str, Any]]:
    cmd = find_binary()
    if cmd is None:
        raise RenderError(
            file, f"{field} needs the kustomize binary (kustomize or kubectl), none installed", line
        )
    with tempfile.TemporaryDirectory(prefix="gitops-kustomize-") as tmp:
        root = Path(tmp)
        materialize(tree, root)
        out = run_binary(cmd, root / path, helm=field.startswith("helm"), label=file)
    return load_documents(out, f"{path} (rendered by {cmd[0]})")
