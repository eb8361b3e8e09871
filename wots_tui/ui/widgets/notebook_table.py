"""The notebook's table: one line per entry, drawn only for the visible window (100k entries scroll freely).

On a narrow terminal the date goes first and the names shrink: the racer's own columns stay.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rich.style import Style

from wots_tui.domain.notebook import NoteRecord, Tag
from wots_tui.domain.tag_order import warnings_first
from wots_tui.ui.widgets.driver_board import NICK_STYLE, RATING_CELLS
from wots_tui.ui.widgets.row_table import Cell, Column, Narrowing, RowTable
from wots_tui.ui.widgets.tag_icons import fit_icons

_DIM = Style(dim=True)

# What goes first as the terminal narrows: the date, then Nick and Driver shrink; the racer's own columns
# (R, Tags, Note) stay at any width, the note keeping at least NOTE_AT_LEAST cells (80 columns: about 22).
NARROWING: tuple[Narrowing, ...] = (
    ("Last met", None), ("Nick", 10), ("Driver", 18), ("Met", None), ("Nick", None),
)
NOTE_AT_LEAST = 20


def _date(moment: datetime | None) -> str:
    return f"{moment.astimezone():%Y-%m-%d}" if moment is not None else ""


def notebook_columns(tag: Callable[[str], Tag | None]) -> tuple[Column[NoteRecord], ...]:
    def rating(record: NoteRecord) -> Cell:
        return RATING_CELLS.get(record.rating, ("", None))

    def tags(record: NoteRecord) -> Cell:
        known = [t for tag_id in record.tag_ids if (t := tag(tag_id)) is not None]
        return ("".join(t.icon for t in warnings_first(known)), None)

    return (
        Column("R", 1, rating),
        Column("Driver", 24, lambda r: (r.name, None)),
        Column("Nick", 12, lambda r: (r.nickname, NICK_STYLE)),
        Column("Tags", 10, tags, fit=fit_icons),
        Column("Met", 4, lambda r: (str(r.seen_count) if r.seen_count else "", None), right=True),
        Column("Last met", 10, lambda r: (_date(r.last_met), _DIM)),
        Column("Note", 0, lambda r: (" ".join(r.note.split()), None)),
    )


class NotebookTable(RowTable[NoteRecord]):
    def __init__(self, tag: Callable[[str], Tag | None], *, id: str | None = None) -> None:
        super().__init__(notebook_columns(tag), key=lambda record: record.key, follow=False,
                         narrowing=NARROWING, rest_at_least=NOTE_AT_LEAST, id=id)
