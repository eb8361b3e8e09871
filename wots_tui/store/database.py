"""The one DuckDB connection of this process, its per-thread cursors, transactions and migrations.

DuckDB allows one connection per process and one cursor per thread (a cursor shared across threads
returns other threads' rows). The engine sends every call through one worker thread, so writes are
serialised and never block the event loop; command-line tools call `run` on their own thread.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import ParamSpec, TypeVar

import duckdb

from wots_tui.store.errors import StoreError, StoreLocked, first_line
from wots_tui.store.migrations import migrate

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

# The app shares the racer's machine with the sim: DuckDB gets a bounded buffer pool and two threads,
# which a search of a 100k-entry notebook needs no more than.
LIMITS = {"memory_limit": "64MB", "threads": 2}

_LOCK_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>.+?) \(PID (?P<pid>\d+)\)")


class Database:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.created = not path.exists()  # a new, empty notebook: opening it made the file
        self._connection = _connect(path)
        self._local = threading.local()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="wots-store")
        self.schema_version = self.run(migrate)

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """This thread's cursor on the one connection."""
        cursor = getattr(self._local, "cursor", None)
        if cursor is None:
            cursor = self._local.cursor = self._connection.cursor()
        return cursor

    def run(self, work: Callable[..., T], *args: object) -> T:
        """`work(cursor, *args)` in one transaction on this thread, committed before it returns."""
        cursor = self.cursor()
        cursor.begin()
        try:
            result = work(cursor, *args)
        except BaseException:
            cursor.rollback()
            raise
        cursor.commit()
        return result

    def call(self, work: Callable[..., T], *args: object) -> asyncio.Future[T]:
        """`run` on the store's worker thread, off the event loop; awaitable.

        The work is queued at once, not when the result is awaited, so calls run in the order they
        were made: a search asked for after an edit sees the edit.
        """
        return asyncio.wrap_future(self._executor.submit(self.run, work, *args))

    def close(self) -> None:
        self._executor.shutdown(wait=True)
        self._connection.close()


def schema_of(path: Path) -> int:
    """The schema a notebook file is at, read without changing it (0: no notebook there yet)."""
    if not path.exists():
        return 0
    connection = _connect(path, read_only=True)
    try:
        known = connection.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'schema_version'"
        ).fetchone()
        if not known or not known[0]:
            return 0
        (version,) = connection.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone() or (0,)
        return int(version)
    finally:
        connection.close()


def _connect(path: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    try:
        if not read_only:
            path.parent.mkdir(parents=True, exist_ok=True)
        return duckdb.connect(str(path), read_only=read_only, config=LIMITS)
    except duckdb.IOException as error:
        holder = _LOCK_HOLDER.search(str(error))
        if holder:
            raise StoreLocked(
                f"{path} is open in another program ({Path(holder['program']).name}, PID {holder['pid']}): "
                "close it, or pass --db to use another notebook"
            ) from None
        if "lock" in str(error).lower():
            raise StoreLocked(f"{path} is open in another program: close it, or pass --db to use another notebook") from None
        raise StoreError(f"{path}: cannot open the notebook ({first_line(error)})") from None
    except (duckdb.Error, OSError) as error:
        raise StoreError(f"{path}: cannot open the notebook ({first_line(error)})") from None

