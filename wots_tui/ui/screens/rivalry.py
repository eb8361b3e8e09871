"""The racer against one driver, from the racing history: who finished ahead, figures side by side, the races.

Compared in class when the two raced in the same class, overall otherwise; a team race counts for each
driver of the two teams (never for teammates). The rival is the driver of every key here: rate, tag and
note them without leaving; Enter opens the race under the cursor, `i` the rival's card.
"""

from __future__ import annotations

from typing import ClassVar

from rich.console import Group, RenderableType
from rich.markup import escape
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from wots_tui.domain.notebook import Key
from wots_tui.domain.plural import counted
from wots_tui.domain.races import Rivalry, SharedRace
from wots_tui.ui.screens.driver_actions import DRIVER_KEYS
from wots_tui.ui.screens.race_result import (
    BLANK,
    DIM,
    GAIN,
    HISTORY_KEYS,
    IRACING,
    LOAD,
    LOSS,
    NO_HISTORY,
    THAT_IS_YOU,
    HistoryDriverScreen,
    RaceResultScreen,
    average,
    day,
    number,
    start_finish,
)
from wots_tui.ui.widgets.footer import FittingFooter
from wots_tui.ui.widgets.row_table import Cell, Column, Narrowing, RowTable


def _ahead(race: SharedRace) -> Cell:
    """Who finished ahead, in words (not by colour alone)."""
    if race.racer_ahead is None:
        return BLANK
    return ("you", GAIN) if race.racer_ahead else ("them", LOSS)


def _incidents(race: SharedRace) -> Cell:
    if race.racer_incidents is None and race.rival_incidents is None:
        return BLANK
    return (f"{number(race.racer_incidents) or '?'} / {number(race.rival_incidents) or '?'}", None)


SHARED_RACE_COLUMNS: tuple[Column[SharedRace], ...] = (
    Column("Date", 10, lambda r: (day(r.start_time), None)),
    Column("Series", 0, lambda r: (r.series_name, None)),
    Column("Track", 40, lambda r: (r.track, DIM)),
    Column("In", 7, lambda r: ("class" if r.same_class else "overall", DIM)),
    Column("You", 7, lambda r: (start_finish(r.racer_start, r.racer_finish), None), right=True),
    Column("Them", 7, lambda r: (start_finish(r.rival_start, r.rival_finish), None), right=True),
    Column("Inc", 7, _incidents, right=True),
    Column("Ahead", 5, _ahead),
)
# What goes first as the terminal narrows: the track shrinks, then goes (the result has it).
SHARED_RACE_NARROWING: tuple[Narrowing, ...] = (("Track", 16), ("In", None), ("Track", None))

RIVAL_KEYS: list[BindingType] = [
    Binding(
        "enter", "open_race", "Result", tooltip="the race under the cursor: its full result, class by class"
    ),
    *(binding for binding in DRIVER_KEYS if binding.action != "card"),  # Enter opens the race here
    Binding("i", "card", "Card", tooltip="their card: everything known, editable"),
    *HISTORY_KEYS,
]


def margin_words(margin: float | None) -> str:
    """Where the racer finished against them, per race: `1.5 places ahead of them`."""
    if margin is None:
        return "–"
    if round(margin, 1) == 0:
        return "level with them"
    return f"{abs(margin):.1f} places {'ahead of' if margin > 0 else 'behind'} them"


def figures(rivalry: Rivalry) -> RenderableType:
    """The two side by side: finished ahead, average finish, positions gained, incidents; then the margin."""
    summary = rivalry.summary
    table = Table(box=None, padding=(0, 3, 0, 0), show_edge=False, expand=False)
    table.add_column("", style="bold", no_wrap=True)
    table.add_column("You", justify="right", no_wrap=True)
    table.add_column(rivalry.name, justify="right", no_wrap=True, max_width=28, overflow="ellipsis")
    table.add_row("Finished ahead", str(summary.ahead), str(summary.behind))
    table.add_row("Average finish", average(rivalry.racer_avg_finish), average(rivalry.rival_avg_finish))
    table.add_row(
        "Positions gained",
        average(rivalry.racer_avg_gained, sign=True),
        average(rivalry.rival_avg_gained, sign=True),
    )
    table.add_row(
        "Incidents per race",
        average(rivalry.racer_incidents_per_race),
        average(rivalry.rival_incidents_per_race),
    )
    return Group(
        table, Text.assemble(("Average margin", "bold"), f"  you finished {margin_words(rivalry.avg_margin)}")
    )


class RivalryScreen(HistoryDriverScreen):
    BINDINGS: ClassVar[list[BindingType]] = RIVAL_KEYS
    FOOTER_RANK = (
        "help",
        "app.quit",
        "app.back",
        "open_race",
        "rate(1)",
        "rate(-1)",
        "rate(0)",
        "card",
        "note",
        "nickname",
    )

    def __init__(self, cust_id: int) -> None:
        super().__init__()
        self.cust_id = cust_id
        self.rival_name = f"driver {cust_id}"
        self.rivalry: Rivalry | None = None
        self._rival_known = False  # whether the keys act on them (not while loading, nor on the racer)

    def compose(self) -> ComposeResult:
        yield Static(self._title(), classes="history-title", id="rivalry-title")
        yield Static(id="rivalry-figures")
        yield RowTable(
            SHARED_RACE_COLUMNS,
            key=lambda race: race.subsession_id,
            narrowing=SHARED_RACE_NARROWING,
            id="rivalry-races",
        )
        yield Static(classes="history-hint")
        yield FittingFooter(self.FOOTER_RANK)

    def on_mount(self) -> None:
        self.query_one("#rivalry-figures").display = False
        self.query_one(RowTable).focus()
        self._load()

    @work(exclusive=True, group=LOAD, exit_on_error=False)
    async def _load(self) -> None:
        history = self.engine.history
        if history.racer is not None and history.racer.cust_id == self.cust_id:
            self.show_hint(THAT_IS_YOU)
            return
        rivalry = await history.rivalry(self.cust_id)
        if rivalry is None:
            known = await history.known_driver(self.cust_id)
            self.rival_name = known.name if known is not None else self.rival_name
            self._rival_known = True
            self.query_one("#rivalry-title", Static).update(self._title())
            self.show_hint(
                NO_HISTORY
                if history.racer is None
                else f"You and {escape(self.rival_name)} never raced each other in your racing history."
            )
            return
        self.rivalry, self.rival_name, self._rival_known = rivalry, rivalry.name, True
        self.query_one("#rivalry-title", Static).update(self._title())
        shown = self.query_one("#rivalry-figures", Static)
        shown.update(figures(rivalry))
        shown.display = True
        self.query_one(RowTable).show(rivalry.races, cursor=0)
        self.recall_tags()

    def _title(self) -> str:
        title = f"[b]You against {escape(self.rival_name)}[/b]  [dim]iRacing {self.cust_id}[/dim]"
        if self.rivalry is None:
            return title
        summary = self.rivalry.summary
        together = f"{counted(summary.races, 'race')} together · {summary.score}"
        return f"{title}\n{together} · last {day(summary.last_race_at)}"

    def selected(self, quiet: bool = False) -> tuple[Key, str] | None:
        """The rival, whichever race is under the cursor."""
        return ((IRACING, self.cust_id), self.rival_name) if self._rival_known else None

    def action_open_race(self) -> None:
        race = self.query_one(RowTable).cursor_row
        if race is not None:
            self.app.push_screen(RaceResultScreen(race.subsession_id))
