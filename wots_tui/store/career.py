"""The racer's career in SQL: who the racer is, their seasons, years and career per licence category, the
series they raced, and their rating charts.

Everything is computed by DuckDB from the imported tables (migration 5) in a few queries, so the stats
screen opens at once over 10,000 races. Functions take a cursor, like the other store modules.
"""

from __future__ import annotations

import duckdb

from wots_tui.domain.career import (
    EVERYTHING,
    Career,
    CareerFilter,
    CategoryCareer,
    ChartPoint,
    Racer,
    RatingChart,
    SeasonKey,
    SeasonRow,
    SeriesChoice,
    Tally,
    YearRow,
)
from wots_tui.store.history import RACER_MARK, get_mark
from wots_tui.store.timestamps import from_db

# the order the stats screen shows categories in: road and oval first, then dirt, then the 2024 road split
CATEGORY_ORDER = (2, 1, 4, 3, 5, 6)

# Every driver's main-event row of every race (practice, qualifying and time trials are not races).
# `FROM {MAIN_FROM} WHERE {MAIN_EVENT} AND ...`. The main event is simsession 0 (simsessions.main_event is
# that flag): read from the row itself, with no join to simsessions.
MAIN_FROM = "driver_results d JOIN subsessions s USING (subsession_id)"
RACE = "coalesce(s.event_type, 5) = 5"  # a subsession that is a race (not practice, qualifying, time trial)
MAIN_EVENT = f"d.simsession_number = 0 AND {RACE}"

# a Tally's figures over the racer's rows (the `mine` of career's query). SR is summed within a licence class:
# levels 1-4 are R, 5-8 D ... 17-20 A (a level is one whole SR point), and a promotion resets the SR.
_TALLY = """count(*) AS starts,
    count(*) FILTER (finish_position_in_class = 1) AS wins,
    count(*) FILTER (finish_position_in_class <= 5) AS top5,
    count(*) FILTER (starting_position_in_class = 1) AS poles,
    coalesce(sum(laps_complete), 0) AS laps,
    coalesce(sum(laps_lead), 0) AS laps_led,
    avg(starting_position_in_class) AS avg_start,
    avg(finish_position_in_class) AS avg_finish,
    avg(incidents) AS incidents_per_race,
    sum(newi_rating - oldi_rating) AS irating_change,
    sum(new_sub_level - old_sub_level) FILTER ((new_license_level - 1) // 4 = (old_license_level - 1) // 4) / 100
        AS sr_change,
    sum(champ_points) AS points"""
_RACER_COLUMNS = ", ".join(f"d.{c}" for c in (
    "car_class_name", "division", "finish_position_in_class", "starting_position_in_class", "laps_complete",
    "laps_lead", "incidents", "newi_rating", "oldi_rating", "new_sub_level", "old_sub_level", "new_license_level",
    "old_license_level", "champ_points"))

# a league race's series is its league, and its season the league's
SERIES_NAME = "coalesce(s.league_name, s.series_name)"
SEASON_NAME = "coalesce(s.league_season_name, s.season_name)"
# a race's season year: hosted and league races say 2000, so their own start's year
_YEAR = """coalesce(CASE WHEN s.season_id > 0 AND s.season_year IS NOT NULL THEN s.season_year
    ELSE year(s.start_time) END, 0)"""
_QUARTER = """coalesce(CASE WHEN s.season_id > 0 AND s.season_quarter IS NOT NULL THEN s.season_quarter
    ELSE quarter(s.start_time) END, 0)"""
_CATEGORY = "coalesce(s.license_category_id, 0)"  # 0: a body that did not say
# What the series picker and a season row call a series: a league's races are its league's (minus its id:
# every hosted and league race has series 0), other hosted races series 0.
SERIES = "CASE WHEN s.league_id > 0 THEN -s.league_id ELSE coalesce(s.series_id, 0) END"
_SEASON_KEY = f"""{_CATEGORY} AS category_id,
    coalesce(s.season_id, 0) AS season_id,
    {SERIES} AS series_id,
    coalesce(d.car_class_id, 0) AS car_class_id,
    {_YEAR} AS year,
    {_QUARTER} AS quarter,
    coalesce(s.league_season_id, 0) AS league_season_id"""


def racer(cursor: duckdb.DuckDBPyConnection) -> Racer | None:
    """Whose history it is: the member the fetch (or an imported member/info) named, else the driver in
    most races (someone's own exported results all have them in); None when no race is stored."""
    named = get_mark(cursor, RACER_MARK)
    if named is not None:
        row = cursor.execute(
            f"""SELECT $1::BIGINT, coalesce(
                       (SELECT display_name FROM members WHERE cust_id = $1),
                       (SELECT arg_max(d.display_name, s.start_time) FROM {MAIN_FROM} WHERE {MAIN_EVENT} AND d.cust_id = $1)),
                   (SELECT count(*) FROM {MAIN_FROM} WHERE {MAIN_EVENT} AND d.cust_id = $1),
                   (SELECT fetched_at FROM members WHERE cust_id = $1)""",
            [int(named)],
        ).fetchone()
        chosen = True
    else:
        row = cursor.execute(
            f"""SELECT d.cust_id, arg_max(d.display_name, s.start_time), count(*), NULL::TIMESTAMP
                FROM {MAIN_FROM} WHERE {MAIN_EVENT} GROUP BY d.cust_id ORDER BY count(*) DESC, d.cust_id LIMIT 1"""
        ).fetchone()
        chosen = False
    if row is None:
        return None
    cust_id, name, races, fetched_at = row
    return Racer(cust_id, name or f"driver {cust_id}", races, from_db(fetched_at), chosen)


def career(cursor: duckdb.DuckDBPyConnection, cust_id: int, only: CareerFilter = EVERYTHING) -> Career:
    """The racer's seasons, years and career in each licence category they raced, narrowed by `only`."""
    where, params = _narrowed(cust_id, only)
    rows = cursor.execute(
        f"""WITH mine AS (SELECT {_SEASON_KEY}, {SERIES_NAME} AS series_name, {SEASON_NAME} AS season_name, s.start_time, s.race_week_num,
                                 {_RACER_COLUMNS}
                          FROM {MAIN_FROM} WHERE {MAIN_EVENT} AND {where}),
            seasons AS (
                SELECT category_id, season_id, series_id, car_class_id, year, quarter, league_season_id,
                       arg_max(series_name, start_time) AS series_name,
                       arg_max(season_name, start_time) AS season_name,
                       arg_max(car_class_name, start_time) AS car_class_name,
                       {_TALLY},
                       arg_max(division, start_time) AS division,
                       nullif(count(DISTINCT race_week_num) FILTER (season_id > 0), 0) AS weeks_raced,  -- hosted: no weeks
                       max(start_time) AS last_race,
                       GROUPING(season_id, series_id, car_class_id, quarter, league_season_id) AS level,
                       GROUPING(year) AS all_years
                FROM mine
                GROUP BY GROUPING SETS ((category_id, season_id, series_id, car_class_id, year, quarter,
                                         league_season_id), (category_id, year), (category_id)))
            SELECT g.*, st.points AS standing_points, st.division AS standing_division, st.rank,
                   st.division_rank, st.weeks_counted
            FROM seasons g LEFT JOIN season_standings st
                ON g.level = 0 AND g.season_id > 0 AND st.season_id = g.season_id
                   AND st.car_class_id = g.car_class_id AND st.cust_id = $1
            ORDER BY g.category_id, g.year DESC NULLS LAST, g.quarter DESC, g.last_race DESC""",
        params,
    ).fetchall()
    names = [column[0] for column in cursor.description or ()]
    return Career(_categories([dict(zip(names, row)) for row in rows]))


def series_raced(cursor: duckdb.DuckDBPyConnection, cust_id: int, year: int | None = None) -> list[SeriesChoice]:
    """The series the racer raced (in `year`), most raced first: the stats screen's series picker."""
    where, params = _narrowed(cust_id, CareerFilter(year=year))
    rows = cursor.execute(
        f"""SELECT {SERIES}, arg_max({SERIES_NAME}, s.start_time), count(*)
            FROM {MAIN_FROM} WHERE {MAIN_EVENT} AND {where} GROUP BY ALL ORDER BY count(*) DESC, 2""",
        params,
    ).fetchall()
    return [SeriesChoice(series_id, name or f"series {series_id}", races) for series_id, name, races in rows]


def years_raced(cursor: duckdb.DuckDBPyConnection, cust_id: int) -> list[int]:
    rows = cursor.execute(
        f"""SELECT DISTINCT {_YEAR} AS y FROM {MAIN_FROM} WHERE {MAIN_EVENT} AND d.cust_id = $1
            ORDER BY y DESC""",
        [cust_id],
    ).fetchall()
    return [year for (year,) in rows if year is not None]


def rating_chart(cursor: duckdb.DuckDBPyConnection, cust_id: int, category_id: int) -> RatingChart:
    """iRating from the fetched chart data (member/chart_data), else from the races' results; safety
    rating from the races' results (its chart's values are not documented)."""
    charted = cursor.execute(
        """SELECT day, value FROM member_chart WHERE cust_id = ? AND category_id = ? AND chart_type = 1
           AND value IS NOT NULL ORDER BY day""",
        [cust_id, category_id],
    ).fetchall()
    raced = cursor.execute(
        f"""SELECT s.start_time::DATE AS day, arg_max(d.newi_rating, s.start_time), arg_max(d.new_sub_level, s.start_time)
            FROM {MAIN_FROM} WHERE {MAIN_EVENT} AND d.cust_id = $1 AND {_CATEGORY} = $2 AND s.official
            GROUP BY day ORDER BY day""",
        [cust_id, category_id],
    ).fetchall()
    from_results = tuple(ChartPoint(day, float(ir)) for day, ir, _ in raced if ir is not None)
    return RatingChart(
        category_id=category_id,
        irating=tuple(ChartPoint(day, float(value)) for day, value in charted) or from_results,
        safety_rating=tuple(ChartPoint(day, sr / 100) for day, _, sr in raced if sr is not None),
        from_chart_data=bool(charted),
    )


def season_of(cust_id: int, season: SeasonKey) -> tuple[str, list[object]]:
    """The racer's rows of one season row: a WHERE clause over MAIN_FROM (after MAIN_EVENT) and its parameters."""
    return (
        f"""d.cust_id = $1 AND {_CATEGORY} = $2 AND coalesce(s.season_id, 0) = $3 AND {SERIES} = $4
            AND coalesce(d.car_class_id, 0) = $5 AND {_YEAR} = $6 AND {_QUARTER} = $7
            AND coalesce(s.league_season_id, 0) = $8""",
        [cust_id, season.category_id, season.season_id, season.series_id, season.car_class_id, season.year,
         season.quarter, season.league_season_id],
    )


def _narrowed(cust_id: int, only: CareerFilter) -> tuple[str, list[object]]:
    """The racer's rows, in the filter's year and series: a WHERE clause over MAIN_FROM (after MAIN_EVENT) and its parameters."""
    clauses, params = ["d.cust_id = $1"], [cust_id]
    if only.year is not None:
        params.append(only.year)
        clauses.append(f"{_YEAR} = ${len(params)}")
    if only.series_id is not None:
        params.append(only.series_id)
        clauses.append(f"{SERIES} = ${len(params)}")
    return " AND ".join(clauses), params


def _tally(row: dict[str, object], points: object) -> Tally:
    return Tally(
        starts=int(row["starts"]),  # type: ignore[arg-type]
        wins=int(row["wins"]),  # type: ignore[arg-type]
        top5=int(row["top5"]),  # type: ignore[arg-type]
        poles=int(row["poles"]),  # type: ignore[arg-type]
        laps=int(row["laps"]),  # type: ignore[arg-type]
        laps_led=int(row["laps_led"]),  # type: ignore[arg-type]
        avg_start=row["avg_start"],  # type: ignore[arg-type]
        avg_finish=row["avg_finish"],  # type: ignore[arg-type]
        incidents_per_race=row["incidents_per_race"],  # type: ignore[arg-type]
        irating_change=None if row["irating_change"] is None else int(row["irating_change"]),  # type: ignore[call-overload]
        sr_change=None if row["sr_change"] is None else round(float(row["sr_change"]), 2),  # type: ignore[arg-type]
        points=None if points is None else int(points),  # type: ignore[call-overload]
    )


def _season(row: dict[str, object]) -> SeasonRow:
    key = SeasonKey(*(int(row[name]) for name in ("category_id", "season_id", "series_id", "car_class_id", "year",  # type: ignore[call-overload]
                                                   "quarter", "league_season_id")))
    division = row["standing_division"] if row["standing_division"] is not None else row["division"]
    points = row["standing_points"] if row["standing_points"] is not None else row["points"]
    return SeasonRow(
        key=key,
        series_name=str(row["series_name"] or f"series {key.series_id}"),
        season_name=str(row["season_name"] or ""),
        car_class_name=str(row["car_class_name"] or ""),
        tally=_tally(row, points),
        division=None if division is None else int(division) + 1,  # type: ignore[call-overload]
        rank=row["rank"],  # type: ignore[arg-type]
        division_rank=row["division_rank"],  # type: ignore[arg-type]
        weeks_counted=row["weeks_counted"] if row["weeks_counted"] is not None else row["weeks_raced"],  # type: ignore[arg-type]
        last_race=from_db(row["last_race"]),  # type: ignore[arg-type]
    )


def _categories(rows: list[dict[str, object]]) -> tuple[CategoryCareer, ...]:
    """The grouping sets' rows, sorted into one table per category: season rows, year totals, career.

    Year and career points add up the seasons' points as shown (the standings' where fetched).
    """
    seasons: dict[int, list[SeasonRow]] = {}
    totals: dict[int, list[dict[str, object]]] = {}
    for row in rows:
        category = int(row["category_id"])  # type: ignore[call-overload]
        if row["level"] == 0:
            seasons.setdefault(category, []).append(_season(row))
        else:
            totals.setdefault(category, []).append(row)
    tables = []
    for category, its_seasons in seasons.items():
        points: dict[int | None, int | None] = {}
        for season in its_seasons:
            for year in (season.key.year, None):
                if season.tally.points is not None:
                    points[year] = (points.get(year) or 0) + season.tally.points
        years = tuple(
            YearRow(int(t["year"]), _tally(t, points.get(int(t["year"]))))  # type: ignore[call-overload]
            for t in totals[category] if not t["all_years"] and t["year"] is not None
        )
        whole = next(t for t in totals[category] if t["all_years"])
        tables.append(CategoryCareer(category, tuple(its_seasons), years, _tally(whole, points.get(None))))
    rank = {category: n for n, category in enumerate(CATEGORY_ORDER)}
    return tuple(sorted(tables, key=lambda t: (rank.get(t.category_id, len(rank)), t.category_id)))

