"""Argo CD's `source.kustomize.images`: the `kustomize edit set image` it runs, in memory."""

from __future__ import annotations

import posixpath
from typing import Any

import yaml

from ..errors import RenderError
from ..source import SourceTree, norm
from .kustomize.load import KUSTOMIZATION_FILES, Loader
from .nesting import NestingError, depth


def _split(ref: str) -> tuple[str, str | None, str | None]:
    """name, tag, digest of an image reference (a registry port is not a tag)."""
    name, _, digest = ref.partition("@")
    slash = name.rfind("/")
    colon = name.rfind(":")
    tag = None
    if colon > slash:
        name, tag = name[:colon], name[colon + 1 :]
    return name, tag, digest or None


def image_entry(spec: str) -> dict[str, Any]:
    """One `kustomize edit set image` argument as a kustomization `images` entry."""
    old, eq, new = spec.partition("=")
    if not eq:
        old, new = "", spec
    name, tag, digest = _split(new)
    if not name:
        raise ValueError(f"not an image: {spec!r}")
    entry: dict[str, Any] = {"name": old or name}
    if old and old != name:
        entry["newName"] = name
    if tag:
        entry["newTag"] = tag
    if digest:
        entry["digest"] = digest
    return entry


def with_images(tree: SourceTree, path: str, images: list[str]) -> SourceTree:
    """The tree with the app's kustomization carrying the image overrides."""
    if not images:
        return tree
    from . import OverlayTree

    path = norm(path)
    for name in KUSTOMIZATION_FILES:
        file = posixpath.join(path, name) if path else name
        if tree.exists(file) and not tree.is_dir(file):
            break
    else:
        return tree  # Argo CD applies kustomize options to kustomize sources only
    try:
        data = yaml.load(tree.read(file), Loader=Loader) or {}
        depth(data)
    except (yaml.YAMLError, NestingError):
        return tree  # the render says what is wrong with the file, and where
    have = data.get("images") or [] if isinstance(data, dict) else None
    if not isinstance(have, list) or not all(
        isinstance(e, dict) and not isinstance(e.get("name"), dict | list) for e in have
    ):
        return tree  # not a kustomization the render will take: it says why
    entries = {e.get("name"): e for e in have}
    for spec in images:
        try:
            entry = image_entry(spec)
        except ValueError as e:
            raise RenderError(file, f"spec.source.kustomize.images: {e}") from None
        # `edit set image` replaces an existing entry for the same name.
        entries[entry["name"]] = entry
    data["images"] = list(entries.values())
    return OverlayTree(tree, {file: yaml.safe_dump(data, sort_keys=False).encode()})
