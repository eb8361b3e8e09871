"""A real PostgreSQL for the tests, a fresh database per test, and the real hub running on one.

The server: the one PGHOST/PGPORT name (with PGUSER/PGPASSWORD), else a throw-away cluster made by Debian's
`pg_virtualenv` (it works as root too) for the whole test session. pg_virtualenv runs a tiny Python child
that prints its PG* variables and waits on its stdin: closing that stdin (or this process dying) ends the
child, and pg_virtualenv drops the cluster. Where neither can be had the tests are skipped with the reason,
unless WOTS_REQUIRE_POSTGRES=1 (CI), where they fail.
"""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import itertools
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote

import asyncpg
import pytest

from wots_tui.hub.app import running
from wots_tui.hub.settings import HubSettings

REQUIRE = "WOTS_REQUIRE_POSTGRES"
START_TIMEOUT = 120.0  # seconds pg_virtualenv may take to make and start its cluster
_MARK = "WOTS_PG "
_CHILD = (
    "import json, os, sys\n"
    f"print({_MARK!r} + json.dumps({{k: v for k, v in os.environ.items() if k.startswith('PG')}}), flush=True)\n"
    "sys.stdin.read()\n"
)
_numbers = itertools.count(1)


@dataclass(frozen=True)
class PostgresServer:
    host: str
    port: int
    user: str
    password: str = ""

    def dsn(self, database: str = "postgres") -> str:
        secret = f":{quote(self.password, safe='')}" if self.password else ""
        return f"postgresql://{quote(self.user, safe='')}{secret}@{self.host}:{self.port}/{database}"


def unavailable(reason: str) -> None:
    """Skip, saying why; or fail where PostgreSQL is required (CI)."""
    message = f"PostgreSQL not installed: {reason}"
    if os.environ.get(REQUIRE) == "1":
        pytest.fail(f"{message} ({REQUIRE}=1)", pytrace=False)
    pytest.skip(message)


@contextlib.contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    """The server for the session: the environment's, or a throw-away pg_virtualenv cluster."""
    if os.environ.get("PGHOST") or os.environ.get("PGPORT"):
        yield PostgresServer(os.environ.get("PGHOST", "localhost"), int(os.environ.get("PGPORT", "5432")),
                             os.environ.get("PGUSER") or getpass.getuser(), os.environ.get("PGPASSWORD", ""))
        return
    if shutil.which("pg_virtualenv") is None:
        unavailable("no PGHOST/PGPORT and no pg_virtualenv (Debian: apt-get install postgresql)")
    with _virtual_cluster() as server:
        yield server


@contextlib.contextmanager
def _virtual_cluster() -> Iterator[PostgresServer]:
    # A port chosen here, not by pg_createcluster: two test runs at once would each pick the same "next free" one.
    env = {**os.environ, "PGPORT": str(_free_port())}
    process = subprocess.Popen(["pg_virtualenv", "-t", sys.executable, "-c", _CHILD], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True,
                               encoding="utf-8")
    watchdog = threading.Timer(START_TIMEOUT, process.kill)
    watchdog.start()
    said = []
    try:
        for line in process.stdout:
            if line.startswith(_MARK):
                break
            said.append(line.strip())
        else:
            process.wait()
            unavailable(f"pg_virtualenv failed (exit {process.returncode}): {' / '.join(said[-5:])}")
    finally:
        watchdog.cancel()
    found = json.loads(line.removeprefix(_MARK))
    try:
        yield PostgresServer(found.get("PGHOST", "localhost"), int(found["PGPORT"]), found["PGUSER"],
                             found.get("PGPASSWORD", ""))
    finally:
        process.stdin.close()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
        process.stdout.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_sql(server: PostgresServer, *statements: str, database: str = "postgres") -> list[list[Any]]:
    """Each statement's rows, run on the server as its admin user; from any test, sync or async (a thread
    of its own runs the event loop, so the test's own loop is never touched)."""
    async def run() -> list[list[Any]]:
        connection = await asyncpg.connect(server.dsn(database))
        try:
            return [[tuple(row) for row in await connection.fetch(statement)] for statement in statements]
        finally:
            await connection.close()

    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, run()).result()


@contextlib.contextmanager
def fresh_database(server: PostgresServer) -> Iterator[str]:
    """A new empty database (hub_<pid>_<n>: runs at once on one server do not meet), dropped afterwards."""
    name = f"hub_{os.getpid()}_{next(_numbers)}"
    run_sql(server, f"CREATE DATABASE {name}")
    try:
        yield server.dsn(name)
    finally:
        run_sql(server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@dataclass(frozen=True)
class RunningHub:
    url: str  # http://127.0.0.1:PORT
    dsn: str
    settings: HubSettings


class HubFactory:
    """Real hubs on one test's database: `await hub_factory(votes_per_hour=5)` starts one with those settings."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self._running = contextlib.AsyncExitStack()

    async def __call__(self, **settings: Any) -> RunningHub:
        chosen = replace(HubSettings(database_url=self.dsn, host="127.0.0.1", port=0, pool_size=10), **settings)
        url = await self._running.enter_async_context(running(chosen))
        return RunningHub(url, self.dsn, chosen)

    async def close(self) -> None:
        await self._running.aclose()


@contextlib.asynccontextmanager
async def hubs_on(dsn: str) -> AsyncIterator[HubFactory]:
    factory = HubFactory(dsn)
    try:
        yield factory
    finally:
        await factory.close()


# the hub's wire, as the tests speak it


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def register(client: Any, *identities: tuple[str, int]) -> str:
    """A new voter's token (`client`: an httpx.AsyncClient on the hub), with their own ids."""
    answer = await client.post("/v1/voters", json={"identities": [{"platform": p, "id": i} for p, i in identities]})
    assert answer.status_code == 201, answer.text
    return answer.json()["token"]


def vote(driver_id: int, rep: int = 1, tags: tuple[str, ...] = (), session: int | None = None,
         at: str = "2026-12-02T18:00:00Z", platform: str = "iracing") -> dict[str, Any]:
    return {"platform": platform, "driverId": driver_id, "rep": rep, "tags": list(tags), "sessionId": session,
            "castAt": at}
