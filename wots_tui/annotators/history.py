"""The racer's racing history as an annotator: the head-to-head of each live driver they raced before.

It joins the live roster with the imported results once per roster change (one query for the whole
roster), and answers the stats screen's questions (career, a season's races, a race's result, a rivalry)
with a query on the store's thread each. What it knows is about iRacing drivers only: the Data API's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import duckdb

from wots_tui.annotators.base import Roster
from wots_tui.domain.board import HISTORY
from wots_tui.domain.career import (
    EVERYTHING,
    Career,
    CareerFilter,
    Racer,
    RatingChart,
    SeasonKey,
    SeriesChoice,
)
from wots_tui.domain.models import Platform
from wots_tui.domain.notebook import Key
from wots_tui.domain.races import HeadToHead, KnownDriver, RaceResult, Rivalry, SeasonRace
from wots_tui.store import Database
from wots_tui.store import career as career_store
from wots_tui.store import head_to_head as h2h_store
from wots_tui.store import races as race_store
from wots_tui.store.errors import first_line

IRACING = Platform.IRACING.value


class HistoryAnnotator:
    name = HISTORY

    def __init__(self, database: Database) -> None:
        self._database = database
        self.version = 0
        self.racer: Racer | None = None
        self._roster: tuple[Key, ...] = ()
        self._known: dict[Key, HeadToHead] = {}
        self._changed: Callable[[], None] = lambda: None
        self._failed: Callable[[str], None] = lambda message: None

    def watch(self, changed: Callable[[], None], failed: Callable[[str], None]) -> None:
        self._changed, self._failed = changed, failed

    async def open(self) -> None:
        self.racer = await self._database.call(career_store.racer)

    async def close(self) -> None:
        pass

    # the live roster

    async def roster_changed(self, roster: Roster) -> None:
        self._roster = roster.keys
        await self._join()

    def annotation(self, key: Key) -> HeadToHead | None:
        return self._known.get(key)

    async def reload(self) -> None:
        """The history changed (a fetch or an import ended): who the racer is, and the roster's head-to-heads."""
        self.racer = await self._database.call(career_store.racer)
        await self._join()

    async def _join(self) -> None:
        roster, racer = self._roster, self.racer
        ids = [driver_id for platform, driver_id in roster if platform == IRACING]
        try:
            known = {} if racer is None or not ids else await self._database.call(h2h_store.head_to_heads, racer.cust_id, ids)
        except duckdb.Error as error:
            self._failed(f"Head-to-head not loaded: {first_line(error)}")
            return
        if roster is not self._roster:  # a newer roster came while this one loaded: its own join shows it
            return
        self._known = {(IRACING, rival): value for rival, value in known.items()}
        self.version += 1
        self._changed()

    # the stats screen's questions (each None or empty when no history is stored)

    async def career(self, only: CareerFilter = EVERYTHING) -> Career:
        return await self._ask(career_store.career, only, empty=Career(()))

    async def years(self) -> list[int]:
        return await self._ask(career_store.years_raced, empty=[])

    async def series(self, year: int | None = None) -> list[SeriesChoice]:
        return await self._ask(career_store.series_raced, year, empty=[])

    async def chart(self, category_id: int) -> RatingChart | None:
        return await self._ask(career_store.rating_chart, category_id, empty=None)

    async def season_races(self, season: SeasonKey) -> list[SeasonRace]:
        return await self._ask(race_store.season_races, season, empty=[])

    async def race_result(self, subsession_id: int) -> RaceResult | None:
        racer = None if self.racer is None else self.racer.cust_id
        return await self._database.call(race_store.race_result, subsession_id, racer)

    async def rivalry(self, cust_id: int) -> Rivalry | None:
        return await self._ask(h2h_store.rivalry, cust_id, empty=None)

    async def head_to_head(self, key: Key) -> HeadToHead | None:
        """One driver's head-to-head, in the roster or not."""
        return (await self.head_to_heads([key])).get(key)

    async def head_to_heads(self, keys: Iterable[Key]) -> dict[Key, HeadToHead]:
        """The head-to-head of each of these drivers the racer raced (a page of the notebook, say), in one query."""
        theirs = [key for key in keys if key[0] == IRACING]
        wanted = [key[1] for key in theirs if key not in self._known]
        found: dict[int, HeadToHead] = {}
        if self.racer is not None and wanted:
            found = await self._database.call(h2h_store.head_to_heads, self.racer.cust_id, wanted)
        joined = {key: self._known.get(key) or found.get(key[1]) for key in theirs}
        return {key: value for key, value in joined.items() if value is not None}

    async def find_drivers(self, text: str) -> list[KnownDriver]:
        return await self._database.call(race_store.find_drivers, text)

    async def known_driver(self, cust_id: int) -> KnownDriver | None:
        return await self._database.call(race_store.known_driver, cust_id)

    async def _ask(self, query: Callable[..., Any], *args: object, empty: Any) -> Any:
        """`query(cursor, racer, *args)`, or `empty` when there is no racer (no history stored)."""
        if self.racer is None:
            return empty
        return await self._database.call(query, self.racer.cust_id, *args)

