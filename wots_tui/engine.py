"""The engine: one source and the annotators in, Boards out. The TUI and the headless server are its two faces.

The source publishes from its own thread; the engine hops each event onto the asyncio loop and joins
it there with what its annotators know of the roster (each loads that once per roster change, off
the loop) into a Board for every subscriber. The racer's notebook is the first annotator; the
engine is also the one door to it: screens and the API ask the engine, never the store.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar, runtime_checkable

from wots_tui.annotators.base import Annotator, Roster
from wots_tui.annotators.history import HistoryAnnotator
from wots_tui.annotators.notebook import Live, NotebookAnnotator
from wots_tui.background import Background
from wots_tui.domain.admin import BANS, AdminError, Ban
from wots_tui.domain.board import CROWD, Board, build_board, waiting_board
from wots_tui.domain.crowd import CrowdView
from wots_tui.domain.events import SourceEvent, SourceStale
from wots_tui.domain.models import Driver, LinkState, Platform, SessionSnapshot
from wots_tui.domain.notebook import Catalogue, Key, NotebookEntry, NotebookQuery, NoteRecord, Tag
from wots_tui.domain.sightings import Sighting, refuse_ai
from wots_tui.sources.base import Admin, Source
from wots_tui.store import Database
from wots_tui.store.notebook import Page
from wots_tui.store.timestamps import utc_now

log = logging.getLogger(__name__)

BoardListener = Callable[[Board], None]
R = TypeVar("R", NoteRecord, NoteRecord | None)
NO_ADMIN = "No admin actions here: they are for AMS2 dedicated servers"  # the screens ask each frame: one string


@dataclass(frozen=True, slots=True)
class Notice:
    """Something the racer should be told in one line: a write that failed, a service that could not start."""

    text: str
    title: str = ""
    severity: str = "error"  # or "warning", "information"


class ServiceUnavailable(Exception):
    """A service could not start; the message says why in one line, and the engine goes on without it."""


class Service(Protocol):
    """Something that runs beside the engine on its loop (the local API), started and stopped with it."""

    title: str  # what a notice that it could not start is headed with ("Local API off")
    status: str  # a few words for the header: where it listens, or that it is off
    running: bool

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


@runtime_checkable
class NotebookFollower(Protocol):
    """An annotator that acts on the racer's notebook edits (the crowd's sends ratings and tags to a hub)."""

    status: str  # a few words for the header ("crowd: on", "crowd: hub unreachable")
    working: bool  # whether all is well (the header warns when not)

    def notebook_edited(self, key: Key) -> None:
        """An edit of this driver's entry was committed; called on the loop, it must return at once."""
        ...


@runtime_checkable
class CrowdCache(Protocol):
    """The crowd annotator's answers kept in the file, for drivers out of the session (/api/driver, /api/notebook)."""

    async def cached_views(self, keys: Sequence[Key]) -> dict[Key, CrowdView]: ...


class Engine:
    def __init__(
        self,
        source: Source,
        database: Database,
        clock: Callable[[], datetime] = utc_now,
        annotators: Sequence[Annotator] = (),
    ) -> None:
        self.clock = clock  # when edits and sightings happen (tests fix it)
        self._source = source
        self.database = database  # for tools and tests; screens and the API ask the engine
        self._notebook = NotebookAnnotator(database, clock)
        self.history = HistoryAnnotator(database)  # the stats screen asks it directly
        self._annotators: tuple[Annotator, ...] = (self._notebook, self.history, *annotators)
        self._followers = tuple(a for a in annotators if isinstance(a, NotebookFollower))
        self._services: list[Service] = []
        self._board_listeners: list[BoardListener] = []
        self._notice_listeners: list[Callable[[Notice], None]] = []
        self._unheard: list[Notice] = []  # told before anyone listened: the first notice listener gets them
        self._version = 0
        self.board: Board = waiting_board(0, "starting")
        self._snapshot: SessionSnapshot | None = None
        self._waiting = "starting"
        self._stale = ""  # why the snapshot shown is the last one read (the server went away), or ""
        self._meeting = ""  # the meeting of the current roster, as the source names it
        self._joined: dict[Key, dict[str, Any]] | None = None  # the roster's annotations, until one changes
        self._background = Background()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._context = contextvars.copy_context()
        for annotator in self._annotators:
            annotator.watch(self._annotations_changed, self._tell)

    @property
    def label(self) -> str:
        """What the engine reads, as the header says it."""
        return self._source.label

    @property
    def hint(self) -> str:
        """What the racer can do while the source has nothing to read."""
        return self._source.hint

    @property
    def statuses(self) -> list[tuple[str, bool]]:
        """Each service's few words for the header, and whether it runs; then the crowd's, when it runs."""
        return [(service.status, service.running) for service in self._services] + [
            (follower.status, follower.working) for follower in self._followers if follower.status]

    @property
    def crowdsourcing(self) -> bool:
        """Whether a crowd annotator runs (the racer set crowd_url): the API's crowdsourcingEnabled."""
        return any(annotator.name == CROWD for annotator in self._annotators)

    async def crowd_views(self, keys: Sequence[Key]) -> dict[Key, CrowdView]:
        """What the crowd hub last said of these drivers (in the session or not), from the notebook file; {} when
        the crowd is off. One store call."""
        crowd = next((f for f in self._followers if isinstance(f, CrowdCache)), None)
        return {} if crowd is None else await crowd.cached_views(keys)

    @property
    def crowd_status(self) -> str:
        """The crowd's few words for the header ("crowd: on", "crowd: hub unreachable"), or "" when it is off."""
        return next((f.status for f in self._followers if getattr(f, "name", "") == CROWD), "")

    def attach(self, service: Service) -> None:
        """Run `service` with the engine: started after the source, stopped before it."""
        self._services.append(service)

    def subscribe(self, listener: BoardListener, on_notice: Callable[[Notice], None] | None = None) -> None:
        """Call `listener` with every new Board, and `on_notice` with what the racer should be told.

        The first `on_notice` also hears at once what was told before it subscribed (a new notebook,
        say, made before the app was up).
        """
        self._board_listeners.append(listener)
        if on_notice is not None:
            self._notice_listeners.append(on_notice)
            unheard, self._unheard = self._unheard, []
            for notice in unheard:
                on_notice(notice)

    async def start(self) -> None:
        """Open the annotators, start reading the source, then start the services (a failed one is a notice)."""
        self._loop = asyncio.get_running_loop()
        # Source events run in the starter's context (a Textual app's, say), not the source thread's.
        self._context = contextvars.copy_context()
        for annotator in self._annotators:
            await annotator.open()
        log.info("notebook %s: %d entries, %d drivers seen", self.database.path, self.entry_count, self.drivers_seen)
        self._source.start(self._publish_threadsafe)
        for service in self._services:
            try:
                await service.start()
            except ServiceUnavailable as error:
                self.tell(Notice(str(error), service.title, "warning"))

    async def stop(self) -> None:
        """Stop the services and the source, let pending writes commit, close the store."""
        for service in self._services:
            await service.stop()
        self._loop = None  # what the source says while it stops is heard by no one: the store is closing
        await asyncio.to_thread(self._source.stop)
        await self._background.finish()
        for annotator in self._annotators:
            await annotator.close()
        await asyncio.to_thread(self.database.close)

    # the live path

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
            self._stale = ""
            roster = previous is None or previous.roster_version != event.roster_version or previous.facts.session_id != event.facts.session_id
            if roster:
                self._roster_changed(event)
            before = previous.contacts if previous is not None else ()
            # per frame, cheap and allocation-free: a contact folded into another changes no count
            if roster or (event.contacts is not before and len(event.contacts) != len(before)):
                self._notebook.contacts_changed(event, self._meeting)
        elif isinstance(event, SourceStale) and self._snapshot is not None:
            self._stale = event.message  # the last session stays on screen, marked
        else:
            self._snapshot = None
            self._waiting = event.message
        self._publish()

    def _roster_changed(self, snapshot: SessionSnapshot) -> None:
        self._joined = None
        now = self.clock()
        roster = Roster(snapshot, self._source.meeting_key(snapshot.facts, now), now)
        self._meeting = roster.meeting
        for annotator in self._annotators:
            self._background.run(annotator.roster_changed(roster))

    def _annotations_changed(self) -> None:
        self._joined = None
        self._publish()

    def _publish(self) -> None:
        self._version += 1
        versions = {annotator.name: annotator.version for annotator in self._annotators}
        snapshot = self._snapshot
        if snapshot is None:
            self.board = waiting_board(self._version, self._waiting, versions)
        else:
            if self._joined is None:
                self._joined = {driver.key: self._annotations_of(driver.key) for driver in snapshot.drivers}
            link, message = (LinkState.STALE, self._stale) if self._stale else (LinkState.CONNECTED, self._source.label)
            self.board = build_board(snapshot, self._version, self._joined, message, versions, link)
        for listener in self._board_listeners:
            listener(self.board)

    def _annotations_of(self, key: Key) -> dict[str, Any]:
        return {a.name: value for a in self._annotators if (value := a.annotation(key)) is not None}

    def _tell(self, message: str) -> None:
        self.tell(Notice(message))

    def tell(self, notice: Notice) -> None:
        """Tell the racer something in one line; told before anyone listens, it waits for the first one."""
        if not self._notice_listeners:
            self._unheard.append(notice)
        for listener in self._notice_listeners:
            listener(notice)

    # a server's admin actions (AMS2): the source sends them; the engine finds the driver and refuses what it must

    @property
    def admin_refusal(self) -> str | None:
        """Why admin actions cannot be done now, in one line, or None when they can."""
        admin = self._source.admin
        return NO_ADMIN if admin is None else admin.refusal

    async def kick(self, key: Key, ban: Ban = BANS[0], ref_id: int | None = None) -> str:
        """Kick one driver of the live session (a temporary ban with it, if `ban`); the server's answer. AdminError.

        `ref_id`: the server's id the confirmation showed; refused if the driver's is another one now."""
        admin, now = self._admin(), self.admin_target(key, "kicked", ref_id)
        return await asyncio.to_thread(admin.kick, now, ban)

    async def send_chat(self, message: str, key: Key | None = None, ref_id: int | None = None) -> str:
        """Send a chat line to one driver of the live session, or to everyone (None). AdminError."""
        admin = self._admin()
        target = None if key is None else self.admin_target(key, "messaged", ref_id)
        return await asyncio.to_thread(admin.send_chat, message, target)

    def admin_target(self, key: Key, done: str = "kicked", expected: int | None = None) -> int:
        """The server's id (AMS2's RefId) of a live driver who can be `done` (kicked, messaged). AdminError for
        a driver gone, an AI car, or (`expected`) a driver whose id changed since the racer was shown it."""
        driver = self._driver(key)
        if driver is None:
            raise AdminError("That driver is no longer in the session")
        if driver.is_ai or driver.ref_id is None:
            raise AdminError(f"{driver.name} is an AI car: only human drivers can be {done}")
        if expected is not None and driver.ref_id != expected:
            raise AdminError(f"{driver.name} rejoined the server since: nothing was sent, try again")
        return driver.ref_id

    def _admin(self) -> Admin:
        admin = self._source.admin
        if admin is None or admin.refusal is not None:
            raise AdminError(NO_ADMIN if admin is None else admin.refusal)
        return admin

    # the notebook: reading

    @property
    def catalogue(self) -> Catalogue:
        return self._notebook.catalogue

    @property
    def entry_count(self) -> int:
        return self._notebook.entry_count

    @property
    def drivers_seen(self) -> int:
        return self._notebook.drivers_seen

    async def record(self, key: Key) -> NoteRecord | None:
        """One driver's notebook entry, in the session or not."""
        return await self._notebook.record(key)

    async def entries(self, keys: Sequence[Key]) -> dict[Key, NotebookEntry]:
        """What the notebook says of many drivers at once (rating, tags, note), in the session or not."""
        return await self._notebook.entries(keys)

    async def record_or_blank(self, key: Key, name: str) -> NoteRecord:
        """One driver's entry, or a blank one under `name` with the times they were met (for an editor)."""
        return await self._notebook.record_or_blank(key, name)

    async def search(self, query: NotebookQuery, offset: int = 0, limit: int = 100) -> Page:
        """One page of a notebook search, with how many entries it finds in all."""
        return await self._notebook.search(query, offset, limit)

    async def tag_uses(self) -> dict[str, int]:
        return await self._notebook.tag_uses()

    def notebook_batches(self) -> AsyncIterator[list[NoteRecord]]:
        """The whole notebook in key order, a batch at a time."""
        return self._notebook.batches()

    async def sightings_of(self, key: Key) -> list[Sighting]:
        return await self._notebook.sightings_of(key)

    # the notebook: edits (memory first, so the next Board shows them; then the store commits, in order)

    async def edit(self, key: Key, **changes: Any) -> NoteRecord:
        """Change one driver's entry: `rating`, `note`, `nickname` or `tag_ids`. AiCar (a ValueError) for an AI car."""
        self._refuse_ai(key)
        return self._edited(await self._notebook.edit(key, await self._who(key), **changes))

    async def toggle_tag(self, key: Key, tag_id: str) -> NoteRecord:
        """AiCar (a ValueError) for an AI car."""
        self._refuse_ai(key)
        return self._edited(await self._notebook.toggle_tag(key, tag_id, await self._who(key)))

    def _refuse_ai(self, key: Key) -> None:
        """AiCar, in one line naming the car, when `key` is an AI car: the notebook is for people."""
        driver = self._driver(key)
        refuse_ai(key, driver.name if driver else "", driver is not None and driver.is_ai)

    async def delete(self, key: Key) -> NoteRecord | None:
        """Remove an entry; returns it so it can be restored (undo)."""
        return self._edited(await self._notebook.delete(key))

    async def restore(self, record: NoteRecord) -> NoteRecord:
        """Put back an entry exactly as it was (undo of a delete)."""
        return self._edited(await self._notebook.restore(record))

    def _edited(self, record: R) -> R:
        """Tell the followers an edit was committed (the notebook's edits return once the store has it)."""
        if record is not None:
            for follower in self._followers:
                follower.notebook_edited(record.key)
        return record

    async def save_tags(self, tags: Sequence[Tag]) -> None:
        """Add or change tags (name, icon, colour, order, hotkey)."""
        await self._notebook.save_tags(tags)

    async def delete_tag(self, tag_id: str) -> None:
        """Delete a racer-made tag from the catalogue and from every driver."""
        await self._notebook.delete_tag(tag_id)

    async def _who(self, key: Key) -> Live | None:
        """Who an edited driver is: in the live session, else (noted from a race result, say, and not yet in
        the notebook) by their name in the racing history."""
        live = self._live(key)
        if live is not None or await self._notebook.has_name(key):
            return live
        known = await self.history.known_driver(key[1]) if key[0] == Platform.IRACING.value else None
        return None if known is None else Live(known.name, "", 0, 0)

    def _live(self, key: Key) -> Live | None:
        """Who the driver is in the live session, if they are in it."""
        driver, snapshot = self._driver(key), self._snapshot
        if driver is None or snapshot is None:
            return None
        facts = snapshot.facts
        return Live(driver.name, driver.car_number, facts.session_id, facts.subsession_id)

    def _driver(self, key: Key) -> Driver | None:
        """The driver of the live session with this key, if they are in it."""
        snapshot = self._snapshot
        return next((d for d in snapshot.drivers if d.key == key), None) if snapshot else None
