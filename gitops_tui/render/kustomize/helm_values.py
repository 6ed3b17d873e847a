"""The values file kustomize hands to helm when a chart has valuesInline.

kustomize parses the values file with kyaml (YAML 1.2: `yes` is a string), merges valuesInline into it with kyaml's merge2 (`valuesMerge`:
override, merge or replace), and writes the result as JSON-shaped YAML. The same here,
so helm reads the same values as under `kustomize build --enable-helm`.
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from ...errors import RenderError
from .load import _Base, _timestamp


class Null:
    """A null written out (`null`, `~`): merge2 keeps it where nothing overrides it."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Null)

    def __hash__(self) -> int:
        return 0


class Yaml12Loader(_Base):  # type: ignore[misc,valid-type]
    """Plain scalars as go-yaml v3 resolves them (the core schema, 0777 octal kept)."""


Yaml12Loader.yaml_implicit_resolvers = {}
_RESOLVERS = [
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    (
        "tag:yaml.org,2002:int",
        r"^[-+]?(?:0b[0-1_]+|0o?[0-7_]+|0x[0-9a-fA-F_]+|[0-9][0-9_]*)$",
        "-+0123456789",
    ),
    (
        "tag:yaml.org,2002:float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+.0123456789",
    ),
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:merge", r"^(?:<<)$", "<"),
    (
        "tag:yaml.org,2002:timestamp",
        r"^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]"
        r"|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?"
        r"(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?"
        r"(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$",
        "0123456789",
    ),
]
for _tag, _pattern, _first in _RESOLVERS:
    Yaml12Loader.add_implicit_resolver(_tag, re.compile(_pattern), list(_first))


def _int(loader: yaml.SafeLoader, node: yaml.Node) -> int | float:
    text = str(node.value).replace("_", "")
    sign = -1 if text.startswith("-") else 1
    digits = text.lstrip("+-")
    base = {"0b": 2, "0x": 16, "0o": 8}.get(digits[:2])
    try:
        if base:
            return sign * int(digits[2:], base)
        if len(digits) > 1 and digits.startswith("0"):
            return sign * int(digits, 8)  # Go's ParseInt with base 0: 0777 is octal
        return sign * int(digits)
    except ValueError:
        return float(text)  # "09": not an int for Go, a float


def _null(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    return Null() if node.value else None


Yaml12Loader.add_constructor("tag:yaml.org,2002:int", _int)
# A date becomes Go's time.Time, written back as RFC 3339 (as kustomize's JSON does).
Yaml12Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)
Yaml12Loader.add_constructor("tag:yaml.org,2002:null", _null)


def load_values(data: bytes, file: str) -> dict[str, Any]:
    try:
        value = yaml.load(data, Loader=Yaml12Loader)
    except (yaml.YAMLError, ValueError) as e:
        mark = getattr(e, "problem_mark", None)
        problem = getattr(e, "problem", None) or str(e)
        raise RenderError(
            file, f"invalid YAML: {problem}", mark.line + 1 if mark else None
        ) from None
    if value is None or isinstance(value, Null):
        return {}
    if not isinstance(value, dict):
        raise RenderError(file, "a values file must be a mapping")
    return value


_MISSING = object()


def _kind(v: Any) -> str | None:
    if v is _MISSING or v is None or isinstance(v, Null):
        return None
    if isinstance(v, dict):
        return "map"
    return "list" if isinstance(v, list) else "scalar"


def merge2(dest: Any, src: Any, where: str = "") -> Any:
    """kyaml's merge2.Merge(src, dest): src wins, maps merge field by field, a null in
    src clears the field, lists are replaced whole. _MISSING when the field goes."""
    kinds = [k for k in (_kind(dest), _kind(src)) if k]
    if not kinds:
        if src is _MISSING and isinstance(dest, Null):
            return None  # a null written in dest, untouched by src, stays
        return _MISSING
    kind = kinds[0]
    if any(k != kind for k in kinds):
        raise RenderError(where or ".", f"could not merge values: a {kinds[0]} and a {kinds[1]}")
    if kind == "map":
        if _kind(dest) is None:
            dest = src  # merged with itself: its nulls go, as kyaml walks it
        elif src is not _MISSING and _kind(src) is None:
            return _MISSING
        out: dict[str, Any] = {}
        src_map = src if isinstance(src, dict) else {}
        for key in [*dest, *(k for k in src_map if k not in dest)]:
            v = merge2(dest.get(key, _MISSING), src_map.get(key, _MISSING), f"{where}.{key}")
            if v is not _MISSING:
                out[key] = v
        return out
    if src is not _MISSING:
        return _MISSING if _kind(src) is None else src
    return dest


def _plain(value: Any) -> Any:
    if isinstance(value, Null):
        return None
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def merged_values(file_values: bytes, file: str, inline: dict[str, Any], mode: str) -> bytes:
    """The values file kustomize writes for valuesInline under `mode`."""
    if mode == "replace":
        values: Any = inline
    else:
        parsed = load_values(file_values, file)
        # Inline values come through JSON in kustomize: every null is written out.
        inline_nulls = _written_nulls(inline)
        if mode == "override":
            values = merge2(parsed, inline_nulls, "valuesInline")
        else:
            values = merge2(inline_nulls, parsed, "valuesInline")
        if values is _MISSING:
            values = {}
    return json.dumps(_plain(values), sort_keys=True, ensure_ascii=False).encode() + b"\n"


def _written_nulls(value: Any) -> Any:
    if value is None:
        return Null()
    if isinstance(value, dict):
        return {k: _written_nulls(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_written_nulls(v) for v in value]
    return value
