"""Racing history in the notebook's file: the Data API's bodies stored, and what the fetch asks of them.

Functions take a DuckDB cursor, like store/notebook.py, and run through `Database.run` or `Database.call`
(one transaction each). Each `store_*` takes a body as the API answers it (parsed JSON) and returns how
many rows it wrote. Storing the same body again changes nothing: rows are keyed by the API's ids and
replaced, never added twice. Python picks the values, DuckDB types them and makes the API's conventions
plain (store/history_fields.py).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import duckdb
import orjson

from wots_tui.store import history_fields as f
from wots_tui.store.history_fields import objects
from wots_tui.store.history_results import RaceRows, race_rows, write_races
from wots_tui.store.timestamps import to_db, utc_now

Body = dict[str, Any]
RACER_MARK = "racer"  # whose history this is


def store_result_bodies(cursor: duckdb.DuckDBPyConnection, bodies: Sequence[Body]) -> RaceRows:
    """Many results bodies in one go, each race replacing what was stored of it; what was written (`ids`
    of the races, `drivers` their driver rows).

    The rows go to DuckDB as one JSON text: a few dozen races fit the app's 64 MB (500 do not); the
    importer writes larger batches through a file, with more memory.
    """
    races = race_rows(bodies)
    write_races(cursor, races)
    return races


def known_subsessions(cursor: duckdb.DuckDBPyConnection, ids: Iterable[int]) -> set[int]:
    """Which of these races are stored (their results, not only a search's row)."""
    rows = cursor.execute(
        "SELECT subsession_id FROM subsessions WHERE subsession_id IN (SELECT unnest(?::BIGINT[]))", [list(ids)]
    ).fetchall()
    return {subsession_id for (subsession_id,) in rows}


def store_member(cursor: duckdb.DuckDBPyConnection, body: Body, fetched_at: datetime | None = None) -> int:
    """member/info; `fetched_at` when the fetch asked for it (an import does not know: the stored time stays)."""
    return _write(cursor, f.MEMBERS, [f.MEMBERS.row(body, to_db(fetched_at))])


def store_racer(cursor: duckdb.DuckDBPyConnection, body: Body) -> int:
    """member/info, as an import gives it: the member, who is then the racer whose history this is."""
    written = store_member(cursor, body)
    if isinstance(body.get("cust_id"), int):
        set_racer(cursor, body["cust_id"])
    return written


def set_racer(cursor: duckdb.DuckDBPyConnection, cust_id: int) -> None:
    """The member whose history this is (the fetch's member or --cust-id, or an imported member/info's)."""
    set_mark(cursor, RACER_MARK, str(cust_id))


def store_search_rows(cursor: duckdb.DuckDBPyConnection, rows: Sequence[Body], cust_id: int | None = None) -> int:
    """Rows of results/search_series or search_hosted: the races found, and who ran them.

    A row names its member when the search was by member (`cust_id` is the member searched for, for rows
    that do not say); returns the races found.
    """
    found = objects(rows)
    ran = [(row, row.get("cust_id", cust_id)) for row in found]
    _write(cursor, f.MEMBER_RACES, [f.MEMBER_RACES.row(row, member) for row, member in ran if member is not None])
    return _write(cursor, f.FOUND_RACES, [f.FOUND_RACES.row(row) for row in found])


def store_past_seasons(cursor: duckdb.DuckDBPyConnection, body: Body) -> int:
    """series/past_seasons: the series, its seasons, their car classes and race weeks; returns the seasons."""
    series = body.get("series") if isinstance(body.get("series"), dict) else {}
    seasons = objects(series.get("seasons"))
    _write(cursor, f.SERIES, [f.SERIES.row(series)])
    _write(cursor, f.SEASON_CAR_CLASSES, [
        f.SEASON_CAR_CLASSES.row(c, s.get("season_id")) for s in seasons for c in objects(s.get("car_classes"))
    ])
    _write(cursor, f.RACE_WEEKS, [
        f.RACE_WEEKS.row(w, s.get("season_id")) for s in seasons for w in objects(s.get("race_weeks"))
    ])
    return _write(cursor, f.SEASONS, [f.SEASONS.row(s, series.get("series_id")) for s in seasons])


def store_standings(cursor: duckdb.DuckDBPyConnection, header: Body, rows: Sequence[Body]) -> int:
    """stats/season_driver_standings: the list's header and its rows (those of its chunks fetched).

    In a list of one division, a row's rank is its rank in that division (kept beside the overall rank
    a list of all divisions gives). A list of one race week is kept as a list, but its rows are not the
    season's standings and are not stored. Returns the standings rows written.
    """
    division, week = _all(header.get("division")), _all(header.get("race_week_num"))
    _write(cursor, f.STANDINGS_LISTS, [f.STANDINGS_LISTS.row(header, division, week)])
    if week != -1:
        return 0
    season, car_class = header.get("season_id"), header.get("car_class_id")
    whole = division == -1
    return _write(cursor, f.SEASON_STANDINGS, [
        f.SEASON_STANDINGS.row(r, season, car_class, r.get("rank") if whole else None, None if whole else r.get("rank"))
        for r in objects(rows)
    ])


def store_standing_rows(cursor: duckdb.DuckDBPyConnection, rows: Sequence[Body]) -> int:
    """Standings rows that carry their own season_id, car_class_id, and rank and division_rank as far as known."""
    return _write(cursor, f.SEASON_STANDINGS, [
        f.SEASON_STANDINGS.row(r, r.get("season_id"), r.get("car_class_id"), r.get("rank"), r.get("division_rank"))
        for r in objects(rows)
    ])


def store_car_classes(cursor: duckdb.DuckDBPyConnection, body: Sequence[Body]) -> int:
    """carclass/get (or a list of classes with only some of their fields); returns the classes."""
    classes = objects(body)
    _write(cursor, f.CAR_CLASS_CARS, [
        f.CAR_CLASS_CARS.row(car, c.get("car_class_id")) for c in classes for car in objects(c.get("cars_in_class"))
    ])
    return _write(cursor, f.CAR_CLASSES, [f.CAR_CLASSES.row(c) for c in classes])


def store_chart(cursor: duckdb.DuckDBPyConnection, body: Body) -> int:
    """member/chart_data: one point per day; returns the points."""
    chart = (body.get("cust_id"), body.get("category_id"), body.get("chart_type"))
    return _write(cursor, f.MEMBER_CHART, [f.MEMBER_CHART.row(point, *chart) for point in objects(body.get("data"))])


def store_recent_races(cursor: duckdb.DuckDBPyConnection, body: Body) -> int:
    """stats/member_recent_races; returns the races."""
    member = body.get("cust_id")
    return _write(cursor, f.MEMBER_RECENT_RACES, [
        f.MEMBER_RECENT_RACES.row(race, member) for race in objects(body.get("races"))
    ])


def series_raced(cursor: duckdb.DuckDBPyConnection, cust_id: int) -> list[int]:
    """The series this member raced in, as far as stored searches, results and recent races know."""
    rows = cursor.execute(
        """SELECT DISTINCT series_id FROM (
               SELECT f.series_id FROM member_races m JOIN found_races f USING (subsession_id) WHERE m.cust_id = $1
               UNION ALL SELECT s.series_id FROM driver_results d JOIN subsessions s USING (subsession_id)
                   WHERE d.cust_id = $1
               UNION ALL SELECT series_id FROM member_recent_races WHERE cust_id = $1)
           WHERE series_id > 0 ORDER BY series_id""",
        [cust_id],
    ).fetchall()
    return [series_id for (series_id,) in rows]


def season_classes_raced(cursor: duckdb.DuckDBPyConnection, cust_id: int) -> list[tuple[int, int]]:
    """(season_id, car_class_id) of every official season and class this member raced (where standings are)."""
    rows = cursor.execute(
        """SELECT DISTINCT season_id, car_class_id FROM (
               SELECT f.season_id, m.car_class_id FROM member_races m JOIN found_races f USING (subsession_id)
                   WHERE m.cust_id = $1 AND f.official
               UNION ALL SELECT s.season_id, d.car_class_id FROM driver_results d JOIN subsessions s USING (subsession_id)
                   WHERE d.cust_id = $1 AND s.official
               UNION ALL SELECT season_id, car_class_id FROM member_recent_races WHERE cust_id = $1)
           WHERE season_id > 0 AND car_class_id IS NOT NULL ORDER BY ALL""",
        [cust_id],
    ).fetchall()
    return [(season_id, car_class_id) for season_id, car_class_id in rows]


def get_mark(cursor: duckdb.DuckDBPyConnection, name: str) -> str | None:
    """The fetch's bookkeeping: the value last set under `name`, or None."""
    row = cursor.execute("SELECT value FROM fetch_marks WHERE name = ?", [name]).fetchone()
    return None if row is None else row[0]


def set_mark(cursor: duckdb.DuckDBPyConnection, name: str, value: str) -> None:
    cursor.execute(
        """INSERT INTO fetch_marks VALUES (?, ?, ?)
           ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at""",
        [name, value, to_db(utc_now())],
    )


def _all(value: object) -> object:
    """A standings list's division or race week: the API's -1 (all) when it does not say."""
    return -1 if value is None else value


def _write(cursor: duckdb.DuckDBPyConnection, table: f.Table, rows: list[tuple]) -> int:
    """Rows of `table`'s values, upserted by its keys; returns how many were written."""
    if not rows:
        return 0
    (written,) = cursor.execute(_upsert(table), [orjson.dumps(rows).decode()]).fetchone() or (0,)
    return written


@functools.cache
def _upsert(table: f.Table) -> str:
    return f.upsert_sql(table)
