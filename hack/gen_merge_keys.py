#!/usr/bin/env python3
"""Generate gitops_tui/render/merge_keys.json from a Kubernetes OpenAPI v2 document.

Strategic merge needs, for every list field, its merge key and patch strategy
(`x-kubernetes-patch-merge-key` / `x-kubernetes-patch-strategy`). The output is a
schema-walk structure, pruned to the definitions that lead to such a field:

    {
      "kinds":  {"apps/v1/Deployment": "io.k8s.api.apps.v1.Deployment", ...},
      "defs":   {"<definition>": {"<field>": {"ref": "<definition>", "list": true,
                                              "key": "name", "strategy": "merge"}}},
      "clusterScoped": ["Namespace", "rbac.authorization.k8s.io/ClusterRole", ...]
    }

Usage:
    hack/gen_merge_keys.py --openapi swagger.json
    hack/gen_merge_keys.py --kubeconfig ~/.kube/config     # reads /openapi/v2 live
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent.parent / "gitops_tui" / "render" / "merge_keys.json"


def _ref(prop: dict[str, Any]) -> str | None:
    ref = prop.get("$ref") or prop.get("allOf", [{}])[0].get("$ref")
    return ref.rsplit("/", 1)[-1] if ref else None


def _fields(defn: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each property reduced to what strategic merge needs."""
    out: dict[str, dict[str, Any]] = {}
    for name, prop in defn.get("properties", {}).items():
        entry: dict[str, Any] = {}
        if prop.get("type") == "array":
            entry["list"] = True
            ref = _ref(prop.get("items", {}))
        elif prop.get("type") == "object" and isinstance(prop.get("additionalProperties"), dict):
            entry["map"] = True
            ref = _ref(prop["additionalProperties"])
        else:
            ref = _ref(prop)
        if ref:
            entry["ref"] = ref
        if "x-kubernetes-patch-strategy" in prop:
            entry["strategy"] = prop["x-kubernetes-patch-strategy"]
        if "x-kubernetes-patch-merge-key" in prop:
            entry["key"] = prop["x-kubernetes-patch-merge-key"]
        out[name] = entry
    return out


def _cluster_scoped(doc: dict[str, Any]) -> list[str]:
    """Kinds whose list path has no `{namespace}` and no namespaced twin."""
    namespaced: set[str] = set()
    cluster: set[str] = set()
    for path, item in doc.get("paths", {}).items():
        for op in item.values():
            if not isinstance(op, dict) or op.get("x-kubernetes-action") != "list":
                continue
            gvk = op.get("x-kubernetes-group-version-kind")
            if not gvk:
                continue
            key = f"{gvk['group'] + '/' if gvk['group'] else ''}{gvk['kind']}"
            (namespaced if "{namespace}" in path else cluster).add(key)
    return sorted(cluster - namespaced)


def generate(doc: dict[str, Any]) -> dict[str, Any]:
    defs = {name: _fields(d) for name, d in doc.get("definitions", {}).items()}
    # Keep only definitions that (transitively) hold a field with a strategy or key.
    relevant = {
        n for n, f in defs.items() if any("strategy" in e or "key" in e for e in f.values())
    }
    changed = True
    while changed:
        changed = False
        for n, f in defs.items():
            if n not in relevant and any(e.get("ref") in relevant for e in f.values()):
                relevant.add(n)
                changed = True
    pruned: dict[str, dict[str, Any]] = {}
    for n in sorted(relevant):
        kept = {}
        for field, e in defs[n].items():
            if "strategy" in e or "key" in e or e.get("ref") in relevant:
                if e.get("ref") not in relevant:
                    e.pop("ref", None)
                kept[field] = e
        pruned[n] = kept
    kinds: dict[str, str] = {}
    for n, d in doc.get("definitions", {}).items():
        if n not in relevant:
            continue
        for gvk in d.get("x-kubernetes-group-version-kind", []):
            group = gvk["group"]
            kinds[f"{group + '/' if group else ''}{gvk['version']}/{gvk['kind']}"] = n
    return {
        "kinds": dict(sorted(kinds.items())),
        "defs": pruned,
        "clusterScoped": _cluster_scoped(doc),
    }


def _fetch_live(kubeconfig: str, context: str | None) -> dict[str, Any]:
    from kubernetes import client, config

    api = config.new_client_from_config(config_file=kubeconfig, context=context)
    resp = client.ApiClient.call_api(
        api, "/openapi/v2", "GET", _preload_content=False, auth_settings=["BearerToken"]
    )[0]
    return json.loads(resp.data)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--openapi", help="path of an OpenAPI v2 JSON document")
    src.add_argument("--kubeconfig", help="read /openapi/v2 from the API server of this kubeconfig")
    ap.add_argument("--context", help="kubeconfig context")
    ap.add_argument("--out", default=str(OUT))
    args = ap.parse_args(argv)
    if args.openapi:
        doc = json.loads(Path(args.openapi).read_text())
    else:
        doc = _fetch_live(args.kubeconfig, args.context)
    data = generate(doc)
    Path(args.out).write_text(json.dumps(data, separators=(",", ":"), sort_keys=True) + "\n")
    print(
        f"{args.out}: {len(data['kinds'])} kinds, {len(data['defs'])} definitions, "
        f"{len(data['clusterScoped'])} cluster-scoped kinds",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
