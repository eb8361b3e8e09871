"""The stats screen's queries over 10,000 imported races, beside the store's own round trip and a bare scan.

Budgets (ARCHITECTURE.md): the stats screen ready <= 200 ms with 10k races, a season or race drill-down
<= 50 ms, the head-to-head join of a 64-driver roster <= 20 ms (once per roster change).

The races are the three real official results bodies (tests/fakes/iracing_data.py) varied: new subsession
ids, one race every ~10 hours from 2015 to 2025 (44 quarters of seasons), each template's series split in
four, and the drivers other than the racer drawn from a pool of 3,000 (the 64 drivers of bench/notebook_build's
live roster among them), a different draw per race, so the roster's drivers have raced him hundreds of times;
his iRating and SR carry on from race to race in each category, each race changing them by what the real one
did (less 25 iRating, so that the line goes up and down).
Written with the app's own `store_result_bodies`, 50 races a write; building is not timed.

  screen:    the stats screen in the real app (`run_test`, 160x50): asked to read everything anew (as when a
             fetch ends) until its seasons table and chart are drawn; the first F4 (its first open) is
             printed beside it, and the queries alone (`HistoryAnnotator`: the career of every category, the
             years, the series, the first category's chart);
  season:    one season's races (the largest season);
  race:      one race's full result (a team race: 58 teams and their drivers);
  rivalry:   the head-to-head with one driver, race by race (the roster's most met);
  roster:    the head-to-head join of the 64 live drivers (what the engine runs per roster change);
  baseline:  a `SELECT 1` through the store's thread (the floor of every call), and a scan counting the
             racer's rows (the floor of reading his races).

Each figure is the median of `--runs` runs after one warm-up run. Benches print, never assert.

    uv run python bench/history_stats.py [--races 10000] [--runs 15] [--file PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from fakes.iracing_data import MEMBER_ID, OFFICIAL_RACES, Race, entries, member_info, real_races
from notebook_build import live_snapshot, write_frozen_moment

from wots_tui.annotators.history import HistoryAnnotator
from wots_tui.store import Database
from wots_tui.store.history import store_racer, store_result_bodies
from wots_tui.webapi.fetch import RESULTS_PER_WRITE

BUDGETS = {"screen": 200.0, "season": 50.0, "race": 50.0, "roster": 20.0}
POOL = 3_000
FIRST_DAY = datetime(2015, 1, 5, 18, tzinfo=UTC)
YEARS = 11  # 2015 to the end of 2025


def varied_bodies(count: int, live_ids: list[int]) -> list[dict[str, Any]]:
    """`count` results bodies varied from the three real official races (see the module's docstring)."""
    templates = [Race.real(name) for name in OFFICIAL_RACES]
    pool = live_ids + [5_000_000 + n for n in range(POOL - len(live_ids))]
    step = timedelta(days=365 * YEARS) / count
    ratings: dict[int, tuple[int, int]] = {}  # licence category -> the racer's iRating and SR x 100 so far
    bodies = []
    for n in range(count):
        race = templates[n % len(templates)]
        start = FIRST_DAY + step * n
        quarter, series_split = (start.month - 1) // 3 + 1, n // len(templates) % 4
        body = orjson.loads(orjson.dumps(race.varied(60_000_000 + n, 120_000_000 + n, start).body()))
        series_id = body["series_id"] * 10 + series_split
        body.update(
            series_id=series_id,
            series_name=f"{body['series_name']} {'ABCD'[series_split]}",
            season_id=series_id * 100 + (start.year - 2015) * 4 + quarter,
            season_year=start.year,
            season_quarter=quarter,
            race_week_num=(start - datetime(start.year, 3 * quarter - 2, 1, tzinfo=UTC)).days // 7,
        )
        _walk_ratings(body, ratings)
        others = sorted({driver["cust_id"] for driver, _ in entries(body, 0)} - {MEMBER_ID})
        draw = {cust_id: pool[(i + n * 37) % len(pool)] for i, cust_id in enumerate(others)}
        for session in body["session_results"]:
            for row in session["results"]:
                for driver in [row, *(row.get("driver_results") or [])]:
                    if driver.get("cust_id") in draw:
                        driver["cust_id"] = draw[driver["cust_id"]]
        bodies.append(body)
    return bodies


def _walk_ratings(body: dict[str, Any], ratings: dict[int, tuple[int, int]]) -> None:
    """The racer's iRating and SR in `body` carried on from his last race in its category, changed by what the
    real race changed them (three real races in turn would otherwise jump 1,000 points from race to race)."""
    category = body["license_category_id"]
    irating, sub_level = ratings.get(category, (1500, 250))
    for session in body["session_results"]:
        for row in session["results"]:
            for driver in [row, *(row.get("driver_results") or [])]:
                if driver.get("cust_id") == MEMBER_ID:
                    gained = driver["newi_rating"] - driver["oldi_rating"]
                    sr_gained = driver["new_sub_level"] - driver["old_sub_level"]
                    new_sub = min(499, max(100, sub_level + (sr_gained if abs(sr_gained) < 100 else 4)))
                    driver.update(oldi_rating=irating, newi_rating=irating + gained - 25,  # some races lost
                                  old_sub_level=sub_level, new_sub_level=new_sub)
    ratings[category] = (irating + gained - 25, new_sub)


def build(path: Path, count: int, live_ids: list[int]) -> None:
    database = Database(path)
    try:
        bodies = varied_bodies(count, live_ids)
        for first in range(0, len(bodies), RESULTS_PER_WRITE):
            database.run(store_result_bodies, bodies[first : first + RESULTS_PER_WRITE])
        database.run(store_racer, member_info(real_races()))
    finally:
        database.close()


async def timed(work: Callable[[], Awaitable[object]], runs: int) -> float:
    """The median of `runs` runs of `work`, in ms, after one warm-up run."""
    await work()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        await work()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


async def screen_ready(path: Path, moment: Path, runs: int) -> tuple[float, float]:
    """The stats screen in the real app (160x50, on the frozen race moment): F4 until its seasons and chart
    are drawn the first time, then the median of `runs` reloads (what a fetch's end asks), in ms."""
    from wots_tui.engine import Engine
    from wots_tui.sources.factory import SourceSpec, build_source
    from wots_tui.ui.app import WotsApp

    app = WotsApp(Engine(build_source(SourceSpec.of("file", path=moment), max_rate=5.0), Database(path)))
    async with app.run_test(size=(160, 50)) as pilot:

        async def drawn(screen: Any, loads: int, charts: int) -> None:
            while screen.loads_shown <= loads or screen.charts_shown <= charts:
                await pilot.pause(0.001)
            await pilot.pause()  # and painted

        while app.engine.history.racer is None:
            await pilot.pause(0.01)
        started = time.perf_counter()
        await pilot.press("f4")
        await drawn(app.screen, 0, 0)
        first = (time.perf_counter() - started) * 1000
        screen, samples = app.screen, []
        for _ in range(runs):
            loads, charts = screen.loads_shown, screen.charts_shown
            started = time.perf_counter()
            screen.history_changed()
            await drawn(screen, loads, charts)
            samples.append((time.perf_counter() - started) * 1000)
    return first, statistics.median(samples)


async def measure(path: Path, runs: int, live_ids: list[int]) -> dict[str, float]:
    database = Database(path)
    history = HistoryAnnotator(database)
    try:
        await history.open()
        racer = history.racer
        assert racer is not None and racer.cust_id == MEMBER_ID, racer
        career = await history.career()
        seasons = [season for category in career.categories for season in category.seasons]
        largest = max(seasons, key=lambda s: s.tally.starts)
        team_race_id = await database.call(
            lambda c: c.execute("SELECT max(subsession_id) FROM subsessions WHERE driver_changes").fetchone()[0])
        keys = [("iracing", cust_id) for cust_id in live_ids]
        met = await history.head_to_heads(keys)
        most_met = max(met, key=lambda key: met[key].races)
        print(f"{racer.races:,} races of {racer.name}; {len(seasons)} season rows in {len(career.categories)} "
              f"categories; the largest season {largest.tally.starts} races; {len(met)} of {len(keys)} live "
              f"drivers raced him, the most met {met[most_met].races} times", file=sys.stderr)

        async def screen() -> None:
            whole = await history.career()
            await history.years()
            await history.series()
            await history.chart(whole.categories[0].category_id)

        return {
            "queries": await timed(screen, runs),
            "season": await timed(lambda: history.season_races(largest.key), runs),
            "race": await timed(lambda: history.race_result(team_race_id), runs),
            "rivalry": await timed(lambda: history.rivalry(most_met[1]), runs),
            "roster": await timed(lambda: database.call(_head_to_heads, MEMBER_ID, live_ids), runs),
            "round trip": await timed(lambda: database.call(lambda c: c.execute("SELECT 1").fetchall()), runs),
            "scan": await timed(lambda: database.call(_racer_rows, MEMBER_ID), runs),
        }
    finally:
        database.close()


def _head_to_heads(cursor: Any, cust_id: int, rivals: list[int]) -> object:
    from wots_tui.store.head_to_head import head_to_heads

    return head_to_heads(cursor, cust_id, rivals)


def _racer_rows(cursor: Any, cust_id: int) -> object:
    return cursor.execute("SELECT count(*) FROM driver_results WHERE cust_id = ?", [cust_id]).fetchone()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--races", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--file", type=Path, help="build (or reuse) the notebook here")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        live_ids = [d.driver_id for d in live_snapshot(write_frozen_moment(Path(folder) / "moment.irsdk")).drivers]
        path = options.file or Path(folder) / "history.duckdb"
        if not path.exists():
            started = time.perf_counter()
            build(path, options.races, live_ids)
            print(f"built {options.races:,} races in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        figures = asyncio.run(measure(path, options.runs, live_ids))
        figures["first open"], figures["screen"] = asyncio.run(
            screen_ready(path, Path(folder) / "moment.irsdk", options.runs))
    floor = figures["round trip"]
    print(f"baseline: a call through the store's thread {floor:.2f} ms; counting the racer's rows "
          f"{figures['scan']:.2f} ms")
    print(f"stats screen's queries alone: {figures['queries']:.1f} ms; the screen's first open (F4 to drawn) "
          f"{figures['first open']:.0f} ms")
    for name, label in (("screen", "stats screen ready (reloaded to drawn, in the app)"), ("season", "a season's races"),
                        ("race", "a team race's full result"), ("rivalry", "head-to-head with one driver"),
                        ("roster", "head-to-head join, 64 live drivers")):
        budget = f" (budget {BUDGETS[name]:.0f} ms)" if name in BUDGETS else ""
        print(f"{label}: {figures[name]:.1f} ms{budget}, {figures[name] / figures['scan']:.1f}x the scan")


if __name__ == "__main__":
    main()
