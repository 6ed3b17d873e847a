"""An application: one path in the repository, synced to one place in the cluster."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..render.helm import HelmOptions
from ..render.helm_repo import ChartSource

# An app's name is a label value (the tracking label) and part of an object name (its
# state ConfigMap, app-<name>): both hold for a DNS-1123 subdomain of at most 63
# characters, the strictest of the two.
NAME_MAX = 63
_NAME = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")


def name_problem(name: str) -> str | None:
    """Why name cannot name an app, or None."""
    if len(name) > NAME_MAX:
        return f"app name is {len(name)} characters long, more than {NAME_MAX}"
    if not _NAME.fullmatch(name):
        return (
            f"app name {name!r} is not a valid Kubernetes name (lower-case letters, digits, "
            "'-' and '.', starting and ending with a letter or digit)"
        )
    return None


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
    # Why the app can be neither rendered nor synced (a bad name, a field of the wrong
    # shape), as one line naming the file: shown on its row, never applied.
    error: str = ""
    # How a folder holding a Chart.yaml renders (Argo CD's spec.source.helm); None for
    # the apps that never render a chart with helm (Flux Kustomizations).
    helm: HelmOptions | None = None
    # A chart from a Helm repository (Argo CD's spec.source.chart): rendered instead of
    # `path`, which is then the file that declares the app (its history).
    chart: ChartSource | None = None
    # What the last render said (Helm hooks left out, ...): replaced at every render.
    render_warnings: list[str] = field(default_factory=list)
    # The chart the last render inflated with helm, "web@1.2.3"; "" for other renders.
    rendered_chart: str = ""
    # Every repository path the app reads (its bases too, once rendered), for history.
    source_paths: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.source_paths:
            self.source_paths = [self.path]

    @property
    def source(self) -> str:
        """Where the objects come from, as the UI says it: the path, and the chart."""
        return f"{self.path} (helm {self.rendered_chart})" if self.rendered_chart else self.path

    @property
    def notes(self) -> list[str]:
        """Every warning: the declaration's, then the last render's."""
        return [*self.warnings, *self.render_warnings]

    def ignored_paths(self, group: str, kind: str, namespace: str, name: str) -> tuple:
        """The field paths of one object whose differences do not count as drift."""
        return tuple(
            path
            for rule in self.ignore_differences
            if rule.applies_to(group, kind, namespace, name)
            for path in rule.paths()
        )
