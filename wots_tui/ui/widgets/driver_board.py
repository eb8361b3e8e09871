"""The live drivers table: its columns (label, width, alignment, how a row fills the cell) and the widget."""

from __future__ import annotations

from collections.abc import Callable

from rich.style import Style

from wots_tui.domain.board import BoardRow
from wots_tui.domain.tag_order import warnings_first
from wots_tui.domain.timefmt import gap, lap_time, signed_int
from wots_tui.ui.widgets.crowd_cell import crowd_cell
from wots_tui.ui.widgets.row_table import Cell, Column, Narrowing, RowTable, coloured
from wots_tui.ui.widgets.tag_icons import fit_icons

_PLAIN: Style | None = None
_GAIN = Style(color="#4ade80")
_LOSS = Style(color="#f87171")
_PIT = Style(color="#111111", bgcolor="#fbbf24", bold=True)
_FINISHED = Style(color="#a1a1aa", bold=True)
_OUT = Style(color="#f87171", bold=True)  # DNF, DSQ, RET: the car stopped before the flag
_AI = Style(color="#a1a1aa", italic=True)
AI_MARK = "AI "  # before an AI car's name: in the Driver cell, which stays at every width
NICK_STYLE = Style(color="#93c5fd", italic=True)
RATING_CELLS: dict[int | None, Cell] = {1: ("▲", Style(color="#4ade80", bold=True)), 0: ("●", Style(color="#a1a1aa")), -1: ("▼", Style(color="#f87171", bold=True))}


def _position(row: BoardRow) -> Cell:
    return (str(row.position) if row.position else "", _PLAIN)


def _class_position(row: BoardRow) -> Cell:
    return (str(row.class_position) if row.class_position else "", _PLAIN)


def _name(row: BoardRow) -> Cell:
    return (AI_MARK + row.name, _AI) if row.is_ai else (row.name, _PLAIN)


def _nickname(row: BoardRow) -> Cell:
    return (row.notebook.nickname if row.notebook else "", NICK_STYLE)


def _class(row: BoardRow) -> Cell:
    return (row.car_class.name, coloured(row.car_class.colour, bold=True))


def _licence(row: BoardRow) -> Cell:
    if row.licence is None:
        return ("", _PLAIN)
    return (row.licence.label, coloured(row.licence.colour, bold=True))


def _irating(row: BoardRow) -> Cell:
    return (str(row.irating) if row.irating > 0 else "", _PLAIN)


def _irating_change(row: BoardRow) -> Cell:
    text = signed_int(row.irating_change)
    if not row.irating_change:
        return (text, _PLAIN)
    return (text, _GAIN if row.irating_change > 0 else _LOSS)


def _lap(row: BoardRow) -> Cell:
    return (str(row.lap) if row.lap is not None else "", _PLAIN)


def _pit(row: BoardRow) -> Cell:
    """PIT on pit road, else why the car stopped (FIN, DNF, DSQ, RET), where the sim says."""
    if row.on_pit_road:
        return ("PIT", _PIT)
    if not row.status:
        return ("", _PLAIN)
    return (row.status, _FINISHED if row.status == "FIN" else _OUT)


def _sector(row: BoardRow) -> Cell:
    return (f"S{row.sector}" if row.sector else "", _PLAIN)


def _contacts(row: BoardRow) -> Cell:
    return (str(row.contacts) if row.contacts else "", _PLAIN)


def _rating(row: BoardRow) -> Cell:
    if row.notebook is None or row.notebook.rating is None:
        return ("", _PLAIN)
    return RATING_CELLS[row.notebook.rating]


def _tags(row: BoardRow) -> Cell:
    return ("".join(tag.icon for tag in warnings_first(row.notebook.tags)) if row.notebook else "", _PLAIN)


def _met(row: BoardRow) -> Cell:
    return (str(row.notebook.times_met) if row.notebook and row.notebook.times_met else "", _PLAIN)


def _head_to_head(row: BoardRow) -> Cell:
    return (row.head_to_head.score if row.head_to_head else "", _PLAIN)


def _note(row: BoardRow) -> Cell:
    return (" ".join(row.notebook.note.split()) if row.notebook else "", _PLAIN)


COLUMNS: tuple[Column[BoardRow], ...] = (
    Column("P", 3, _position, right=True),
    Column("CP", 3, _class_position, right=True),
    Column("#", 4, lambda r: (r.car_number, _PLAIN), right=True),
    Column("Driver", 24, _name),
    Column("Nick", 10, _nickname),
    Column("Class", 6, _class),
    Column("Lic", 6, _licence),
    Column("iR", 5, _irating, right=True),
    Column("±iR", 4, _irating_change, right=True),
    Column("Lap", 3, _lap, right=True),
    Column("Gap", 8, lambda r: (gap(r.gap_seconds, r.gap_laps), _PLAIN), right=True),
    Column("Last", 8, lambda r: (lap_time(r.last_lap), _PLAIN), right=True),
    Column("Best", 8, lambda r: (lap_time(r.best_lap), _PLAIN), right=True),
    Column("Pit", 3, _pit),
    Column("S", 2, _sector),
    Column("Cx", 2, _contacts, right=True),
    Column("Crowd", 5, lambda r: crowd_cell(r.crowd)),
    Column("R", 1, _rating),
    Column("Tags", 8, _tags, fit=fit_icons),
    Column("Met", 3, _met, right=True),
    Column("H2H", 5, _head_to_head, right=True),
    Column("Note", 0, _note),
)


# What goes first as the terminal narrows: lap times and the sector, then race facts (a nickname before the
# gap: the card has it; so have the head-to-head, the contacts and the crowd's word, which give way before the
# gap too, at 80 columns); the racer's own columns (R, Tags, Note, Met) with Driver, P and Class stay at any
# width (Driver shrinks, a long name ends in an ellipsis; an AI car's mark leads its name, so it stays too).
NARROWING: tuple[Narrowing, ...] = (
    ("Best", None), ("S", None), ("Driver", 20), ("Last", None), ("±iR", None), ("Pit", None), ("Nick", 8),
    ("Lap", None), ("Lic", None), ("#", None), ("CP", None), ("Nick", None), ("H2H", None), ("Cx", None),
    ("Crowd", None), ("Gap", None), ("Driver", 16), ("iR", None),
)


class DriverBoard(RowTable[BoardRow]):
    """Everyone in the session, the racer's own row highlighted; the cursor follows its driver."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(COLUMNS, key=lambda row: row.key, highlight=lambda row: row.is_player,
                         narrowing=NARROWING, rest_at_least=16, id=id)

    def show_board(self, rows: tuple[BoardRow, ...] | list[BoardRow], classes: int, cursor: int | None = None) -> None:
        """Show `rows` of a session with `classes` car classes. A column shows only when some row shown has
        something in it (never an empty column): CP with two classes or more, Nick, H2H (someone raced
        before), the contacts (Cx) and the sector (S) where the sim reports them, #, Gap (more than a leader's
        0), iR and ±iR, Lic (an AMS2 server has none of these, and its other columns get the room)."""
        hidden = {label for label, shows in _SOMETIMES.items() if not any(shows(row) for row in rows)}
        if classes < 2:
            hidden.add("CP")
        self.hide(frozenset(hidden))
        self.show(rows, cursor)


_SOMETIMES: dict[str, Callable[[BoardRow], object]] = {  # a column shown only when some row has this
    "#": lambda row: row.car_number,
    "Gap": lambda row: row.gap_seconds or row.gap_laps,  # a leader's 0 alone is no gap (an AMS2 race has none)
    "Nick": lambda row: row.notebook and row.notebook.nickname,
    "H2H": lambda row: row.head_to_head,
    "Cx": lambda row: row.contacts,
    "Crowd": lambda row: row.crowd,
    "S": lambda row: row.sector,
    "iR": lambda row: row.irating > 0,
    "±iR": lambda row: row.irating > 0,
    "Lic": lambda row: row.licence,
}
