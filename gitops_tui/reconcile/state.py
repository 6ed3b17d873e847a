"""Per-app state kept in the cluster, so every TUI and daemon sees the same thing.

One ConfigMap per app in the control namespace holds pause, suspend, the last synced
revision and the last sync results. Writes use the object's resourceVersion
(optimistic concurrency): a concurrent writer makes us re-read and re-apply the change.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from kubernetes import client

from gitops_tui.apps.model import name_problem
from gitops_tui.audit import AuditRecord
from gitops_tui.cluster.clock import clock_of
from gitops_tui.cluster.request import call
from gitops_tui.errors import GitOpsError

STATE_LABEL = "gitops-tui.io/state"
RESULTS_KEPT = 20
WRITE_ATTEMPTS = 8


class StateError(GitOpsError):
    pass


@dataclass
class Pause:
    reason: str
    by: str
    at: str
    until: str

    def expired(self, at: dt.datetime) -> bool:
        """Whether it has ended at `at`: the API server's time, never a local clock."""
        return self.remaining(at) <= dt.timedelta(0)

    def remaining(self, at: dt.datetime) -> dt.timedelta:
        return dt.datetime.fromisoformat(self.until) - at


@dataclass
class SyncResult:
    at: str
    revision: str
    ok: bool
    message: str
    applied: int = 0
    pruned: int = 0
    trigger: str = "manual"


@dataclass
class AppState:
    app: str
    pause: Pause | None = None
    suspended: bool = False
    sync_status: str = "Unknown"
    health: str = "Unknown"
    last_synced_revision: str = ""
    last_synced_at: str = ""
    error: str = ""
    results: list[SyncResult] = field(default_factory=list)
    # Requests a follower leaves for the leader: [{"action": "sync", "by": ..., "at": ...}]
    requests: list[dict] = field(default_factory=list)
    # Kinds the app has applied ([apiVersion, kind]): watched after a restart to find extras.
    kinds: list[list[str]] = field(default_factory=list)
    resource_version: str = ""

    def to_data(self) -> dict[str, str]:
        body = asdict(self)
        body.pop("resource_version")
        return {"state.json": json.dumps(body, sort_keys=True, indent=1)}

    @classmethod
    def from_configmap(cls, cm: dict) -> AppState:
        body = json.loads((cm.get("data") or {}).get("state.json") or "{}")
        pause = body.pop("pause", None)
        results = body.pop("results", [])
        state = cls(**{k: v for k, v in body.items() if k in cls.__dataclass_fields__})
        state.pause = Pause(**pause) if pause else None
        state.results = [SyncResult(**r) for r in results]
        state.resource_version = cm["metadata"].get("resourceVersion", "")
        return state

    def record(self, result: SyncResult) -> None:
        self.results = [result, *self.results][:RESULTS_KEPT]
        if result.ok:
            self.last_synced_revision = result.revision
            self.last_synced_at = result.at
            self.error = ""
        else:
            self.error = result.message


def object_name(app: str) -> str:
    return f"app-{app}"


class StateStore:
    def __init__(self, api: client.ApiClient, namespace: str) -> None:
        self.api, self.namespace = api, namespace
        self._ns_ready = False

    def _path(self, app: str | None = None) -> str:
        base = f"/api/v1/namespaces/{self.namespace}/configmaps"
        if app and (why := name_problem(app)):
            # Never a request path made of a name like "a/../b": the app is not managed.
            raise StateError(f"no state for {app!r}: {why}")
        return f"{base}/{object_name(app)}" if app else base

    def ensure_namespace(self) -> None:
        if self._ns_ready:
            return
        try:
            call(
                self.api,
                "POST",
                "/api/v1/namespaces",
                body={
                    "apiVersion": "v1",
                    "kind": "Namespace",
                    "metadata": {"name": self.namespace},
                },
            )
        except client.ApiException as e:
            if e.status == 403 and self._namespace_exists():
                pass  # may not create namespaces, but this one is there
            elif e.status != 409:
                raise StateError(
                    f"cannot create control namespace {self.namespace}: {e.reason}"
                ) from None
        self._ns_ready = True

    def _namespace_exists(self) -> bool:
        try:
            call(self.api, "GET", f"/api/v1/namespaces/{self.namespace}")
        except client.ApiException:
            return False
        return True

    def get(self, app: str) -> AppState:
        try:
            return AppState.from_configmap(call(self.api, "GET", self._path(app)))
        except client.ApiException as e:
            if e.status == 404:
                return AppState(app)
            raise StateError(f"cannot read state of {app}: HTTP {e.status} {e.reason}") from None

    def all(self) -> dict[str, AppState]:
        try:
            doc = call(self.api, "GET", self._path(), query=[("labelSelector", STATE_LABEL)])
        except client.ApiException as e:
            if e.status == 404:
                return {}
            raise StateError(f"cannot list app states: HTTP {e.status} {e.reason}") from None
        states = [AppState.from_configmap(cm) for cm in doc.get("items", [])]
        return {s.app: s for s in states}

    def update(self, app: str, change: Callable[[AppState], None]) -> AppState:
        """Read, change, write; retried when another writer got there first."""
        self.ensure_namespace()
        for _ in range(WRITE_ATTEMPTS):
            state = self.get(app)
            change(state)
            body = {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {
                    "name": object_name(app),
                    "namespace": self.namespace,
                    "labels": {STATE_LABEL: "app"},
                },
                "data": state.to_data(),
            }
            try:
                if state.resource_version:
                    body["metadata"]["resourceVersion"] = state.resource_version
                    cm = call(self.api, "PUT", self._path(app), body=body)
                else:
                    cm = call(self.api, "POST", self._path(), body=body)
            except client.ApiException as e:
                if e.status == 409:
                    continue  # someone else wrote it: re-read and re-apply our change
                raise StateError(
                    f"cannot write state of {app}: HTTP {e.status} {e.reason}"
                ) from None
            return AppState.from_configmap(cm)
        raise StateError(
            f"state of {app} kept changing under us; gave up after {WRITE_ATTEMPTS} tries"
        )

    def event(self, record: AuditRecord) -> None:
        """A Kubernetes Event on the app's state object (best effort)."""
        stamp = clock_of(self.api).now().isoformat().replace("+00:00", "Z")
        body = {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {
                "generateName": f"{object_name(record.app)}.",
                "namespace": self.namespace,
            },
            "involvedObject": {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "name": object_name(record.app),
                "namespace": self.namespace,
            },
            "reason": record.action.capitalize(),
            "message": (
                f"{record.who}: {record.message}"
                + (f" @ {record.revision[:12]}" if record.revision else "")
            )[:1024],
            "type": "Normal" if record.ok else "Warning",
            "source": {"component": "gitops-tui"},
            "firstTimestamp": stamp,
            "lastTimestamp": stamp,
            "count": 1,
        }
        # Best effort: the local audit log still has it; an event is a convenience.
        with contextlib.suppress(Exception):
            call(self.api, "POST", f"/api/v1/namespaces/{self.namespace}/events", body=body)
