"""Sightings in the file, written in batches (many tiny DuckDB transactions are slow), and the contacts
had in each meeting.

Each batch also keeps the met summary (times met, last met per driver) up to date, so that neither
the live join nor the notebook's sort by "last met" counts sightings again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import duckdb

from wots_tui.domain.notebook import Key
from wots_tui.domain.sightings import Sighting
from wots_tui.store.keys import key_columns
from wots_tui.store.notebook import copy_met, refresh_search_text
from wots_tui.store.timestamps import from_db, to_db

Met = dict[Key, tuple[int, datetime]]


def record_sightings(
    cursor: duckdb.DuckDBPyConnection, sightings: Sequence[Sighting], also: Iterable[Key] = ()
) -> tuple[Met, int]:
    """Record each driver once per session and refresh their last known name and number.

    Returns the times met of the drivers sighted (and of the drivers in `also`), and how many drivers
    the notebook has seen in all. The met summary grows by the sightings that are new, so no batch
    counts the whole sightings table again.
    """
    keys = {s.key for s in sightings} | set(also)
    if sightings:
        _record(cursor, sightings)
    return times_met(cursor, keys), count_drivers_seen(cursor)


def _record(cursor: duckdb.DuckDBPyConnection, sightings: Sequence[Sighting]) -> None:
    columns = list(zip(*(
        (s.key[0], s.key[1], s.session_key, to_db(s.seen_at), s.session_id, s.subsession_id, s.track,
         s.session_type, s.car, s.car_class, s.irating, s.contacts, s.name, s.car_number)
        for s in sightings
    )))
    cursor.execute(
        """CREATE OR REPLACE TEMP TABLE seen AS SELECT * FROM (SELECT unnest(?) AS platform, unnest(?) AS driver_id,
               unnest(?) AS session_key, unnest(?::TIMESTAMP[]) AS seen_at, unnest(?::BIGINT[]) AS session_id,
               unnest(?::BIGINT[]) AS subsession_id, unnest(?) AS track, unnest(?) AS session_type, unnest(?) AS car,
               unnest(?) AS car_class, unnest(?::INTEGER[]) AS irating, unnest(?::INTEGER[]) AS contacts, unnest(?) AS name,
               unnest(?::VARCHAR[]) AS car_number)""",
        [list(c) for c in columns],
    )
    _count_new(cursor, cursor.execute(
        """INSERT INTO sightings (platform, driver_id, session_key, seen_at, session_id, subsession_id, track,
               session_type, car, car_class, irating, contacts)
           SELECT platform, driver_id, session_key, seen_at, session_id, subsession_id, track, session_type, car,
               car_class, irating, contacts FROM seen
           ON CONFLICT (platform, driver_id, session_key) DO NOTHING
           RETURNING platform, driver_id, session_key, seen_at"""
    ).fetchall())
    renamed = cursor.execute(
        """SELECT s.platform, s.driver_id FROM seen s JOIN drivers d USING (platform, driver_id)
           WHERE s.name <> '' AND s.name <> d.name"""
    ).fetchall()
    cursor.execute(
        """INSERT INTO drivers SELECT platform, driver_id, name, car_number, seen_at FROM seen
           ON CONFLICT (platform, driver_id) DO UPDATE SET
               name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE drivers.name END,
               car_number = coalesce(excluded.car_number, drivers.car_number), updated_at = excluded.updated_at"""
    )
    cursor.execute("DROP TABLE seen")
    if renamed:
        refresh_search_text(cursor, renamed)  # a driver who changed their name is found by the new one


def record_contacts(cursor: duckdb.DuckDBPyConnection, meeting: str, counts: Sequence[tuple[Key, int]]) -> None:
    """Each driver's car-to-car contacts in `meeting`, on their sighting of it.

    A count never goes down: an app started again mid-meeting counts from what its source still holds.
    A driver with no sighting of the meeting yet is left alone (their sighting, when written, carries it).
    """
    platforms, ids = key_columns(key for key, _ in counts)
    cursor.execute(
        """UPDATE sightings s SET contacts = greatest(s.contacts, c.contacts)
           FROM (SELECT unnest(?) AS platform, unnest(?) AS driver_id, unnest(?::INTEGER[]) AS contacts) c
           WHERE s.platform = c.platform AND s.driver_id = c.driver_id AND s.session_key = ?""",
        [platforms, ids, [count for _, count in counts], meeting],
    )


def record_meetings(cursor: duckdb.DuckDBPyConnection, meetings: Sequence[tuple[Key, str, datetime]]) -> None:
    """Meetings another notebook saw (an import's last meetings): sightings of where and when only.

    A meeting already held is not counted again; the drivers' names are the entries' own, written with them.
    """
    platforms, ids = key_columns(key for key, _, _ in meetings)
    _count_new(cursor, cursor.execute(
        """INSERT INTO sightings (platform, driver_id, session_key, seen_at)
               SELECT * FROM (SELECT unnest(?), unnest(?), unnest(?), unnest(?::TIMESTAMP[]))
           ON CONFLICT (platform, driver_id, session_key) DO NOTHING
           RETURNING platform, driver_id, session_key, seen_at""",
        [platforms, ids, [where for _, where, _ in meetings], [to_db(at) for _, _, at in meetings]],
    ).fetchall())


def _count_new(cursor: duckdb.DuckDBPyConnection, new: list[tuple]) -> None:
    """Grow the met summary by new sightings (platform, driver id, meeting, when), and copy it to their entries."""
    if not new:
        return
    cursor.execute(
        """INSERT INTO met SELECT platform, driver_id, count(*), max(seen_at), arg_max(session_key, seen_at)
               FROM (SELECT unnest(?) AS platform, unnest(?) AS driver_id, unnest(?) AS session_key,
                     unnest(?::TIMESTAMP[]) AS seen_at) GROUP BY ALL
           ON CONFLICT (platform, driver_id) DO UPDATE SET times = met.times + excluded.times,
               last_met = greatest(met.last_met, excluded.last_met),
               last_met_in = CASE WHEN excluded.last_met >= met.last_met THEN excluded.last_met_in
                                  ELSE met.last_met_in END""",
        [list(c) for c in zip(*new)],
    )
    copy_met(cursor, list({(platform, driver_id) for platform, driver_id, _, _ in new}))


def times_met(cursor: duckdb.DuckDBPyConnection, keys: Iterable[Key]) -> Met:
    rows = cursor.execute(
        """SELECT platform, driver_id, m.times, m.last_met
           FROM met m JOIN (SELECT unnest(?) AS platform, unnest(?) AS driver_id) USING (platform, driver_id)""",
        key_columns(keys),
    ).fetchall()
    return {(platform, driver_id): (count, from_db(last)) for platform, driver_id, count, last in rows}


def holding_meetings(cursor: duckdb.DuckDBPyConnection, meetings: Sequence[tuple[Key, str]]) -> frozenset[Key]:
    """The drivers among `meetings` (driver, meeting key) whose meeting is one of our sightings already."""
    if not meetings:
        return frozenset()
    rows = cursor.execute(
        """SELECT platform, driver_id FROM sightings JOIN
               (SELECT unnest(?) AS platform, unnest(?) AS driver_id, unnest(?) AS session_key)
               USING (platform, driver_id, session_key)""",
        [*key_columns(key for key, _ in meetings), [meeting for _, meeting in meetings]],
    ).fetchall()
    return frozenset((platform, driver_id) for platform, driver_id in rows)


def sightings_of(cursor: duckdb.DuckDBPyConnection, key: Key, limit: int = 20) -> list[Sighting]:
    """The latest meetings with one driver, newest first."""
    rows = cursor.execute(
        """SELECT s.session_key, s.seen_at, s.session_id, s.subsession_id, s.track, s.session_type, s.car,
                  s.car_class, s.irating, s.contacts
           FROM sightings s WHERE platform = ? AND driver_id = ? ORDER BY seen_at DESC LIMIT ?""",
        [key[0], key[1], limit],
    ).fetchall()
    return [
        Sighting(key, where, from_db(seen), session_id=session, subsession_id=subsession, track=track,
                 session_type=kind, car=car, car_class=car_class, irating=irating, contacts=contacts)
        for where, seen, session, subsession, track, kind, car, car_class, irating, contacts in rows
    ]


def count_drivers_seen(cursor: duckdb.DuckDBPyConnection) -> int:
    (count,) = cursor.execute("SELECT count(*) FROM met").fetchone() or (0,)
    return int(count)
