"""Crowd reputation as an annotator: what a hub's voters think of the live roster, and the racer's votes sent to it.

On a roster change it shows at once what the hub last said of those drivers (the cache in the notebook file,
marked stale), then asks the hub for all of them in one request in a task of its own (the frame never waits)
and keeps the answer in memory and in the file. A hub that does not answer leaves the cached rows on show,
stale, and is told once.

The pusher, a task of its own, wakes at start and after each notebook edit and sends what waits
(`store/crowd.py::outgoing`: the rated entries whose rating or built-in tags differ from what the hub
acknowledged, and withdrawals), registering the racer as a voter on the first push. It retries with capped,
jittered backoff, waits out a 429's Retry-After, and never drops a vote: the queue is the notebook itself.
Only ratings and built-in tag ids leave the machine: never a note, a nickname or a name.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TypeVar

import duckdb
import httpx

from wots_tui.annotators.base import Roster
from wots_tui.annotators.hub_client import (
    MAX_PUSH,
    HubClient,
    HubError,
    RateLimited,
    Refused,
    Unreachable,
    known_platform,
)
from wots_tui.annotators.voter_token import VoterTokenError, VoterTokens
from wots_tui.domain.board import CROWD
from wots_tui.domain.crowd import Crowd, CrowdView
from wots_tui.domain.models import Platform
from wots_tui.domain.notebook import Key
from wots_tui.store import Database
from wots_tui.store import career as career_store
from wots_tui.store import crowd as crowd_store
from wots_tui.store.errors import first_line
from wots_tui.store.timestamps import utc_now

log = logging.getLogger(__name__)
T = TypeVar("T")

ON = "crowd: on"
UNREACHABLE = "crowd: hub unreachable"


@dataclass(frozen=True, slots=True)
class Backoff:
    """Waits between tries while the hub is away: doubling from `first`, at most `most`, each shortened by up
    to half at random (so many racers' apps do not knock together when the hub is back)."""

    first: float = 2.0
    most: float = 300.0

    def delay(self, attempt: int) -> float:
        return min(self.most, self.first * 2 ** max(0, attempt - 1)) * random.uniform(0.5, 1.0)


@dataclass(frozen=True, slots=True)
class Sent:
    """What a push did: votes the hub took, votes it refused (with why), votes withdrawn."""

    votes: int = 0
    refused: tuple[crowd_store.Refusal, ...] = ()
    withdrawn: int = 0


class CrowdAnnotator:
    name = CROWD

    def __init__(self, database: Database, hub: str, tokens: VoterTokens | None = None, steam_id: int | None = None,
                 backoff: Backoff = Backoff(), transport: httpx.AsyncBaseTransport | None = None,
                 clock: Callable[[], datetime] = utc_now) -> None:
        self._database = database
        self.hub = hub
        self._tokens = tokens or VoterTokens()
        self._steam_id = steam_id
        self._backoff = backoff
        self._clock = clock
        self._client = HubClient(hub, transport=transport)
        self.version = 0
        self.status = ON  # a few words for the header
        self._views: dict[Key, CrowdView] = {}
        self._roster: tuple[Key, ...] = ()
        self._wake = asyncio.Event()
        self._whole_notebook = True  # what an import, a CLI edit or a run offline left waits: looked for at start
        self._edited: set[Key] = set()  # drivers edited since the pusher last looked
        self._registering = asyncio.Lock()
        self._pusher: asyncio.Task[None] | None = None
        self._lookup: asyncio.Task[None] | None = None
        self._told = False
        self._changed: Callable[[], None] = lambda: None
        self._failed: Callable[[str], None] = lambda message: None

    def __repr__(self) -> str:
        return f"CrowdAnnotator({self._client.shown!r})"

    @property
    def working(self) -> bool:
        """Whether the hub answers and nothing waits on it (the header warns otherwise)."""
        return self.status == ON

    def watch(self, changed: Callable[[], None], failed: Callable[[str], None]) -> None:
        self._changed, self._failed = changed, failed

    async def open(self) -> None:
        """Start the pusher: what waits from before (an import, a CLI edit, a run offline) goes first."""
        self._pusher = asyncio.create_task(self._push_forever(), name="crowd pusher")
        self._wake.set()

    async def close(self) -> None:
        """Stop the pusher and any lookup; a vote sent but not yet marked is sent again next time (the hub keeps
        one per driver, so that changes nothing)."""
        for task in (self._pusher, self._lookup):
            if task is not None:
                task.cancel()
        await asyncio.gather(*(t for t in (self._pusher, self._lookup) if t is not None), return_exceptions=True)
        await self._client.aclose()

    # the live roster

    async def roster_changed(self, roster: Roster) -> None:
        """Show what the hub last said of the roster's people (stale), then ask it, off the frame's path."""
        keys = tuple(d.key for d in roster.snapshot.drivers if not d.is_ai and known_platform(d.key))
        self._roster = keys
        try:
            cached = await self._database.call(crowd_store.cached, self.hub, keys)
        except duckdb.Error as error:
            log.warning("crowd cache not read: %s", first_line(error))
            cached = {}
        if keys is not self._roster:  # a newer roster came meanwhile: its own load shows it
            return
        self._views = {key: CrowdView(crowd, True, at) for key, (crowd, at) in cached.items()}
        self._bump()
        if self._lookup is not None:
            self._lookup.cancel()
        self._lookup = asyncio.create_task(self._look_up(keys), name="crowd lookup") if keys else None

    def annotation(self, key: Key) -> CrowdView | None:
        return self._views.get(key)

    async def cached_views(self, keys: Sequence[Key]) -> dict[Key, CrowdView]:
        """What the hub last said of these drivers, from the file (stale: not asked this time), one store call."""
        wanted = [key for key in keys if known_platform(key)]
        cached = await self._database.call(crowd_store.cached, self.hub, wanted) if wanted else {}
        return {key: CrowdView(crowd, True, at) for key, (crowd, at) in cached.items()}

    async def _look_up(self, keys: tuple[Key, ...]) -> None:
        try:
            found = await self.pull(keys)
        except (HubError, VoterTokenError) as error:
            self._away(error)
            return
        except duckdb.Error as error:
            log.warning("crowd answer not kept in the notebook file: %s", first_line(error))
            return
        except Exception:  # a fault of ours: logged, and the roster shows what the file had
            log.exception("the crowd lookup failed")
            return
        if keys is self._roster:
            now = self._clock()
            self._views = {key: CrowdView(crowd, False, now) for key, crowd in found.items()}
            self._back()
            self._bump()

    async def pull(self, keys: Sequence[Key]) -> dict[Key, Crowd]:
        """Ask the hub about these drivers (MAX_LOOKUP a request) and keep its answer in the file. HubError."""
        found = await self._call(lambda client: client.lookup(keys))
        await self._database.call(crowd_store.remember, self.hub, keys, found, self._clock())
        return found

    # the racer's votes

    def notebook_edited(self, key: Key) -> None:
        """An entry changed (the engine says so after each edit is committed): the pusher looks at that driver."""
        self._edited.add(key)
        self._wake.set()

    async def _push_forever(self) -> None:
        attempt = 0
        while True:
            await self._wake.wait()
            self._wake.clear()
            # the whole notebook at start (and until once through), after that only the drivers edited since
            keys, self._edited = (None if self._whole_notebook else tuple(self._edited)), set()
            try:
                await self.push_waiting(keys)
            except RateLimited as error:
                self._edited.update(keys or ())
                log.info("crowd push waits %.0f s: %s", error.retry_after, error)
                self._set_status(f"crowd: waiting {error.retry_after:.0f} s (hub's rate limit)")
                await asyncio.sleep(error.retry_after)
            except Exception as error:  # the hub, the token file or the store: all of it still waits in the file
                if not isinstance(error, HubError | VoterTokenError | duckdb.Error):
                    log.exception("the crowd pusher failed; it tries again")
                attempt += 1
                self._edited.update(keys or ())  # looked at again on the next try, with those edited meanwhile
                self._away(error)
                await self._pause(self._backoff.delay(attempt))
            else:
                attempt = 0
                if keys is None:  # once through the whole notebook
                    self._whole_notebook = False
                self._back()
                continue
            self._wake.set()  # try again: nothing was lost, it is all still waiting in the file

    async def push_waiting(self, keys: Sequence[Key] | None = None) -> Sent:
        """Send everything that waits (of these drivers' entries only, with `keys`), a batch at a time, marking each
        batch in the file as the hub answers it. A HubError stops it where it is: the rest still waits, and what
        was sent is kept."""
        sent, before = Sent(), None
        while keys is None or keys:
            waiting = await self._database.call(crowd_store.outgoing, self.hub, MAX_PUSH, keys)
            if not waiting:
                return sent
            if waiting == before:  # marked, yet still waiting: a fault of ours; never loop on it
                log.error("crowd: %d votes stay queued after the hub took them", len(waiting.votes))
                return sent
            before = waiting
            if waiting.votes:
                votes = waiting.votes
                pushed = await self._call(lambda client, votes=votes: client.push(votes))
                await self._database.call(crowd_store.acknowledge, self.hub, votes, pushed.refused)
                for refusal in pushed.refused:
                    log.info("crowd hub refused the vote on %s:%s (%s)", *refusal.key, refusal.code)
                sent = replace(sent, votes=sent.votes + len(votes) - len(pushed.refused),
                               refused=sent.refused + pushed.refused)
            for key in waiting.withdrawals:
                await self._call(lambda client, key=key: client.withdraw(key))
                await self._database.call(crowd_store.withdrawn, self.hub, key)
                sent = replace(sent, withdrawn=sent.withdrawn + 1)
        return sent

    async def _pause(self, seconds: float) -> None:
        """Wait `seconds`, or less if the racer edits meanwhile (their edit is worth a try at once)."""
        try:
            await asyncio.wait_for(self._wake.wait(), seconds)
        except TimeoutError:
            pass

    # the voter's token, and the calls that need it

    async def _call(self, request: Callable[[HubClient], Awaitable[T]]) -> T:
        """`request(client)` with the voter's token, registering first if there is none; a token the hub does
        not know (its database was reset) is dropped and the racer registered again, once."""
        for last in (False, True):
            self._client.token = await self._token()
            try:
                return await request(self._client)
            except Refused as error:
                if error.code != "unauthorized" or last:
                    raise
                log.warning("the crowd hub no longer knows this voter; registering again, and sending every vote again")
                await asyncio.to_thread(self._tokens.forget, self.hub)
                await self._database.call(crowd_store.forget_hub, self.hub)  # a new voter has none of the old votes
                self._whole_notebook = True
                self._wake.set()
        raise AssertionError("unreachable")

    async def _token(self) -> str:
        async with self._registering:
            token = await asyncio.to_thread(self._tokens.get, self.hub)
            if token is None:
                identities = await self._identities()
                token = await self._client.register(identities)
                await asyncio.to_thread(self._tokens.put, self.hub, token)
                log.info("registered with the crowd hub %s as a voter (%d of your own ids sent)",
                         self._client.shown, len(identities))
            return token

    async def _identities(self) -> list[Key]:
        """The racer's own ids, so the hub refuses their votes about themselves: the iRacing member the history
        is for (a fetch or an imported member/info named them), and the Steam id of the settings."""
        racer = await self._database.call(career_store.racer)
        own: list[Key] = []
        if racer is not None and racer.chosen:
            own.append((Platform.IRACING.value, racer.cust_id))
        if self._steam_id is not None:
            own.append((Platform.AMS2.value, self._steam_id))
        return own

    # what the racer is told

    def _away(self, error: BaseException) -> None:
        """The hub did not do what was asked: the header says so; the racer is told once per run."""
        log.warning("crowd: %s", error)
        self._set_status(UNREACHABLE if isinstance(error, Unreachable) else f"crowd: {str(error)[:60]}")
        if not self._told:
            self._told = True
            self._failed(f"Crowd reputation: {error}. Your notebook is saved as always; "
                         "votes wait and go when the hub answers, and the last crowd data shows meanwhile")

    def _back(self) -> None:
        self._set_status(ON)

    def _set_status(self, status: str) -> None:
        if status != self.status:
            self.status = status
            self._bump()

    def _bump(self) -> None:
        self.version += 1
        self._changed()
