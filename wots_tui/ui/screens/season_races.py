"""A season's races from the racing history: the racer's races of a season row, in their class, newest first.

The title says the season (series, class, licence category) and its figures as the stats screen counts
them; Enter on a race opens its full result.
"""

from __future__ import annotations

from typing import ClassVar

from rich.markup import escape
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from wots_tui.domain.career import SeasonRow, Tally, category_name
from wots_tui.domain.plural import counted
from wots_tui.domain.races import SeasonRace
from wots_tui.ui.screens.race_result import (
    DIM,
    HISTORY_KEYS,
    LOAD,
    NO_HISTORY,
    HistoryScreen,
    RaceResultScreen,
    average,
    day,
    number,
    series_and_season,
    signed,
    start_finish,
)
from wots_tui.ui.widgets.footer import FittingFooter
from wots_tui.ui.widgets.row_table import Column, RowTable

SEASON_RACE_COLUMNS: tuple[Column[SeasonRace], ...] = (
    Column("Date", 10, lambda r: (day(r.start_time), None)),
    Column("Track", 0, lambda r: (r.track, None)),
    Column("SOF", 5, lambda r: (number(r.class_sof), DIM), right=True),
    Column("St → Fin", 8, lambda r: (start_finish(r.start, r.finish), None), right=True),
    Column("Inc", 3, lambda r: (number(r.incidents), None), right=True),
    Column("±iR", 4, lambda r: signed(r.irating_change), right=True),
    Column("Pts", 4, lambda r: (number(r.points), None), right=True),
)


def tally_words(tally: Tally) -> list[str]:
    """A season's figures in words, those not known left out."""
    words = [
        counted(tally.starts, "start"),
        counted(tally.wins, "win"),
        f"{tally.top5} top 5",
        counted(tally.poles, "pole"),
    ]
    if tally.avg_start is not None or tally.avg_finish is not None:
        words.append(f"avg start {average(tally.avg_start)} → finish {average(tally.avg_finish)}")
    if tally.incidents_per_race is not None:
        words.append(f"{tally.incidents_per_race:.1f} inc/race")
    if tally.irating_change is not None:
        words.append(f"iR {signed(tally.irating_change)[0]}")
    if tally.sr_change is not None:
        words.append(f"SR {tally.sr_change:+.2f}")
    if tally.points is not None:
        words.append(counted(tally.points, "point"))
    return words


def season_title(season: SeasonRow) -> str:
    heading = series_and_season(season.series_name, season.season_name or season.label)
    facts = [category_name(season.key.category_id), *tally_words(season.tally)]
    if season.division is not None:
        facts.append(f"division {season.division}")
    if season.rank is not None:
        in_division = f" ({season.division_rank} in division)" if season.division_rank is not None else ""
        facts.append(f"rank {season.rank}{in_division}")
    if season.weeks_counted is not None:
        facts.append(counted(season.weeks_counted, "week") + " counted")
    return f"[b]{escape(heading)} · {escape(season.car_class_name)}[/b]\n{escape(' · '.join(facts))}"


class SeasonRacesScreen(HistoryScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter",
            "open_race",
            "Result",
            tooltip="the race under the cursor: its full result, class by class",
        ),
        *HISTORY_KEYS,
    ]
    FOOTER_RANK = ("help", "app.quit", "app.back", "open_race")

    def __init__(self, season: SeasonRow) -> None:
        super().__init__()
        self.season = season

    def compose(self) -> ComposeResult:
        yield Static(season_title(self.season), classes="history-title", id="season-title")
        yield RowTable(SEASON_RACE_COLUMNS, key=lambda race: race.subsession_id, id="season-races")
        yield Static(classes="history-hint")
        yield FittingFooter(self.FOOTER_RANK)

    def on_mount(self) -> None:
        self.query_one(RowTable).focus()
        self._load()

    @work(exclusive=True, group=LOAD, exit_on_error=False)
    async def _load(self) -> None:
        races = await self.engine.history.season_races(self.season.key)
        if not races:
            self.show_hint(
                NO_HISTORY if self.engine.history.racer is None else "No race of this season is stored."
            )
        self.query_one(RowTable).show(races, cursor=0)

    def action_open_race(self) -> None:
        race = self.query_one(RowTable).cursor_row
        if race is not None:
            self.app.push_screen(RaceResultScreen(race.subsession_id))
