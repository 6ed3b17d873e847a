"""The native kustomize renderer: hashes, merge rules, read paths, the cache, the binary fallback."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gitops_tui.render.kustomize import (
    RenderCache,
    patches_json6902,
    patches_sm,
    read_paths,
    render_kustomization,
)
from gitops_tui.render.kustomize.generators import content_hash
from gitops_tui.render.kustomize.transformers import split_image
from gitops_tui.source import FsTree


def write(root: Path, files: dict[str, str]) -> FsTree:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return FsTree(root)


# Names printed by `kubectl kustomize` (kustomize v5.5.0) for these generators.
@pytest.mark.parametrize(
    ("obj", "suffix"),
    [
        ({"kind": "ConfigMap", "metadata": {"name": "cfg"}, "data": {"a": "1"}}, "h29d89cmmt"),
        (
            {"kind": "ConfigMap", "metadata": {"name": "p-cfg"}, "data": {"a": "1", "b": "<x>&"}},
            "2g9cdmkbf2",
        ),
    ],
)
def test_content_hash_matches_kustomize(obj: dict, suffix: str) -> None:
    assert content_hash(obj) == suffix


def test_content_hash_ignores_name() -> None:
    a = {"kind": "Secret", "type": "Opaque", "metadata": {"name": "a"}, "data": {"k": "dg=="}}
    b = {**a, "metadata": {"name": "b"}}
    assert content_hash(a) == content_hash(b)


def test_split_image() -> None:
    assert split_image("nginx") == ("nginx", "", "")
    assert split_image("nginx:1.25") == ("nginx", "1.25", "")
    assert split_image("reg:5000/team/app:v1") == ("reg:5000/team/app", "v1", "")
    assert split_image("app@sha256:abc") == ("app", "", "sha256:abc")
    assert split_image("app:v1@sha256:abc") == ("app", "v1", "sha256:abc")


DEPLOY = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "d"},
    "spec": {
        "template": {
            "spec": {
                "containers": [
                    {"name": "a", "image": "x", "env": [{"name": "E1", "value": "1"}]},
                    {"name": "b", "image": "y"},
                ]
            }
        }
    },
}


def test_sm_merges_keyed_lists_patch_first() -> None:
    patch = {
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {"name": "c", "image": "z"},
                        {"name": "a", "env": [{"name": "E2", "value": "2"}]},
                    ]
                }
            }
        }
    }
    out = patches_sm.apply(DEPLOY, patch)
    containers = out["spec"]["template"]["spec"]["containers"]
    assert [c["name"] for c in containers] == ["c", "a", "b"]
    assert [e["name"] for e in containers[1]["env"]] == ["E2", "E1"]
    assert DEPLOY["spec"]["template"]["spec"]["containers"][0]["env"] == [
        {"name": "E1", "value": "1"}
    ]


def test_sm_directives() -> None:
    patch = {
        "metadata": {"labels": None},
        "spec": {"template": {"spec": {"containers": [{"name": "b", "$patch": "delete"}]}}},
    }
    out = patches_sm.apply({**DEPLOY, "metadata": {"name": "d", "labels": {"x": "y"}}}, patch)
    assert "labels" not in out["metadata"]
    assert [c["name"] for c in out["spec"]["template"]["spec"]["containers"]] == ["a"]
    assert patches_sm.apply(DEPLOY, {"$patch": "delete"}) == {}


def test_sm_unknown_kind_replaces_lists() -> None:
    cr = {"apiVersion": "x.io/v1", "kind": "W", "spec": {"items": [{"name": "a"}, {"name": "b"}]}}
    out = patches_sm.apply(cr, {"spec": {"items": [{"name": "c"}]}})
    assert out["spec"]["items"] == [{"name": "c"}]


def test_json6902_ops() -> None:
    doc = {"a": {"b": [1, 2]}}
    out = patches_json6902.apply(
        doc,
        [
            {"op": "add", "path": "/a/b/-", "value": 3},
            {"op": "replace", "path": "/a/b/0", "value": 0},
            {"op": "move", "from": "/a/b", "path": "/c"},
            {"op": "test", "path": "/c/2", "value": 3},
            {"op": "add", "path": "/d~1e", "value": True},
        ],
    )
    assert out == {"a": {}, "c": [0, 2, 3], "d/e": True}
    with pytest.raises(patches_json6902.PatchError):
        patches_json6902.apply(doc, [{"op": "remove", "path": "/nope"}])


REPO = {
    "base/kustomization.yaml": "resources:\n- cm.yaml\nconfigMapGenerator:\n- name: gen\n  files: [conf.txt]\n",
    "base/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\ndata: {a: b}\n",
    "base/conf.txt": "hello\n",
    "app/kustomization.yaml": "resources:\n- ../base\npatches:\n- path: patch.yaml\nnamePrefix: app-\n",
    "app/patch.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\ndata: {c: d}\n",
    "other/unrelated.yaml": "x: 1\n",
}


def test_read_paths_cover_bases_patches_and_generator_files(tmp_path: Path) -> None:
    tree = write(tmp_path, REPO)
    assert sorted(read_paths(tree, "app")) == [
        "app/kustomization.yaml",
        "app/patch.yaml",
        "base/cm.yaml",
        "base/conf.txt",
        "base/kustomization.yaml",
    ]


def test_cache_renders_only_when_a_read_path_changes(tmp_path: Path) -> None:
    tree = write(tmp_path, REPO)
    cache = RenderCache()
    first = cache.render(tree, "app")
    assert [o["metadata"]["name"] for o in first] == ["app-gen-5t2cc5h2kc", "app-plain"]
    first[0]["metadata"]["name"] = "mutated by the caller"
    second = cache.render(tree, "app")
    assert (cache.misses, cache.hits) == (1, 1)
    assert second[0]["metadata"]["name"] == "app-gen-5t2cc5h2kc"
    (tmp_path / "other/unrelated.yaml").write_text("x: 2\n")
    cache.render(tree, "app")
    assert (cache.misses, cache.hits) == (1, 2)
    (tmp_path / "base/conf.txt").write_text("changed\n")
    third = cache.render(tree, "app")
    assert cache.misses == 2
    assert third[0]["metadata"]["name"] != "app-gen-5t2cc5h2kc"
    assert cache.read_paths("app") == read_paths(tree, "app")


def test_cache_notices_a_new_kustomization_file_variant(tmp_path: Path) -> None:
    tree = write(tmp_path, REPO)
    cache = RenderCache()
    cache.render(tree, "app")
    (tmp_path / "app/kustomization.yml").write_text("resources: []\n")
    with pytest.raises(Exception, match="multiple kustomization files"):
        cache.render(tree, "app")


@pytest.mark.skipif(
    not (shutil.which("kustomize") or shutil.which("kubectl")), reason="needs kustomize or kubectl"
)
def test_unsupported_field_renders_through_the_binary(tmp_path: Path) -> None:
    tree = write(
        tmp_path,
        {
            "app/kustomization.yaml": (
                "resources:\n- ../base\nreplacements:\n- source: {kind: ConfigMap, name: src, fieldPath: data.v}\n"
                "  targets:\n  - select: {kind: ConfigMap, name: dst}\n    fieldPaths: [data.v]\n"
            ),
            "base/kustomization.yaml": "resources: [cms.yaml]\n",
            "base/cms.yaml": (
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: src}\ndata: {v: copied}\n---\n"
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: dst}\ndata: {v: original}\n"
            ),
        },
    )
    out = render_kustomization(tree, "app")
    assert [(o["metadata"]["name"], o["data"]["v"]) for o in out] == [
        ("dst", "copied"),
        ("src", "copied"),
    ]
