"""Notebook records in the file: read some or a page of a search, save many at once, delete.

The notebook lives here, not in memory: the engine asks for the live roster's entries, the notebook
screen for one page of a search, the API for one driver or for batches of the whole notebook.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import duckdb

from wots_tui.domain.notebook import Key, NotebookQuery, NotebookSort, NoteRecord, RatingFilter, search_text
from wots_tui.store.keys import key_columns
from wots_tui.store.timestamps import from_db, to_db

# Entries are read from the notebook alone (it keeps a copy of each entry's met summary); names and tags
# are added for the rows read only (`_completed`): joins over all 100k rows were most of a search's time.
_COLUMNS = """n.platform, n.driver_id, n.nickname, n.rep, n.note, n.voted_at, n.updated_at, n.session_id,
              n.subsession_id, n.met_elsewhere, n.times_met, n.last_met, n.last_met_in"""
_FROM = "notebook n"
_IN_KEYS = "(n.platform, n.driver_id) IN (SELECT (unnest(?), unnest(?)))"
_SORTS = {
    NotebookSort.LAST_MET: "coalesce(n.last_met, n.updated_at) DESC NULLS LAST, n.platform DESC, n.driver_id DESC",
    NotebookSort.TIMES_MET: "n.times_met + n.met_elsewhere DESC, n.platform DESC, n.driver_id DESC",
    # the search text starts with the folded name, so this is by name, accents folded
    NotebookSort.NAME: "n.search_text, n.platform, n.driver_id",
}
_RATINGS = {RatingFilter.UP: "n.rep = 1", RatingFilter.NEUTRAL: "n.rep = 0", RatingFilter.DOWN: "n.rep = -1",
            RatingFilter.UNRATED: "n.rep IS NULL"}
_HAS_TAG = "EXISTS (SELECT 1 FROM driver_tags dt WHERE dt.platform = n.platform AND dt.driver_id = n.driver_id AND {})"


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a search, and how many entries the whole search finds."""

    total: int
    offset: int
    records: tuple[NoteRecord, ...]


def load_records(cursor: duckdb.DuckDBPyConnection, keys: Iterable[Key]) -> list[NoteRecord]:
    """The entries of these drivers (those that have one), with their tags and times met."""
    wanted = list(keys)
    if not wanted:
        return []
    return _records(cursor, f"SELECT {_COLUMNS} FROM {_FROM} WHERE {_IN_KEYS}", key_columns(wanted))


def load_record(cursor: duckdb.DuckDBPyConnection, key: Key) -> NoteRecord | None:
    found = load_records(cursor, [key])
    return found[0] if found else None


def load_batch(cursor: duckdb.DuckDBPyConnection, after: Key | None, limit: int) -> list[NoteRecord]:
    """Up to `limit` entries in key order, from just after `after`: the whole notebook, one batch at a time."""
    where, params = ("TRUE", []) if after is None else (
        "(platform > ? OR (platform = ? AND driver_id > ?))", [after[0], after[0], after[1]])
    batch = f"(SELECT * FROM notebook WHERE {where} ORDER BY platform, driver_id LIMIT ?)"
    sql = f"SELECT {_COLUMNS} FROM {batch} n ORDER BY n.platform, n.driver_id"
    return _records(cursor, sql, [*params, limit])


def load_all(cursor: duckdb.DuckDBPyConnection, batch: int = 10_000) -> list[NoteRecord]:
    """Every entry, in key order (what an export writes; the API streams the batches instead)."""
    records: list[NoteRecord] = []
    while more := load_batch(cursor, records[-1].key if records else None, batch):
        records += more
    return records


def search_page(
    cursor: duckdb.DuckDBPyConnection,
    query: NotebookQuery,
    terms: Sequence[tuple[str, Sequence[str]]],
    offset: int,
    limit: int,
) -> Page:
    """One page of the entries that match every term of the search (`search_terms`) and the filters."""
    clauses, params = [], []
    if query.rating in _RATINGS:
        clauses.append(_RATINGS[query.rating])
    if query.tag_id is not None:
        clauses.append(_HAS_TAG.format("dt.tag_id = ?"))
        params.append(query.tag_id)
    for word, tag_ids in terms:
        if tag_ids:
            clauses.append(f"(contains(n.search_text, ?) OR {_HAS_TAG.format('list_contains(?, dt.tag_id)')})")
            params += [word, list(tag_ids)]
        else:
            clauses.append("contains(n.search_text, ?)")
            params.append(word)
    where = " AND ".join(clauses) or "TRUE"
    (total,) = cursor.execute(f"SELECT count(*) FROM notebook n WHERE {where}", params).fetchone() or (0,)
    sql = f"SELECT {_COLUMNS} FROM {_FROM} WHERE {where} ORDER BY {_SORTS[query.sort]} LIMIT ? OFFSET ?"
    return Page(int(total), offset, tuple(_records(cursor, sql, [*params, limit, offset])))


def count_entries(cursor: duckdb.DuckDBPyConnection) -> int:
    (count,) = cursor.execute("SELECT count(*) FROM notebook").fetchone() or (0,)
    return int(count)


def tag_uses(cursor: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """How many drivers carry each tag."""
    return dict(cursor.execute("SELECT tag_id, count(*) FROM driver_tags GROUP BY tag_id").fetchall())


def save_record(cursor: duckdb.DuckDBPyConnection, record: NoteRecord) -> None:
    save_records(cursor, [record])


def save_records(cursor: duckdb.DuckDBPyConnection, records: Sequence[NoteRecord]) -> None:
    """Write whole records in a few bulk statements: identity, entry (with its search text) and tags.

    Empty records are deleted. One statement per table, whatever the count: an import of 100k entries
    takes seconds, not the minutes that one insert per entry took.
    """
    empty = [r.key for r in records if r.is_empty]
    kept = list({r.key: r for r in records if not r.is_empty}.values())  # the last of a key wins
    if empty:
        delete_records(cursor, empty)
    if not kept:
        return
    platforms, ids = key_columns([r.key for r in kept])
    updated = [to_db(r.updated_at) for r in kept]
    cursor.execute(
        """INSERT INTO drivers SELECT * FROM (SELECT unnest(?) , unnest(?), unnest(?), unnest(?::VARCHAR[]),
               unnest(?::TIMESTAMP[]))
           ON CONFLICT (platform, driver_id) DO UPDATE SET
               name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE drivers.name END,
               car_number = coalesce(excluded.car_number, drivers.car_number),
               updated_at = excluded.updated_at""",
        [platforms, ids, [r.name for r in kept], [r.car_number for r in kept], updated],
    )
    cursor.execute(
        """INSERT INTO notebook (platform, driver_id, nickname, rep, note, voted_at, updated_at, session_id,
               subsession_id, met_elsewhere, search_text)
           SELECT * FROM (SELECT unnest(?), unnest(?), unnest(?), unnest(?::TINYINT[]), unnest(?),
               unnest(?::TIMESTAMP[]), unnest(?::TIMESTAMP[]), unnest(?::BIGINT[]), unnest(?::BIGINT[]),
               unnest(?::INTEGER[]), unnest(?))
           ON CONFLICT (platform, driver_id) DO UPDATE SET nickname = excluded.nickname, rep = excluded.rep,
               note = excluded.note, voted_at = excluded.voted_at, updated_at = excluded.updated_at,
               session_id = excluded.session_id, subsession_id = excluded.subsession_id,
               met_elsewhere = excluded.met_elsewhere, search_text = excluded.search_text""",
        [platforms, ids, [r.nickname for r in kept], [r.rating for r in kept], [r.note for r in kept],
         [to_db(r.voted_at) for r in kept], updated, [r.session_id for r in kept], [r.subsession_id for r in kept],
         [r.met_elsewhere for r in kept], [search_text(r) for r in kept]],
    )
    copy_met(cursor, [r.key for r in kept])
    nameless = [r.key for r in kept if not r.name]
    if nameless:  # their names are the ones the file knows
        refresh_search_text(cursor, nameless)
    cursor.execute(f"DELETE FROM driver_tags n WHERE {_IN_KEYS}", [platforms, ids])
    tagged = [(r, tag_id) for r in kept for tag_id in r.tag_ids]
    if tagged:
        cursor.execute(
            """INSERT INTO driver_tags SELECT * FROM (SELECT unnest(?), unnest(?), unnest(?), unnest(?::TIMESTAMP[]))
               ON CONFLICT (platform, driver_id, tag_id) DO NOTHING""",
            [[r.key[0] for r, _ in tagged], [r.key[1] for r, _ in tagged], [t for _, t in tagged],
             [to_db(r.updated_at) for r, _ in tagged]],
        )


def delete_record(cursor: duckdb.DuckDBPyConnection, key: Key) -> None:
    delete_records(cursor, [key])


def delete_records(cursor: duckdb.DuckDBPyConnection, keys: Sequence[Key]) -> None:
    """Remove the entries and their tags; identities and sightings stay (they are facts, not notes)."""
    columns = key_columns(keys)
    cursor.execute(f"DELETE FROM driver_tags n WHERE {_IN_KEYS}", columns)
    cursor.execute(f"DELETE FROM notebook n WHERE {_IN_KEYS}", columns)


def copy_met(cursor: duckdb.DuckDBPyConnection, keys: Sequence[Key] | None = None) -> None:
    """Copy the met summary of these drivers (all when None) into their entries, where searches sort by it."""
    few = keys is not None and len(keys) <= 1000  # a long list of ids costs more than the join it spares
    cursor.execute(
        f"""UPDATE notebook n SET times_met = m.times, last_met = m.last_met, last_met_in = m.last_met_in
            FROM (SELECT * FROM met{' WHERE driver_id = ANY(?)' if few else ''}) m
            WHERE n.platform = m.platform AND n.driver_id = m.driver_id""",
        [[driver_id for _, driver_id in keys]] if few and keys is not None else [],
    )


def refresh_search_text(cursor: duckdb.DuckDBPyConnection, keys: Sequence[Key] | None = None) -> None:
    """Write again the search text of these entries (all when None), after their names changed."""
    where, params = ("TRUE", []) if keys is None else (_IN_KEYS, key_columns(keys))
    rows = cursor.execute(
        f"SELECT n.platform, n.driver_id, coalesce(d.name, ''), n.nickname, n.note, n.search_text "
        f"FROM notebook n LEFT JOIN drivers d USING (platform, driver_id) WHERE {where}", params,
    ).fetchall()
    stale = []
    for platform, driver_id, name, nickname, note, old in rows:
        new = search_text(NoteRecord((platform, driver_id), name=name, nickname=nickname, note=note))
        if new != old:
            stale.append((platform, driver_id, new))
    if stale:
        cursor.execute(
            """UPDATE notebook n SET search_text = s.text
               FROM (SELECT unnest(?) AS platform, unnest(?) AS driver_id, unnest(?) AS text) s
               WHERE n.platform = s.platform AND n.driver_id = s.driver_id""",
            [list(column) for column in zip(*stale)],
        )


def _records(cursor: duckdb.DuckDBPyConnection, sql: str, params: list[object]) -> list[NoteRecord]:
    return _completed(cursor, cursor.execute(sql, params).fetchall())


def _completed(cursor: duckdb.DuckDBPyConnection, rows: list[tuple]) -> list[NoteRecord]:
    """Records from rows of `_COLUMNS`, with their drivers' names and their tags in catalogue order.

    One read of drivers and one of driver_tags for all the rows, by driver id alone (a filter DuckDB
    pushes into the scan, where a (platform, id) pair is a join); the platform is checked here.
    """
    if not rows:
        return []
    wanted = {(row[0], row[1]) for row in rows}
    ids = [[driver_id for _, driver_id in wanted]]
    names = {
        (platform, driver_id): (name, number)
        for platform, driver_id, name, number in cursor.execute(
            "SELECT platform, driver_id, name, car_number FROM drivers WHERE driver_id = ANY(?)", ids
        ).fetchall()
    }
    tags: dict[Key, list[tuple[int, str]]] = {}
    for platform, driver_id, tag_id, position in cursor.execute(
        "SELECT dt.platform, dt.driver_id, dt.tag_id, tg.position FROM driver_tags dt JOIN tags tg ON tg.id = dt.tag_id "
        "WHERE dt.driver_id = ANY(?)",
        ids,
    ).fetchall():
        if (platform, driver_id) in wanted:
            tags.setdefault((platform, driver_id), []).append((position, tag_id))
    return [_record(row, names.get(row[:2], ("", None)), tuple(t for _, t in sorted(tags.get(row[:2], ())))) for row in rows]


def _record(row: tuple, name: tuple[str, str | None], tag_ids: tuple[str, ...]) -> NoteRecord:
    platform, driver_id, nickname, rep, note, voted, updated, session, subsession, elsewhere, met, last, last_in = row
    return NoteRecord(
        key=(platform, driver_id),
        name=name[0],
        car_number=name[1],
        nickname=nickname,
        rating=rep,
        note=note,
        tag_ids=tag_ids,
        voted_at=from_db(voted),
        updated_at=from_db(updated),
        session_id=session,
        subsession_id=subsession,
        met_elsewhere=elsewhere,
        times_met=met,
        last_met=from_db(last),
        last_met_in=last_in,
    )
