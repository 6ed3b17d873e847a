"""Which REST resource serves a kind: API discovery, fetched per group-version and cached.

A miss refreshes that group-version once, so a CRD created a moment ago is found.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from kubernetes import client

from gitops_tui.cluster.request import get_json
from gitops_tui.errors import GitOpsError


class UnknownKind(GitOpsError):
    def __init__(self, api_version: str, kind: str, hint: str = "") -> None:
        self.api_version, self.kind = api_version, kind
        super().__init__(
            f"the cluster does not serve {kind} in {api_version}"
            + (f" ({hint})" if hint else " (is its CRD installed?)")
        )


@dataclass(frozen=True)
class Resource:
    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    def path(self, namespace: str | None = None, name: str | None = None) -> str:
        base = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        if self.namespaced and namespace:
            base += f"/namespaces/{namespace}"
        base += f"/{self.plural}"
        return f"{base}/{name}" if name else base


class Discovery:
    def __init__(self, api: client.ApiClient) -> None:
        self.api = api
        self._lock = threading.Lock()
        self._by_gv: dict[str, dict[str, Resource]] = {}

    def _load(self, api_version: str) -> dict[str, Resource]:
        group, _, version = api_version.rpartition("/")
        path = f"/apis/{api_version}" if group else f"/api/{version}"
        try:
            doc = get_json(self.api, path)
        except client.ApiException as e:
            if e.status == 404:
                return {}
            raise
        kinds: dict[str, Resource] = {}
        for r in doc.get("resources", []):
            if "/" in r["name"]:  # subresources such as deployments/scale
                continue
            kinds[r["kind"]] = Resource(group, version, r["kind"], r["name"], r["namespaced"])
        return kinds

    def resource(self, api_version: str, kind: str) -> Resource:
        with self._lock:
            kinds = self._by_gv.get(api_version)
        if kinds is None or kind not in kinds:
            kinds = self._load(api_version)
            with self._lock:
                self._by_gv[api_version] = kinds
        if kind not in kinds:
            raise UnknownKind(api_version, kind)
        return kinds[kind]

    def api_versions(self) -> list[str]:
        """Every group/version the server serves and every group/version/Kind in it, as
        Argo CD hands them to helm (`--api-versions`, `.Capabilities.APIVersions`)."""
        core = get_json(self.api, "/api").get("versions", [])
        groups = get_json(self.api, "/apis").get("groups", [])
        gvs = [*core, *(v["groupVersion"] for g in groups for v in g.get("versions", []))]
        out: list[str] = []
        for gv in gvs:
            with self._lock:
                kinds = self._by_gv.get(gv)
            if kinds is None:
                kinds = self._load(gv)
                with self._lock:
                    self._by_gv[gv] = kinds
            out.append(gv)
            out += [f"{gv}/{kind}" for kind in sorted(kinds)]
        return out

    def forget(self, api_version: str) -> None:
        with self._lock:
            self._by_gv.pop(api_version, None)
