"""The racer's notebook as an annotator: the live roster's entries in memory, the rest in DuckDB.

It holds only the roster's records (and edits still being written), records the roster's sightings
and the contacts each driver has in the meeting, and answers everything else (a driver not in the
session, a page of a search, the whole notebook in batches) with a query on the store's thread. Edits update memory first, so the next Board shows
them, and are committed by the store's thread in the order they were made. AI cars are never written:
an edit of one raises AiCar.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import duckdb

from wots_tui.annotators.base import Roster
from wots_tui.background import Background
from wots_tui.domain.board import NOTEBOOK
from wots_tui.domain.models import SessionSnapshot
from wots_tui.domain.notebook import (
    Catalogue,
    Key,
    NotebookEntry,
    NotebookQuery,
    NoteRecord,
    Tag,
    entry_of,
    search_terms,
    toggled,
)
from wots_tui.domain.sightings import MeetingContacts, Sighting, refuse_ai, sightings_from
from wots_tui.store import Database
from wots_tui.store.errors import first_line
from wots_tui.store.notebook import (
    Page,
    count_entries,
    load_batch,
    load_record,
    load_records,
    save_records,
    search_page,
    tag_uses,
)
from wots_tui.store.sightings import Met, count_drivers_seen, record_contacts, record_sightings, sightings_of
from wots_tui.store.tags import delete_tag, load_tags, save_tags

BATCH = 1000  # entries per read when the whole notebook is streamed: about 10 ms of JSON on the loop


@dataclass(frozen=True, slots=True)
class Live:
    """Who a driver is in the live session: what an edit made while they are in it records."""

    name: str
    car_number: str
    session_id: int
    subsession_id: int


class NotebookAnnotator:
    name = NOTEBOOK

    def __init__(self, database: Database, clock: Callable[[], datetime]) -> None:
        self._database = database
        self._clock = clock
        self.version = 0
        self.catalogue = Catalogue()
        self.entry_count = 0
        self.drivers_seen = 0
        self._records: dict[Key, NoteRecord] = {}  # the roster's entries
        self._met: Met = {}  # the roster's times met
        self._roster: frozenset[Key] = frozenset()
        self._loaded: set[Key] = set()  # roster drivers whose entry (or its absence) memory knows
        self._pending: dict[Key, NoteRecord] = {}  # edits not yet committed, any driver
        self._entries: dict[Key, NotebookEntry | None] = {}  # what the live rows show, made on demand
        self._sighted: set[tuple[str, Key]] = set()
        self._contacts = MeetingContacts()
        self._edits = 0  # counts edits, so a load that started before one does not undo it
        self._last_edit: dict[Key, int] = {}
        self._edit_lock = asyncio.Lock()
        self._background = Background()
        self._changed: Callable[[], None] = lambda: None
        self._failed: Callable[[str], None] = lambda message: None

    def watch(self, changed: Callable[[], None], failed: Callable[[str], None]) -> None:
        self._changed, self._failed = changed, failed

    async def open(self) -> None:
        tags, self.entry_count, self.drivers_seen = await self._database.call(_opened)
        self.catalogue = Catalogue(tags)

    async def close(self) -> None:
        await self._background.finish()

    # the live roster

    async def roster_changed(self, roster: Roster) -> None:
        """Record who was met, load the entries of drivers new to the roster, then show them."""
        sighted = sightings_from(roster.snapshot, roster.meeting, roster.at, self._contacts.counts(roster.meeting))
        fresh = [s for s in sighted if (roster.meeting, s.key) not in self._sighted]
        keys = frozenset(roster.keys)
        new = [k for k in keys if k not in self._roster]
        self._roster = keys
        self._loaded &= keys
        self._records = {k: r for k, r in self._records.items() if k in keys}
        self._met = {k: m for k, m in self._met.items() if k in keys}
        started = self._edits
        loaded = self._background.run(self._database.call(_roster_loaded, fresh, new), self._report)
        await asyncio.wait({loaded})
        if loaded.exception() is not None:
            return
        met, seen, records = loaded.result()
        self._sighted.update((roster.meeting, s.key) for s in fresh)  # written: not sent again (a failed batch is)
        self.drivers_seen = seen
        self._met.update((k, m) for k, m in met.items() if k in self._roster)
        for record in records:  # an edit made while this load ran is newer than what it read
            if record.key in self._roster and not self._edited_since(record.key, started):
                self._records[record.key] = record
        self._loaded |= {k for k in new if k in self._roster}
        self._bump()

    def contacts_changed(self, snapshot: SessionSnapshot, meeting: str) -> None:
        """Record the contacts that grew with this snapshot on the drivers' sightings of `meeting`: one store
        call, queued now, so it commits after the sightings queued before it (a sighting queued after it
        carries the count itself)."""
        grown = self._contacts.update(snapshot, meeting)
        if grown:
            self._background.run(self._database.call(record_contacts, meeting, grown), self._report)

    def annotation(self, key: Key) -> NotebookEntry | None:
        if key not in self._entries:
            times = self._met[key][0] if key in self._met else 0
            self._entries[key] = entry_of(self._current_known(key), self.catalogue, times)
        return self._entries[key]

    # reading

    async def record(self, key: Key) -> NoteRecord | None:
        """The driver's entry as it stands (an edit being written included), or None."""
        if key in self._pending or key in self._loaded:
            return self._current_known(key)
        return await self._database.call(load_record, key)

    async def has_name(self, key: Key) -> bool:
        """Whether the notebook knows the driver's name (from a session or an earlier edit)."""
        record = await self.record(key)
        return record is not None and bool(record.name)

    async def record_or_blank(self, key: Key, name: str) -> NoteRecord:
        """The driver's entry, or a blank one under `name` that knows how often the roster's drivers were met
        (what an editor starts from for a driver not yet noted)."""
        record = await self._base(key, None)
        return record if record.name else replace(record, name=name)

    async def entries(self, keys: Sequence[Key]) -> dict[Key, NotebookEntry]:
        """What the notebook says of these drivers, in or out of the roster (a race's result), in one read."""
        known = [k for k in keys if k in self._pending or k in self._loaded]
        read = {r.key: r for r in await self._database.call(load_records, [k for k in keys if k not in known])}
        found: dict[Key, NotebookEntry] = {}
        for key in keys:
            record = self._current_known(key) if key in known else read.get(key)
            if (entry := entry_of(record, self.catalogue, self._met.get(key, (0, None))[0])) is not None:
                found[key] = entry
        return found

    async def search(self, query: NotebookQuery, offset: int, limit: int) -> Page:
        terms = search_terms(query.text, self.catalogue)
        return await self._database.call(search_page, query, terms, offset, limit)

    async def tag_uses(self) -> dict[str, int]:
        return await self._database.call(tag_uses)

    async def batches(self, size: int = BATCH) -> AsyncIterator[list[NoteRecord]]:
        """The whole notebook in key order, `size` entries at a time (other calls run in between)."""
        after: Key | None = None
        while batch := await self._database.call(load_batch, after, size):
            yield batch
            after = batch[-1].key

    async def sightings_of(self, key: Key) -> list[Sighting]:
        return await self._database.call(sightings_of, key)

    # edits

    async def edit(self, key: Key, live: Live | None = None, **changes: Any) -> NoteRecord:
        """Change one driver's entry: `rating`, `note`, `nickname` or `tag_ids`."""
        async with self._edit_lock:
            record = self._put((await self._base(key, live)).edited(self._clock(), **changes))
        await self._save(record)
        return record

    async def toggle_tag(self, key: Key, tag_id: str, live: Live | None = None) -> NoteRecord:
        async with self._edit_lock:
            base = await self._base(key, live)
            record = self._put(base.edited(self._clock(), tag_ids=toggled(base.tag_ids, tag_id, self.catalogue)))
        await self._save(record)
        return record

    async def restore(self, record: NoteRecord) -> NoteRecord:
        """Put back an entry exactly as it was (undo of a delete)."""
        async with self._edit_lock:
            record = self._put(record)
        await self._save(record)
        return record

    async def delete(self, key: Key) -> NoteRecord | None:
        """Remove an entry; returns it so it can be restored (undo)."""
        async with self._edit_lock:
            removed = await self.record(key)
            if removed is None:
                return None
            emptied = self._put(NoteRecord(key, times_met=removed.times_met, last_met=removed.last_met))
        await self._save(emptied)
        return removed

    async def save_tags(self, tags: Sequence[Tag]) -> None:
        """Add or change tags (name, icon, colour, order, hotkey).

        A key belongs to one tag at most: a tag saved with a key takes it from the tag that had it, which
        is left with none (memory does here what the store's `save_tags` does in the file).
        """
        saved = {t.id for t in tags}
        keys = {t.hotkey for t in tags if t.hotkey is not None}
        displaced = [replace(t, hotkey=None) for t in self.catalogue if t.hotkey in keys and t.id not in saved]
        self.catalogue = self.catalogue.changed([*displaced, *tags])
        await self._commit((), save_tags, list(tags))

    async def delete_tag(self, tag_id: str) -> None:
        """Delete a racer-made tag from the catalogue and from every driver; its key then tags nothing.

        Memory drops it from the roster's entries (one left with nothing written is gone), as the store
        does; nothing is read back, so no load or edit in flight is undone. A built-in tag stays, as in
        the store.
        """
        tag = self.catalogue.get(tag_id)
        if tag is None or tag.builtin:
            return
        self.catalogue = self.catalogue.without(tag_id)
        for key, record in list(self._records.items()):  # edits in flight were queued before: the store strips them
            if tag_id in record.tag_ids:
                self._records[key] = replace(record, tag_ids=tuple(t for t in record.tag_ids if t != tag_id))
        entries = await self._commit((), _tag_deleted, tag_id)
        if entries is not None:
            self.entry_count = entries
            self._bump()

    # the machinery

    def _current_known(self, key: Key) -> NoteRecord | None:
        """The entry as memory knows it; an empty record (deleted, not yet written) counts as none."""
        record = self._pending.get(key) or self._records.get(key)
        return None if record is None or record.is_empty else record

    async def _base(self, key: Key, live: Live | None) -> NoteRecord:
        """The record an edit starts from, with who and where from the live session when they are in it."""
        record = await self.record(key)
        if record is None:
            times, last = self._met.get(key, (0, None))
            record = NoteRecord(key, times_met=times, last_met=last)
        if live is None:
            return record
        return replace(
            record,
            name=live.name,
            car_number=live.car_number or record.car_number,
            session_id=live.session_id or record.session_id,
            subsession_id=live.subsession_id or record.subsession_id,
        )

    def _edited_since(self, key: Key, edits: int) -> bool:
        """Whether the driver was edited after the first `edits` edits (while a read that began then ran)."""
        return self._last_edit.get(key, 0) > edits

    def _put(self, record: NoteRecord) -> NoteRecord:
        """Memory first: the next Board shows the edit while the store writes it.

        Tags the catalogue no longer has (deleted while the edit was made) are not written back; an AI car
        is refused (AiCar).
        """
        refuse_ai(record.key, record.name)
        if any(self.catalogue.get(t) is None for t in record.tag_ids):
            record = replace(record, tag_ids=tuple(t for t in record.tag_ids if self.catalogue.get(t) is not None))
        self._edits += 1
        self._last_edit[record.key] = self._edits
        self._pending[record.key] = record
        if record.key in self._roster:  # loaded or not: a load that began before this edit will not undo it
            self._records[record.key] = record
        return record

    async def _save(self, record: NoteRecord) -> None:
        entries = await self._commit((record,), _saved, [record])
        if entries is not None:
            self.entry_count = entries
            self._bump()

    async def _commit(self, records: Sequence[NoteRecord], work: Callable[..., Any], *args: Any) -> Any | None:
        """Queue a write now (so that later reads see it), show the change, and wait until it is committed.

        Returns what the write returned, or None when it failed: that is logged and reported in one
        line, the edit stays on the live screen, and the app goes on.
        """
        written = self._background.run(self._database.call(work, *args), self._report)
        self._bump()
        await asyncio.wait({written})
        for record in records:
            if self._pending.get(record.key) is record:  # no newer edit of this driver is on its way
                del self._pending[record.key]
        return written.result() if written.exception() is None else None

    def _report(self, error: BaseException) -> None:
        self._failed(f"Not saved to the notebook: {first_line(error)}")

    def _bump(self) -> None:
        self.version += 1
        self._entries.clear()
        self._changed()


def _opened(cursor: duckdb.DuckDBPyConnection) -> tuple[list[Tag], int, int]:
    return load_tags(cursor), count_entries(cursor), count_drivers_seen(cursor)


def _roster_loaded(cursor: duckdb.DuckDBPyConnection, fresh: list[Sighting], new: list[Key]) -> tuple[Met, int, list[NoteRecord]]:
    """One call per roster change: the sightings written, and the entries and times met of the new drivers."""
    met, seen = record_sightings(cursor, fresh, also=new)
    return met, seen, load_records(cursor, new)


def _saved(cursor: duckdb.DuckDBPyConnection, records: list[NoteRecord]) -> int:
    save_records(cursor, records)
    return count_entries(cursor)


def _tag_deleted(cursor: duckdb.DuckDBPyConnection, tag_id: str) -> int:
    delete_tag(cursor, tag_id)
    return count_entries(cursor)
