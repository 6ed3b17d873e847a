"""How the detail pane's text fits its fixed height."""

from __future__ import annotations

from gitops_tui.tui.format import cut, fit_rows


def test_lines_that_fit_are_shown_as_they_are() -> None:
    assert fit_rows(["a", "b"], width=10, rows=3) == "a\nb"


def test_a_long_line_is_cut_to_one_row() -> None:
    assert fit_rows(["x" * 15, "b"], width=10, rows=3) == "x" * 9 + "…\nb"
    assert fit_rows(["Progressing: web\n0/3 ready", "b"], width=40, rows=3) == (
        "Progressing: web 0/3 ready\nb"
    )


def test_what_does_not_fit_says_how_much_more_there_is() -> None:
    lines = ["health: Healthy", "✘ sync failed", "⚠ one", "source: shop → shop"]
    assert fit_rows(lines, width=40, rows=3).split("\n") == [
        "health: Healthy",
        "✘ sync failed",
        "… 2 more lines: i for details",
    ]
    assert fit_rows(lines, width=12, rows=2).split("\n") == ["health: Hea…", "… 3 more li…"]


def test_cut_ends_a_long_text_in_an_ellipsis() -> None:
    assert cut("abcdef", 4) == "abc…"
    assert cut("abc", 4) == "abc"
    assert cut("日本語", 4) == "日…"  # wide characters count two cells
