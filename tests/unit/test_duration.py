"""Durations as operators type them, for pause --for and the pause modal."""

from __future__ import annotations

import argparse
import datetime as dt

import pytest

from gitops_tui.cli import parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30m", dt.timedelta(minutes=30)),
        ("1h30m", dt.timedelta(hours=1, minutes=30)),
        ("90s", dt.timedelta(seconds=90)),
        (" 2h ", dt.timedelta(hours=2)),
    ],
)
def test_go_style_durations(text: str, expected: dt.timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "not a duration: ''"),
        ("soon", "not a duration: 'soon'"),
        ("30", "not a duration: '30'"),
        ("1m30h", "not a duration: '1m30h'"),
        ("0m", "a duration of '0m' ends at once"),
        ("0h0m0s", "a duration of '0h0m0s' ends at once"),
    ],
)
def test_what_is_not_a_pause_length_says_so(text: str, message: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match=message):
        parse_duration(text)
