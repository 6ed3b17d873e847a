"""YAML loading for the kustomize renderer: documents, and kustomization files with lines."""

from __future__ import annotations

import datetime
import posixpath
from dataclasses import dataclass, field
from typing import Any

import yaml

from ...errors import RenderError
from ...source import SourceTree, norm
from ..nesting import check_depth

_Base: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Loader(_Base):  # type: ignore[misc,valid-type]
    """SafeLoader whose timestamps stay strings, as they reach the API server."""


def _timestamp(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    """A YAML timestamp as Kubernetes' YAML-to-JSON conversion writes it (Go RFC 3339)."""
    value = yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    if not isinstance(value, datetime.datetime):
        return f"{value.isoformat()}T00:00:00Z"
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    if value.microsecond:
        text += f".{value.microsecond:06d}".rstrip("0")
    offset = value.utcoffset()
    if not offset:
        return text + "Z"
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    return f"{text}{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")


def join(base: str, name: str) -> str:
    """A known name (a kustomization file) in a folder; paths a kustomization names go
    through `paths.resolve` or `paths.local_path`."""
    return norm(posixpath.join(base, name))


def read(tree: SourceTree, path: str, file: str, line: int | None) -> bytes:
    try:
        return tree.read(path)
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        raise RenderError(file, f"{path}: no such file", line) from None


def load_documents(data: bytes, file: str) -> list[dict[str, Any]]:
    """Every non-empty document of a YAML stream; a `List` is flattened to its items."""
    try:
        docs = list(yaml.load_all(data, Loader=Loader))
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        problem = getattr(e, "problem", None) or str(e)
        raise RenderError(
            file, f"invalid YAML: {problem}", mark.line + 1 if mark else None
        ) from None
    out: list[dict[str, Any]] = []
    for doc in docs:
        check_depth(doc, file)
        if doc is None or doc == {}:
            continue
        if not isinstance(doc, dict):
            raise RenderError(file, f"expected a mapping per document, got {type(doc).__name__}")
        kind = doc.get("kind")
        if isinstance(kind, str) and kind.endswith("List") and isinstance(doc.get("items"), list):
            out.extend(i for i in doc["items"] if isinstance(i, dict) and i)
            continue
        out.append(doc)
    return out


@dataclass
class Unsupported(Exception):
    """A feature only the kustomize binary renders: the field, and where it is used."""

    field: str
    file: str
    line: int | None

    def __str__(self) -> str:
        return f"{self.file}:{self.line or 0}: {self.field}"


@dataclass
class Kustomization:
    """A parsed kustomization file: its values and the line of every list entry."""

    dir: str
    file: str
    data: dict[str, Any]
    lines: dict[str, list[int]] = field(default_factory=dict)
    field_lines: dict[str, int] = field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        v = self.data.get(key)
        return default if v is None else v

    def line(self, key: str, index: int | None = None) -> int | None:
        if index is not None and index < len(self.lines.get(key, [])):
            return self.lines[key][index]
        return self.field_lines.get(key)


def find_kustomization(tree: SourceTree, dir: str) -> str | None:
    found = [join(dir, n) for n in KUSTOMIZATION_FILES if tree.exists(join(dir, n))]
    found = [f for f in found if not tree.is_dir(f)]
    if len(found) > 1:
        raise RenderError(join(dir, found[1]), f"found multiple kustomization files: {found}")
    return found[0] if found else None


def load_kustomization(
    tree: SourceTree, dir: str, referrer: str, line: int | None
) -> Kustomization:
    file = find_kustomization(tree, dir)
    if file is None:
        raise RenderError(referrer, f"{dir or '.'}: no kustomization file found", line)
    data = tree.read(file)
    try:
        node = yaml.compose(data, Loader=Loader)
        value = yaml.load(data, Loader=Loader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        problem = getattr(e, "problem", None) or str(e)
        raise RenderError(
            file, f"invalid YAML: {problem}", mark.line + 1 if mark else None
        ) from None
    if value is None:
        value = {}
    if not isinstance(value, dict):
        raise RenderError(file, "a kustomization must be a mapping", 1)
    check_depth(value, file)
    k = Kustomization(dir=dir, file=file, data=value)
    if isinstance(node, yaml.MappingNode):
        for key_node, val_node in node.value:
            k.field_lines[str(key_node.value)] = key_node.start_mark.line + 1
            if isinstance(val_node, yaml.SequenceNode):
                k.lines[str(key_node.value)] = [n.start_mark.line + 1 for n in val_node.value]
    return k
