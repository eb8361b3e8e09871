"""The engine: one source thread and the notebook in, Boards out. The TUI and the headless server are its two faces.

The source publishes from its own thread; the engine hops each event onto the asyncio loop, joins it
with the in-memory notebook there and hands the new Board to every subscriber. Notebook edits update
that memory at once (so the next Board shows them) and are committed by the store's own thread, in
the order they were made.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import shutil
import tempfile
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar

from wots_tui.domain.board import Board, build_board, waiting_board
from wots_tui.domain.models import SessionSnapshot
from wots_tui.domain.notebook import Key, Notebook, NotebookEntry, NoteRecord, Tag, toggled
from wots_tui.domain.sightings import Sighting, session_key, sightings_from
from wots_tui.sources.fakesim.race import ScriptedRace
from wots_tui.sources.fakesim.sim import FakeSim
from wots_tui.sources.iracing import Connector, FileConnector, IRacingSource, SimConnector, SourceEvent
from wots_tui.store import Database
from wots_tui.store.notebook import delete_record, load_everything, save_record
from wots_tui.store.sightings import record_sightings, sightings_of
from wots_tui.store.tags import delete_tag, save_tags
from wots_tui.store.timestamps import utc_now

log = logging.getLogger(__name__)

BoardListener = Callable[[Board], None]
T = TypeVar("T")


class Source(Protocol):
    def start(self) -> None: ...
    def stop(self, timeout: float = 2.0) -> None: ...


@dataclass(frozen=True, slots=True)
class SourceSpec:
    """What to read: iRacing's shared memory, a memory-map file, or the built-in demo race."""

    irsdk_file: Path | None = None
    demo: bool = False
    demo_seed: int = 7
    demo_start_at: float = 240.0

    @property
    def label(self) -> str:
        if self.demo:
            return "demo"
        return self.irsdk_file.name if self.irsdk_file else "iRacing"


class Engine:
    def __init__(
        self, spec: SourceSpec, database: Database, refresh_rate: float = 5.0, clock: Callable[[], datetime] = utc_now
    ):
        self.spec = spec
        self.clock = clock  # when edits and sightings happen (tests fix it)
        self.database = database
        self.notebook = Notebook()
        self.drivers_seen = 0
        self._refresh_rate = refresh_rate
        self._listeners: list[BoardListener] = []
        self._error_listeners: list[Callable[[str], None]] = []
        self._version = 0
        self._notebook_version = 0
        self.board: Board = waiting_board(0, "starting")
        self._snapshot: SessionSnapshot | None = None
        self._waiting = "starting"
        self._entries: dict[Key, NotebookEntry] | None = None  # the roster's notebook view, rebuilt on change
        self._met: dict[Key, tuple[int, datetime]] = {}  # times and last met, of drivers seen while running
        self._sighted: set[tuple[str, Key]] = set()
        self._writes: set[asyncio.Task[Any]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._context = contextvars.copy_context()
        self._source: Source | None = None
        self._fake_sim: FakeSim | None = None
        self._demo_dir: Path | None = None

    def subscribe(self, listener: BoardListener, on_error: Callable[[str], None] | None = None) -> None:
        """Call `listener` with every new Board, and `on_error` with a one-line message when a write fails."""
        self._listeners.append(listener)
        if on_error is not None:
            self._error_listeners.append(on_error)

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        # Source events run in the starter's context (a Textual app's, say), not the source thread's.
        self._context = contextvars.copy_context()
        records, tags, seen = await self.database.call(load_everything)
        self.notebook = Notebook(records, tags)
        self.drivers_seen = seen
        log.info("notebook %s: %d entries, %d tags, %d drivers seen", self.database.path, len(records), len(tags), seen)
        connector: Connector
        if self.spec.demo:
            self._demo_dir = Path(tempfile.mkdtemp(prefix="wots-demo-"))
            path = self._demo_dir / "demo.irsdk"
            self._fake_sim = FakeSim(path, ScriptedRace(self.spec.demo_seed), start_at=self.spec.demo_start_at)
            self._fake_sim.start()
            connector = FileConnector(path)
        elif self.spec.irsdk_file is not None:
            connector = FileConnector(self.spec.irsdk_file)
        else:
            connector = SimConnector()
        self._source = IRacingSource(connector, self._publish_threadsafe, max_rate=self._refresh_rate)
        self._source.start()

    async def stop(self) -> None:
        """Stop the source and the fake sim, let pending writes commit, close the notebook."""
        if self._source is not None:
            await asyncio.to_thread(self._source.stop)
            self._source = None
        if self._fake_sim is not None:
            await asyncio.to_thread(self._fake_sim.stop)
            self._fake_sim = None
        if self._demo_dir is not None:
            shutil.rmtree(self._demo_dir, ignore_errors=True)
            self._demo_dir = None
        if self._writes:
            await asyncio.gather(*self._writes, return_exceptions=True)
        await asyncio.to_thread(self.database.close)

    def _publish_threadsafe(self, event: SourceEvent) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(self.accept, event, context=self._context)
            except RuntimeError:  # the loop closed between the check and the call
                pass

    def accept(self, event: SourceEvent) -> None:
        """Turn one source event into the current Board and tell every listener (on the loop)."""
        if isinstance(event, SessionSnapshot):
            previous = self._snapshot
            self._snapshot = event
            if previous is None or previous.roster_version != event.roster_version or previous.facts.session_id != event.facts.session_id:
                self._entries = None
                self._record_sightings(event)
        else:
            self._snapshot = None
            self._waiting = event.message
        self._publish()

    def _publish(self) -> None:
        self._version += 1
        snapshot = self._snapshot
        if snapshot is None:
            self.board = waiting_board(self._version, self._waiting, self._notebook_version)
        else:
            if self._entries is None:
                self._entries = {}
                for driver in snapshot.drivers:
                    times_met = self._met[driver.key][0] if driver.key in self._met else 0
                    entry = self.notebook.entry(driver.key, times_met)
                    if entry is not None:
                        self._entries[driver.key] = entry
            self.board = build_board(snapshot, self._version, self._entries, self.spec.label, self._notebook_version)
        for listener in self._listeners:
            listener(self.board)

    # sightings

    def _record_sightings(self, snapshot: SessionSnapshot) -> None:
        """Record, in one batch, everyone in this roster not yet recorded for this session."""
        now = self.clock()
        where = session_key(snapshot.facts, now)
        fresh = [s for s in sightings_from(snapshot, now) if (where, s.key) not in self._sighted]
        if fresh:
            self._sighted.update((where, s.key) for s in fresh)
            self._pending(asyncio.ensure_future(self._store_sightings(fresh)))

    async def _store_sightings(self, sightings: list[Sighting]) -> None:
        written = self._write(self.database.call(record_sightings, sightings))
        await asyncio.wait({written})
        if written.exception() is not None:
            return
        met, seen = written.result()
        self.drivers_seen = seen
        self._met.update(met)
        self.notebook.met(met)
        self._notebook_changed()

    # notebook edits: memory first (the next Board shows them), then the store's thread commits, in order

    async def edit(self, key: Key, **changes: Any) -> NoteRecord:
        """Change one driver's entry: `rating`, `note`, `nickname` or `tag_ids`."""
        record = self._current_record(key).edited(self.clock(), **changes)
        return await self._save(record)

    async def toggle_tag(self, key: Key, tag_id: str) -> NoteRecord:
        current = self._current_record(key)
        return await self.edit(key, tag_ids=toggled(current.tag_ids, tag_id, self.notebook.catalogue))

    async def delete(self, key: Key) -> NoteRecord | None:
        """Remove an entry; returns it so it can be restored (undo)."""
        removed = self.notebook.remove(key)
        if removed is not None:
            self._notebook_changed()
            await asyncio.wait({self._write(self.database.call(delete_record, key))})
        return removed

    async def restore(self, record: NoteRecord) -> NoteRecord:
        """Put back an entry exactly as it was (undo of a delete)."""
        return await self._save(record)

    async def sightings_of(self, key: Key) -> list[Sighting]:
        return await self.database.call(sightings_of, key)

    # the tag catalogue

    async def save_tags(self, tags: Sequence[Tag]) -> None:
        """Add or change tags (name, icon, colour, order, hotkey)."""
        changed = {t.id: t for t in tags}
        catalogue = [changed.pop(t.id, t) for t in self.notebook.catalogue] + list(changed.values())
        self.notebook.set_catalogue(catalogue)
        self._notebook_changed()
        await asyncio.wait({self._write(self.database.call(save_tags, list(tags)))})

    async def delete_tag(self, tag_id: str) -> int:
        """Delete a racer-made tag from the catalogue and from every driver; returns how many had it."""
        uses = self._write(self.database.call(delete_tag, tag_id))
        await asyncio.wait({uses})
        records, tags, _ = await self.database.call(load_everything)
        self.notebook = Notebook(records, tags)
        self._notebook_changed()
        return uses.result() if uses.exception() is None else 0

    def _current_record(self, key: Key) -> NoteRecord:
        """The driver's record as it stands, with who and where from the live roster when they are in it."""
        record = self.notebook.get(key)
        if record is None:
            times, last = self._met.get(key, (0, None))
            record = NoteRecord(key, times_met=times, last_met=last)
        snapshot = self._snapshot
        driver = next((d for d in snapshot.drivers if d.key == key), None) if snapshot else None
        if driver is None:
            return record
        facts = snapshot.facts
        return replace(
            record,
            name=driver.name,
            car_number=driver.car_number or record.car_number,
            session_id=facts.session_id or record.session_id,
            subsession_id=facts.subsession_id or record.subsession_id,
        )

    async def _save(self, record: NoteRecord) -> NoteRecord:
        self.notebook.put(record)
        self._notebook_changed()
        await asyncio.wait({self._write(self.database.call(save_record, record))})
        return record

    def _notebook_changed(self) -> None:
        self._notebook_version += 1
        self._entries = None
        self._publish()

    def _write(self, work: Awaitable[T]) -> asyncio.Task[T]:
        """Run a store call as a task the engine waits for on exit; a failure is logged and reported once.

        Callers wait with `asyncio.wait`, which does not raise: the edit stays on screen and the racer
        is told it was not saved, rather than a key press crashing the app.
        """
        task = self._pending(asyncio.ensure_future(work))
        task.add_done_callback(self._report_failed_write)
        return task

    def _pending(self, task: asyncio.Task[T]) -> asyncio.Task[T]:
        """Keep a task the engine must finish before it closes the store."""
        self._writes.add(task)
        task.add_done_callback(self._writes.discard)
        return task

    def _report_failed_write(self, task: asyncio.Task[Any]) -> None:
        if not task.cancelled() and task.exception() is not None:
            error = task.exception()
            log.error("a notebook write failed", exc_info=error)
            for listener in self._error_listeners:
                listener(f"Not saved to the notebook: {error}")

