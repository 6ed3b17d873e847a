"""The UI's frame rate: Textual's 60 frames/s cap made a key wait up to 16.7 ms."""

from __future__ import annotations

import os
import subprocess
import sys

from gitops_tui.tui import FRAME_RATE

PROBE = "import gitops_tui.tui.app, textual.constants as c; print(c.MAX_FPS)"


def max_fps(env: dict[str, str]) -> int:
    out = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True
    )
    return int(out.stdout)


def test_the_ui_raises_textuals_frame_cap_and_the_operator_can_set_it() -> None:
    env = {k: v for k, v in os.environ.items() if k != "TEXTUAL_FPS"}
    assert max_fps(env) == int(FRAME_RATE) > 60
    assert max_fps({**env, "TEXTUAL_FPS": "30"}) == 30
