"""An application: one path in the repository, synced to one place in the cluster."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class App:
    name: str
    path: str
    source_kind: str  # "argocd", "flux" or "gitops-tui"
    declared_in: str  # the file that declares it
    namespace: str | None = None  # destination / targetNamespace
    # Flux's targetNamespace overrides every namespaced object's namespace; Argo CD's
    # destination namespace only fills in objects that have none.
    force_namespace: bool = False
    target_revision: str | None = None  # None: the repository's branch
    repo_url: str | None = None
    server: str | None = None
    context: str | None = None
    prune: bool = False
    self_heal: bool = False
    auto_sync: bool = False
    allow_empty: bool = False
    create_namespace: bool = False
    suspend: bool = False
    recurse: bool = False  # plain directories: read subdirectories too
    interval: str | None = None
    images: list[str] = field(default_factory=list)  # kustomize edit set image syntax
    warnings: list[str] = field(default_factory=list)
    # Every repository path the app reads (its bases too, once rendered), for history.
    source_paths: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.source_paths:
            self.source_paths = [self.path]
