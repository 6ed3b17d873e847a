"""Server-side apply with our field manager, in a safe order, and deletion for prune."""

from __future__ import annotations

import concurrent.futures
import copy
import itertools
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass

from kubernetes import client

from gitops_tui.cluster.discovery import Discovery, Resource, UnknownKind
from gitops_tui.cluster.request import ClusterUnreachable, call
from gitops_tui.errors import GitOpsError
from gitops_tui.model import (
    FIELD_MANAGER,
    INSTALLATION_ANNOTATION,
    TRACKING_ANNOTATION,
    TRACKING_LABEL,
    ObjectRef,
)

CRD_ESTABLISH_TIMEOUT = 30.0


@dataclass
class ApplyError(GitOpsError):
    """The API refused an object: names the object, and the field when the server says."""

    ref: ObjectRef
    message: str
    field: str | None = None
    status: int | None = None

    def __str__(self) -> str:
        where = f" field {self.field}" if self.field else ""
        code = f" (HTTP {self.status})" if self.status else ""
        return f"{self.ref}{where}: {self.message}{code}"


def api_error(ref: ObjectRef, e: client.ApiException) -> ApplyError:
    """Turn an API Status into one precise line: 422 causes name their field."""
    message, field = e.reason or "error", None
    try:
        status = json.loads(e.body or "{}")
    except (TypeError, ValueError):
        status = {}
    if status.get("message"):
        message = status["message"]
    causes = (status.get("details") or {}).get("causes") or []
    if causes:
        field = causes[0].get("field")
        message = "; ".join(c.get("message", "") for c in causes if c.get("message")) or message
    if e.status == 403:
        message = f"forbidden: {message}"
    return ApplyError(ref, message, field, e.status)


def connection_error(ref: ObjectRef, e: Exception) -> ApplyError:
    if isinstance(e, ClusterUnreachable):
        return ApplyError(ref, str(e))
    text = str(e).splitlines()[0][:200] if str(e) else type(e).__name__
    return ApplyError(ref, f"API server unreachable: {text}")


def track(obj: dict, app: str, installation: str = "") -> dict:
    """A copy of obj carrying our tracking label and annotations."""
    out = copy.deepcopy(obj)
    meta = out.setdefault("metadata", {})
    meta.setdefault("labels", {})[TRACKING_LABEL] = app
    ref = ObjectRef.of(out)
    annotations = meta.setdefault("annotations", {})
    annotations[TRACKING_ANNOTATION] = ref.tracking_id(app)
    if installation:
        annotations[INSTALLATION_ANNOTATION] = installation
    return out


CRD_RANK = 1
APPLY_WORKERS = 4  # requests in flight at once: the API server overlaps them


def _rank(obj: dict) -> int:
    kind = obj.get("kind")
    if kind == "Namespace":
        return 0
    if kind == "CustomResourceDefinition":
        return CRD_RANK
    return 2


def apply_order(objs: Iterable[dict]) -> list[dict]:
    """Namespaces, then CRDs, then everything else; stable within each rank."""
    return sorted(objs, key=_rank)


def prune_order(refs: Iterable[ObjectRef]) -> list[ObjectRef]:
    """The reverse: workloads first, CRDs next, namespaces last."""
    rank = {"Namespace": 0, "CustomResourceDefinition": 1}
    return sorted(refs, key=lambda r: -rank.get(r.kind, 2))


class Applier:
    def __init__(
        self,
        api: client.ApiClient,
        discovery: Discovery,
        manager: str = FIELD_MANAGER,
        workers: int = APPLY_WORKERS,
    ) -> None:
        self.api = api
        self.discovery = discovery
        self.manager = manager
        self.workers = workers  # applies in flight at once within a rank

    def _resource(self, ref: ObjectRef) -> Resource:
        try:
            return self.discovery.resource(ref.api_version, ref.kind)
        except UnknownKind as e:
            raise ApplyError(ref, str(e)) from None
        except client.ApiException as e:
            raise api_error(ref, e) from None
        except Exception as e:  # urllib3 connection errors
            raise connection_error(ref, e) from None

    def apply(self, obj: dict, *, force: bool = True, dry_run: bool = False) -> dict:
        """Server-side apply one object; returns the live object the server answered."""
        ref = ObjectRef.of(obj)
        res = self._resource(ref)
        query = [("fieldManager", self.manager), ("force", "true" if force else "false")]
        if dry_run:
            query.append(("dryRun", "All"))
        path = res.path(ref.namespace if res.namespaced else None, ref.name)
        if res.namespaced and not ref.namespace:
            raise ApplyError(
                ref, "namespaced object without metadata.namespace", "metadata.namespace"
            )
        try:
            return call(
                self.api,
                "PATCH",
                path,
                body=obj,
                query=query,
                content_type="application/apply-patch+yaml",
            )
        except client.ApiException as e:
            raise api_error(ref, e) from None
        except ClusterUnreachable as e:
            raise connection_error(ref, e) from None
        except GitOpsError:
            raise
        except Exception as e:
            raise connection_error(ref, e) from None

    def create_if_missing(self, obj: dict) -> bool:
        """Create an object we do not own (CreateNamespace=true); True if it was created.

        A plain create, not an apply: applying would make our field manager own the
        object's fields, and a later apply of the same object by an app that does track
        it would then drop them.
        """
        ref = ObjectRef.of(obj)
        res = self._resource(ref)
        path = res.path(ref.namespace if res.namespaced else None)
        try:
            call(self.api, "POST", path, body=obj, query=[("fieldManager", self.manager)])
        except client.ApiException as e:
            if e.status == 409:
                return False
            raise api_error(ref, e) from None
        except Exception as e:
            raise connection_error(ref, e) from None
        return True

    def delete(self, ref: ObjectRef) -> bool:
        """Delete in the background (the garbage collector removes dependents); False if gone."""
        res = self._resource(ref)
        path = res.path(ref.namespace if res.namespaced else None, ref.name)
        try:
            call(self.api, "DELETE", path, body={"propagationPolicy": "Background"})
        except client.ApiException as e:
            if e.status == 404:
                return False
            raise api_error(ref, e) from None
        except Exception as e:
            raise connection_error(ref, e) from None
        return True

    def wait_established(self, crd_name: str, timeout: float = CRD_ESTABLISH_TIMEOUT) -> None:
        """CRs can be applied only once their CRD serves: poll its Established condition."""
        ref = ObjectRef("apiextensions.k8s.io", "CustomResourceDefinition", "", crd_name, "v1")
        path = f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{crd_name}"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                crd = call(self.api, "GET", path)
            except client.ApiException as e:
                raise api_error(ref, e) from None
            conditions = (crd.get("status") or {}).get("conditions") or []
            if any(c["type"] == "Established" and c["status"] == "True" for c in conditions):
                self._wait_discoverable(ref, crd.get("spec", {}), deadline, timeout)
                return
            time.sleep(0.1)  # poll interval within the deadline
        raise ApplyError(ref, f"not Established after {timeout:.0f}s")

    def _wait_discoverable(
        self, ref: ObjectRef, spec: dict, deadline: float, timeout: float
    ) -> None:
        # Established comes before the API server's discovery lists the new group-version
        # (its discovery controller catches up a moment later); the custom resources
        # applied next look their kind up there, so wait for it too.
        kind = (spec.get("names") or {}).get("kind", "")
        for v in spec.get("versions", []):
            if not v.get("served", True):
                continue
            gv = f"{spec.get('group')}/{v['name']}"
            while True:
                self.discovery.forget(gv)
                try:
                    self.discovery.resource(gv, kind)
                    break
                except UnknownKind:
                    if time.monotonic() >= deadline:
                        raise ApplyError(
                            ref, f"Established but {gv} not in discovery after {timeout:.0f}s"
                        ) from None
                except client.ApiException as e:
                    raise api_error(ref, e) from None
                time.sleep(0.1)  # poll interval within the deadline


def apply_all(applier: Applier, objs: Iterable[dict], *, force: bool = True) -> list[dict]:
    """Apply in the safe order: each rank (namespaces, CRDs, the rest) before the next,
    and a CRD Established before anything after it. Within a rank the objects do not
    depend on one another, so applier.workers requests go at once."""
    ordered = apply_order(objs)
    results: list[dict] = []
    for rank, group in itertools.groupby(ordered, key=_rank):
        batch = list(group)
        results += _apply_batch(applier, batch, force)
        if rank == CRD_RANK:
            for crd in batch:
                applier.wait_established(crd["metadata"]["name"])
    return results


def _apply_batch(applier: Applier, batch: list[dict], force: bool) -> list[dict]:
    if len(batch) == 1 or applier.workers <= 1:
        return [applier.apply(obj, force=force) for obj in batch]
    results: list[dict | None] = [None] * len(batch)
    errors: dict[int, Exception] = {}
    workers = min(applier.workers, len(batch))
    with concurrent.futures.ThreadPoolExecutor(workers, thread_name_prefix="apply") as pool:
        futures = {pool.submit(applier.apply, obj, force=force): i for i, obj in enumerate(batch)}
        for fut in concurrent.futures.as_completed(futures):
            if fut.cancelled():
                continue
            try:
                results[futures[fut]] = fut.result()
            except Exception as e:
                errors[futures[fut]] = e
                for other in futures:  # stop at the first failure, as a serial apply does
                    other.cancel()
    if errors:
        raise errors[min(errors)]  # the first in apply order among those that failed
    return [r for r in results if r is not None]
