"""The authoritative comparison: what a forced server-side apply would change.

A dry-run apply (dryRun=All) returns the object as it would be after applying Git, with
every default, conversion and webhook mutation the server performs; compared with live it
decides cases the fast projection cannot (unknown schemas, pruned unknown fields).

It differs from the projection by design in one case: an extra list item owned by another
manager (a sidecar container) survives our apply, so the dry run does not see it as drift.
It costs two API round trips per object: use it to confirm, not on every reconcile.
"""

from __future__ import annotations

from kubernetes import dynamic
from kubernetes.client import ApiClient
from kubernetes.dynamic.exceptions import NotFoundError

from gitops_tui.diff.compare import out_of_sync
from gitops_tui.diff.mask import mask_object
from gitops_tui.diff.normalize import is_secret, strip_server_fields
from gitops_tui.diff.project import managed_fields_hints, project
from gitops_tui.diff.result import ObjectDiff, ObjectRef, Status
from gitops_tui.diff.unified import unified
from gitops_tui.model import FIELD_MANAGER


def diff_dry_run(
    client: ApiClient | dynamic.DynamicClient,
    desired: dict,
    *,
    manager: str = FIELD_MANAGER,
    context: int = 3,
) -> ObjectDiff:
    dyn = client if isinstance(client, dynamic.DynamicClient) else dynamic.DynamicClient(client)
    ref = ObjectRef.of(desired)
    resource = dyn.resources.get(api_version=desired["apiVersion"], kind=desired["kind"])
    namespace = ref.namespace or None if resource.namespaced else None
    try:
        live = resource.get(name=ref.name, namespace=namespace).to_dict()
    except NotFoundError:
        shown = mask_object(desired) if is_secret(desired) else desired
        return ObjectDiff(ref, Status.MISSING, text=unified(None, shown, context))
    applied = resource.server_side_apply(
        body=desired,
        name=ref.name,
        namespace=namespace,
        field_manager=manager,
        force_conflicts=True,
        dry_run="All",
    ).to_dict()
    after, before = strip_server_fields(applied), strip_server_fields(live)
    # Both sides are complete objects from the same server: every field counts.
    changes, projected = project(
        after, before, strict=True, build=True, hints=managed_fields_hints(live)
    )
    if not changes:
        return ObjectDiff(ref, Status.SYNCED)
    # Ownership comes from live: the dry-run result already shows us owning everything.
    return out_of_sync(ref, after, live, changes, projected, manager, is_secret(after), context)
