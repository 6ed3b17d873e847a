"""Resources as kustomize tracks them: the object plus its id history and name affixes."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from ...errors import RenderError

MERGE_KEYS = Path(__file__).resolve().parent.parent / "merge_keys.json"


@cache
def schema() -> dict[str, Any]:
    return json.loads(MERGE_KEYS.read_text())


@cache
def _cluster_scoped() -> frozenset[str]:
    return frozenset(schema()["clusterScoped"])


def split_api_version(api_version: str) -> tuple[str, str]:
    group, _, version = api_version.rpartition("/")
    return group, version


def is_cluster_scoped(api_version: str, kind: str) -> bool:
    group, _ = split_api_version(api_version)
    return (f"{group}/{kind}" if group else kind) in _cluster_scoped()


@dataclass(frozen=True)
class ResId:
    group: str
    version: str
    kind: str
    name: str
    namespace: str

    @property
    def cluster_scoped(self) -> bool:
        return is_cluster_scoped(
            f"{self.group}/{self.version}" if self.group else self.version, self.kind
        )

    @property
    def effective_namespace(self) -> str:
        # kustomize treats "" and "default" alike; cluster-scoped ids have none.
        if self.cluster_scoped:
            return "~X"
        return self.namespace or "default"

    def same(self, other: ResId) -> bool:
        return (
            self.group == other.group
            and self.version == other.version
            and self.kind == other.kind
            and self.name == other.name
            and self.effective_namespace == other.effective_namespace
        )

    def __str__(self) -> str:
        gv = f"{self.group}/{self.version}" if self.group else self.version
        ns = f" in namespace {self.namespace}" if self.namespace else ""
        return f"{gv} {self.kind} {self.name}{ns}"


def res_id(obj: dict[str, Any]) -> ResId:
    group, version = split_api_version(str(obj.get("apiVersion") or ""))
    meta = obj.get("metadata") or {}
    return ResId(
        group,
        version,
        str(obj.get("kind") or ""),
        str(meta.get("name") or ""),
        str(meta.get("namespace") or ""),
    )


@dataclass
class Resource:
    obj: dict[str, Any]
    source: str
    prev_ids: list[ResId] = field(default_factory=list)
    prefixes: list[str] = field(default_factory=list)
    suffixes: list[str] = field(default_factory=list)
    needs_hash: bool = False
    behavior: str = "create"

    @property
    def id(self) -> ResId:
        return res_id(self.obj)

    @property
    def org_id(self) -> ResId:
        return self.prev_ids[0] if self.prev_ids else self.id

    def any_ids(self) -> list[ResId]:
        return [self.id, *self.prev_ids]

    def store_previous_id(self) -> None:
        self.prev_ids.append(self.id)

    @property
    def meta(self) -> dict[str, Any]:
        m = self.obj.get("metadata")
        if not isinstance(m, dict):
            m = self.obj["metadata"] = {}
        return m

    @property
    def name(self) -> str:
        return str(self.meta.get("name") or "")

    @name.setter
    def name(self, value: str) -> None:
        self.meta["name"] = value

    @property
    def kind(self) -> str:
        return str(self.obj.get("kind") or "")

    def deepcopy(self) -> Resource:
        return Resource(
            copy.deepcopy(self.obj),
            self.source,
            list(self.prev_ids),
            list(self.prefixes),
            list(self.suffixes),
            self.needs_hash,
            self.behavior,
        )


class ResMap:
    """An ordered list of resources with kustomize's id rules."""

    def __init__(self) -> None:
        self.items: list[Resource] = []

    def __iter__(self) -> Iterator[Resource]:
        # A snapshot: transformers may replace items while iterating.
        return iter(list(self.items))

    def __len__(self) -> int:
        return len(self.items)

    def append(self, r: Resource, file: str, line: int | None = None) -> None:
        rid = r.id
        for other in self.items:
            if other.id.same(rid):
                raise RenderError(
                    file,
                    f"may not add resource with an already registered id: {rid} "
                    f"(from {r.source}, already from {other.source})",
                    line,
                )
        self.items.append(r)

    def by_any_id(self, rid: ResId) -> list[Resource]:
        return [r for r in self.items if any(i.same(rid) for i in r.any_ids())]

    def replace(self, old: Resource, new: Resource) -> None:
        self.items[self.items.index(old)] = new

    def drop_empty(self) -> None:
        self.items = [r for r in self.items if r.obj]
