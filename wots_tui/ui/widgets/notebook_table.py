"""The notebook's table: one line per entry, drawn only for the visible window (100k entries scroll freely)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rich.style import Style

from wots_tui.domain.notebook import NoteRecord, Tag
from wots_tui.ui.widgets.driver_board import NICK_STYLE, RATING_CELLS
from wots_tui.ui.widgets.row_table import Cell, Column, RowTable

_DIM = Style(dim=True)


def _date(moment: datetime | None) -> str:
    return f"{moment.astimezone():%Y-%m-%d}" if moment is not None else ""


def notebook_columns(tag: Callable[[str], Tag | None]) -> tuple[Column[NoteRecord], ...]:
    def rating(record: NoteRecord) -> Cell:
        return RATING_CELLS.get(record.rating, ("", None))

    def tags(record: NoteRecord) -> Cell:
        return ("".join(t.icon for tag_id in record.tag_ids if (t := tag(tag_id))), None)

    return (
        Column("R", 1, rating),
        Column("Driver", 24, lambda r: (r.name, None)),
        Column("Nick", 12, lambda r: (r.nickname, NICK_STYLE)),
        Column("Tags", 10, tags),
        Column("Met", 4, lambda r: (str(r.seen_count) if r.seen_count else "", None), right=True),
        Column("Last met", 10, lambda r: (_date(r.last_met), _DIM)),
        Column("Note", 0, lambda r: (" ".join(r.note.split()), None)),
    )


class NotebookTable(RowTable[NoteRecord]):
    def __init__(self, tag: Callable[[str], Tag | None], *, id: str | None = None) -> None:
        super().__init__(notebook_columns(tag), key=lambda record: record.key, follow=False, id=id)
