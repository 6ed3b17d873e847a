"""configMapGenerator / secretGenerator, and kustomize's content hash of their output."""

from __future__ import annotations

import base64
import hashlib
import json
import posixpath
import re
from typing import Any

from ...errors import RenderError
from ...source import SourceTree
from .load import Kustomization, read
from .paths import local_path
from .resources import ResMap, Resource

_ENV_KEY = re.compile(r"^[-._a-zA-Z][-._a-zA-Z0-9]*$")


def _go_json(value: Any) -> str:
    """encoding/json's compact output: sorted keys, HTML-safe escapes."""
    s = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return (
        s.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def content_hash(obj: dict[str, Any]) -> str:
    """kustomize's name suffix (api/hasher).

    Its lookup of "metadata/name" misses (one path element, not two), so the
    name always enters the hash as "", and absent data as "" too.
    """
    kind = obj.get("kind")

    def val(key: str) -> Any:
        v = obj.get(key)
        return "" if v is None else v

    if kind == "ConfigMap":
        m: dict[str, Any] = {"kind": "ConfigMap", "name": "", "data": val("data")}
        if isinstance(obj.get("binaryData"), dict):
            m["binaryData"] = obj["binaryData"]
    elif kind == "Secret":
        m = {"kind": "Secret", "type": val("type"), "name": "", "data": val("data")}
        if isinstance(obj.get("stringData"), dict):
            m["stringData"] = obj["stringData"]
    else:
        m = obj
    digest = hashlib.sha256(_go_json(m).encode()).hexdigest()[:10]
    return digest.translate(str.maketrans("013ae", "ghkmt"))


def _unquote(v: str) -> str:
    if len(v) >= 2 and v[0] == v[-1] and v[0] in "\"'":
        return v[1:-1]
    return v


def _env_pairs(data: bytes, file: str) -> list[tuple[str, str]]:
    out = []
    text = data.decode("utf-8", errors="replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    for n, raw in enumerate(text.split("\n"), 1):
        line = raw.rstrip("\r").lstrip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not _ENV_KEY.match(key):
            raise RenderError(file, f"invalid key {key!r} in env file", n)
        # A key alone gets an empty value, as in kustomize 5: never our own environment.
        out.append((key, value if sep else ""))
    return out


def _entries(
    tree: SourceTree, k: Kustomization, args: dict[str, Any], field: str
) -> list[tuple[str, bytes]]:
    out: list[tuple[str, bytes]] = []
    envs = list(args.get("envs") or [])
    if args.get("env"):
        envs.append(args["env"])
    for env in envs:
        path = local_path(k, str(env), k.line(field))
        out += [
            (key, v.encode())
            for key, v in _env_pairs(read(tree, path, k.file, k.line(field)), path)
        ]
    for lit in args.get("literals") or []:
        key, sep, value = str(lit).partition("=")
        if not sep:
            raise RenderError(k.file, f"literal {lit!r} must be key=value", k.line(field))
        out.append((key, _unquote(value).encode()))
    for f in args.get("files") or []:
        key, sep, rel = str(f).partition("=")
        if not sep:
            key, rel = posixpath.basename(str(f)), str(f)
        path = local_path(k, rel, k.line(field))
        out.append((key, read(tree, path, k.file, k.line(field))))
    return out


def _options(k: Kustomization, args: dict[str, Any]) -> dict[str, Any]:
    local = dict(args.get("options") or {})
    glob = k.get("generatorOptions", {})
    # kustomize lets the kustomization-wide options override each generator's.
    labels = {**(local.get("labels") or {}), **(glob.get("labels") or {})}
    annotations = {**(local.get("annotations") or {}), **(glob.get("annotations") or {})}
    return {
        "labels": labels,
        "annotations": annotations,
        "disableNameSuffixHash": bool(
            local.get("disableNameSuffixHash") or glob.get("disableNameSuffixHash")
        ),
        "immutable": bool(local.get("immutable") or glob.get("immutable")),
    }


def _make(
    tree: SourceTree, k: Kustomization, args: dict[str, Any], kind: str, field: str
) -> Resource:
    name = args.get("name")
    if not name:
        raise RenderError(k.file, f"{field}: every generator needs a name", k.line(field))
    opts = _options(k, args)
    meta: dict[str, Any] = {"name": str(name)}
    if args.get("namespace"):
        meta["namespace"] = str(args["namespace"])
    if opts["labels"]:
        meta["labels"] = {str(a): str(b) for a, b in opts["labels"].items()}
    if opts["annotations"]:
        meta["annotations"] = {str(a): str(b) for a, b in opts["annotations"].items()}
    obj: dict[str, Any] = {"apiVersion": "v1", "kind": kind, "metadata": meta}
    entries = _entries(tree, k, args, field)
    seen: set[str] = set()
    for key, _ in entries:
        if key in seen:
            raise RenderError(k.file, f"{field} {name}: duplicate key {key!r}", k.line(field))
        seen.add(key)
    if kind == "ConfigMap":
        data: dict[str, str] = {}
        binary: dict[str, str] = {}
        for key, value in entries:
            try:
                data[key] = value.decode("utf-8")
            except UnicodeDecodeError:
                binary[key] = base64.b64encode(value).decode()
        if data:
            obj["data"] = data
        if binary:
            obj["binaryData"] = binary
    else:
        obj["type"] = str(args.get("type") or "Opaque")
        if entries:
            obj["data"] = {key: base64.b64encode(value).decode() for key, value in entries}
    if opts["immutable"]:
        obj["immutable"] = True
    behavior = str(args.get("behavior") or "create")
    if behavior not in ("create", "merge", "replace"):
        raise RenderError(k.file, f"{field} {name}: unknown behavior {behavior!r}", k.line(field))
    return Resource(obj, k.file, needs_hash=not opts["disableNameSuffixHash"], behavior=behavior)


def run(tree: SourceTree, k: Kustomization, rm: ResMap) -> None:
    for field, kind in (("configMapGenerator", "ConfigMap"), ("secretGenerator", "Secret")):
        for i, args in enumerate(k.get(field, [])):
            res = _make(tree, k, args or {}, kind, field)
            _absorb(rm, res, k.file, k.line(field, i))


def _absorb(rm: ResMap, res: Resource, file: str, line: int | None) -> None:
    matches = rm.by_any_id(res.id)
    if not matches:
        if res.behavior != "create":
            raise RenderError(file, f"{res.id} does not exist; cannot {res.behavior}", line)
        rm.append(res, file, line)
        return
    if len(matches) > 1:
        raise RenderError(file, f"{res.id} matches {len(matches)} resources", line)
    old = matches[0]
    if res.behavior == "create":
        raise RenderError(file, f"{res.id} exists; behavior must be merge or replace", line)
    meta = res.meta
    for key in ("labels", "annotations"):
        merged = {**(old.meta.get(key) or {}), **(meta.get(key) or {})}
        if merged:
            meta[key] = merged
    meta["name"] = old.name
    if old.meta.get("namespace"):
        meta["namespace"] = old.meta["namespace"]
    else:
        meta.pop("namespace", None)
    if res.behavior == "merge":
        for key in ("data", "binaryData"):
            merged = {**(old.obj.get(key) or {}), **(res.obj.get(key) or {})}
            if merged:
                res.obj[key] = merged
    res.prev_ids = list(old.prev_ids)
    res.prefixes, res.suffixes = list(old.prefixes), list(old.suffixes)
    # The target keeps its own generator options (a plain resource stays unhashed).
    res.needs_hash = old.needs_hash
    res.source = f"{old.source} + {res.source}"
    rm.replace(old, res)
