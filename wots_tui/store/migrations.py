"""The notebook file's schema, one numbered step at a time; a file is upgraded on open, never downgraded."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import duckdb

from wots_tui.store.crowd import CROWD_SCHEMA
from wots_tui.store.errors import StoreError
from wots_tui.store.history_schema import HISTORY_SCHEMA
from wots_tui.store.notebook import refresh_search_text
from wots_tui.store.tags import install_builtin_tags
from wots_tui.store.timestamps import to_db, utc_now

log = logging.getLogger(__name__)

@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    what: str
    sql: str
    then: Callable[[duckdb.DuckDBPyConnection], None] | None = None  # a step SQL alone cannot take


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "notebook, drivers and tags",
        """
        CREATE TABLE drivers (
            platform VARCHAR NOT NULL,
            driver_id BIGINT NOT NULL,
            name VARCHAR NOT NULL DEFAULT '',       -- last known name
            car_number VARCHAR,                     -- last known car number
            updated_at TIMESTAMP NOT NULL,          -- UTC
            PRIMARY KEY (platform, driver_id)
        );
        CREATE TABLE notebook (
            platform VARCHAR NOT NULL,
            driver_id BIGINT NOT NULL,
            nickname VARCHAR NOT NULL DEFAULT '',
            rep TINYINT CHECK (rep IN (-1, 0, 1)),  -- NULL: never rated
            note VARCHAR NOT NULL DEFAULT '',
            voted_at TIMESTAMP,                     -- when rep was last set
            updated_at TIMESTAMP NOT NULL,          -- last edit of anything; newer wins a merge
            session_id BIGINT,                      -- where it was last written
            subsession_id BIGINT,
            met_elsewhere INTEGER NOT NULL DEFAULT 0,  -- meetings another notebook counted (import)
            PRIMARY KEY (platform, driver_id)
        );
        CREATE TABLE tags (
            id VARCHAR PRIMARY KEY,
            name VARCHAR NOT NULL,
            icon VARCHAR NOT NULL,
            category VARCHAR NOT NULL,
            colour VARCHAR NOT NULL,
            hotkey TINYINT CHECK (hotkey BETWEEN 1 AND 9),
            position INTEGER NOT NULL,
            builtin BOOLEAN NOT NULL
        );
        CREATE TABLE driver_tags (
            platform VARCHAR NOT NULL,
            driver_id BIGINT NOT NULL,
            tag_id VARCHAR NOT NULL,
            added_at TIMESTAMP NOT NULL,
            PRIMARY KEY (platform, driver_id, tag_id)
        );
        """,
    ),
    Migration(
        2,
        "sightings: one row per driver per session met",
        """
        CREATE TABLE sightings (
            platform VARCHAR NOT NULL,
            driver_id BIGINT NOT NULL,
            session_key VARCHAR NOT NULL,
            seen_at TIMESTAMP NOT NULL,
            session_id BIGINT,
            subsession_id BIGINT,
            track VARCHAR NOT NULL DEFAULT '',
            session_type VARCHAR NOT NULL DEFAULT '',
            car VARCHAR NOT NULL DEFAULT '',
            car_class VARCHAR NOT NULL DEFAULT '',
            irating INTEGER,
            PRIMARY KEY (platform, driver_id, session_key)
        );
        """,
    ),
    Migration(
        3,
        "the notebook searched in the file: a folded search text per entry, a met summary per driver",
        """
        ALTER TABLE notebook ADD COLUMN search_text VARCHAR DEFAULT '';  -- name, nickname, note, folded
        ALTER TABLE notebook ADD COLUMN times_met INTEGER DEFAULT 0;     -- the met summary's, copied: a search
        ALTER TABLE notebook ADD COLUMN last_met TIMESTAMP;              -- sorts by them without a join
        CREATE TABLE met (
            platform VARCHAR NOT NULL,
            driver_id BIGINT NOT NULL,
            times INTEGER NOT NULL,                 -- sessions met (sightings)
            last_met TIMESTAMP NOT NULL,
            PRIMARY KEY (platform, driver_id)
        );
        INSERT INTO met SELECT platform, driver_id, count(*), max(seen_at) FROM sightings GROUP BY ALL;
        UPDATE notebook n SET times_met = m.times, last_met = m.last_met FROM met m
            WHERE n.platform = m.platform AND n.driver_id = m.driver_id;
        """,
        then=refresh_search_text,
    ),
    Migration(
        4,
        "where each driver was last met, so an export carries it and an import does not count it twice",
        """
        ALTER TABLE met ADD COLUMN last_met_in VARCHAR;       -- the meeting (a source's key) of last_met
        ALTER TABLE notebook ADD COLUMN last_met_in VARCHAR;  -- the met summary's, copied
        UPDATE met m SET last_met_in = s.meeting
            FROM (SELECT platform, driver_id, arg_max(session_key, seen_at) AS meeting FROM sightings GROUP BY ALL) s
            WHERE m.platform = s.platform AND m.driver_id = s.driver_id;
        UPDATE notebook n SET last_met_in = m.last_met_in FROM met m
            WHERE n.platform = m.platform AND n.driver_id = m.driver_id;
        """,
    ),
    Migration(5, "racing history: the Data API's races, results, seasons, standings and member data", HISTORY_SCHEMA),
    Migration(
        6,
        "the car-to-car contacts each driver had in each meeting, with its sighting",
        "ALTER TABLE sightings ADD COLUMN contacts INTEGER NOT NULL DEFAULT 0;  -- 0 for meetings before it was counted",
    ),
    Migration(7, "crowd reputation: what each hub acknowledged or refused of the racer's votes, and its answers kept", CROWD_SCHEMA),
)

LATEST = MIGRATIONS[-1].version


def migrate(cursor: duckdb.DuckDBPyConnection, up_to: int = LATEST) -> int:
    """Bring the file to schema `up_to` (the latest by default) and install missing built-in tags."""
    cursor.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_at TIMESTAMP NOT NULL)")
    (current,) = cursor.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone() or (0,)
    if current > LATEST:
        raise StoreError(f"this notebook was written by a newer wots-tui (schema {current}; this one knows {LATEST}): update wots-tui")
    for step in MIGRATIONS:
        if current < step.version <= up_to:
            log.info("upgrading the notebook to schema %d: %s", step.version, step.what)
            cursor.execute(step.sql)
            if step.then is not None:
                step.then(cursor)
            cursor.execute("INSERT INTO schema_version VALUES (?, ?)", [step.version, to_db(utc_now())])
            current = step.version
    install_builtin_tags(cursor)
    return current
