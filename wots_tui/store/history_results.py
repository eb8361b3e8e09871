"""Results bodies (results/get) into races, their classes and sessions, and every driver's and team's row.

Team races: the API nests each team's drivers in its row (`driver_results`); each driver gets a row of
their own with the team's id and name on it, and the team's own row goes to `team_results`. A race
stored again replaces what was stored of it, so storing is idempotent.

The rows of many races are written at once: Python picks their values (history_fields.Table.row) and
DuckDB reads them as JSON, from text for a few races (a fetch's) or from files, which it reads on both its
threads, for an import's thousands. Reading the bodies themselves is orjson's (several times faster than
DuckDB's read_json over the same bodies, which are mostly helmets and liveries we do not keep).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import orjson

from wots_tui.store.history_fields import (
    DRIVER_RESULTS,
    FILE_ROWS,
    SIMSESSIONS,
    SUBSESSION_CLASSES,
    SUBSESSIONS,
    TEAM_RESULTS,
    TEXT_ROWS,
    Table,
    insert_sql,
    objects,
)

RACE_TABLES: tuple[Table, ...] = (SUBSESSIONS, SUBSESSION_CLASSES, SIMSESSIONS, TEAM_RESULTS, DRIVER_RESULTS)


class BadRace(ValueError):
    """A results body whose parts are not where the API puts them; the message says which."""


@dataclass(slots=True)
class RaceRows:
    """The rows of some races, for each race table (each row starts with its race's subsession id)."""

    rows: dict[str, list[tuple]] = field(default_factory=lambda: {t.name: [] for t in RACE_TABLES})

    @property
    def ids(self) -> set[int]:
        return {row[0] for row in self.rows[SUBSESSIONS.name]}

    @property
    def drivers(self) -> int:
        """Driver rows, over every session of every race."""
        return len(self.rows[DRIVER_RESULTS.name])

    def add(self, body: object) -> None:
        """One results body's rows; BadRace if it is not one."""
        if not isinstance(body, dict) or not isinstance(body.get("subsession_id"), int):
            raise BadRace("a results body without its subsession_id")
        sessions = body.get("session_results")
        if not isinstance(sessions, list) or not all(isinstance(s, dict) for s in sessions):
            raise BadRace(f"race {body['subsession_id']}: session_results is not a list of sessions")
        race = body["subsession_id"]
        rows = self.rows
        rows[SUBSESSIONS.name].append(SUBSESSIONS.row(body))
        rows[SUBSESSION_CLASSES.name] += [SUBSESSION_CLASSES.row(c, race) for c in objects(body.get("car_classes"))]
        teams, drivers = rows[TEAM_RESULTS.name], rows[DRIVER_RESULTS.name]
        for session in sessions:
            number = session.get("simsession_number")
            rows[SIMSESSIONS.name].append(SIMSESSIONS.row(session, race, number == 0))
            for result in objects(session.get("results")):
                if result.get("cust_id") is not None:
                    drivers.append(DRIVER_RESULTS.row(result, race, number, None, None))
                    continue
                team, name = result.get("team_id"), result.get("display_name")  # a team's row, its drivers inside
                if team is not None:
                    teams.append(TEAM_RESULTS.row(result, race, number))
                drivers += [DRIVER_RESULTS.row(d, race, number, team, name) for d in objects(result.get("driver_results"))]

    def extend(self, other: RaceRows, leaving_out: frozenset[int] = frozenset()) -> None:
        """Another's rows too, but for the races in `leaving_out` (stored from elsewhere)."""
        for name, rows in other.rows.items():
            self.rows[name] += [row for row in rows if row[0] not in leaving_out] if leaving_out else rows


def race_rows(bodies: Iterable[object]) -> RaceRows:
    """The rows of these bodies; a race given twice is the last one given."""
    last = {}
    for body in bodies:
        last[body.get("subsession_id") if isinstance(body, dict) else None] = body
    rows = RaceRows()
    for body in last.values():
        rows.add(body)
    return rows


def write_races(cursor: duckdb.DuckDBPyConnection, races: RaceRows, folder: Path | None = None) -> None:
    """The races written, each replacing what was stored of it; through files in `folder` when given."""
    ids = sorted(races.ids)
    for table in RACE_TABLES:
        cursor.execute(f"DELETE FROM {table.name} WHERE subsession_id IN (SELECT unnest(?::BIGINT[]))", [ids])
    for table in RACE_TABLES:
        rows = races.rows[table.name]
        if not rows:
            continue
        if folder is None:
            cursor.execute(insert_sql(table, TEXT_ROWS), [orjson.dumps(rows).decode()])
            continue
        path = folder / f"{table.name}.json"
        path.write_bytes(orjson.dumps(rows))
        cursor.execute(insert_sql(table, FILE_ROWS), [str(path)])
