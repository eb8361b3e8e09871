"""The tag catalogue as a table: key, icon, name, category, colour, kind and how many drivers carry it."""

from __future__ import annotations

from collections.abc import Callable

from rich.style import Style

from wots_tui.domain.notebook import Tag
from wots_tui.ui.widgets.row_table import Column, RowTable


def tag_columns(uses: Callable[[str], int]) -> tuple[Column[Tag], ...]:
    return (
        Column("Key", 3, lambda t: (str(t.hotkey) if t.hotkey else "", Style(bold=True)), right=True),
        Column("", 2, lambda t: (t.icon, None)),
        Column("Name", 20, lambda t: (t.name, Style(color=t.colour, bold=True))),
        Column("Category", 10, lambda t: (t.category, None)),
        Column("Colour", 10, lambda t: (f"██ {t.colour}", Style(color=t.colour))),
        Column("Kind", 8, lambda t: ("built-in" if t.builtin else "yours", Style(dim=t.builtin))),
        Column("Drivers", 7, lambda t: (str(uses(t.id)), None), right=True),
    )


class TagTable(RowTable[Tag]):
    def __init__(self, uses: Callable[[str], int], *, id: str | None = None) -> None:
        super().__init__(tag_columns(uses), key=lambda tag: tag.id, id=id)
