"""The shape of every kustomization field, checked before any of it is used.

kustomize decodes a kustomization into typed Go structs, so `resources: 5` is an error
there; here, without a check, such a value reached code that expects a list and failed
with a Python exception. Each field is checked once, on load, and a wrong shape is a
one-line error naming the file, the line and the field: `resources must be a list of
strings, got int`. As in kustomize, a scalar where a string is expected is read as a
string (`newTag: 1.27`), and fields it does not know inside an entry are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from ...errors import RenderError
from .load import Kustomization, Loader


def type_name(value: Any) -> str:
    """A YAML value's type as a person reading the file would say it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, dict):
        return "mapping"
    if isinstance(value, list):
        return "list"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bytes):
        return "binary"
    return type(value).__name__


@dataclass
class ShapeError(Exception):
    path: str  # "patches[0].target"
    expected: str
    got: Any

    def __str__(self) -> str:
        return f"{self.path} must be {self.expected}, got {type_name(self.got)}"


class Shape:
    what = "anything"

    def check(self, value: Any, path: str) -> None:
        """Raise ShapeError when value (never None: an absent value is fine) is wrong."""


class Any_(Shape):
    pass


class Str(Shape):
    what = "a string"

    def check(self, value: Any, path: str) -> None:
        if isinstance(value, dict | list | bytes):
            raise ShapeError(path, self.what, value)


class Bool(Shape):
    what = "true or false"

    def check(self, value: Any, path: str) -> None:
        if not isinstance(value, bool):
            raise ShapeError(path, self.what, value)


class Int(Shape):
    what = "an integer"

    def check(self, value: Any, path: str) -> None:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ShapeError(path, self.what, value)


@dataclass
class List(Shape):
    item: Shape

    @property
    def what(self) -> str:  # type: ignore[override]
        plural = {"a string": "strings", "a mapping": "mappings"}.get(self.item.what)
        return f"a list of {plural}" if plural else "a list"

    def check(self, value: Any, path: str) -> None:
        if not isinstance(value, list):
            raise ShapeError(path, self.what, value)
        for i, v in enumerate(value):
            if v is None:
                raise ShapeError(f"{path}[{i}]", self.item.what, v)
            self.item.check(v, f"{path}[{i}]")


@dataclass
class Map(Shape):
    """A mapping with known fields (others are ignored, as kustomize's decoder does)."""

    fields: dict[str, Shape]
    what = "a mapping"

    def check(self, value: Any, path: str) -> None:
        if not isinstance(value, dict):
            raise ShapeError(path, self.what, value)
        for key, shape in self.fields.items():
            v = value.get(key)
            if v is not None:
                shape.check(v, f"{path}.{key}")


class StrMap(Shape):
    """labels, annotations: string keys to string values (scalars are read as strings)."""

    what = "a mapping of strings"

    def check(self, value: Any, path: str) -> None:
        if not isinstance(value, dict):
            raise ShapeError(path, self.what, value)
        for k, v in value.items():
            if isinstance(v, dict | list | bytes):
                raise ShapeError(f"{path}.{k}", "a string", v)


ANY_MAP = Map({})
STRINGS = List(Str())
SELECTOR = Map(
    {
        k: Str()
        for k in ("group", "version", "kind", "name", "namespace")
        + ("labelSelector", "annotationSelector")
    }
)
GENERATOR_OPTIONS = Map(
    {
        "labels": StrMap(),
        "annotations": StrMap(),
        "disableNameSuffixHash": Bool(),
        "immutable": Bool(),
    }
)
GENERATOR = Map(
    {
        "name": Str(),
        "namespace": Str(),
        "behavior": Str(),
        "type": Str(),
        "env": Str(),
        "envs": STRINGS,
        "literals": STRINGS,
        "files": STRINGS,
        "options": GENERATOR_OPTIONS,
    }
)
FIELDS: dict[str, Shape] = {
    "apiVersion": Str(),
    "kind": Str(),
    "metadata": ANY_MAP,
    "resources": STRINGS,
    "bases": STRINGS,
    "components": STRINGS,
    "patchesStrategicMerge": STRINGS,
    "patches": List(Map({"path": Str(), "patch": Str(), "target": SELECTOR, "options": Map({})})),
    "patchesJson6902": List(Map({"path": Str(), "patch": Str(), "target": SELECTOR})),
    "images": List(Map({k: Str() for k in ("name", "newName", "newTag", "digest", "tagSuffix")})),
    "replicas": List(Map({"name": Str(), "count": Int()})),
    "namespace": Str(),
    "namePrefix": Str(),
    "nameSuffix": Str(),
    "commonLabels": StrMap(),
    "commonAnnotations": StrMap(),
    "labels": List(
        Map(
            {
                "pairs": StrMap(),
                "includeSelectors": Bool(),
                "includeTemplates": Bool(),
                "fields": List(
                    Map({"path": Str(), "kind": Str(), "group": Str(), "version": Str()})
                ),
            }
        )
    ),
    "configMapGenerator": List(GENERATOR),
    "secretGenerator": List(GENERATOR),
    "generatorOptions": GENERATOR_OPTIONS,
    # Fields the kustomize binary renders: their outer shape is checked here first.
    "crds": STRINGS,
    "configurations": STRINGS,
    "transformers": STRINGS,
    "generators": STRINGS,
    "validators": STRINGS,
    "buildMetadata": STRINGS,
    "helmCharts": List(ANY_MAP),
    "helmChartInflationGenerator": List(ANY_MAP),
    "helmGlobals": ANY_MAP,
    "replacements": List(ANY_MAP),
    "vars": List(ANY_MAP),
    "openapi": ANY_MAP,
    "sortOptions": ANY_MAP,
    "inventory": ANY_MAP,
}


def check_kustomization(k: Kustomization) -> None:
    """RenderError at the field's line (or its entry's) when a field has a wrong shape."""
    for key, value in k.data.items():
        shape = FIELDS.get(key) if isinstance(key, str) else None
        if shape is None or value is None:
            continue
        try:
            shape.check(value, key)
        except ShapeError as e:
            index = _top_index(e.path, key)
            raise RenderError(k.file, str(e), k.line(key, index)) from None


def _top_index(path: str, key: str) -> int | None:
    """The entry of the field that holds the wrong value: `patches[2].target` -> 2."""
    rest = path[len(key) :]
    if rest.startswith("["):
        return int(rest[1 : rest.index("]")])
    return None


METADATA = Map(
    {
        "name": Str(),
        "namespace": Str(),
        "generateName": Str(),
        "labels": StrMap(),
        "annotations": StrMap(),
    }
)
OBJECT = Map({"apiVersion": Str(), "kind": Str(), "metadata": METADATA})
# What a patch's result must keep for the renderer to go on; kustomize itself prints
# an object whose labels a JSON patch made a string (the API server refuses it).
IDENTITY = Map(
    {
        "apiVersion": Str(),
        "kind": Str(),
        "metadata": Map({"name": Str(), "namespace": Str()}),
    }
)


def object_problem(obj: dict[str, Any], shape: Shape = OBJECT) -> str | None:
    """What is wrong with the fields every object's identity is read from, or None."""
    try:
        shape.check(obj, "object")
    except ShapeError as e:
        return str(e).removeprefix("object.")
    return None


def check_objects(docs: list[dict[str, Any]], data: bytes, file: str) -> None:
    """Every document of a file (as load_documents gave them) has a readable identity;
    else the error names the document's first line."""
    for i, obj in enumerate(docs):
        if problem := object_problem(obj):
            kind = obj.get("kind")
            what = kind if isinstance(kind, str) and kind else "object"
            lines = _document_lines(data)
            line = lines[i] if len(lines) == len(docs) else None
            raise RenderError(file, f"{what}: {problem}", line)


def _document_lines(data: bytes) -> list[int]:
    try:
        return [n.start_mark.line + 1 for n in yaml.compose_all(data, Loader=Loader) if n]
    except yaml.YAMLError:
        return []
