"""Failing kustomizations: the error names the file and, where there is one, the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_tui.errors import RenderError
from gitops_tui.render.kustomize import render_kustomization
from gitops_tui.source import FsTree


def write(root: Path, files: dict[str, str]) -> FsTree:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return FsTree(root)


CM = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n"


def render_error(tree: FsTree, path: str = "app") -> RenderError:
    with pytest.raises(RenderError) as info:
        render_kustomization(tree, path)
    return info.value


def test_malformed_resource_yaml_names_file_and_line(tmp_path: Path) -> None:
    tree = write(
        tmp_path,
        {
            "app/kustomization.yaml": "resources:\n- cm.yaml\n",
            "app/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [unclosed\n",
        },
    )
    err = render_error(tree)
    assert err.file == "app/cm.yaml"
    assert err.line == 5
    assert "invalid YAML" in err.message


def test_malformed_kustomization_names_line(tmp_path: Path) -> None:
    tree = write(tmp_path, {"app/kustomization.yaml": "resources:\n- a.yaml\nnamespace: : x\n"})
    err = render_error(tree)
    assert (err.file, err.line) == ("app/kustomization.yaml", 3)


def test_missing_resource_names_the_entry_line(tmp_path: Path) -> None:
    tree = write(
        tmp_path,
        {
            "app/kustomization.yaml": "resources:\n- cm.yaml\n- ../missing\n",
            "app/cm.yaml": CM.format(name="a"),
        },
    )
    err = render_error(tree)
    assert (err.file, err.line) == ("app/kustomization.yaml", 3)
    assert "missing" in err.message


def test_missing_directory_kustomization(tmp_path: Path) -> None:
    tree = write(
        tmp_path, {"app/kustomization.yaml": "resources:\n- ../empty\n", "empty/readme.txt": "x"}
    )
    err = render_error(tree)
    assert (err.file, err.line) == ("app/kustomization.yaml", 2)
    assert "no kustomization file" in err.message


def test_cycle_is_named(tmp_path: Path) -> None:
    tree = write(
        tmp_path,
        {
            "app/kustomization.yaml": "resources:\n- ../base\n",
            "base/kustomization.yaml": "resources:\n- ../shared\n",
            "shared/kustomization.yaml": "resources:\n- ../base\n",
        },
    )
    err = render_error(tree)
    assert err.file == "shared/kustomization.yaml"
    assert err.line == 2
    assert "cycle between kustomizations: base -> shared -> base" in err.message


def test_duplicate_object_names_both_sources(tmp_path: Path) -> None:
    tree = write(
        tmp_path,
        {
            "app/kustomization.yaml": "resources:\n- a.yaml\n- b.yaml\n",
            "app/a.yaml": CM.format(name="same"),
            "app/b.yaml": CM.format(name="same"),
        },
    )
    err = render_error(tree)
    assert (err.file, err.line) == ("app/kustomization.yaml", 3)
    assert "may not add resource with an already registered id" in err.message
    assert "ConfigMap same" in err.message
    assert "app/a.yaml" in err.message and "app/b.yaml" in err.message


def test_strategic_merge_patch_matching_nothing(tmp_path: Path) -> None:
    tree = write(
        tmp_path,
        {
            "app/kustomization.yaml": "resources:\n- a.yaml\npatches:\n- path: p.yaml\n",
            "app/a.yaml": CM.format(name="a"),
            "app/p.yaml": CM.format(name="nope") + "data: {x: y}\n",
        },
    )
    err = render_error(tree)
    assert (err.file, err.line) == ("app/kustomization.yaml", 4)
    assert "no resource matches strategic merge patch" in err.message
    assert "nope" in err.message


def test_patches_strategic_merge_matching_nothing(tmp_path: Path) -> None:
    tree = write(
        tmp_path,
        {
            "app/kustomization.yaml": "resources:\n- a.yaml\npatchesStrategicMerge:\n- p.yaml\n",
            "app/a.yaml": CM.format(name="a"),
            "app/p.yaml": CM.format(name="nope"),
        },
    )
    err = render_error(tree)
    assert (err.file, err.line) == ("app/kustomization.yaml", 4)


def test_target_patch_matching_nothing_is_fine(tmp_path: Path) -> None:
    # kustomize ignores a patch whose explicit target selects nothing.
    tree = write(
        tmp_path,
        {
            "app/kustomization.yaml": (
                "resources:\n- a.yaml\npatches:\n- target: {kind: Secret}\n"
                "  patch: '[{op: add, path: /data, value: {}}]'\n"
            ),
            "app/a.yaml": CM.format(name="a"),
        },
    )
    assert [o["metadata"]["name"] for o in render_kustomization(tree, "app")] == ["a"]


def test_unknown_field_is_an_error(tmp_path: Path) -> None:
    tree = write(tmp_path, {"app/kustomization.yaml": "resources: []\nnamePrefx: x-\n"})
    err = render_error(tree)
    assert (err.file, err.line) == ("app/kustomization.yaml", 2)
    assert "namePrefx" in err.message


def test_missing_patch_file(tmp_path: Path) -> None:
    tree = write(
        tmp_path,
        {
            "app/kustomization.yaml": "resources:\n- a.yaml\npatches:\n- path: nothere.yaml\n",
            "app/a.yaml": CM.format(name="a"),
        },
    )
    err = render_error(tree)
    assert (err.file, err.line) == ("app/kustomization.yaml", 4)


def test_missing_generator_file(tmp_path: Path) -> None:
    tree = write(
        tmp_path,
        {"app/kustomization.yaml": "configMapGenerator:\n- name: c\n  files: [gone.txt]\n"},
    )
    err = render_error(tree)
    assert err.file == "app/kustomization.yaml"
    assert "app/gone.txt" in err.message


def test_unsupported_field_without_binary_names_field_and_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = write(
        tmp_path,
        {
            "app/kustomization.yaml": "resources:\n- a.yaml\nreplacements:\n- path: r.yaml\n",
            "app/a.yaml": CM.format(name="a"),
        },
    )
    empty = tmp_path / "nobin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    err = render_error(tree)
    assert (err.file, err.line) == ("app/kustomization.yaml", 3)
    assert "replacements" in err.message and "kustomize binary" in err.message


def test_component_listed_as_resource(tmp_path: Path) -> None:
    tree = write(
        tmp_path,
        {
            "app/kustomization.yaml": "resources:\n- ../comp\n",
            "comp/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n",
        },
    )
    err = render_error(tree)
    assert (err.file, err.line) == ("app/kustomization.yaml", 2)
    assert "Component" in err.message


def test_files_outside_the_kustomization_root_are_refused(tmp_path: Path) -> None:
    # kustomize's default load restriction: files (not bases) stay under the root.
    tree = write(
        tmp_path,
        {
            "app/kustomization.yaml": "resources:\n- ../shared/cm.yaml\n",
            "shared/cm.yaml": CM.format(name="c"),
        },
    )
    err = render_error(tree)
    assert (err.file, err.line) == ("app/kustomization.yaml", 2)
    assert "not in or below" in err.message
