"""The hub's PostgreSQL: the connection pool, and the numbered migrations applied when a hub starts.

Every query the hub runs is a constant string, so asyncpg prepares it once per connection and reuses the
plan (its statement cache) for every later request on that connection.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib.resources import files

import asyncpg

from wots_tui.hub.settings import HubError, HubSettings, redact

log = logging.getLogger(__name__)

MIGRATION_LOCK = 0x7707_1515  # pg_advisory_lock key: hubs starting at once migrate one after the other
DATABASE_ERRORS = (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError)
ACQUIRE_TIMEOUT = 10.0  # seconds a request waits for a connection of the pool
UNAVAILABLE_STATES = ("08", "53", "57")  # SQLSTATE classes: connection, insufficient resources, operator


class DatabaseAway(Exception):
    """No connection could be had: the database is down, refuses connections, or the pool is exhausted."""


@dataclass(frozen=True, slots=True)
class Migration:
    number: int
    name: str
    sql: str


def migrations() -> tuple[Migration, ...]:
    """The numbered steps in wots_tui/hub/migrations (`0001_name.sql`), in order."""
    folder = files("wots_tui.hub") / "migrations"
    steps = []
    for entry in folder.iterdir():
        number, _, name = entry.name.removesuffix(".sql").partition("_")
        if entry.name.endswith(".sql") and number.isdigit():
            steps.append(Migration(int(number), name, entry.read_text(encoding="utf-8")))
    steps.sort(key=lambda step: step.number)
    if [step.number for step in steps] != list(range(1, len(steps) + 1)):
        raise RuntimeError(f"hub migrations are not numbered 1..n: {[step.number for step in steps]}")
    return tuple(steps)


MIGRATIONS = migrations()
LATEST = MIGRATIONS[-1].number


async def migrate(connection: asyncpg.Connection) -> int:
    """Apply the steps the database lacks, each in its own transaction, under an advisory lock; the schema.

    A database from a newer hub is refused, never downgraded."""
    await connection.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
    try:
        await connection.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        current = await connection.fetchval("SELECT coalesce(max(version), 0) FROM schema_migrations")
        if current > LATEST:
            raise HubError(f"the database has hub schema {current}, newer than this wots-tui's {LATEST}: "
                                   "run a newer wots-tui")
        for step in MIGRATIONS[current:]:
            async with connection.transaction():
                await connection.execute(step.sql)
                await connection.execute("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                                         step.number, step.name)
            log.info("hub schema migrated to %d (%s)", step.number, step.name)
        return max(current, LATEST)
    finally:
        await connection.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK)


async def open_pool(settings: HubSettings) -> asyncpg.Pool:
    """A pool on the hub's database, migrated to LATEST; HubError in one line when it cannot be."""
    try:
        pool = await asyncpg.create_pool(
            settings.database_url, min_size=min(2, settings.pool_size), max_size=settings.pool_size,
            timeout=settings.connect_timeout, command_timeout=30,
        )
    except asyncpg.InvalidAuthorizationSpecificationError as error:  # a wrong user or password
        raise HubError(redact(f"the hub's database refused the login: {one_line(error)}",
                              settings.database_url)) from None
    except DATABASE_ERRORS as error:
        raise HubError(redact(f"the hub's database cannot be reached: {one_line(error)}",
                              settings.database_url)) from None
    except ValueError as error:  # asyncpg's word on a URL it cannot read
        raise HubError(redact(f"the database URL is not usable: {one_line(error)}",
                              settings.database_url)) from None
    try:
        async with pool.acquire() as connection:
            await migrate(connection)
    except DATABASE_ERRORS as error:
        await pool.close()
        raise HubError(redact(f"the hub's database could not be migrated: {one_line(error)}",
                              settings.database_url)) from None
    except BaseException:
        await pool.close()
        raise
    return pool


class Connections:
    """The pool's connections, handed out first come, first served.

    asyncpg's pool waits on an asyncio.Queue, where a waiter woken for a released connection can lose it to a
    request that just came in and go to the back again: under load some requests waited seconds. A semaphore
    of the pool's size in front of it queues them fairly, so the pool itself never makes anyone wait."""

    def __init__(self, pool: asyncpg.Pool, size: int) -> None:
        self.pool = pool
        self._turns = asyncio.Semaphore(size)

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[asyncpg.Connection]:
        """A connection; DatabaseAway (whatever the reason was) when none can be had in time."""
        try:
            async with asyncio.timeout(ACQUIRE_TIMEOUT):
                await self._turns.acquire()
        except TimeoutError:
            raise DatabaseAway(f"no database connection came free in {ACQUIRE_TIMEOUT:g} s") from None
        try:
            try:
                connection = await self.pool.acquire(timeout=ACQUIRE_TIMEOUT)
            except DATABASE_ERRORS as failure:
                raise DatabaseAway(one_line(failure)) from None
            try:
                yield connection
            finally:
                await self.pool.release(connection)
        finally:
            self._turns.release()


def away(failure: BaseException) -> bool:
    """Whether a failure means the database is away (a 503 until it is back), not a fault of the hub's."""
    if isinstance(failure, asyncpg.PostgresError):
        return (failure.sqlstate or "")[:2] in UNAVAILABLE_STATES
    # InternalClientError ("cannot switch to state 11; another operation is in progress"): asyncpg's word for a
    # connection whose server process was terminated while a query waited on it (seen under load)
    return isinstance(failure, (DatabaseAway, asyncpg.InterfaceError, asyncpg.InternalClientError, OSError, TimeoutError))


def one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__
