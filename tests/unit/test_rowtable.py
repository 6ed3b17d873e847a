"""The apps and resources panes' table, driven by keys and the mouse (Textual Pilot)."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult

from gitops_tui.tui.format import sync_text
from gitops_tui.tui.widgets.rowtable import RowTable

SIZE = (60, 12)  # the table shows a header and 11 rows


class TableApp(App):
    def __init__(self, rows: int = 30) -> None:
        super().__init__()
        self.rows = rows
        self.highlighted: list[str] = []
        self.selected: list[str] = []
        self.headers: list[str] = []

    def compose(self) -> ComposeResult:
        yield RowTable(("NAME", "SYNC", "NOTE"), id="t", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one(RowTable)
        table.set_rows(
            (f"app-{i:02d}", (f"app-{i:02d}", sync_text("Synced"), "")) for i in range(self.rows)
        )
        table.focus()

    def on_row_table_row_highlighted(self, event: RowTable.RowHighlighted) -> None:
        self.highlighted.append(event.row_key or "")

    def on_row_table_row_selected(self, event: RowTable.RowSelected) -> None:
        self.selected.append(event.row_key or "")

    def on_row_table_header_selected(self, event: RowTable.HeaderSelected) -> None:
        self.headers.append(event.column)


def screen_lines(app: App) -> list[str]:
    return [strip.text for strip in app.screen._compositor.render_strips()]


def line_of(app: App, name: str) -> str:
    return next((line for line in screen_lines(app) if f" {name} " in line), "")


async def test_the_cursor_moves_scrolls_into_view_and_says_which_row() -> None:
    app = TableApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.highlighted == ["app-00"]
        await pilot.press(*["down"] * 15)
        await pilot.pause()
        table = app.query_one(RowTable)
        assert table.cursor_row == 15
        assert line_of(app, "app-15")  # scrolled so the cursor row is on screen
        assert not line_of(app, "app-00")
        assert app.highlighted[-1] == "app-15" and len(app.highlighted) == 16
        await pilot.press("home")
        await pilot.pause()
        assert table.cursor_row == 0 and line_of(app, "app-00")
        await pilot.press("up")  # at the top: stays, says nothing new
        await pilot.pause()
        assert table.cursor_row == 0 and app.highlighted[-1] == "app-00"
        await pilot.press("end", "enter")
        await pilot.pause()
        assert app.selected == ["app-29"] and line_of(app, "app-29")


async def test_a_changed_row_is_redrawn_and_a_wider_value_widens_its_column() -> None:
    app = TableApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.query_one(RowTable)
        assert "✔ Synced" in line_of(app, "app-03")
        table.update_row("app-03", ("app-03", sync_text("OutOfSync"), "replicas 5 → 2"))
        await pilot.pause()
        assert "✘ OutOfSync" in line_of(app, "app-03")
        assert "replicas 5 → 2" in line_of(app, "app-03")
        header = screen_lines(app)[0]
        assert header.index("NOTE") > line_of(app, "app-03").index("OutOfSync")
        # Only the colour changes: still redrawn.
        table.update_row("app-03", ("app-03", Text("✘ OutOfSync", style="red"), "replicas 5 → 2"))
        assert table.get_row("app-03")[1].style == "red"


async def test_replacing_rows_keeps_the_cursor_on_its_row() -> None:
    app = TableApp(rows=5)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.query_one(RowTable)
        table.move_cursor(row=3)
        await pilot.pause()
        names = [f"app-{i:02d}" for i in (4, 3, 2, 1, 0)]  # sorted the other way
        table.set_rows((n, (n, "", "")) for n in names)
        await pilot.pause()
        assert table.cursor_row == 1 and table.row_keys[1] == "app-03"
        table.set_rows((n, (n, "", "")) for n in ("app-07", "app-08"))  # its row is gone
        await pilot.pause()
        assert table.cursor_row == 0 and app.highlighted[-1] == "app-07"
        assert [str(c) for c in table.get_column("NAME")] == ["app-07", "app-08"]


async def test_the_mouse_picks_rows_and_headers() -> None:
    app = TableApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.query_one(RowTable)
        await pilot.click(RowTable, offset=(2, 4))  # header line + rows 0..2 above it
        await pilot.pause()
        assert table.cursor_row == 3 and app.highlighted[-1] == "app-03"
        await pilot.click(RowTable, offset=(2, 4))  # a click on the cursor row opens it
        await pilot.pause()
        assert app.selected == ["app-03"]
        x = screen_lines(app)[0].index("SYNC")
        await pilot.click(RowTable, offset=(x, 0))
        await pilot.pause()
        assert app.headers == ["SYNC"]


async def test_new_rows_and_wider_cells_bring_scrollbars_without_a_relayout() -> None:
    app = TableApp(rows=5)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.query_one(RowTable)
        assert not table.show_vertical_scrollbar and not table.show_horizontal_scrollbar
        layouts = 0
        relayout = app.screen._refresh_layout

        def counted(*args, **kwargs) -> None:
            nonlocal layouts
            layouts += 1
            relayout(*args, **kwargs)

        app.screen._refresh_layout = counted
        table.update_row("app-03", ("app-03", sync_text("OutOfSync"), "replicas 5 → 2"))
        await pilot.pause()
        assert layouts == 0  # a wider column that still fits: the pane redraws alone
        assert "replicas 5 → 2" in line_of(app, "app-03")
        table.set_rows((f"app-{i:02d}", (f"app-{i:02d}", "", "")) for i in range(30))
        await pilot.pause()
        assert table.show_vertical_scrollbar and layouts > 0  # it takes a column
        layouts = 0
        table.set_rows((f"app-{i:02d}", (f"app-{i:02d}", "", "")) for i in range(40))
        await pilot.pause()
        assert layouts == 0  # more rows under a scrollbar already shown
        table.update_row("app-04", ("app-04", "", "x" * 80))
        await pilot.pause()
        assert table.show_horizontal_scrollbar and layouts > 0
        await pilot.press("end")
        await pilot.pause()
        assert line_of(app, "app-39")  # the new size scrolls as far as the last row


async def test_the_cursor_and_stripes_follow_focus_and_theme() -> None:
    app = TableApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.query_one(RowTable)

        def cursor_bg() -> object:
            return list(table.render_line(1 + table.cursor_row))[1].style.bgcolor

        focused = cursor_bg()
        table.blur()
        await pilot.pause()
        blurred = cursor_bg()
        assert blurred != focused  # the cursor dims when the table has no focus
        table.focus()
        await pilot.pause()
        assert cursor_bg() == focused
        app.theme = "textual-light" if app.theme != "textual-light" else "textual-dark"
        await pilot.pause()
        assert cursor_bg() != focused  # a new theme's colours, not the old ones kept


class FlexApp(App):
    def compose(self) -> ComposeResult:
        yield RowTable(("NAME", "REVISION", "AGE"), id="t", flex="REVISION")

    def on_mount(self) -> None:
        self.query_one(RowTable).set_rows(
            (f"app-{i}", (f"app-{i}", f"9f7a436 {'bump the image ' * 4}{i}", "3m ago"))
            for i in range(3)
        )


async def test_a_flex_column_gives_way_so_the_columns_after_it_stay_on_screen() -> None:
    app = FlexApp()
    async with app.run_test(size=(40, 8)) as pilot:
        await pilot.pause()
        table = app.query_one(RowTable)
        line = line_of(app, "app-1")
        assert line.rstrip().endswith("3m ago") and "9f7a436 bump the" in line
        assert "…" in line and not table.show_horizontal_scrollbar
        await pilot.resize_terminal(120, 8)
        await pilot.pause()
        assert f"{'bump the image ' * 4}1" in line_of(app, "app-1")  # room again: all of it
        await pilot.resize_terminal(20, 8)
        await pilot.pause()
        assert table.show_horizontal_scrollbar  # too narrow even so: it scrolls
        assert "9f7a436 bum…" in line_of(app, "app-1")  # the flex column keeps 12 cells
        table.set_rows((f"app-{i}", (f"app-{i}", "9f7a436 x", "3m ago")) for i in range(9))
        await pilot.resize_terminal(40, 8)
        await pilot.pause()
        assert "9f7a436 x" in line_of(app, "app-1") and not table.show_horizontal_scrollbar


class NarrowApp(App):
    def __init__(self) -> None:
        super().__init__()
        self.headers: list[str] = []

    def compose(self) -> ComposeResult:
        yield RowTable(
            ("NAME", "DESTINATION", "SYNC", "REVISION", "AGE"),
            id="t",
            flex={"REVISION": 12},
            optional=("DESTINATION", "REVISION"),
        )

    def on_mount(self) -> None:
        self.query_one(RowTable).set_rows(
            (f"app-{i}", (f"app-{i}", "shop-production", "✔ Synced", "9f7a436 bump " * 3, "3m"))
            for i in range(3)
        )

    def on_row_table_header_selected(self, event: RowTable.HeaderSelected) -> None:
        self.headers.append(event.column)


async def test_optional_columns_leave_a_narrow_pane_in_order_and_come_back() -> None:
    app = NarrowApp()
    async with app.run_test(size=(100, 8)) as pilot:
        await pilot.pause()
        table = app.query_one(RowTable)
        assert table.columns_shown == ["NAME", "DESTINATION", "SYNC", "REVISION", "AGE"]
        await pilot.resize_terminal(50, 8)
        await pilot.pause()
        # REVISION gave way to 12 cells first; still too wide, so DESTINATION left.
        assert table.columns_shown == ["NAME", "SYNC", "REVISION", "AGE"]
        line = line_of(app, "app-1")
        assert "shop-production" not in line and line.rstrip().endswith("3m")
        assert not table.show_horizontal_scrollbar
        await pilot.resize_terminal(30, 8)
        await pilot.pause()
        assert table.columns_shown == ["NAME", "SYNC", "AGE"]
        assert screen_lines(app)[0].split() == ["NAME", "SYNC", "AGE"]
        x = screen_lines(app)[0].index("AGE")
        await pilot.click(RowTable, offset=(x, 0))  # the header under the mouse, not a gone one
        await pilot.pause()
        assert app.headers == ["AGE"]
        await pilot.resize_terminal(100, 8)
        await pilot.pause()
        assert "shop-production" in line_of(app, "app-1")
