"""A table of immutable rows drawn with Textual's line API: only the lines (and cells) that change repaint.

DataTable re-lays out cells on every update; a racer's CPU belongs to the sim, so this widget keeps one
cached Strip per visible row and asks Textual to repaint just the cells whose text or style changed.
It draws only the visible window, so a notebook of 100k entries scrolls as fast as a grid of 60 cars.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Generic, TypeVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

R = TypeVar("R")
Cell = tuple[str, Style | None]


@dataclass(frozen=True, slots=True)
class Column(Generic[R]):
    label: str
    width: int  # 0 = takes the rest of the line
    cell: Callable[[R], Cell]
    right: bool = False


class RowTable(Widget, Generic[R], can_focus=True):
    """One header line, then one line per row; the cursor follows its row (by key) when rows move."""

    COMPONENT_CLASSES = {"row-table--header", "row-table--highlight", "row-table--cursor"}
    BINDINGS = [
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "cursor_to(0)", "First", show=False),
        Binding("end", "cursor_to(-1)", "Last", show=False),
    ]

    class CursorMoved(Message):
        def __init__(self, table: RowTable, row: object | None) -> None:
            super().__init__()
            self.table = table
            self.row = row

        @property
        def control(self) -> RowTable:
            return self.table

    def __init__(
        self,
        columns: Sequence[Column[R]],
        key: Callable[[R], Hashable],
        highlight: Callable[[R], bool] = lambda row: False,
        *,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.columns = tuple(columns)
        self._key = key
        self._highlight = highlight
        self._rows: list[R] = []
        self._cursor = 0
        self._top = 0
        self._strips: dict[int, tuple[tuple[R, bool, int], Strip]] = {}

    @property
    def rows(self) -> list[R]:
        return self._rows

    @property
    def cursor_row(self) -> R | None:
        return self._rows[self._cursor] if 0 <= self._cursor < len(self._rows) else None

    def show(self, rows: Sequence[R]) -> None:
        """Show a new list of rows; the cursor stays on its row; only the visible cells that changed repaint."""
        old_rows, old_cursor, old_top = self._rows, self._cursor, self._top
        selected = self.cursor_row
        self._rows = list(rows)
        if selected is not None:
            self._cursor = self._index_of(self._key(selected), self._cursor)
        self._cursor = max(0, min(self._cursor, len(self._rows) - 1))
        self._scroll_to_cursor()
        if len(old_rows) != len(self._rows) or old_top != self._top:
            self._strips.clear()
            self.refresh()
        else:
            for index in range(self._top, min(len(self._rows), self._top + self._visible_rows())):
                old, new = old_rows[index], self._rows[index]
                if index in (old_cursor, self._cursor):
                    self._refresh_row(index)
                elif old is not new and old != new:
                    self._refresh_changed_cells(index, old, new)
        if selected is None or self.cursor_row is None or self._key(selected) != self._key(self.cursor_row):
            self.post_message(self.CursorMoved(self, self.cursor_row))

    def redraw(self) -> None:
        """Draw every line afresh (after something the rows do not carry changed, such as a tag's icon)."""
        self._strips.clear()
        self.refresh()

    def _index_of(self, key: Hashable, hint: int) -> int:
        if 0 <= hint < len(self._rows) and self._key(self._rows[hint]) == key:
            return hint
        return next((i for i, row in enumerate(self._rows) if self._key(row) == key), hint)

    # keys and mouse

    def action_cursor(self, step: int) -> None:
        self._move_to(self._cursor + step)

    def action_page(self, direction: int) -> None:
        self._move_to(self._cursor + direction * max(1, self._visible_rows() - 1))

    def action_cursor_to(self, index: int) -> None:
        self._move_to(index if index >= 0 else len(self._rows) - 1)

    def move_to(self, index: int) -> None:
        """Put the cursor on row `index` (clamped)."""
        self._move_to(index)

    def on_click(self, event: events.Click) -> None:
        if event.y >= 1:
            self._move_to(self._top + event.y - 1)

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        self._move_to(self._cursor + 3)

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        self._move_to(self._cursor - 3)

    def on_resize(self, event: events.Resize) -> None:
        self._strips.clear()
        self._scroll_to_cursor()

    def _move_to(self, index: int) -> None:
        if not self._rows:
            return
        index = max(0, min(index, len(self._rows) - 1))
        if index == self._cursor:
            return
        previous, self._cursor = self._cursor, index
        top = self._top
        self._scroll_to_cursor()
        if top != self._top:
            self._strips.clear()
            self.refresh()
        else:
            self._refresh_row(previous)
            self._refresh_row(index)
        self.post_message(self.CursorMoved(self, self.cursor_row))

    def _visible_rows(self) -> int:
        return max(1, self.size.height - 1)

    def _scroll_to_cursor(self) -> None:
        visible = self._visible_rows()
        if self._cursor < self._top:
            self._top = self._cursor
        elif self._cursor >= self._top + visible:
            self._top = self._cursor - visible + 1
        self._top = max(0, min(self._top, max(0, len(self._rows) - visible)))

    def _refresh_row(self, index: int) -> None:
        y = index - self._top + 1
        if 1 <= y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

    def _refresh_changed_cells(self, index: int, old: R, new: R) -> None:
        """Repaint only the span of cells whose text or style changed: at race pace, usually Gap and Last.

        Most updates change one or two cells of a row; repainting those, not the whole 160-column line,
        is what keeps the bytes sent to the racer's terminal low.
        """
        y = index - self._top + 1
        if not 1 <= y < self.size.height:
            return
        changed = [i for i, column in enumerate(self.columns) if column.cell(old) != column.cell(new)]
        if not changed:
            return
        width = self.size.width
        starts = _column_starts(self.columns, width)
        first, last = changed[0], changed[-1]
        end = starts[last] + (self.columns[last].width or width - starts[last])
        self.refresh(Region(starts[first], y, min(end, width) - starts[first], 1))

    # rendering

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if y == 0:
            return self._header_strip(width)
        index = self._top + y - 1
        if index >= len(self._rows):
            return Strip.blank(width, self.rich_style)
        row = self._rows[index]
        key = (row, index == self._cursor, width)
        cached = self._strips.get(y)
        if cached is not None and cached[0] == key:
            return cached[1]
        strip = self._row_strip(row, index == self._cursor, width)
        self._strips[y] = (key, strip)
        return strip

    def _header_strip(self, width: int) -> Strip:
        style = self.get_component_rich_style("row-table--header")
        return self._line([(c.label, None) for c in self.columns], style, width)

    def _row_strip(self, row: R, selected: bool, width: int) -> Strip:
        style = self.rich_style
        if self._highlight(row):
            style += self.get_component_rich_style("row-table--highlight")
        if selected:
            style += self.get_component_rich_style("row-table--cursor")
        return self._line([c.cell(row) for c in self.columns], style, width)

    def _line(self, cells: list[Cell], base: Style, width: int) -> Strip:
        segments = [Segment(" ", base)]
        used = 1
        for column, (text, style) in zip(self.columns, cells):
            cell_width = column.width or max(0, width - used)
            segments.append(Segment(_fit(text, cell_width, column.right), base + style if style else base))
            segments.append(Segment(" ", base))
            used += cell_width + 1
        return Strip(segments).adjust_cell_length(width, base).simplify()


@lru_cache(maxsize=16)
def _column_starts(columns: tuple[Column, ...], width: int) -> tuple[int, ...]:
    """The x of each column's first cell, as `_line` lays them out (one space before each)."""
    starts = []
    x = 1
    for column in columns:
        starts.append(x)
        x += (column.width or max(0, width - x)) + 1
    return tuple(starts)


def _fit(text: str, width: int, right: bool) -> str:
    if right and cell_len(text) < width:
        return " " * (width - cell_len(text)) + text
    return set_cell_size(text, width)
