"""Head-to-head in SQL: the racer against other drivers, over every race both ran (never as teammates).

Who finished ahead is counted in class when they raced in the same class, overall otherwise; a team
race counts for each driver of the two teams (drivers carry their team's positions). One query answers
a whole live roster, so the engine asks once per roster change.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb

from wots_tui.domain.races import HeadToHead, Rivalry, SharedRace
from wots_tui.store.career import RACE, SERIES_NAME
from wots_tui.store.races import TRACK
from wots_tui.store.timestamps import from_db

# Each race the racer ($1) and one of the drivers in `rivals` ($2) ran together, each one's compared positions.
# Their main-event rows are read in one scan (materialised: both sides read it), then joined race by race.
_SHARED = f"""WITH entered AS MATERIALIZED (
        SELECT d.cust_id, d.display_name, d.subsession_id, d.team_id, d.car_class_id, d.finish_position,
               d.finish_position_in_class, d.starting_position, d.starting_position_in_class, d.incidents
        FROM driver_results d
        WHERE d.simsession_number = 0 AND d.cust_id IN (SELECT unnest(list_append($2::BIGINT[], $1)))),
    mine AS (
        SELECT e.*, s.start_time, {SERIES_NAME} AS series_name, {TRACK} AS track
        FROM entered e JOIN subsessions s USING (subsession_id)
        WHERE e.cust_id = $1 AND {RACE}),
    theirs AS (SELECT * FROM entered WHERE cust_id <> $1),
    shared AS (
        SELECT t.cust_id, t.display_name, m.subsession_id, m.start_time, m.series_name, m.track,
               m.car_class_id = t.car_class_id AS same_class,
               CASE WHEN m.car_class_id = t.car_class_id THEN m.starting_position_in_class ELSE m.starting_position END
                   AS racer_start,
               CASE WHEN m.car_class_id = t.car_class_id THEN m.finish_position_in_class ELSE m.finish_position END
                   AS racer_finish,
               CASE WHEN m.car_class_id = t.car_class_id THEN t.starting_position_in_class ELSE t.starting_position END
                   AS rival_start,
               CASE WHEN m.car_class_id = t.car_class_id THEN t.finish_position_in_class ELSE t.finish_position END
                   AS rival_finish,
               m.incidents AS racer_incidents, t.incidents AS rival_incidents
        FROM mine m JOIN theirs t USING (subsession_id)
        WHERE m.team_id IS NULL OR t.team_id IS DISTINCT FROM m.team_id)"""


def head_to_heads(cursor: duckdb.DuckDBPyConnection, cust_id: int, rivals: Iterable[int]) -> dict[int, HeadToHead]:
    """The head-to-head of the racer with each of `rivals` they raced; the others are left out."""
    rows = cursor.execute(
        f"""{_SHARED}
            SELECT cust_id, count(*), count(*) FILTER (racer_finish < rival_finish),
                   count(*) FILTER (rival_finish < racer_finish), max(start_time),
                   arg_max(subsession_id, start_time)
            FROM shared GROUP BY cust_id""",
        [cust_id, list(rivals)],
    ).fetchall()
    return {rival: HeadToHead(races, ahead, behind, from_db(last), last_id) for rival, races, ahead, behind, last, last_id in rows}


def rivalry(cursor: duckdb.DuckDBPyConnection, cust_id: int, rival: int) -> Rivalry | None:
    """The racer against one driver, race by race (newest first); None when they never raced each other."""
    rows = cursor.execute(
        f"""{_SHARED}
            SELECT display_name, subsession_id, start_time, series_name, track, same_class, racer_start,
                   racer_finish, rival_start, rival_finish, racer_incidents, rival_incidents
            FROM shared ORDER BY start_time DESC, subsession_id DESC""",
        [cust_id, [rival]],
    ).fetchall()
    if not rows:
        return None
    races = tuple(
        SharedRace(r[1], from_db(r[2]), r[3] or "", r[4] or "", bool(r[5]), *r[6:12])  # type: ignore[arg-type]
        for r in rows
    )
    ahead = sum(1 for race in races if race.racer_ahead is True)
    behind = sum(1 for race in races if race.racer_ahead is False)
    summary = HeadToHead(len(races), ahead, behind, races[0].start_time, races[0].subsession_id)
    return Rivalry(
        cust_id=rival,
        name=rows[0][0] or f"driver {rival}",
        summary=summary,
        racer_avg_finish=_mean(r.racer_finish for r in races),
        rival_avg_finish=_mean(r.rival_finish for r in races),
        racer_avg_gained=_mean(r.racer_start - r.racer_finish for r in races if r.racer_start and r.racer_finish),
        rival_avg_gained=_mean(r.rival_start - r.rival_finish for r in races if r.rival_start and r.rival_finish),
        racer_incidents_per_race=_mean(r.racer_incidents for r in races),
        rival_incidents_per_race=_mean(r.rival_incidents for r in races),
        races=races,
    )


def _mean(values: Iterable[int | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known else None
