"""Settings shared by the TUI, the CLI and the daemon."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path

from gitops_tui.redact import strip_credentials

DEFAULT_CONTROL_NAMESPACE = "gitops-tui-system"


def cache_dir() -> Path:
    if explicit := os.environ.get("GITOPS_TUI_CACHE"):
        return Path(explicit)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "gitops-tui"


@dataclass
class Settings:
    repo: str
    branch: str | None = None
    kubeconfig: Path | None = None
    context: str | None = None
    control_namespace: str = DEFAULT_CONTROL_NAMESPACE
    read_only: bool = False
    fetch_interval: float = 60.0
    cache: Path | None = None
    # The sealed-secrets certificate: a PEM file or URL; None fetches it from the
    # controller through the API server.
    sealed_cert: str | None = None
    # Kustomize bases and files from elsewhere (URLs, other Git repositories, Helm
    # repositories): off, so a repository reads only itself. Never set by the repository.
    allow_remote_resources: bool = False
    # The helm that renders charts; None: $GITOPS_TUI_HELM, the cached build, then PATH.
    helm: str | None = None

    @property
    def cache_path(self) -> Path:
        return self.cache or cache_dir()

    @property
    def shown_repo(self) -> str:
        """The repository as the screen and messages name it: without credentials."""
        return strip_credentials(self.repo)

    def __repr__(self) -> str:
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values["repo"] = self.shown_repo
        return f"Settings({', '.join(f'{k}={v!r}' for k, v in values.items())})"
