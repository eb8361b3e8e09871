"""Races in SQL: a season's races of the racer, one race's full result, and the drivers the results know."""

from __future__ import annotations

import duckdb

from wots_tui.domain.career import SeasonKey
from wots_tui.domain.notebook import SPELT_OUT, fold
from wots_tui.domain.races import KnownDriver, RaceResult, ResultClass, ResultRow, SeasonRace
from wots_tui.store.career import MAIN_EVENT, MAIN_FROM, SEASON_NAME, SERIES_NAME, season_of
from wots_tui.store.timestamps import from_db

TRACK = "concat_ws(' · ', s.track_name, nullif(s.track_config, ''))"
# a class's strength of field; a race run in one class whose class has none: the race's
CLASS_SOF = """coalesce(c.strength_of_field, CASE WHEN (SELECT count(DISTINCT x.car_class_id) FROM driver_results x
    WHERE x.subsession_id = s.subsession_id AND x.simsession_number = 0) = 1 THEN s.event_strength_of_field END)"""


def folded(column: str) -> str:
    """`column` as a search compares it, as domain/notebook.py::fold folds what is typed: case and accents
    folded, the letters no accent-stripping takes apart spelt out (ß too: Python's casefold spells it)."""
    sql = f"lower({column})"
    for letter, spelt in {**SPELT_OUT, "ß": "ss"}.items():
        sql = f"replace({sql}, '{letter}', '{spelt}')"
    return f"strip_accents({sql})"



def season_races(cursor: duckdb.DuckDBPyConnection, cust_id: int, season: SeasonKey) -> list[SeasonRace]:
    """The racer's races of one season row, newest first, with their class's strength of field."""
    where, params = season_of(cust_id, season)
    rows = cursor.execute(
        f"""SELECT d.subsession_id, s.start_time, {TRACK}, d.car_class_name, {CLASS_SOF},
                   d.starting_position_in_class, d.finish_position_in_class, d.incidents,
                   d.newi_rating - d.oldi_rating, d.champ_points, d.laps_complete, coalesce(s.official, false)
            FROM {MAIN_FROM}
            LEFT JOIN subsession_classes c ON c.subsession_id = d.subsession_id AND c.car_class_id = d.car_class_id
            WHERE {MAIN_EVENT} AND {where}
            ORDER BY s.start_time DESC, d.subsession_id DESC""",
        params,
    ).fetchall()
    return [SeasonRace(r[0], from_db(r[1]), *r[2:11], official=bool(r[11])) for r in rows]  # type: ignore[arg-type]


def race_result(cursor: duckdb.DuckDBPyConnection, subsession_id: int, cust_id: int | None) -> RaceResult | None:
    """A race's main event, class by class (the class of the overall winner first), each team followed by
    its drivers (who carry their team's positions); `cust_id`'s row (and their team's) marked. None when the race is not stored."""
    race = cursor.execute(
        f"""SELECT s.start_time, {SERIES_NAME}, {SEASON_NAME}, {TRACK}, coalesce(s.official, false),
                   coalesce(s.driver_changes, false), s.event_strength_of_field
            FROM subsessions s WHERE s.subsession_id = ?""",
        [subsession_id],
    ).fetchone()
    if race is None:
        return None
    start_time, series, season, track, official, team_race, sof = race
    rows = cursor.execute(
        """WITH drivers AS (SELECT * FROM driver_results WHERE subsession_id = $1 AND simsession_number = 0),
                 teams AS (SELECT * FROM team_results WHERE subsession_id = $1 AND simsession_number = 0),
                 racer_team AS (SELECT team_id FROM drivers WHERE cust_id = $2 AND team_id IS NOT NULL),
                 entries AS (
                     SELECT car_class_id, NULL::BIGINT AS cust_id, team_id, team_name AS name, car_number, car_name,
                            finish_position, finish_position_in_class, starting_position_in_class, laps_complete,
                            laps_lead, incidents, class_interval, best_lap_time, NULL::INTEGER AS oldi_rating,
                            NULL::INTEGER AS change, reason_out, team_id IN (FROM racer_team) AS is_racer,
                            team_id AS team_order, 0 AS within
                     FROM teams
                     UNION ALL
                     SELECT car_class_id, cust_id, team_id, display_name, car_number, car_name, finish_position,
                            finish_position_in_class, starting_position_in_class, laps_complete, laps_lead, incidents,
                            class_interval, best_lap_time, oldi_rating, newi_rating - oldi_rating, reason_out,
                            cust_id = $2, team_id, 1 + row_number() OVER (PARTITION BY team_id ORDER BY laps_complete DESC,
                            cust_id)
                     FROM drivers),
                 ordered AS (
                     SELECT e.*, min(finish_position) OVER (PARTITION BY car_class_id) AS class_rank FROM entries e)
            SELECT car_class_id, cust_id, team_id, name, car_number, car_name, finish_position,
                   finish_position_in_class, starting_position_in_class, laps_complete, laps_lead, incidents,
                   class_interval, best_lap_time, oldi_rating, change, reason_out, is_racer
            FROM ordered
            ORDER BY class_rank NULLS LAST, car_class_id, finish_position_in_class NULLS LAST, team_order, within,
                     cust_id""",
        [subsession_id, cust_id],
    ).fetchall()
    result_rows = tuple(
        ResultRow(*r[:3], name=r[3] or "", car_number=r[4] or "", car_name=r[5] or "", position=r[6],
                  class_position=r[7], start=r[8], laps=r[9], laps_led=r[10], incidents=r[11], interval=r[12],
                  best_lap=r[13], irating=r[14], irating_change=r[15], reason_out=r[16] or "", is_racer=bool(r[17]))
        for r in rows
    )
    classes = cursor.execute(
        f"""SELECT c.car_class_id, coalesce(c.short_name, c.name, ''), {CLASS_SOF}, c.num_entries
            FROM subsession_classes c JOIN subsessions s USING (subsession_id) WHERE c.subsession_id = ?""",
        [subsession_id],
    ).fetchall()
    known = {class_id: ResultClass(class_id, name, class_sof, entries or 0) for class_id, name, class_sof, entries in classes}
    shown: dict[int, ResultClass] = {}
    for row in result_rows:
        if row.car_class_id not in shown:
            counted = sum(1 for r in result_rows if r.car_class_id == row.car_class_id and (r.is_team or not team_race))
            given = known.get(row.car_class_id) or ResultClass(row.car_class_id, "", None, 0)
            shown[row.car_class_id] = ResultClass(given.car_class_id, given.name, given.sof, given.entries or counted)
    return RaceResult(subsession_id, from_db(start_time), series or "", season or "", track, official,  # type: ignore[arg-type]
                      team_race, sof, tuple(shown.values()), result_rows)


def find_drivers(cursor: duckdb.DuckDBPyConnection, text: str, limit: int = 50) -> list[KnownDriver]:
    """Drivers in the imported results whose name has `text` in it (or whose id it is), most races first."""
    text = text.strip()
    if not text:
        return []
    by_id = int(text) if text.isascii() and text.isdigit() else None
    matched = f"SELECT DISTINCT cust_id FROM driver_results d WHERE d.cust_id = $2 OR contains({folded('d.display_name')}, $1)"
    return _known(cursor, matched, [fold(text), by_id, limit], "ORDER BY d.cust_id = $2 DESC, count(*) DESC, 2 LIMIT $3")


def known_driver(cursor: duckdb.DuckDBPyConnection, cust_id: int) -> KnownDriver | None:
    """A driver as the imported results know them, or None."""
    found = _known(cursor, "SELECT $1", [cust_id])
    return found[0] if found else None


def _known(cursor: duckdb.DuckDBPyConnection, ids: str, params: list[object], then: str = "") -> list[KnownDriver]:
    """The drivers `ids` (a query of cust ids) selects, each by their latest name, races stored and last race."""
    rows = cursor.execute(
        f"""SELECT d.cust_id, arg_max(d.display_name, s.start_time), count(*), max(s.start_time)
            FROM {MAIN_FROM} WHERE {MAIN_EVENT} AND d.cust_id IN ({ids}) GROUP BY d.cust_id {then}""",
        params,
    ).fetchall()
    return [KnownDriver(cust_id, name or f"driver {cust_id}", races, from_db(last)) for cust_id, name, races, last in rows]
