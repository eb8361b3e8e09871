"""A table of immutable rows drawn with Textual's line API: only the lines (and cells) that change repaint.

DataTable re-lays out cells on every update; a racer's CPU belongs to the sim, so this widget keeps the
cells and the Strip of each row it drew, and asks Textual to repaint just the cells whose text or style
changed. It draws only the visible window, and asks its rows for nothing else: the rows may be a list
(the 60 cars of the live board) or a `PagedRows` over a query (a notebook of 100k entries).

On a narrow terminal the table narrows by steps its owner names (drop a column, or shrink one), in
order, until the line fits; text too long for its cell ends in an ellipsis.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Generic, Protocol, TypeVar

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
R_co = TypeVar("R_co", covariant=True)
Cell = tuple[str, Style | None]


class Rows(Protocol[R_co]):
    """What the table asks of its rows: how many, and one by index (None while it is still being fetched)."""

    def __len__(self) -> int: ...

    def __getitem__(self, index: int) -> R_co | None: ...


@dataclass(frozen=True, slots=True)
class Column(Generic[R]):
    label: str
    width: int  # 0 = takes the rest of the line
    cell: Callable[[R], Cell]
    right: bool = False
    fit: Callable[[str, int], str] | None = None  # how a text too long for the cell is cut (default: an ellipsis)


Narrowing = tuple[str, int | None]  # a column's label and the width it shrinks to; None: the column goes


@dataclass(frozen=True, slots=True)
class Slot:
    """Where one shown column sits on the line."""

    index: int  # into the table's columns (and a row's cells)
    x: int
    width: int


@lru_cache(maxsize=64)
def layout(
    columns: tuple[Column, ...], width: int, hidden: frozenset[str] = frozenset(),
    narrowing: tuple[Narrowing, ...] = (), rest_at_least: int = 12,
) -> tuple[Slot, ...]:
    """The columns that fit in `width`: all but `hidden`, narrowed step by step until the line fits.

    A line is one space, then each cell and a space. The column of width 0 takes what is left, and the
    line fits when it is left at least `rest_at_least` cells.
    """
    widths = {c.label: c.width for c in columns if c.label not in hidden}

    def needed() -> int:
        return 1 + sum((w or rest_at_least) + 1 for w in widths.values())

    for label, narrower in narrowing:
        if needed() <= width:
            break
        if label in widths:
            if narrower is None:
                del widths[label]
            else:
                widths[label] = min(widths[label], narrower)
    slots, x = [], 1
    for index, column in enumerate(columns):
        if column.label in widths:
            cell_width = widths[column.label] or max(0, width - needed() + rest_at_least)
            slots.append(Slot(index, x, cell_width))
            x += cell_width + 1
    return tuple(slots)


@lru_cache(maxsize=256)
def coloured(colour: str, bold: bool = False) -> Style:
    """One Style per colour, made once: cells of class and licence colours are drawn at every change."""
    return Style(color=colour, bold=bold)


class RowTable(Widget, Generic[R], can_focus=True):
    """One header line, then one line per row.

    With `follow`, the cursor follows its row (by key) when the rows move, as on the live board; without
    it, the cursor keeps its place, as a paged table must (it cannot look for a key it has not fetched).
    """

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
        follow: bool = True,
        narrowing: Sequence[Narrowing] = (),
        rest_at_least: int = 12,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.columns = tuple(columns)
        self._narrowing = tuple(narrowing)
        self._rest_at_least = rest_at_least
        self._hidden: frozenset[str] = frozenset()
        self._layout: tuple[int, tuple[Slot, ...]] = (-1, ())  # for the width it was made for
        self._key = key
        self._highlight = highlight
        self._follow = follow
        self._rows: Rows[R] = []
        self._cursor = 0
        self._top = 0
        self._cells: dict[int, tuple[R, tuple[Cell, ...]]] = {}  # by id(row): the row and its cells
        self._strips: dict[int, tuple[R, bool, int, Strip]] = {}  # by row index: row, selected, width, strip

    @property
    def rows(self) -> Rows[R]:
        return self._rows

    @property
    def cursor_row(self) -> R | None:
        return self._rows[self._cursor] if 0 <= self._cursor < len(self._rows) else None

    @property
    def cursor_index(self) -> int:
        return self._cursor

    @property
    def shown_columns(self) -> tuple[str, ...]:
        """The labels of the columns on screen now, left to right."""
        return tuple(self.columns[slot.index].label for slot in self._slots(self.size.width))

    def hide(self, labels: frozenset[str]) -> None:
        """Leave out the columns named (a column with nothing to show, say); the others share the room."""
        if labels != self._hidden:
            self._hidden = labels
            self._layout = (-1, ())
            self.redraw()

    def _slots(self, width: int) -> tuple[Slot, ...]:
        """The layout for `width`, kept: every line drawn asks for it."""
        if self._layout[0] != width:
            self._layout = (width, layout(self.columns, width, self._hidden, self._narrowing, self._rest_at_least))
        return self._layout[1]

    def show(self, rows: Rows[R], cursor: int | None = None) -> None:
        """Show new rows; the cursor goes to `cursor`, or stays on its row (or its place); only the visible
        cells that changed repaint."""
        old_rows, old_cursor, old_top = self._rows, self._cursor, self._top
        selected = self.cursor_row
        self._rows = rows
        if cursor is not None:
            self._cursor = cursor
        elif selected is not None and self._follow:
            self._cursor = self._index_of(self._key(selected), self._cursor)
        self._cursor = max(0, min(self._cursor, len(rows) - 1))
        self._scroll_to_cursor()
        visible = range(self._top, min(len(rows), self._top + self._visible_rows()))
        if len(old_rows) != len(rows) or old_top != self._top:
            self._cells.clear()
            self._strips.clear()
            self.refresh()
        else:
            cells: dict[int, tuple[R, tuple[Cell, ...]]] = {}
            for index in visible:
                self._carry(old_rows[index], rows[index], index, cells)
            self._cells = cells
            if old_cursor != self._cursor:
                self._refresh_row(old_cursor)
                self._refresh_row(self._cursor)
        current = self.cursor_row
        if (selected is None) != (current is None) or (
            selected is not None and current is not None and self._key(selected) != self._key(current)
        ):
            self.post_message(self.CursorMoved(self, current))

    def refresh_rows(self, start: int, stop: int) -> None:
        """Repaint the rows in [start, stop) (a page that arrived, say)."""
        for index in range(max(start, self._top), min(stop, self._top + self._visible_rows())):
            self._strips.pop(index, None)
            self._refresh_row(index)

    def redraw(self) -> None:
        """Draw every line afresh (after something the rows do not carry changed, such as a tag's icon)."""
        self._cells.clear()
        self._strips.clear()
        self.refresh()

    def _carry(self, old: R | None, new: R | None, index: int, cells: dict[int, tuple[R, tuple[Cell, ...]]]) -> None:
        """Carry the new row's cells into `cells`, as they were when it shows the same; repaint what differs.

        Most rows of a live board show the same as a fifth of a second ago: they cost one comparison.
        """
        if new is None:
            self._refresh_row(index)
            return
        if old is not None and (old is new or old == new):
            known = self._cells.get(id(old))
            if known is not None and known[0] is old:
                cells[id(new)] = (new, known[1])
            return
        if old is None or self._highlight(old) != self._highlight(new):  # the whole line's background changes
            self._strips.pop(index, None)
            self._refresh_row(index)
            cells[id(new)] = (new, self._cells_of(new))
            return
        new_cells = self._cells_of(new)
        self._refresh_changed_cells(index, self._cells_of(old), new_cells)
        cells[id(new)] = (new, new_cells)

    def _index_of(self, key: Hashable, hint: int) -> int:
        rows = self._rows
        if 0 <= hint < len(rows) and (row := rows[hint]) is not None and self._key(row) == key:
            return hint
        return next((i for i in range(len(rows)) if (row := rows[i]) is not None and self._key(row) == key), hint)

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
        if not len(self._rows):
            return
        index = max(0, min(index, len(self._rows) - 1))
        if index == self._cursor:
            return
        previous, self._cursor = self._cursor, index
        top = self._top
        self._scroll_to_cursor()
        if top != self._top:
            self._prune_strips()
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

    def _prune_strips(self) -> None:
        """Keep the strips of the rows on screen and a screenful either side (scrolling back costs nothing)."""
        visible = self._visible_rows()
        keep = range(self._top - visible, self._top + 2 * visible)
        self._strips = {i: s for i, s in self._strips.items() if i in keep}

    def _refresh_row(self, index: int) -> None:
        y = index - self._top + 1
        if 1 <= y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

    def _refresh_changed_cells(self, index: int, old: tuple[Cell, ...], new: tuple[Cell, ...]) -> None:
        """Repaint only the span of cells whose text or style changed: at race pace, usually Gap and Last.

        Most updates change one or two cells of a row; repainting those, not the whole 160-column line,
        is what keeps the bytes sent to the racer's terminal low.
        """
        y = index - self._top + 1
        if not 1 <= y < self.size.height:
            return
        changed = [slot for slot in self._slots(self.size.width) if old[slot.index] != new[slot.index]]
        if not changed:
            return
        first, last = changed[0], changed[-1]
        self.refresh(Region(first.x, y, last.x + last.width - first.x, 1))

    # rendering

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if y == 0:
            return self._header_strip(width)
        index = self._top + y - 1
        if index >= len(self._rows):
            return Strip.blank(width, self.rich_style)
        row = self._rows[index]
        if row is None:  # its page is on its way
            return Strip.blank(width, self.rich_style)
        selected = index == self._cursor
        cached = self._strips.get(index)
        if cached is not None and cached[1] == selected and cached[2] == width and (cached[0] is row or cached[0] == row):
            return cached[3]
        strip = self._row_strip(row, selected, width)
        self._strips[index] = (row, selected, width, strip)
        return strip

    def _cells_of(self, row: R) -> tuple[Cell, ...]:
        known = self._cells.get(id(row))
        if known is not None and known[0] is row:
            return known[1]
        cells = tuple(column.cell(row) for column in self.columns)
        self._cells[id(row)] = (row, cells)
        return cells

    def _header_strip(self, width: int) -> Strip:
        style = self.get_component_rich_style("row-table--header")
        return self._line([(c.label, None) for c in self.columns], style, width)

    def _row_strip(self, row: R, selected: bool, width: int) -> Strip:
        style = self.rich_style
        if self._highlight(row):
            style += self.get_component_rich_style("row-table--highlight")
        if selected:
            style += self.get_component_rich_style("row-table--cursor")
        return self._line(self._cells_of(row), style, width)

    def _line(self, cells: Sequence[Cell], base: Style, width: int) -> Strip:
        segments = [Segment(" ", base)]
        for slot in self._slots(width):
            column = self.columns[slot.index]
            text, style = cells[slot.index]
            if cell_len(text) > slot.width:
                text = (column.fit or ellipsis)(text, slot.width)
            segments.append(Segment(_pad(text, slot.width, column.right), base + style if style else base))
            segments.append(Segment(" ", base))
        return Strip(segments).adjust_cell_length(width, base).simplify()


def ellipsis(text: str, width: int) -> str:
    """`text` cut to `width` cells, its last cell an ellipsis that says there is more."""
    return set_cell_size(text, width - 1) + "…" if width > 1 else set_cell_size(text, width)


def _pad(text: str, width: int, right: bool) -> str:
    if right and cell_len(text) < width:
        return " " * (width - cell_len(text)) + text
    return set_cell_size(text, width)
