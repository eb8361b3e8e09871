"""One licence category's career as a table: its seasons in the order asked for, then a row per year and one
for the whole career, every column of `SEASON_COLUMNS` in its order.

A DataTable, not the live screen's line-API table: it is filled once per filter or sort, never per frame.
The totals sit in the same table so their figures stand under the seasons' columns.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import DataTable

from wots_tui.domain.career import SEASON_COLUMNS, CategoryCareer, SeasonRow, Tally, sort_seasons

NONE = "—"
# How much of a series' and a class's name is shown (the rest is …): the figures matter more than a long
# name's tail, and on a narrow terminal more of them fit. By the table's width: at WIDE and above, more.
WIDE = 160
NAME_WIDTHS = {False: (18, 12), True: (28, 20)}
CAREER_KEY = "career"
SEASON_KEY = "season:"
YEAR_KEY = "year:"

# the columns that are text, left-aligned (the others are figures, right-aligned)
TEXT_COLUMNS = frozenset({"season", "series", "class"})


def whole(value: int | None) -> str:
    return NONE if value is None else f"{value:,}"


def one_decimal(value: float | None) -> str:
    return NONE if value is None else f"{value:.1f}"


def signed(value: int | None) -> str:
    """An iRating change: `+39`, `-12`, `±0`."""
    return NONE if value is None else "±0" if value == 0 else f"{value:+,}"


def signed_sr(value: float | None) -> str:
    """A safety rating change: `+0.30`, `-0.04`, `±0.00`."""
    return NONE if value is None else "±0.00" if round(value, 2) == 0 else f"{value:+.2f}"


def cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


# what the Tally columns show, by column key
TALLY_CELLS: dict[str, Callable[[Tally], str]] = {
    "starts": lambda t: whole(t.starts),
    "wins": lambda t: whole(t.wins),
    "top5": lambda t: whole(t.top5),
    "poles": lambda t: whole(t.poles),
    "laps": lambda t: whole(t.laps),
    "led": lambda t: whole(t.laps_led),
    "start": lambda t: one_decimal(t.avg_start),
    "finish": lambda t: one_decimal(t.avg_finish),
    "inc": lambda t: one_decimal(t.incidents_per_race),
    "ir": lambda t: signed(t.irating_change),
    "sr": lambda t: signed_sr(t.sr_change),
    "points": lambda t: whole(t.points),
}


def season_cells(row: SeasonRow, wide: bool) -> dict[str, str]:
    """A season's row as the table shows it, by column key."""
    series_width, class_width = NAME_WIDTHS[wide]
    return {
        "season": row.label,
        "series": cut(row.series_name, series_width),
        "class": cut(row.car_class_name, class_width),
        **{key: cell(row.tally) for key, cell in TALLY_CELLS.items()},
        "division": whole(row.division),
        "rank": whole(row.rank),
        "division_rank": whole(row.division_rank),
        "weeks": whole(row.weeks_counted),
    }


def total_cells(label: str, tally: Tally) -> dict[str, str]:
    """A year's or the career's row: its figures, and nothing under the columns that only a season has."""
    return {key: label if key == "season" else TALLY_CELLS[key](tally) if key in TALLY_CELLS else ""
            for key in SEASON_COLUMNS}


class CareerTable(DataTable[Text]):
    """The category's seasons (sorted by `show`'s column), then its years and career, in bold.

    Enter selects the row (`RowSelected`, after any cursor key typed before it): the screen opens its races.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Races", tooltip="the races of the season under the cursor"),
        # as in every table of the app: the first and the last row (DataTable's own go sideways)
        Binding("home", "scroll_top", "First row", show=False, tooltip="to the first row"),
        Binding("end", "scroll_bottom", "Last row", show=False, tooltip="to the last row"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True, fixed_columns=1)
        self.seasons: list[SeasonRow] = []  # as shown
        self._shown: tuple[CategoryCareer | None, str, bool] = (None, "season", True)
        self._wide = False

    def show(self, career: CategoryCareer | None, column: str, descending: bool) -> None:
        """The category's rows, sorted; the sorted column's header carries ▼ (descending) or ▲."""
        self._shown = (career, column, descending)
        self._wide = self.size.width >= WIDE
        self.clear(columns=True)
        arrow = " ▼" if descending else " ▲"
        for key, (header, _) in SEASON_COLUMNS.items():
            self.add_column(Text(header + (arrow if key == column else ""), justify=_justify(key)), key=key)
        self.seasons = [] if career is None else sort_seasons(career.seasons, column, descending)
        for index, season in enumerate(self.seasons):
            self._add(season_cells(season, self._wide), f"{SEASON_KEY}{index}", "")
        if career is None:
            return
        for year in career.years:
            self._add(total_cells(f"Year {year.year}", year.tally), f"{YEAR_KEY}{year.year}", "bold")
        self._add(total_cells("Career", career.career), CAREER_KEY, "bold #93c5fd")

    def on_resize(self) -> None:
        """Names cut to the new width's measure; the cursor stays on its row."""
        if (self.size.width >= WIDE) != self._wide:
            cursor = self.cursor_row
            self.show(*self._shown)
            self.move_cursor(row=cursor)

    def _add(self, cells: dict[str, str], key: str, style: str) -> None:
        self.add_row(*(Text(cells[k], style=style, justify=_justify(k)) for k in SEASON_COLUMNS), key=key)

    @property
    def season_at_cursor(self) -> SeasonRow | None:
        """The season under the cursor; None on a year's or the career's row."""
        if not self.row_count:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value or ""
        return self.seasons[int(key.removeprefix(SEASON_KEY))] if key.startswith(SEASON_KEY) else None


def _justify(column: str) -> str:
    return "left" if column in TEXT_COLUMNS else "right"
