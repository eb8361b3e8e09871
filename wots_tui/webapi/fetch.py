"""`wots-tui fetch`: every race the racer ran, fetched once, and what the stats need around them.

The stages, in order: who is logged in (`member/info`); which races they ran (`results/search_series`, and
`results/search_hosted` with --hosted); each race's full result not stored yet (`results/get`), stored as it
arrives so an interrupted fetch goes on where it stopped; the past seasons of each series raced; the season
standings of each season and car class raced; the car classes (weekly); the iRating and SR charts of each
licence category raced. A second run asks only for what is new: the searches start at the newest end time
stored, and standings and charts are fetched again only where a new race arrived.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from wots_tui.domain.history_windows import Quarter, Window, api_time, read_api_time, windows
from wots_tui.domain.plural import counted
from wots_tui.store import Database
from wots_tui.store import history as store
from wots_tui.webapi.client import chunk_info
from wots_tui.webapi.errors import DataApiError

log = logging.getLogger(__name__)

OFFICIAL_RACE = 5  # event_types: 2 practice, 3 qualify, 4 time trial, 5 race
CHARTS = {1: "iRating", 3: "safety rating"}  # member/chart_data chart_type
CAR_CLASSES_FOR = timedelta(days=7)
RESULTS_IN_FLIGHT = 8  # results fetched at once; the client keeps within the rate limit itself
RESULTS_PER_WRITE = 50  # races written in one go: the rows go as one JSON text, within the store's 64 MB


class Api(Protocol):
    """What the fetch needs of the Data API client (webapi/client.py::DataApi)."""

    calls: int

    async def get(self, endpoint: str, **params: Any) -> Any: ...

    async def rows(self, body: Any, *, only: int | None = None) -> list[dict[str, Any]]: ...


class Progress(Protocol):
    """Where the fetch says how far it got: one stage at a time, and a line now and then."""

    def stage(self, name: str, total: int | None = None) -> None: ...

    def advance(self, done: int = 1) -> None: ...

    def say(self, line: str) -> None: ...


@dataclass(frozen=True, slots=True)
class FetchOptions:
    quarters: tuple[Quarter, ...] = ()  # --seasons; empty: date windows
    since: datetime | None = None  # --since; None: where the last fetch stopped, or the member's first day
    cust_id: int | None = None  # --cust-id; None: the logged-in member
    hosted: bool = False  # also hosted and league races
    dry_run: bool = False  # search and say what would be fetched; write nothing


@dataclass(slots=True)
class FetchSummary:
    member: str = ""
    cust_id: int = 0
    races_found: int = 0
    races_new: int = 0
    driver_results: int = 0
    series: int = 0
    standings: int = 0
    car_classes: bool = False
    charts: int = 0
    dry_run: bool = False
    failed: dict[str, list[str]] = field(default_factory=dict)  # stage -> why each item could not be fetched

    def lines(self) -> list[str]:
        who = f"{self.member} ({self.cust_id}): {counted(self.races_found, 'race')} found"
        if self.dry_run:
            return [f"{who}, {self.races_new} not stored yet: a fetch would download them (nothing was written)"]
        fetched = [
            f"{self.series} series' past seasons",
            counted(self.standings, "season standing"),
            counted(self.charts, "chart"),
            *(["car classes"] if self.car_classes else []),
        ]
        return [
            f"{who}, {self.races_new} new ({self.driver_results:,} driver results)",
            ", ".join(fetched),
            *(
                f"{what} not fetched: {len(why)} (the first: {why[0]}); the next fetch tries again"
                for what, why in self.failed.items()
            ),
        ]


class HistoryFetch:
    """One run of `wots-tui fetch`: the stages over one client and one notebook file (None: a dry run
    before any notebook exists)."""

    def __init__(
        self,
        api: Api,
        database: Database | None,
        options: FetchOptions,
        progress: Progress,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.api = api
        self.database = database
        self.options = options
        self.progress = progress
        self.clock = clock
        self.summary = FetchSummary(dry_run=options.dry_run)

    async def run(self) -> FetchSummary:
        member = await self._member()
        wanted = self.options.cust_id
        driver = member if wanted is None or wanted == member["cust_id"] else await self._other_driver(wanted)
        cust_id = int(driver["cust_id"])
        self.summary.cust_id, self.summary.member = cust_id, driver.get("display_name") or f"driver {cust_id}"
        searched = await self._search(cust_id, driver)
        rows = [row for found in searched.values() for row in found]
        races = {int(row["subsession_id"]): row for row in rows}
        self.summary.races_found = len(races)
        new = sorted(set(races) - await self._known(list(races)))
        self.summary.races_new = len(new)
        if self.options.dry_run:
            return self.summary
        await self._store(store.set_racer, cust_id)
        await self._store(store.store_search_rows, rows, cust_id)
        await self._results(new)
        complete = "race results" not in self.summary.failed
        for kind, found in searched.items():  # only now: an interrupted fetch searches these windows again
            newest = max((row["end_time"] for row in found), default=None)
            if complete and newest is not None and self.options.since is None and not self.options.quarters:
                await self._store(store.set_mark, _newest_mark(cust_id, kind), newest)
        fresh = [races[subsession] for subsession in new]
        await self._past_seasons(cust_id, fresh)
        await self._standings(cust_id, member, fresh)
        await self._car_classes()
        await self._charts(cust_id, fresh if await self._charted(cust_id) else list(races.values()))
        return self.summary

    # -- stages ---------------------------------------------------------------------------------------

    async def _member(self) -> dict[str, Any]:
        """Who is logged in (the first call: it logs in, asking the racer first if it must)."""
        member = await self.api.get("member/info")
        if not self.options.dry_run:
            await self._store(store.store_member, member, self.clock())
        return member

    async def _other_driver(self, cust_id: int) -> dict[str, Any]:
        """Another driver (--cust-id), as member/get knows them: their name, and since when to search."""
        body = await self.api.get("member/get", cust_ids=cust_id)
        found = [m for m in (body or {}).get("members") or [] if m.get("cust_id") == cust_id]
        if not found:
            raise DataApiError(f"iRacing knows no member {cust_id} (--cust-id): check the number")
        return found[0]

    async def _search(self, cust_id: int, member: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
        """The member's race rows by kind ("official", "hosted"), each searched slice in turn."""
        searches: list[tuple[str, str, dict[str, Any]]] = []
        for kind, endpoint in self._kinds():
            for params in await self._slices(cust_id, member, kind):
                searches.append((kind, endpoint, params))
        self.progress.stage("Finding races", len(searches))
        found: dict[str, list[dict[str, Any]]] = {kind: [] for kind, _ in self._kinds()}
        for kind, endpoint, params in searches:
            body = await self.api.get(endpoint, cust_id=cust_id, **params)
            found[kind].extend(row for row in await self.api.rows(body) if _is_race(row, kind))
            self.progress.advance()
        return found

    def _kinds(self) -> list[tuple[str, str]]:
        kinds = [("official", "results/search_series")]
        return kinds + [("hosted", "results/search_hosted")] if self.options.hosted else kinds

    async def _slices(self, cust_id: int, member: dict[str, Any], kind: str) -> list[dict[str, Any]]:
        """The query parameters of each search: one per quarter asked for, else one per date window."""
        official = {"event_types": OFFICIAL_RACE, "official_only": True} if kind == "official" else {}
        if self.options.quarters and kind == "official":
            return [
                {"season_year": q.year, "season_quarter": q.quarter, **official} for q in self.options.quarters
            ]
        return [
            {"finish_range_begin": api_time(w.begin), "finish_range_end": api_time(w.end), **official}
            for w in await self._windows(cust_id, member, kind)
        ]

    async def _windows(self, cust_id: int, member: dict[str, Any], kind: str) -> list[Window]:
        now = self.clock()
        if self.options.quarters:  # hosted races have no season: the quarters' calendar months
            first, last = self.options.quarters[0], self.options.quarters[-1].next()
            return windows(_quarter_start(first), min(_quarter_start(last), now))
        begin = self.options.since
        if begin is None:
            newest = await self._mark(_newest_mark(cust_id, kind))
            begin = read_api_time(newest) if newest else _member_since(member)
        elif member.get("member_since"):  # no race before they joined: no searches of those years
            begin = max(begin, _member_since(member))
        return windows(begin, now)

    async def _results(self, subsessions: list[int]) -> None:
        """Each new race's full result, a few at a time, each stored (and committed) as soon as the store is
        free: the races that arrived during one write go in together in the next."""
        self.progress.stage("Downloading race results", len(subsessions))
        gate = asyncio.Semaphore(RESULTS_IN_FLIGHT)
        arrived: list[dict[str, Any]] = []
        writing: asyncio.Task[None] | None = None

        async def write() -> None:
            while arrived:
                batch = arrived[:RESULTS_PER_WRITE]
                del arrived[:RESULTS_PER_WRITE]
                stored = await self._store(store.store_result_bodies, batch)
                log.info("stored %d races (%d driver results)", len(stored.ids), stored.drivers)
                self.summary.driver_results += stored.drivers
                self.progress.advance(len(batch))

        async def one(subsession: int) -> None:
            nonlocal writing
            async with gate:
                try:
                    arrived.append(await self.api.get("results/get", subsession_id=subsession))
                except DataApiError as error:
                    self._failed("race results", error)
                    self.progress.advance()
                    return
            if writing is not None and writing.done():
                writing.result()  # a write that failed stops the fetch here
            if writing is None or writing.done():
                writing = asyncio.create_task(write())

        await _all(one(subsession) for subsession in subsessions)
        if writing is not None:
            await writing

    async def _past_seasons(self, cust_id: int, fresh: list[dict[str, Any]]) -> None:
        """The seasons of each series raced; a series already stored is asked again only for a newer season."""
        newest: dict[int, int] = {}
        for row in fresh:
            series_id, season_id = row.get("series_id"), row.get("season_id")
            if series_id and season_id:  # hosted races belong to no series
                newest[series_id] = max(season_id, newest.get(series_id, season_id))
        stale = []
        for series_id in await self._store(store.series_raced, cust_id):
            known = await self._mark(f"past_seasons:{series_id}")
            if known is None or int(known) < newest.get(series_id, 0):
                stale.append(series_id)
        self.progress.stage("Series' past seasons", len(stale))
        for series_id in stale:
            body = await self._each("past seasons", "series/past_seasons", series_id=series_id)
            if body is not None:
                await self._store(store.store_past_seasons, body)
                seasons = [season["season_id"] for season in body.get("series", {}).get("seasons", [])]
                newest_known = max([*seasons, newest.get(series_id, 0)])
                await self._store(store.set_mark, f"past_seasons:{series_id}", str(newest_known))
                self.summary.series += 1
            self.progress.advance()

    async def _standings(self, cust_id: int, member: dict[str, Any], fresh: list[dict[str, Any]]) -> None:
        """The driver's standing in each season and car class raced: never fetched yet, or a new race in it."""
        raced = await self._store(store.season_classes_raced, cust_id)
        touched = {(row.get("season_id"), row.get("car_class_id")) for row in fresh}
        wanted = []
        for season_id, car_class_id in raced:
            mark = f"standings:{cust_id}:{season_id}:{car_class_id}"
            if (season_id, car_class_id) in touched or await self._mark(mark) is None:
                wanted.append((season_id, car_class_id, mark))
        self.progress.stage("Season standings", len(wanted))
        logged_in = cust_id == member["cust_id"]
        for season_id, car_class_id, mark in wanted:
            if await self._standing(cust_id, logged_in, season_id, car_class_id):
                await self._store(store.set_mark, mark, api_time(self.clock()))
                self.summary.standings += 1
            self.progress.advance()

    async def _standing(self, cust_id: int, logged_in: bool, season_id: int, car_class_id: int) -> bool:
        """The driver's row in a season's standings, overall and then in their division, stored with both
        lists' headers; False if a list could not be fetched (the next fetch tries again)."""
        found = await self._standing_row(cust_id, logged_in, season_id, car_class_id, None)
        if found is None:
            return False
        division = found.get("division")
        if found and division is not None and division >= 0:
            return await self._standing_row(cust_id, logged_in, season_id, car_class_id, division) is not None
        return True

    async def _standing_row(
        self, cust_id: int, logged_in: bool, season_id: int, car_class_id: int, division: int | None
    ) -> dict[str, Any] | None:
        """One standings list (all divisions, or one) stored with the driver's row in it: their row ({} when
        they are not in it), None when the list could not be fetched.

        The logged-in member's row is in the chunk their `customer_rank` falls in, so that chunk alone is
        read; another driver's is found by reading every chunk.
        """
        header = await self._each(
            "season standings", "stats/season_driver_standings",
            season_id=season_id, car_class_id=car_class_id, division=division,
        )
        if header is None:
            return None
        rank = header.get("customer_rank") or 0
        size = (chunk_info(header) or {}).get("chunk_size") or 0
        rows = await self.api.rows(header, only=(rank - 1) // size) if logged_in and rank > 0 and size else []
        if not any(row.get("cust_id") == cust_id for row in rows):
            rows = await self.api.rows(header)
        theirs = [row for row in rows if row.get("cust_id") == cust_id]
        await self._store(store.store_standings, header, theirs)
        return theirs[0] if theirs else {}

    async def _car_classes(self) -> None:
        fetched = await self._mark("car_classes")
        if fetched is not None and self.clock() - read_api_time(fetched) < CAR_CLASSES_FOR:
            return
        self.progress.stage("Car classes")
        await self._store(store.store_car_classes, await self.api.get("carclass/get"))
        await self._store(store.set_mark, "car_classes", api_time(self.clock()))
        self.summary.car_classes = True
        self.progress.advance()

    async def _charted(self, cust_id: int) -> bool:
        return await self._mark(f"charts:{cust_id}") is not None

    async def _charts(self, cust_id: int, races: Iterable[dict[str, Any]]) -> None:
        """iRating and SR over time for each licence category of `races`."""
        categories = sorted({int(row["license_category_id"]) for row in races if row.get("license_category_id")})
        charts = [(category, chart) for category in categories for chart in CHARTS]
        self.progress.stage("iRating and SR charts", len(charts))
        for category, chart in charts:
            body = await self._each(
                "charts", "member/chart_data", cust_id=cust_id, category_id=category, chart_type=chart
            )
            if body is not None:
                await self._store(store.store_chart, body)
                self.summary.charts += 1
            self.progress.advance()
        if charts and "charts" not in self.summary.failed:
            await self._store(store.set_mark, f"charts:{cust_id}", api_time(self.clock()))

    # -- helpers --------------------------------------------------------------------------------------

    async def _each(self, what: str, endpoint: str, **params: Any) -> Any:
        """One item of a stage; None (said in the summary) if it failed for good: the rest goes on."""
        try:
            return await self.api.get(endpoint, **params)
        except DataApiError as error:
            self._failed(what, error)
            return None

    def _failed(self, what: str, error: DataApiError) -> None:
        log.warning("%s: %s", what, error)
        self.summary.failed.setdefault(what, []).append(str(error))

    def _store(self, work: Callable[..., Any], *args: Any) -> Awaitable[Any]:
        """`work(cursor, *args)` on the store's thread, committed before it answers."""
        assert self.database is not None, "only a dry run has no notebook, and it writes nothing"
        return self.database.call(work, *args)

    async def _mark(self, name: str) -> str | None:
        return None if self.database is None else await self._store(store.get_mark, name)

    async def _known(self, subsessions: list[int]) -> set[int]:
        """The races stored already (none when a dry run has no notebook file yet)."""
        return set() if self.database is None else await self._store(store.known_subsessions, subsessions)


async def _all(jobs: Iterable[Awaitable[None]]) -> None:
    """Run every job; the first failure cancels the others (what was stored stays stored) and is raised."""
    try:
        async with asyncio.TaskGroup() as group:
            for job in jobs:
                group.create_task(job)  # type: ignore[arg-type]
    except BaseExceptionGroup as failed:
        raise failed.exceptions[0] from None


def _is_race(row: dict[str, Any], kind: str) -> bool:
    """An official search row of a race (the search may answer other events), or any hosted race."""
    return kind == "hosted" or row.get("event_type", OFFICIAL_RACE) == OFFICIAL_RACE


def _newest_mark(cust_id: int, kind: str) -> str:
    return f"newest_end:{cust_id}:{kind}"


def _member_since(member: dict[str, Any]) -> datetime:
    since = member.get("member_since")
    if not since:
        raise DataApiError("iRacing did not say when the member joined: pass --since or --seasons")
    return datetime.fromisoformat(since).replace(tzinfo=UTC)


def _quarter_start(quarter: Quarter) -> datetime:
    return datetime(quarter.year, 3 * quarter.quarter - 2, 1, tzinfo=UTC)
