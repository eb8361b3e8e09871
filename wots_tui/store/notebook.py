"""Notebook records in the file: load them all, save one whole record, delete one."""

from __future__ import annotations

from collections.abc import Iterable

import duckdb

from wots_tui.domain.notebook import Key, NoteRecord, Tag
from wots_tui.store.sightings import count_drivers_seen
from wots_tui.store.tags import load_tags
from wots_tui.store.timestamps import from_db, to_db

_LOAD = """
    SELECT n.platform, n.driver_id, coalesce(d.name, ''), d.car_number, n.nickname, n.rep, n.note,
           coalesce(t.tag_ids, []), n.voted_at, n.updated_at, n.session_id, n.subsession_id,
           n.met_elsewhere, coalesce(s.times_met, 0), s.last_met
    FROM notebook n
    LEFT JOIN drivers d USING (platform, driver_id)
    LEFT JOIN (
        SELECT dt.platform, dt.driver_id, list(dt.tag_id ORDER BY tg.position, dt.tag_id) AS tag_ids
        FROM driver_tags dt JOIN tags tg ON tg.id = dt.tag_id
        GROUP BY ALL
    ) t USING (platform, driver_id)
    LEFT JOIN (
        SELECT platform, driver_id, count(*) AS times_met, max(seen_at) AS last_met
        FROM sightings GROUP BY ALL
    ) s USING (platform, driver_id)
"""


def load_notebook(cursor: duckdb.DuckDBPyConnection, keys: Iterable[Key] | None = None) -> list[NoteRecord]:
    """Every entry with its tags and times met (or only those of `keys`)."""
    sql, params = _LOAD, []
    if keys is not None:
        wanted = list(keys)
        if not wanted:
            return []
        sql += " WHERE (n.platform, n.driver_id) IN (SELECT (unnest(?), unnest(?)))"
        params = [[k[0] for k in wanted], [k[1] for k in wanted]]
    return [_record(row) for row in cursor.execute(sql, params).fetchall()]


def load_everything(cursor: duckdb.DuckDBPyConnection) -> tuple[list[NoteRecord], list[Tag], int]:
    """What the engine keeps in memory: every entry, the tag catalogue, and how many drivers were seen."""
    return load_notebook(cursor), load_tags(cursor), count_drivers_seen(cursor)


def _record(row: tuple) -> NoteRecord:
    platform, driver_id, name, car_number, nickname, rep, note, tag_ids, voted, updated, session, subsession, elsewhere, met, last = row
    return NoteRecord(
        key=(platform, driver_id),
        name=name,
        car_number=car_number,
        nickname=nickname,
        rating=rep,
        note=note,
        tag_ids=tuple(tag_ids),
        voted_at=from_db(voted),
        updated_at=from_db(updated),
        session_id=session,
        subsession_id=subsession,
        met_elsewhere=elsewhere,
        times_met=met,
        last_met=from_db(last),
    )


def save_record(cursor: duckdb.DuckDBPyConnection, record: NoteRecord) -> None:
    """Write the whole record: the driver's identity, the entry and its tags. An empty record is deleted."""
    if record.is_empty:
        delete_record(cursor, record.key)
        return
    platform, driver_id = record.key
    updated = to_db(record.updated_at)
    cursor.execute(
        """INSERT INTO drivers VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (platform, driver_id) DO UPDATE SET
               name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE drivers.name END,
               car_number = coalesce(excluded.car_number, drivers.car_number),
               updated_at = excluded.updated_at""",
        [platform, driver_id, record.name, record.car_number, updated],
    )
    cursor.execute(
        """INSERT INTO notebook VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (platform, driver_id) DO UPDATE SET nickname = excluded.nickname, rep = excluded.rep,
               note = excluded.note, voted_at = excluded.voted_at, updated_at = excluded.updated_at,
               session_id = excluded.session_id, subsession_id = excluded.subsession_id,
               met_elsewhere = excluded.met_elsewhere""",
        [platform, driver_id, record.nickname, record.rating, record.note, to_db(record.voted_at), updated,
         record.session_id, record.subsession_id, record.met_elsewhere],
    )
    kept = list(record.tag_ids)
    cursor.execute(
        "DELETE FROM driver_tags WHERE platform = ? AND driver_id = ? AND NOT list_contains(?, tag_id)",
        [platform, driver_id, kept],
    )
    cursor.execute(
        """INSERT INTO driver_tags SELECT ?, ?, unnest(?), ?
           ON CONFLICT (platform, driver_id, tag_id) DO NOTHING""",
        [platform, driver_id, kept, updated],
    )


def delete_record(cursor: duckdb.DuckDBPyConnection, key: Key) -> None:
    """Remove the entry and its tags; the driver's identity and sightings stay (they are facts, not notes)."""
    cursor.execute("DELETE FROM driver_tags WHERE platform = ? AND driver_id = ?", list(key))
    cursor.execute("DELETE FROM notebook WHERE platform = ? AND driver_id = ?", list(key))


def count_entries(cursor: duckdb.DuckDBPyConnection) -> int:
    (count,) = cursor.execute("SELECT count(*) FROM notebook").fetchone() or (0,)
    return int(count)
