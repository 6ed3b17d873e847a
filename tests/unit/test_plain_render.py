"""Plain YAML directories: sorted, multi-document, List kinds, errors with file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_tui.errors import RenderError
from gitops_tui.render import Renderer, render
from gitops_tui.source import FsTree


def tree(root: Path, files: dict[str, str]) -> FsTree:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return FsTree(root)


def cm(name: str) -> str:
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n"


def names(objs: list[dict]) -> list[str]:
    return [o["metadata"]["name"] for o in objs]


def test_files_sorted_documents_lists_and_noise(tmp_path: Path) -> None:
    t = tree(
        tmp_path,
        {
            "app/b.yaml": "---\n" + cm("b1") + "---\n---\n" + cm("b2"),
            "app/a.yml": "# only a comment\n---\n" + cm("a"),
            "app/c.json": '{"apiVersion": "v1", "kind": "List", "items": ['
            '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}]}',
            "app/README.md": "not a manifest",
            "app/sub/d.yaml": cm("d"),
        },
    )
    assert names(render(t, "app")) == ["a", "b1", "b2", "c"]
    assert names(render(t, "app", recurse=True)) == ["a", "b1", "b2", "c", "d"]


def test_malformed_yaml_names_file_and_line(tmp_path: Path) -> None:
    t = tree(tmp_path, {"app/x.yaml": cm("ok") + "---\nkind: ConfigMap\nmetadata: a: b\n"})
    with pytest.raises(RenderError) as e:
        render(t, "app")
    assert str(e.value).startswith("app/x.yaml:7: invalid YAML")


def test_document_without_kind_names_its_line(tmp_path: Path) -> None:
    t = tree(tmp_path, {"app/x.yaml": cm("ok") + "---\napiVersion: v1\nmetadata: {name: y}\n"})
    with pytest.raises(RenderError) as e:
        render(t, "app")
    assert str(e.value) == "app/x.yaml:6: a manifest needs kind"


def test_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(RenderError, match="nope: no such directory"):
        render(tree(tmp_path, {}), "nope")


def test_renderer_rerenders_only_when_a_read_path_changes(tmp_path: Path) -> None:
    t = tree(tmp_path, {"app/a.yaml": cm("a"), "other/x.yaml": cm("x")})
    r = Renderer()
    assert names(r.render(t, "app").objects) == ["a"]
    (tmp_path / "other/x.yaml").write_text(cm("x2"))
    assert names(r.render(t, "app").objects) == ["a"] and (r.hits, r.misses) == (1, 1)
    (tmp_path / "app/b.yaml").write_text(cm("b"))  # a new file in the directory
    assert names(r.render(t, "app").objects) == ["a", "b"] and r.misses == 2


def test_argo_images_override_the_kustomization(tmp_path: Path) -> None:
    from gitops_tui.render.images import image_entry, with_images

    assert image_entry("nginx:1.27") == {"name": "nginx", "newTag": "1.27"}
    assert image_entry("nginx=reg.local:5000/nginx@sha256:ab") == {
        "name": "nginx",
        "newName": "reg.local:5000/nginx",
        "digest": "sha256:ab",
    }
    t = tree(
        tmp_path,
        {
            "app/kustomization.yaml": "resources: [d.yaml]\nimages:\n- name: web\n  newTag: '1'\n",
            "app/d.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n"
            "spec:\n  template:\n    spec:\n      containers:\n      - {name: web, image: web:0}\n",
        },
    )
    (obj,) = render(with_images(t, "app", ["web:2.1"]), "app")
    assert obj["spec"]["template"]["spec"]["containers"][0]["image"] == "web:2.1"
    assert (tmp_path / "app/kustomization.yaml").read_text().count("newTag: '1'") == 1
