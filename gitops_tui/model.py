"""Small value types shared across the engine, the CLI and the TUI."""

from __future__ import annotations

from dataclasses import dataclass

# Managed objects carry both: the label makes list/watch cheap, the annotation proves
# that *we* created the object (a copied label alone never makes an object prunable).
TRACKING_LABEL = "gitops-tui.io/app"
TRACKING_ANNOTATION = "gitops-tui.io/tracking-id"
# The control namespace of the installation that applied the object: two installations
# in one cluster may both have an app called "platform", and neither may prune the
# other's objects.
INSTALLATION_ANNOTATION = "gitops-tui.io/installation"
FIELD_MANAGER = "gitops-tui"


@dataclass(frozen=True, order=True)
class ObjectRef:
    group: str
    kind: str
    namespace: str
    name: str
    version: str = ""

    @classmethod
    def of(cls, obj: dict) -> ObjectRef:
        api_version = obj.get("apiVersion", "")
        group, _, version = api_version.rpartition("/")
        meta = obj.get("metadata") or {}
        return cls(group, obj.get("kind", ""), meta.get("namespace") or "", meta["name"], version)

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    def tracking_id(self, app: str) -> str:
        return f"{app}:{self.group}/{self.kind}:{self.namespace}/{self.name}"

    def __str__(self) -> str:
        kind = f"{self.kind}.{self.group}" if self.group else self.kind
        return f"{kind} {self.namespace}/{self.name}" if self.namespace else f"{kind} {self.name}"
