"""Plain YAML directories: every manifest file, in name order, as one object list."""

from __future__ import annotations

import posixpath
from typing import Any

import yaml

from ..errors import RenderError
from ..source import SourceTree, norm
from .kustomize.load import Loader, load_documents
from .kustomize.shapes import object_problem

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")


def manifest_files(tree: SourceTree, path: str, recurse: bool = False) -> list[str]:
    """The manifest files under `path`, sorted as Argo CD and Flux read them (by path).
    A loop, not recursion: directories may nest deeper than Python's recursion limit."""
    out: list[str] = []
    stack = [(path, iter(tree.listdir(path)))]
    while stack:
        base, entries = stack[-1]
        entry = next(entries, None)
        if entry is None:
            stack.pop()
            continue
        child = norm(posixpath.join(base, entry.name))
        if entry.is_dir:
            if recurse and not entry.name.startswith("."):
                stack.append((child, iter(tree.listdir(child))))
        elif entry.name.endswith(MANIFEST_SUFFIXES) and not entry.name.startswith("."):
            out.append(child)
    return out


def _document_lines(data: bytes) -> list[int]:
    """The first line of every non-empty document, to point errors at the right one."""
    try:
        return [n.start_mark.line + 1 for n in yaml.compose_all(data, Loader=Loader) if n]
    except yaml.YAMLError:
        return []


def check_manifest(obj: dict[str, Any], file: str, line: int | None) -> None:
    for key in ("apiVersion", "kind"):
        if not isinstance(obj.get(key), str) or not obj[key]:
            raise RenderError(file, f"a manifest needs {key}", line)
    if problem := object_problem(obj):
        raise RenderError(file, f"{obj['kind']}: {problem}", line)
    meta = obj.get("metadata")
    if not isinstance(meta, dict) or not (meta.get("name") or meta.get("generateName")):
        raise RenderError(file, f"{obj['kind']} has no metadata.name", line)


def render_plain(tree: SourceTree, path: str, recurse: bool = False) -> list[dict[str, Any]]:
    path = norm(path)
    if not tree.is_dir(path):
        raise RenderError(path or ".", "no such directory in the repository")
    objects: list[dict[str, Any]] = []
    for file in manifest_files(tree, path, recurse):
        data = tree.read(file)
        docs = load_documents(data, file)
        for doc in docs:
            try:
                check_manifest(doc, file, None)
            except RenderError:
                lines = _document_lines(data)
                index = next((i for i, d in enumerate(docs) if d is doc), 0)
                check_manifest(doc, file, lines[index] if index < len(lines) else None)
        objects.extend(docs)
    return objects
