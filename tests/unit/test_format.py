"""How the detail pane's text fits its fixed height."""

from __future__ import annotations

from gitops_tui.tui.format import cut, fit_rows


def test_lines_that_fit_are_shown_as_they_are() -> None:
    assert fit_rows(["a", "b"], width=10, rows=3) == "a\nb"
    assert fit_rows(["x" * 15, "b"], width=10, rows=3) == "x" * 15 + "\nb"  # wraps to 2 rows


def test_what_does_not_fit_says_how_much_more_there_is() -> None:
    lines = ["summary", "✘ sync failed", "⚠ one", "⚠ two"]
    assert fit_rows(lines, width=40, rows=3).split("\n") == [
        "summary",
        "✘ sync failed",
        "… 2 more lines: i for details",
    ]


def test_a_line_too_long_for_the_room_left_is_cut_and_counted() -> None:
    shown = fit_rows(["y" * 25, "z"], width=10, rows=2).split("\n")
    assert shown == ["y" * 9 + "…", "… 2 more…"]  # the cut line counts: it is not all there
    assert all(len(line) <= 10 for line in shown)


def test_cut_ends_a_long_text_in_an_ellipsis() -> None:
    assert cut("abcdef", 4) == "abc…"
    assert cut("abc", 4) == "abc"
    assert cut("日本語", 4) == "日…"  # wide characters count two cells
