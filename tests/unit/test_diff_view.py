"""The diff screen's text: values that look like markup show as written."""

from __future__ import annotations

from rich.console import Console

from gitops_tui.diff import diff_object
from gitops_tui.tui.screens.diff import render_diff


def cm(data: dict) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": data}


def shown(renderable) -> str:
    console = Console(width=160, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(renderable)
    return console.export_text()


def test_brackets_in_values_show_in_both_views() -> None:
    desired = cm({"args": "[sh, -c]", "path": "[/tmp] new", "mode": "[b]bold?[/b]"})
    live = cm({"args": "[sh, -c]", "path": "[/tmp] old", "mode": "[b]bold?[/b]"})
    d = diff_object(desired, live)
    for split in (False, True):
        text = shown(render_diff(d, split))
        assert "[/tmp] new" in text and "[/tmp] old" in text  # the changed lines
        assert "args: '[sh, -c]'" in text and "[b]bold?[/b]" in text  # context lines
