"""The season stats screen: the racer's career from their racing history, one tab per licence category.

Each tab is the category's seasons (newest first, or sorted by any column), its years and its career, and
its iRating and safety rating over time. Filters (a year, a series) ask the engine's history again, on the
store's thread; a sort or a tab only redraws what was asked. With no history stored, the screen says how to
get one.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import ClassVar, TypeVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.widgets import DataTable, Static
from textual.worker import Worker, WorkerState

from wots_tui.domain.career import (
    EVERYTHING,
    SEASON_COLUMNS,
    Career,
    CareerFilter,
    Racer,
    RatingChart,
    category_name,
)
from wots_tui.domain.plural import counted
from wots_tui.ui.screens.base import SCREEN_KEYS, EngineScreen
from wots_tui.ui.screens.driver_search import DriverSearchScreen
from wots_tui.ui.screens.find_picker import FindPicker
from wots_tui.ui.screens.help import HelpScreen
from wots_tui.ui.screens.pickers import Choice, Picker
from wots_tui.ui.screens.season_races import SeasonRacesScreen
from wots_tui.ui.widgets.career_table import TEXT_COLUMNS, CareerTable
from wots_tui.ui.widgets.fetch_line import FetchLine
from wots_tui.ui.widgets.footer import FittingFooter
from wots_tui.ui.widgets.rating_chart import RatingChartView

log = logging.getLogger(__name__)
T = TypeVar("T")

# the columns whose first sort is lowest first: names A to Z, and figures where less is better
ASCENDING_FIRST = frozenset({"series", "class", "start", "finish", "inc", "division", "rank", "division_rank"})

NO_HISTORY = """\
[b]No racing history in this notebook yet.[/b]

Your seasons, totals and rating charts come from your own iRacing results, kept in the notebook's file.

  [b]r[/b]   fetch them from iRacing now, from here (you log in once)

Or quit ([b]q[/b]) and, in a terminal:

  [b]wots-tui fetch[/b]          the same fetch, with a progress bar per stage
  [b]wots-tui import FILES[/b]   read results you saved (the Data API's JSON files)

then [b]wots-tui stats[/b] opens here, on your career."""


class StatsScreen(EngineScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "pick_year", "Year", tooltip="show one year's seasons, or every year"),
        Binding("s", "pick_series", "Series", tooltip="show one series (type to find it), or every series"),
        Binding("o", "pick_sort", "Sort", tooltip="sort the seasons by any column; the same column again flips the order"),
        Binding("c", "next_category(1)", "Category", tooltip="the next licence category's tab"),
        Binding("C", "next_category(-1)", "Previous category", show=False, tooltip="the previous licence category's tab"),
        Binding("g", "toggle_chart", "Chart", tooltip="show or hide the rating chart"),
        # for the help: the table's own Enter (CareerTable) answers it, in the order the keys came
        Binding("enter", "open_season", "Races",
                tooltip="the races of the season under the cursor, each one key from its full result"),
        Binding("h", "head_to_head", "Head-to-head", tooltip="head-to-head with any driver you raced: find them by name or id"),
        Binding("r", "fetch", "Fetch", tooltip="fetch your races from iRacing now (asks for what a login needs and is not saved)"),
        *SCREEN_KEYS,
        Binding("question_mark", "help", "Help", key_display="?", tooltip="the keys of this screen; Esc closes it"),
        Binding("q", "app.quit", "Quit"),
    ]
    FOOTER_RANK = ("help", "app.quit", "fetch", "select_cursor", "pick_year", "pick_series", "pick_sort",
                   "head_to_head", "next_category(1)", "toggle_chart")

    def __init__(self) -> None:
        super().__init__()
        self.only: CareerFilter = EVERYTHING
        self.series_name = ""  # the filtered series' name, for the filter line
        self.sort_column = "season"
        self.descending = True
        self.category_id: int | None = None  # the tab shown
        self.categories: tuple[int, ...] = ()  # every category raced, whatever the filter: the tabs
        self.career = Career(())  # as filtered
        self.racer: Racer | None = None  # whose career is shown
        self._loaded = False
        self._charts: dict[int, RatingChart | None] = {}
        self.loads_shown = 0  # loads shown, and charts drawn (tests wait on them)
        self.charts_shown = 0

    def compose(self) -> ComposeResult:
        yield Static(id="stats-header")
        yield Static(id="stats-filters")
        yield Static(id="stats-categories")
        yield CareerTable(id="stats-seasons")
        yield Static(id="stats-no-match")
        yield RatingChartView(id="stats-chart")
        yield Static(NO_HISTORY, id="stats-no-history")
        yield FetchLine(id="fetch-line")
        yield FittingFooter(self.FOOTER_RANK)

    def on_mount(self) -> None:
        self.query_one(CareerTable).focus()

    def on_screen_resume(self) -> None:
        """Load the first time, and again when the history was read anew (a fetch or an import ended)."""
        if not self._loaded or self.racer is not self.engine.history.racer:
            self.history_changed()

    def history_changed(self) -> None:
        """Everything asked again: who the racer is, the categories raced, the career as filtered, the charts."""
        self._loaded = True
        self._load(fresh=True)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """With no race stored there is nothing to filter, sort or chart: those keys are not offered."""
        if action in {"pick_year", "pick_series", "pick_sort", "next_category", "toggle_chart", "open_season",
                      "head_to_head"}:
            return self.has_races
        return True

    @property
    def has_races(self) -> bool:
        """A racer with races: a fetch names the racer before any race is stored (and may store none)."""
        return self.racer is not None and bool(self.categories)

    # asking the engine

    @work(exclusive=True, group="stats-load", exit_on_error=False)
    async def _load(self, fresh: bool) -> None:
        history = self.engine.history
        if fresh:
            self.racer = history.racer
            self._charts = {}
            everything = await history.career()
            self.categories = tuple(c.category_id for c in everything.categories)
            self.career = everything if self.only == EVERYTHING else await history.career(self.only)
            if self.category_id not in self.categories:
                self.category_id = self.categories[0] if self.categories else None
            self.refresh_bindings()
        else:
            self.career = await history.career(self.only)
            self._follow_filter()
        self._describe()
        self._show_category()
        self.loads_shown += 1

    def _follow_filter(self) -> None:
        """A filter that leaves the tab shown no races, and another tab some, goes to that tab (the series
        picked is raced in another category, say)."""
        if self.category_id is None or self.career.category(self.category_id) is not None or not self.career.categories:
            return
        self.category_id = self.career.categories[0].category_id

    @work(exclusive=True, group="stats-chart", exit_on_error=False)
    async def _draw_chart(self) -> None:
        """The tab's chart, asked once per category until the history is read anew."""
        category_id = self.category_id
        if category_id is None or self.has_class("-no-chart"):
            return
        if category_id not in self._charts:
            self._charts[category_id] = await self.engine.history.chart(category_id)
        if category_id == self.category_id:
            self.query_one(RatingChartView).show(self._charts[category_id], category_id)
            self.charts_shown += 1

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A load that failed is said in one line (and logged); the screen keeps what it showed."""
        if event.state is WorkerState.ERROR and event.worker.group.startswith("stats-") and event.worker.error:
            self._unreadable(event.worker.error)

    # drawing

    def _show_tabs(self) -> None:
        """One line of tabs, a category each, the one shown lit; a click on one shows it (as c does)."""
        tabs = Content(" ").join(
            Content.from_markup(f"[@click=screen.show_category({c})] $name [/]", name=category_name(c)).stylize(
                "bold reverse" if c == self.category_id else "dim")
            for c in self.categories)
        self.query_one("#stats-categories", Static).update(tabs)

    def action_show_category(self, category_id: int) -> None:
        if category_id != self.category_id and category_id in self.categories:
            self.category_id = category_id
            self._show_category()

    def _show_category(self) -> None:
        """The tab's table as filtered and sorted, or why it has no rows; then its chart."""
        self.set_class(not self.has_races, "-no-history")
        if not self.has_races:
            return
        self._show_tabs()
        career = None if self.category_id is None else self.career.category(self.category_id)
        table = self.query_one(CareerTable)
        table.show(career, self.sort_column, self.descending)
        self.set_class(career is None, "-no-match")
        if career is None:
            self.query_one("#stats-no-match", Static).update(self._no_match())
        self._draw_chart()

    def _describe(self) -> None:
        header = self.query_one("#stats-header", Static)
        if self.racer is None:
            header.update(Text("Season stats", style="bold"))
            return
        header.update(racer_line(self.racer))
        self.query_one("#stats-filters", Static).update(self._filter_line())

    def _filter_line(self) -> Text:
        header = SEASON_COLUMNS[self.sort_column][0]
        return Text.assemble(
            "Showing ", (self._filters(), "bold"),
            f" · sorted by {header}, {order_words(self.sort_column, self.descending)}",
        )

    def _filters(self) -> str:
        year = "all years" if self.only.year is None else str(self.only.year)
        series = "all series" if self.only.series_id is None else self.series_name
        return f"{year} · {series}"

    def _no_match(self) -> Text:
        name = category_name(self.category_id or 0)
        return Text.assemble(f"No {name} races match ", (self._filters(), "bold"), ": ", ("y", "bold"),
                             " picks another year, ", ("s", "bold"), " another series (or all of them).")

    # keys

    async def _asked(self, question: Awaitable[T]) -> T | None:
        """The history's answer for a picker, or None once a failure is said in one line (and logged)."""
        try:
            return await question
        except Exception as error:  # the store's thread failing must not close the app
            self._unreadable(error)
            return None

    def _unreadable(self, error: BaseException) -> None:
        log.error("the racing history could not be read", exc_info=error)
        line = next(iter(str(error).strip().splitlines()), type(error).__name__)  # DuckDB's run to several
        self.notify(f"The racing history could not be read: {line}", severity="error", timeout=8)

    async def action_pick_year(self) -> None:
        if (years := await self._asked(self.engine.history.years())) is None:
            return
        choices = [Choice(None, Text("all years"), "a"), *(Choice(y, Text(str(y))) for y in years)]
        await self.app.push_screen(Picker("Show the seasons of", choices, self.only.year), self._filter_by("year"))

    async def action_pick_series(self) -> None:
        if (raced := await self._asked(self.engine.history.series(self.only.year))) is None:
            return
        within = f" in {self.only.year}" if self.only.year is not None else ""
        width = max((len(s.name) for s in raced), default=0)
        choices = [Choice(None, Text("all series")),
                   *(Choice(s.series_id, Text.assemble(s.name.ljust(width), "  ", (counted(s.races, "race"), "dim")))
                     for s in raced)]
        names = {s.series_id: s.name for s in raced}
        picker = FindPicker(f"Show the series raced{within}", choices, self.only.series_id,
                            found_by=lambda c: "all series" if c.value is None else names[c.value])
        await self.app.push_screen(picker, self._filter_by("series_id", names))

    def _filter_by(self, field: str, names: dict[int, str] | None = None) -> Callable[[Choice | None], None]:
        """What a filter picker's answer does: the filter takes the value picked; closed, nothing changes."""

        def picked(choice: Choice | None) -> None:
            if choice is None or getattr(self.only, field) == choice.value:
                return
            self.only = replace(self.only, **{field: choice.value})
            if names is not None and choice.value is not None:
                self.series_name = names[choice.value]
            self._load(fresh=False)

        return picked

    async def action_pick_sort(self) -> None:
        choices = [Choice(key, Text(header + (" (now; again flips it)" if key == self.sort_column else "")))
                   for key, (header, _) in SEASON_COLUMNS.items()]

        def picked(choice: Choice[str] | None) -> None:
            if choice is not None:
                self.sort_by(choice.value)

        await self.app.push_screen(Picker("Sort the seasons by", choices, self.sort_column), picked)

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        if event.column_key.value is not None:
            self.sort_by(event.column_key.value)

    def sort_by(self, column: str) -> None:
        """Sort by `column`; by the column already sorted by, the other way round."""
        if column == self.sort_column:
            self.descending = not self.descending
        else:
            self.sort_column, self.descending = column, column not in ASCENDING_FIRST
        self._describe()
        self._show_category()

    def action_next_category(self, step: int) -> None:
        if self.category_id in self.categories:
            at = self.categories.index(self.category_id)
            self.action_show_category(self.categories[(at + step) % len(self.categories)])

    def action_open_season(self) -> None:
        season = self.query_one(CareerTable).season_at_cursor
        if season is not None:
            self.app.push_screen(SeasonRacesScreen(season))
        elif self.query_one(CareerTable).row_count:
            self.notify("A total: Enter on a season's row lists its races", timeout=3)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on the table, or a click on the row the cursor is on."""
        event.stop()
        self.action_open_season()

    def action_fetch(self) -> None:
        self.query_one(FetchLine).start()

    def on_fetch_line_finished(self, message: FetchLine.Finished) -> None:
        """A fetch ended (the engine's history is read anew by then): so is everything shown."""
        self.history_changed()

    def action_head_to_head(self) -> None:
        self.app.push_screen(DriverSearchScreen())

    def action_toggle_chart(self) -> None:
        self.toggle_class("-no-chart")
        self._draw_chart()

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(self))


def racer_line(racer: Racer) -> Text:
    """Whose history it is, how much of it is stored, and when it was last fetched."""
    line = Text(racer.name, style="bold")
    if not racer.chosen:
        line.append(" (the driver in most of the stored races)", style="italic")
    fetched = (f"last fetched {racer.fetched_at.astimezone():%Y-%m-%d %H:%M}" if racer.fetched_at is not None
               else "imported, never fetched")
    line.append(f"  cust {racer.cust_id} · {counted(racer.races, 'race')} stored · {fetched}")
    return line


def order_words(column: str, descending: bool) -> str:
    """How the sort runs, as a racer says it: newest first, A to Z, highest first."""
    if column == "season":
        return "newest first" if descending else "oldest first"
    if column in TEXT_COLUMNS:
        return "Z to A" if descending else "A to Z"
    return "highest first" if descending else "lowest first"
