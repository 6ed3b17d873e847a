"""A table of one-line rows drawn with Textual's line API, for the panes that change
while the reconciler works.

Each row's line is rendered once and kept until that row, the column widths or the row's
look (cursor, stripe, focus) change: moving the cursor redraws two lines and an app that
changed redraws one. (DataTable drops every cached cell when any cell changes, which
made each keypress redraw the whole table while a sync was running.)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from gitops_tui.text import clean, is_clean
from gitops_tui.tui.format import plain

Cell = str | Text
PAD = 1  # blank cells either side of a value
FLEX_MIN = 12  # the narrowest a flex column gets


class RowTable(ScrollView, can_focus=True):
    """Columns with a header line, rows with keys, and a row cursor."""

    BINDINGS = [
        Binding("up", "cursor_up", "Up", show=False),
        Binding("down", "cursor_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home", "first", "First", show=False),
        Binding("end", "last", "Last", show=False),
        Binding("enter", "select", "Select", show=False),
    ]

    COMPONENT_CLASSES = {
        "rowtable--header",
        "rowtable--even-row",
        "rowtable--cursor",
    }

    DEFAULT_CSS = """
    RowTable {
        background: $surface;
        color: $foreground;
        &:focus {
            background-tint: $foreground 5%;
            & > .rowtable--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
        }
        & > .rowtable--header {
            text-style: bold;
            background: $panel;
            color: $foreground;
        }
        & > .rowtable--even-row {
            background: $surface-lighten-1 50%;
        }
        &:dark > .rowtable--even-row {
            background: $surface-darken-1 40%;
        }
        & > .rowtable--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
    }
    """

    header_height = 1

    class RowHighlighted(Message):
        def __init__(self, table: RowTable, cursor_row: int, row_key: str | None) -> None:
            super().__init__()
            self.table, self.cursor_row, self.row_key = table, cursor_row, row_key

        @property
        def control(self) -> RowTable:
            return self.table

    class RowSelected(RowHighlighted):
        pass

    class HeaderSelected(Message):
        def __init__(self, table: RowTable, column: str, column_index: int) -> None:
            super().__init__()
            self.table, self.column, self.column_index = table, column, column_index

        @property
        def control(self) -> RowTable:
            return self.table

    def __init__(
        self,
        columns: Sequence[str],
        *,
        zebra_stripes: bool = False,
        flex: str | Mapping[str, int] | None = None,
        optional: Sequence[str] = (),
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.column_names = tuple(columns)
        self.zebra_stripes = zebra_stripes
        self._keys: list[str] = []
        self._index: dict[str, int] = {}
        self._cells: dict[str, tuple[Cell, ...]] = {}
        self._version: dict[str, int] = {}  # bumped when a row's cells change
        # When the columns are wider than the pane, the flex columns give way first (in
        # order, each down to its least width: FLEX_MIN for a plain name), then the
        # optional ones leave the screen (in order), so the rest stay on it unscrolled.
        flex = {flex: FLEX_MIN} if isinstance(flex, str) else dict(flex or {})
        self._flex = [(self.column_names.index(c), least) for c, least in flex.items()]
        self._optional = [self.column_names.index(c) for c in optional]
        self._headers = list(self.column_names)  # as shown: a name and its sort mark
        self._natural = [cell_len(c) for c in self._headers]  # the widest value
        self._widths = list(self._natural)  # as drawn; 0 for a column left out
        self._widths_version = 0
        self._lines: dict[str, tuple[tuple, Strip]] = {}  # row key -> (look, line)
        self._looks: tuple[bool, dict[str, Style]] | None = None  # (focused, look by name)
        self._cursor = 0
        self._announced: str | None = None  # the key the last RowHighlighted named

    # ---- reading --------------------------------------------------------------------
    @property
    def row_count(self) -> int:
        return len(self._keys)

    @property
    def cursor_row(self) -> int:
        return self._cursor

    @property
    def row_keys(self) -> list[str]:
        return list(self._keys)

    def get_row_at(self, index: int) -> list[Cell]:
        return list(self._cells[self._keys[index]])

    def get_row(self, key: str) -> list[Cell]:
        return list(self._cells[key])

    def get_column(self, name: str) -> list[Cell]:
        i = self.column_names.index(name)
        return [self._cells[key][i] for key in self._keys]

    def mark_sorted(self, column: str | None, reverse: bool = False) -> None:
        """Show which column the rows are sorted by, and which way (▲ up, ▼ down)."""
        headers = [
            f"{name} {'▼' if reverse else '▲'}" if name == column else name
            for name in self.column_names
        ]
        if headers == self._headers:
            return
        self._headers = headers
        for i, header in enumerate(headers):
            self._natural[i] = max(self._natural[i], cell_len(header))
        self._fit()
        self._widths_version += 1  # every line moves with a wider column
        self._resized()
        self.refresh()

    # ---- changing rows ----------------------------------------------------------------
    def clear(self) -> None:
        self._keys, self._index, self._cells, self._version = [], {}, {}, {}
        self._lines.clear()
        self._natural = [cell_len(c) for c in self._headers]
        self._fit()
        self._widths_version += 1
        self._cursor = 0
        self._resized()
        self._announce()

    def set_rows(self, rows: Iterable[tuple[str, Sequence[Cell]]]) -> None:
        """Replace every row. Rows whose cells did not change keep their drawn lines, and
        the cursor stays on its key when that key remains."""
        current = self._keys[self._cursor] if self._keys else None
        old, old_keys, old_widths = self._cells, self._keys, self._widths_version
        self._keys, self._index, self._cells = [], {}, {}
        widths = [cell_len(c) for c in self._headers]
        changed: list[int] = []
        for key, cells in rows:
            cells = self._checked(key, tuple(cells))
            if key in self._index:
                raise ValueError(f"duplicate row key {key!r}")
            self._index[key] = len(self._keys)
            self._keys.append(key)
            self._cells[key] = cells
            if not _same(old.get(key), cells):
                self._version[key] = self._version.get(key, 0) + 1
                changed.append(self._index[key])
            for i, value in enumerate(cells):
                widths[i] = max(widths[i], _width(value))
        for gone in set(old) - set(self._cells):
            self._version.pop(gone, None)
            self._lines.pop(gone, None)
        if widths != self._natural:
            self._natural = widths
            self._fit()
        cursor = self._index.get(current, 0) if self._keys else 0
        if self._keys == old_keys and self._widths_version == old_widths:
            # Same rows in the same places: redraw only the rows that changed.
            for index in changed:
                self.refresh_line(index + self.header_height)
            if cursor != self._cursor:
                self.refresh_line(self._cursor + self.header_height)
                self.refresh_line(cursor + self.header_height)
        else:
            self.refresh()
        self._cursor = cursor
        self._resized()
        self._scroll_to_cursor()
        self._announce()

    def update_row(self, key: str, cells: Sequence[Cell]) -> None:
        cells = self._checked(key, tuple(cells))
        if _same(self._cells.get(key), cells):
            return
        if self._store(key, cells):
            self._resized()
            self.refresh()  # a wider column moves every line
        else:
            self.refresh_line(self._index[key] + self.header_height)

    def _checked(self, key: str, cells: tuple[Cell, ...]) -> tuple[Cell, ...]:
        if len(cells) != len(self.column_names):
            raise ValueError(f"row {key!r} has {len(cells)} cells, not {len(self.column_names)}")
        # Cells quote Git and the cluster: no terminal control reaches the screen.
        return tuple(_safe(c) for c in cells)

    def _store(self, key: str, cells: tuple[Cell, ...]) -> bool:
        """Keep a row's (checked) cells; True when a column is drawn wider for them."""
        self._cells[key] = cells
        self._version[key] = self._version.get(key, 0) + 1
        grew = False
        for i, value in enumerate(cells):
            width = _width(value)
            if width > self._natural[i]:
                self._natural[i], grew = width, True
        return grew and self._fit()

    def _fit(self) -> bool:
        """Drawn widths from the widest values and the pane's width; True if changed."""
        room = self.container_size.width  # 0 before the first layout
        if len(self._keys) + self.header_height > self.container_size.height:
            room -= self.styles.scrollbar_size_vertical  # a vertical scrollbar will be shown
        widths = self._shrunk(room, ())
        if room > 0:
            for n in range(1, len(self._optional) + 1):
                if _drawn_width(widths) <= room:
                    break
                widths = self._shrunk(room, self._optional[:n])
        if widths == self._widths:
            return False
        self._widths = widths
        self._widths_version += 1
        return True

    def _shrunk(self, room: int, left_out: Sequence[int]) -> list[int]:
        widths = list(self._natural)
        for i in left_out:
            widths[i] = 0
        excess = _drawn_width(widths) - room if room > 0 else 0
        for i, least in self._flex:
            if excess <= 0:
                break
            cut = max(0, min(excess, widths[i] - least))
            widths[i] -= cut
            excess -= cut
        return widths

    @property
    def columns_shown(self) -> list[str]:
        return [c for c, w in zip(self.column_names, self._widths, strict=True) if w]

    def on_resize(self) -> None:
        self._resized()

    def _resized(self) -> None:
        if self._fit():  # the room changed (rows, the pane's size): every line moves
            self.refresh()
        size = Size(_drawn_width(self._widths), len(self._keys) + self.header_height)
        if size == self.virtual_size:
            return
        if self.styles.auto_dimensions:
            self.virtual_size = size  # the pane's size follows its rows: lay out again
            return
        # The pane's size comes from CSS, so new rows or wider cells need no relayout
        # of the screen (tens of ms under load): only the scrollbars follow, and they ask
        # for a relayout themselves when one appears or goes.
        self.set_reactive(RowTable.virtual_size, size)
        self._scroll_update(size)
        self.refresh()

    # ---- the cursor -------------------------------------------------------------------
    def move_cursor(self, *, row: int) -> None:
        if not self._keys:
            return
        row = max(0, min(row, len(self._keys) - 1))
        if row != self._cursor:
            old, self._cursor = self._cursor, row
            self.refresh_line(old + self.header_height)
            self.refresh_line(row + self.header_height)
        self._scroll_to_cursor()
        self._announce()

    def _announce(self) -> None:
        key = self._keys[self._cursor] if self._keys else None
        if key != self._announced:
            self._announced = key
            if key is not None:
                self.post_message(self.RowHighlighted(self, self._cursor, key))

    def _rows_in_view(self) -> int:
        return max(1, self.scrollable_content_region.height - self.header_height)

    def _scroll_to_cursor(self, retry: bool = True) -> None:
        top, rows = round(self.scroll_y), self._rows_in_view()
        if self._cursor < top:
            self.scroll_to(y=self._cursor, animate=False)
        elif self._cursor >= top + rows:
            target = self._cursor - rows + 1
            self.scroll_to(y=target, animate=False)
            if round(self.scroll_y) != target and retry:
                # The new rows are not laid out yet: scroll once they are.
                self.call_after_refresh(self._scroll_to_cursor, False)

    def action_cursor_down(self) -> None:
        self.move_cursor(row=self._cursor + 1)

    def action_cursor_up(self) -> None:
        self.move_cursor(row=self._cursor - 1)

    def action_page_down(self) -> None:
        self.move_cursor(row=self._cursor + self._rows_in_view())

    def action_page_up(self) -> None:
        self.move_cursor(row=self._cursor - self._rows_in_view())

    def action_first(self) -> None:
        self.move_cursor(row=0)

    def action_last(self) -> None:
        self.move_cursor(row=len(self._keys) - 1)

    def action_select(self) -> None:
        if self._keys:
            self.post_message(self.RowSelected(self, self._cursor, self._keys[self._cursor]))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        if offset.y < self.header_height:
            x = offset.x + round(self.scroll_x)
            for i, width in enumerate(self._widths):
                if not width:
                    continue  # left out
                x -= width + 2 * PAD
                if x < 0:
                    self.post_message(self.HeaderSelected(self, self.column_names[i], i))
                    return
            return
        row = round(self.scroll_y) + offset.y - self.header_height
        if 0 <= row < len(self._keys):
            if row == self._cursor:
                self.action_select()
            else:
                self.move_cursor(row=row)

    def on_focus(self) -> None:
        self.refresh()  # the cursor's look depends on focus

    def on_blur(self) -> None:
        self.refresh()

    # ---- drawing ----------------------------------------------------------------------
    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._looks = None  # focus, theme or CSS changed: the looks are made again

    def _look(self, name: str) -> Style:
        # Resolving styles walks the widget's ancestors (~0.1 ms): once per style change,
        # not for every line of every frame.
        if self._looks is None or self._looks[0] != self.has_focus:
            base = self.rich_style
            looks = {"base": base}
            for part in ("header", "cursor", "even-row"):
                looks[part] = base + self.get_component_rich_style(f"rowtable--{part}")
            self._looks = (self.has_focus, looks)
        return self._looks[1][name]

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        scroll_x, scroll_y = round(self.scroll_x), round(self.scroll_y)
        base = self._look("base")
        if y < self.header_height:
            line = self._line(None, self._headers, self._look("header"))
        else:
            index = y - self.header_height + scroll_y
            if index >= len(self._keys):
                return Strip.blank(width, base)
            key = self._keys[index]
            if index == self._cursor:
                style = self._look("cursor")
                look: tuple = ("cursor", self.has_focus)
            elif self.zebra_stripes and index % 2 == 0:
                style, look = self._look("even-row"), ("even",)
            else:
                style, look = base, ("odd",)
            look += (self._version[key], self._widths_version, style)
            cached = self._lines.get(key)
            if cached is not None and cached[0] == look:
                line = cached[1]
            else:
                line = self._line(key, self._cells[key], style, cursor=index == self._cursor)
                self._lines[key] = (look, line)
        return line.crop(scroll_x, scroll_x + width).adjust_cell_length(width, base)

    def _line(self, key: str | None, cells: Sequence[Cell], style: Style, cursor=False) -> Strip:
        console = self.app.console
        segments: list[Segment] = []
        pad = Segment(" " * PAD)
        for value, width in zip(cells, self._widths, strict=True):
            if not width:
                continue  # left out for want of room
            text = value.copy() if isinstance(value, Text) else Text(str(value))
            text.truncate(width, overflow="ellipsis", pad=True)
            segments.append(pad)
            segments.extend(text.render(console, end=""))
            segments.append(pad)
        # The row's look underneath every cell; on the cursor row its colours win, so the
        # cursor reads as one bar.
        post = Style(color=style.color, bgcolor=style.bgcolor) if cursor else None
        return Strip(Segment.apply_style(segments, style=style, post_style=post))


def _safe(value: Cell) -> Cell:
    if isinstance(value, Text):
        return value if is_clean(value.plain) else plain(value)
    return clean(str(value))


def _drawn_width(widths: Sequence[int]) -> int:
    return sum(w + 2 * PAD for w in widths if w)


def _width(value: Cell) -> int:
    return cell_len(value.plain if isinstance(value, Text) else str(value))


def _same(a: tuple[Cell, ...] | None, b: tuple[Cell, ...]) -> bool:
    # rich's Text compares text and spans only: a new colour alone must redraw too.
    return a is not None and [_ident(c) for c in a] == [_ident(c) for c in b]


def _ident(value: Cell) -> object:
    return (value.plain, str(value.style), value.spans) if isinstance(value, Text) else value
