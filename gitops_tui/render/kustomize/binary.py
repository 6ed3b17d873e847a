"""Render through the kustomize binary, for the features the native renderer leaves to it.

The repository is untrusted input and the binary runs next to a Git token and a
kubeconfig: before it runs, `confine.check_build` keeps every path of the build inside
the repository (and nothing remote unless allowed); the tree is copied into a fresh
folder that no entry may leave; the binary runs there with kustomize's root-only load
restriction and an environment holding nothing of ours.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from ...errors import RenderError
from ...source import SourceTree, unsafe_name
from .confine import check_build
from .load import load_documents

# Variables the binary may see, copied from ours; everything else (GITOPS_TUI_*, tokens,
# KUBECONFIG, cloud credentials, SSH agents, ...) stays out.
_PASSED = ("PATH", "LANG", "LC_ALL", "TZ")
# With remote resources allowed, git and helm may need the way out to the network.
_NETWORK = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "no_proxy",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
)
LOAD_RESTRICTOR = "LoadRestrictionsRootOnly"


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
    (so not through a link either). A loop, not recursion: directories may nest
    deeper than Python's recursion limit.
    """
    root = Path(os.path.abspath(dest))  # lexical: the names are checked, no link is made
    todo = [path]
    while todo:
        base = todo.pop()
        for entry in tree.listdir(base):
            child = f"{base}/{entry.name}" if base else entry.name
            if why := unsafe_name(entry.name):
                raise RenderError(
                    child, f"refusing to copy a tree entry named {entry.name!r} ({why})"
                )
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
                todo.append(child)


def binary_env(home: Path, *, network: bool = False) -> dict[str, str]:
    """The whole environment of the binary: a few harmless variables of ours and an
    empty HOME, so no credential, config or kubeconfig of ours is within its reach."""
    env = {k: os.environ[k] for k in _PASSED if k in os.environ}
    env.setdefault("PATH", os.defpath)
    if network:
        env.update({k: os.environ[k] for k in _NETWORK if k in os.environ})
    env.update(
        HOME=str(home),
        TMPDIR=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_CACHE_HOME=str(home / ".cache"),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        # git (remote bases): no prompt, no system or global config with its helpers.
        GIT_TERMINAL_PROMPT="0",
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=os.devnull,
    )
    return env


def run_binary(
    cmd: list[str],
    directory: Path,
    *,
    helm: bool = False,
    label: str = "",
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    helm_command: str | None = None,
) -> bytes:
    # The default restriction, said out loud: files only in or below each kustomization.
    args = [*cmd, str(directory), "--load-restrictor", LOAD_RESTRICTOR]
    if helm:
        args.append("--enable-helm")
        if helm_command:  # the helm charts render with elsewhere, not PATH's
            args += ["--helm-command", helm_command]
    proc = subprocess.run(args, capture_output=True, timeout=300, check=False, env=env, cwd=cwd)
    if proc.returncode != 0:
        msg = proc.stderr.decode(errors="replace").strip().splitlines()
        raise RenderError(
            label or str(directory), f"{' '.join(cmd)}: {msg[-1] if msg else 'failed'}"
        )
    return proc.stdout


def render_with_binary(
    tree: SourceTree,
    path: str,
    field: str,
    file: str,
    line: int | None,
    *,
    allow_remote: bool = False,
) -> list[dict[str, Any]]:
    checked = check_build(tree, path, allow_remote=allow_remote)
    cmd = find_binary()
    if cmd is None:
        raise RenderError(
            file, f"{field} needs the kustomize binary (kustomize or kubectl), none installed", line
        )
    helm_command = None
    if checked.helm:
        from ..helm import find_helm

        try:
            helm_command = find_helm().path
        except RenderError:
            pass  # kustomize's own search for helm, and its error
    with tempfile.TemporaryDirectory(prefix="gitops-kustomize-") as tmp:
        repo, home = Path(tmp) / "repo", Path(tmp) / "home"
        repo.mkdir()
        home.mkdir()
        materialize(tree, repo)
        out = run_binary(
            cmd,
            repo / path,
            helm=checked.helm,
            label=file,
            env=binary_env(home, network=allow_remote),
            cwd=repo,
            helm_command=helm_command,
        )
    return load_documents(out, f"{path} (rendered by {cmd[0]})")
