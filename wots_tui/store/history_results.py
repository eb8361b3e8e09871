"""Results bodies (results/get) into races, their classes and sessions, and every driver's and team's row.

Bodies are staged once in temporary tables, from JSON text (a body fetched, or bodies a file held) or
straight from files by DuckDB's own `read_json`, and written from there in a few set-based statements:
a thousand races cost about the statements one does. A race stored again replaces what was stored of
it, so storing is idempotent. Team races: the API nests each team's drivers in its row
(`driver_results`); each driver gets a row of their own with the team's id and name on it, and the
team's own row goes to `team_results`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import duckdb

from wots_tui.store.history_fields import (
    DRIVER_RESULT,
    RESULTS_BODY,
    SIMSESSION,
    SUBSESSION,
    SUBSESSION_CLASS,
    TEAM_RESULT,
    select_list,
    sql_type,
    structure_literal,
)

_TABLES = ("subsessions", "subsession_classes", "simsessions", "driver_results", "team_results")
# read_json's columns: the body's top-level keys and their types
_FILE_COLUMNS = {key: sql_type(shape) for key, shape in RESULTS_BODY.items()}
_IS_BODY = "subsession_id IS NOT NULL AND session_results IS NOT NULL"


@dataclass(frozen=True, slots=True)
class Stored:
    """What one source (a file, or JSON text) brought: races, and driver rows over all their sessions."""

    races: int = 0
    drivers: int = 0


def stage_text(cursor: duckdb.DuckDBPyConnection, text: str, source: str | None = None) -> None:
    """Stage the bodies in `text`, a JSON array of results bodies; `source` names where they came from."""
    cursor.execute(
        f"""CREATE OR REPLACE TEMP TABLE staged_bodies AS
            SELECT b.*, ?::VARCHAR AS filename
            FROM (SELECT unnest(from_json(?, {structure_literal([RESULTS_BODY])})) AS b)""",
        [source, text],
    )


def stage_files(cursor: duckdb.DuckDBPyConnection, paths: Sequence[str]) -> None:
    """Stage every JSON value in these files (a body each, or arrays of bodies) as DuckDB reads them.

    Values that are not results bodies are staged too (with NULLs): `staged_files` says which files
    hold nothing else. Raises DuckDB's error for a file it cannot read; the message names the file.
    """
    cursor.execute(
        """CREATE OR REPLACE TEMP TABLE staged_bodies AS
           SELECT * FROM read_json(?, columns = ?, filename = true, format = 'auto', records = true)""",
        [list(paths), _FILE_COLUMNS],
    )


def staged_files(cursor: duckdb.DuckDBPyConnection) -> set[str]:
    """The staged files whose every value is a results body."""
    rows = cursor.execute(
        f"SELECT filename FROM staged_bodies GROUP BY filename HAVING bool_and({_IS_BODY})"
    ).fetchall()
    return {name for (name,) in rows}


def drop_staged(cursor: duckdb.DuckDBPyConnection, files: Sequence[str]) -> None:
    """Stage no more of these files (they go another way, or not at all)."""
    if files:
        cursor.execute("DELETE FROM staged_bodies WHERE filename IN (SELECT unnest(?))", [list(files)])


def clear_staged(cursor: duckdb.DuckDBPyConnection) -> None:
    """Let go of the staging tables (and the memory they hold)."""
    cursor.execute("DROP TABLE IF EXISTS staged_bodies; DROP TABLE IF EXISTS staged_rows")


def store_staged(cursor: duckdb.DuckDBPyConnection) -> dict[str | None, Stored]:
    """Write the staged bodies, each race replacing what was stored of it; what each source brought.

    A race staged twice (in two files of one import) is written once, from the file named last.
    """
    cursor.execute(f"DELETE FROM staged_bodies WHERE NOT ({_IS_BODY})")
    (unique,) = cursor.execute("SELECT count(*) = count(DISTINCT subsession_id) FROM staged_bodies").fetchone() or (True,)
    if not unique:
        cursor.execute(
            """CREATE OR REPLACE TEMP TABLE staged_bodies AS SELECT * FROM staged_bodies
               QUALIFY row_number() OVER (PARTITION BY subsession_id ORDER BY filename DESC) = 1"""
        )
    cursor.execute(
        """CREATE OR REPLACE TEMP TABLE staged_rows AS
           SELECT filename, subsession_id, s.simsession_number AS simsession_number, unnest(s.results) AS r
           FROM (SELECT filename, subsession_id, unnest(session_results) AS s FROM staged_bodies)"""
    )
    for table in _TABLES:
        cursor.execute(f"DELETE FROM {table} WHERE subsession_id IN (SELECT subsession_id FROM staged_bodies)")
    cursor.execute(f"INSERT INTO subsessions BY NAME SELECT {select_list(SUBSESSION, 'b')} FROM staged_bodies b")
    cursor.execute(
        f"""INSERT INTO subsession_classes BY NAME
            SELECT subsession_id, {select_list(SUBSESSION_CLASS, "c")}
            FROM (SELECT subsession_id, unnest(car_classes) AS c FROM staged_bodies)"""
    )
    cursor.execute(
        f"""INSERT INTO simsessions BY NAME
            SELECT subsession_id, {select_list(SIMSESSION, "s")}, s.simsession_number = 0 AS main_event
            FROM (SELECT subsession_id, unnest(session_results) AS s FROM staged_bodies)"""
    )
    cursor.execute(
        f"""INSERT INTO team_results BY NAME
            SELECT subsession_id, simsession_number, {select_list(TEAM_RESULT, "r")}
            FROM staged_rows WHERE r.cust_id IS NULL AND r.team_id IS NOT NULL"""
    )
    cursor.execute(
        f"""INSERT INTO driver_results BY NAME
            SELECT subsession_id, simsession_number, {select_list(DRIVER_RESULT, "r")}
            FROM staged_rows WHERE r.cust_id IS NOT NULL
            UNION ALL BY NAME
            SELECT subsession_id, simsession_number, team_id, team_name, {select_list(DRIVER_RESULT, "d")}
            FROM (SELECT subsession_id, simsession_number, r.team_id AS team_id, r.display_name AS team_name,
                         unnest(r.driver_results) AS d
                  FROM staged_rows WHERE r.cust_id IS NULL)"""
    )
    counts = cursor.execute(
        """SELECT filename, count(DISTINCT subsession_id),
                  count(*) FILTER (WHERE r.cust_id IS NOT NULL)
                  + coalesce(sum(len(r.driver_results)) FILTER (WHERE r.cust_id IS NULL), 0)
           FROM staged_rows GROUP BY filename"""
    ).fetchall()
    return {name: Stored(races, drivers) for name, races, drivers in counts}
