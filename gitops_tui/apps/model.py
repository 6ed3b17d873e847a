"""An application: one path in the repository, synced to one place in the cluster."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class IgnoreRule:
    """Argo CD's ignoreDifferences entry: fields of matching objects that never count as
    drift (an HPA owns a Deployment's replicas, say). Sync still applies them."""

    kind: str
    group: str = ""
    name: str | None = None
    namespace: str | None = None
    pointers: tuple[str, ...] = ()  # RFC 6901 JSON pointers

    def applies_to(self, group: str, kind: str, namespace: str, name: str) -> bool:
        return (
            self.kind == kind
            and self.group == group
            and self.name in (None, name)
            and self.namespace in (None, namespace)
        )

    def paths(self) -> tuple[tuple[str, ...], ...]:
        return tuple(pointer_path(p) for p in self.pointers)


def pointer_path(pointer: str) -> tuple[str, ...]:
    """'/spec/replicas' -> ('spec', 'replicas'); '~1' is '/' and '~0' is '~'."""
    if pointer in ("", "/"):
        return ()
    return tuple(s.replace("~1", "/").replace("~0", "~") for s in pointer.lstrip("/").split("/"))


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
    ignore_differences: list[IgnoreRule] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Every repository path the app reads (its bases too, once rendered), for history.
    source_paths: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.source_paths:
            self.source_paths = [self.path]

    def ignored_paths(self, group: str, kind: str, namespace: str, name: str) -> tuple:
        """The field paths of one object whose differences do not count as drift."""
        return tuple(
            path
            for rule in self.ignore_differences
            if rule.applies_to(group, kind, namespace, name)
            for path in rule.paths()
        )
