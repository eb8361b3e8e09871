"""A race's full result from the racing history, and what the history's drill-down screens share.

The result is the main event's, class by class (the overall winner's class first): a line naming the
class (its strength of field and entries), then its rows; in a team race each team, then its drivers
indented under it (they carry the team's positions, so those are shown once, on the team's row). The
racer's row and their team's are highlighted and marked ▶. Any driver's row is one key from their card
(Enter) and from the head-to-head with them (h).

The drill-down screens (a season's races, a race, a rivalry, the driver search) are pushed over the stats
screen: Escape goes back one; what they show is asked of `engine.history` in a worker, and a failure is
said in one line.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import ClassVar

from rich.markup import escape
from rich.segment import Segment
from rich.style import Style
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.strip import Strip
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from wots_tui.domain.models import Platform
from wots_tui.domain.notebook import Key, NotebookEntry
from wots_tui.domain.plural import counted
from wots_tui.domain.races import RaceResult, ResultClass, ResultRow
from wots_tui.domain.tag_order import warnings_first
from wots_tui.domain.timefmt import gap, lap_time, signed_int
from wots_tui.ui.screens.base import SCREEN_KEYS, EngineScreen
from wots_tui.ui.screens.driver_actions import DRIVER_KEYS, DriverActions
from wots_tui.ui.screens.help import HelpScreen
from wots_tui.ui.widgets.driver_board import RATING_CELLS
from wots_tui.ui.widgets.footer import FittingFooter
from wots_tui.ui.widgets.row_table import Cell, Column, Narrowing, RowTable
from wots_tui.ui.widgets.tag_icons import fit_icons

log = logging.getLogger(__name__)

IRACING = Platform.IRACING.value
LOAD = "history-load"  # the worker group of a screen's questions to the history
THAT_IS_YOU = "That is you: the notebook and head-to-head are about the others"
NO_HISTORY = "No racing history is stored yet: [b]wots-tui fetch[/b] (or [b]wots-tui import[/b]) brings it."

BLANK: Cell = ("", None)
GAIN = Style(color="#4ade80")
LOSS = Style(color="#f87171")
DIM = Style(dim=True)
BOLD = Style(bold=True)

# Every drill-down screen's own keys, after its others (Tab and F2-F4 go to a main screen, through this one).
HISTORY_KEYS: list[BindingType] = [
    *SCREEN_KEYS,
    Binding("escape", "app.back", "Back", key_display="Esc", tooltip="back to the screen before"),
    Binding(
        "question_mark", "help", "Help", key_display="?", tooltip="the keys of this screen; Esc closes it"
    ),
    Binding("q", "app.quit", "Quit", tooltip="quit wots-tui (asks while a session is live)"),
]


# -- how the history's figures read --------------------------------------------------------------------------


def day(moment: datetime | None) -> str:
    return f"{moment.astimezone():%Y-%m-%d}" if moment is not None else ""


def number(value: int | None) -> str:
    return str(value) if value is not None else ""


def signed(value: float | None) -> Cell:
    """A change (iRating, positions): signed, green when up, red when down."""
    text = signed_int(value)
    return (text, None if not value or not text or text == "0" else GAIN if value > 0 else LOSS)


def average(value: float | None, sign: bool = False) -> str:
    """A figure per race, to a tenth (`sign`: a change, +1.0); `–` when there is none."""
    if value is None:
        return "–"
    return f"{value:+.1f}" if sign else f"{value:.1f}"


def start_finish(start: int | None, finish: int | None) -> str:
    """`1 → 2`; a position not known is `?`."""
    if start is None and finish is None:
        return ""
    return f"{number(start) or '?'} → {number(finish) or '?'}"


def series_and_season(series: str, season: str) -> str:
    """The series, then the season's own words (iRacing's season names repeat the series' name first)."""
    own = season.removeprefix(series).strip(" -") if season.startswith(series) else season
    return " · ".join(part for part in (series, own) if part)


# -- what the drill-down screens share -----------------------------------------------------------------------


class HistoryScreen(EngineScreen):
    """Pushed over the stats screen: Escape goes back, ? is its own help, a failed load is said in one line."""

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(self))

    def show_hint(self, text: str | None) -> None:
        """Words instead of the table (nothing stored, nothing found); None: the table again."""
        self.query_one(".history-hint", Static).update(text or "")
        self.set_class(text is not None, "-empty")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR and event.worker.group.startswith("history-"):
            log.error("reading the racing history failed", exc_info=event.worker.error)
            said = str(event.worker.error).strip().splitlines() or [type(event.worker.error).__name__]
            self.notify(f"The racing history could not be read: {said[0]}", severity="error", timeout=8)

    def rival_chosen(self, cust_id: int) -> bool:
        """Whether `cust_id` may be a rival: the racer is not one (and is told so)."""
        racer = self.engine.history.racer
        if racer is not None and racer.cust_id == cust_id:
            self.notify(THAT_IS_YOU, severity="warning", timeout=3)
            return False
        return True

    def open_rivalry(self, cust_id: int) -> None:
        from wots_tui.ui.screens.rivalry import (
            RivalryScreen,  # the rivalry opens results: imported when asked
        )

        if self.rival_chosen(cust_id):
            self.app.push_screen(RivalryScreen(cust_id))


class HistoryDriverScreen(HistoryScreen, DriverActions):
    """DriverActions on drivers known from the history rather than the live roster.

    The palette says tag or untag by the tags the driver under the cursor carries: those are read from the
    notebook when the cursor moves to a driver, when a dialog over this screen (card, note) closes, and
    after a tag key.
    """

    def __init__(self) -> None:
        super().__init__()
        self._tags: tuple[Key, frozenset[str]] | None = (
            None  # the driver whose tags were read last, and theirs
        )

    def on_mount(self) -> None:
        self.name_tag_keys(self.engine.catalogue)

    def selected_tags(self) -> frozenset[str]:
        chosen = self.selected(quiet=True)
        if chosen is None or self._tags is None or self._tags[0] != chosen[0]:
            return frozenset()
        return self._tags[1]

    def recall_tags(self) -> None:
        if (chosen := self.selected(quiet=True)) is not None:
            self._read_tags(chosen[0])

    @work(exclusive=True, group="history-tags", exit_on_error=False)
    async def _read_tags(self, key: Key) -> None:
        record = await self.engine.record(key)
        self._tags = (key, frozenset(record.tag_ids) if record is not None else frozenset())

    def on_screen_resume(self) -> None:
        self.recall_tags()

    def on_row_table_cursor_moved(self, event: RowTable.CursorMoved) -> None:
        self.recall_tags()

    async def action_toggle_tag_id(self, tag_id: str) -> None:
        await super().action_toggle_tag_id(tag_id)
        self.recall_tags()


# -- the result's table --------------------------------------------------------------------------------------

Line = ResultClass | ResultRow  # a class's line, or a row of the result


def result_lines(result: RaceResult) -> list[Line]:
    """Each class's line, then its rows (teams before their drivers, as the result orders them)."""
    lines: list[Line] = []
    for result_class in result.classes:
        lines.append(result_class)
        lines.extend(row for row in result.rows if row.car_class_id == result_class.car_class_id)
    return lines


def class_line(result_class: ResultClass) -> str:
    sof = f"SOF {result_class.sof}" if result_class.sof is not None else ""
    parts = (
        result_class.name or f"Class {result_class.car_class_id}",
        sof,
        counted(result_class.entries, "entry", "entries"),
    )
    return "  ·  ".join(part for part in parts if part)


def _in_team(row: ResultRow) -> bool:
    """A driver of a team: the positions, interval and car they carry are the team's."""
    return row.team_id is not None and not row.is_team


def _entry(cell: Callable[[ResultRow], Cell], teams_own: bool = False) -> Callable[[Line], Cell]:
    """`cell` of a result row; blank on a class's line and, for `teams_own` figures, on a team's drivers."""

    def on_line(line: Line) -> Cell:
        if isinstance(line, ResultClass) or (teams_own and _in_team(line)):
            return BLANK
        return cell(line)

    return on_line


def _name(row: ResultRow) -> Cell:
    if _in_team(row):
        return (f"  {row.name}", None)
    return (row.name, BOLD if row.is_team else None)


Notes = Callable[[int], NotebookEntry | None]  # a driver's notebook entry by their cust id


def _noted(notes: Notes, cell: Callable[[NotebookEntry], Cell]) -> Callable[[ResultRow], Cell]:
    """A notebook column: the entry's cell for a driver the racer noted, blank for the others."""

    def of(row: ResultRow) -> Cell:
        entry = notes(row.cust_id) if row.cust_id is not None else None
        return BLANK if entry is None else cell(entry)

    return of


def result_columns(result: RaceResult, notes: Notes) -> tuple[Column[Line], ...]:
    leader_laps: dict[int, int] = {}
    for row in result.rows:  # a team's row comes before its drivers': the first class winner is the team
        if row.class_position == 1 and row.laps is not None:
            leader_laps.setdefault(row.car_class_id, row.laps)

    def interval(row: ResultRow) -> Cell:
        laps_down = leader_laps.get(row.car_class_id, 0) - row.laps if row.laps is not None else 0
        return (gap(row.interval, laps_down), None)

    return (
        Column("", 1, _entry(lambda r: ("▶", None) if r.is_racer else BLANK)),
        Column("CP", 3, _entry(lambda r: (number(r.class_position), BOLD), teams_own=True), right=True),
        Column("P", 3, _entry(lambda r: (number(r.position), DIM), teams_own=True), right=True),
        Column("#", 4, _entry(lambda r: (r.car_number, None), teams_own=True), right=True),
        Column("Driver", 0, _entry(_name)),
        Column("R", 1, _entry(_noted(notes, lambda e: RATING_CELLS.get(e.rating, BLANK)))),
        Column("Tags", 6, _entry(_noted(notes, lambda e: ("".join(t.icon for t in warnings_first(e.tags)), None))),
               fit=fit_icons),
        Column("Car", 28, _entry(lambda r: (r.car_name, DIM), teams_own=True)),
        Column("Laps", 4, _entry(lambda r: (number(r.laps), None)), right=True),
        Column("Led", 3, _entry(lambda r: (number(r.laps_led), None)), right=True),
        Column("Inc", 3, _entry(lambda r: (number(r.incidents), None)), right=True),
        Column("Interval", 9, _entry(interval, teams_own=True), right=True),
        Column("Best", 8, _entry(lambda r: (lap_time(r.best_lap), None)), right=True),
        Column("iR", 5, _entry(lambda r: (number(r.irating), None)), right=True),
        Column("±iR", 4, _entry(lambda r: signed(r.irating_change)), right=True),
        Column(
            "Out",
            12,
            _entry(lambda r: ("" if r.reason_out == "Running" else r.reason_out, DIM), teams_own=True),
        ),
    )


# What goes first as the terminal narrows: the car (the class line names it), the best lap, laps led;
# positions, the driver, laps, incidents and the iRating stay (80 columns: the driver keeps 20 cells).
RESULT_NARROWING: tuple[Narrowing, ...] = (
    ("Car", None),
    ("Best", None),
    ("Led", None),
    ("Interval", 8),
    ("Out", 9),
    ("P", None),
    ("Out", None),
)
DRIVER_AT_LEAST = 20  # cells: most names and team names whole at 80 columns


def _line_key(line: Line) -> tuple[str, int | None, int | None]:
    if isinstance(line, ResultClass):
        return ("class", line.car_class_id, None)
    return ("entry", line.cust_id, line.team_id)


def _racers_line(lines: Sequence[Line]) -> int:
    """Where the cursor starts: on the racer's own row, else their team's, else the top."""
    marked = [(i, line) for i, line in enumerate(lines) if isinstance(line, ResultRow) and line.is_racer]
    own = [i for i, row in marked if not row.is_team]
    return (own or [i for i, _ in marked] or [0])[0]


class ResultTable(RowTable[Line]):
    """A race's result: each class's line spans the table (`result-table--class`), then its rows."""

    COMPONENT_CLASSES: ClassVar[set[str]] = RowTable.COMPONENT_CLASSES | {"result-table--class"}

    def __init__(self, result: RaceResult, *, id: str | None = None) -> None:
        self.notes: dict[int, NotebookEntry] = {}  # what the notebook says of the result's drivers, by cust id
        super().__init__(
            result_columns(result, self.notes.get),
            key=_line_key,
            highlight=lambda line: isinstance(line, ResultRow) and line.is_racer,
            narrowing=RESULT_NARROWING,
            rest_at_least=DRIVER_AT_LEAST,
            id=id,
        )
        self.lines = result_lines(result)
        self._placed = False  # whether the cursor was put on the racer's row
        if len(result.classes) < 2:
            self.hide(frozenset({"P"}))  # one class: overall is the class's position

    def on_mount(self) -> None:
        self.show(self.lines, cursor=0)

    def on_resize(self, event: events.Resize) -> None:
        """Once the table has its height: the cursor on the racer's row, half a screen from the top when it is
        further down than that (the table moves only as far as its cursor needs: past the row, then back)."""
        if not self._placed and event.size.height > 1:
            self._placed = True
            racer = _racers_line(self.lines)
            self.move_to(racer + event.size.height // 2)
            self.move_to(racer)

    def _row_strip(self, row: Line, selected: bool, width: int) -> Strip:
        if not isinstance(row, ResultClass):
            return super()._row_strip(row, selected, width)
        style = self.rich_style + self.get_component_rich_style("result-table--class")
        if selected:
            style += self.get_component_rich_style("row-table--cursor")
        return Strip([Segment(f" {class_line(row)}", style)]).adjust_cell_length(width, style)


# -- the screen ----------------------------------------------------------------------------------------------


class RaceResultScreen(HistoryDriverScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        *DRIVER_KEYS,
        Binding("h", "head_to_head", "H2H", tooltip="head-to-head: you against the driver under the cursor"),
        *HISTORY_KEYS,
    ]
    FOOTER_RANK = (
        "help",
        "app.quit",
        "app.back",
        "head_to_head",
        "card",
        "rate(1)",
        "rate(-1)",
        "rate(0)",
        "note",
        "nickname",
    )

    def __init__(self, subsession_id: int) -> None:
        super().__init__()
        self.subsession_id = subsession_id
        self.result: RaceResult | None = None

    def compose(self) -> ComposeResult:
        yield Static(f"Race {self.subsession_id}", classes="history-title", id="result-title")
        yield Static(classes="history-hint")
        yield FittingFooter(self.FOOTER_RANK)

    def on_mount(self) -> None:
        self._load()

    @work(exclusive=True, group=LOAD, exit_on_error=False)
    async def _load(self) -> None:
        result = await self.engine.history.race_result(self.subsession_id)
        if result is None:
            self.show_hint(
                f"Race {self.subsession_id} is not in your racing history. {NO_HISTORY}"
                if self.engine.history.racer is None
                else f"Race {self.subsession_id} is not in your racing history."
            )
            return
        self.result = result
        self.query_one("#result-title", Static).update(self._title(result))
        table = ResultTable(result, id="result-rows")
        await self.mount(table, before=self.query_one(".history-hint"))
        table.focus()
        self.recall_tags()
        self.notebook_changed()

    def notebook_changed(self) -> None:
        """Read the result's drivers' ratings and tags again (an edit here or on another screen)."""
        if self.result is not None:
            self._read_notes(self.result)

    @work(exclusive=True, group="result-notes", exit_on_error=False)
    async def _read_notes(self, result: RaceResult) -> None:
        keys = [(IRACING, row.cust_id) for row in result.rows if row.cust_id is not None]
        entries = await self.engine.entries(keys)
        table = self.query_one(ResultTable)
        table.notes.clear()
        table.notes.update((key[1], entry) for key, entry in entries.items())
        table.redraw()

    @staticmethod
    def _title(result: RaceResult) -> str:
        kind = ("official" if result.official else "unofficial") + (" team race" if result.team_race else "")
        facts = [f"{result.start_time.astimezone():%Y-%m-%d %H:%M}" if result.start_time else "", result.track, kind]
        if result.sof is not None:
            facts.append(f"SOF {result.sof}")
        facts.append(f"race {result.subsession_id}")
        heading = series_and_season(result.series_name, result.season_name)
        return f"[b]{escape(heading)}[/b]\n{escape(' · '.join(facts))}"

    def selected(self, quiet: bool = False) -> tuple[Key, str] | None:
        """The driver under the cursor; a class's line is nobody, quietly; a team's row says to pick a driver."""
        tables = self.query(ResultTable)
        line = tables.first().cursor_row if tables else None
        if not isinstance(line, ResultRow):
            return None
        if line.cust_id is None:
            if not quiet:
                self.notify(f"{line.name} is a team: move to one of its drivers", severity="warning", timeout=2)
            return None
        if line.is_racer:
            if not quiet:
                self.notify(THAT_IS_YOU, severity="warning", timeout=2)
            return None
        return (IRACING, line.cust_id), line.name

    def action_head_to_head(self) -> None:
        if (chosen := self.selected()) is not None:
            self.open_rivalry(chosen[0][1])
