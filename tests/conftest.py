"""Test set-up: snapshots live in the top-level snapshots/ folder; logs never touch the terminal."""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_textual_snapshot

from tests.fakes.ams2_server import FakeAms2Server
from tests.postgres import HubFactory, PostgresServer, RunningHub, fresh_database, hubs_on, postgres_server

os.environ["TZ"] = "UTC"  # dates on screen are local: make snapshots the same on every machine
time.tzset()

SNAPSHOTS = Path(__file__).resolve().parent.parent / "snapshots"


class TopLevelSVGExtension(pytest_textual_snapshot.SVGImageExtension):
    @classmethod
    def dirname(cls, *, test_location) -> str:  # type: ignore[override]
        return str(SNAPSHOTS / Path(test_location.filepath).stem)


pytest_textual_snapshot.SVGImageExtension = TopLevelSVGExtension


@pytest.fixture(autouse=True)
def _platform_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Config, logs and caches of a test run go to a temporary folder, never the developer's own."""
    home = tmp_path_factory.mktemp("home")
    for name in ("user_config_dir", "user_log_dir", "user_cache_dir", "user_data_dir"):
        monkeypatch.setattr(f"platformdirs.{name}", lambda *a, _n=name, **k: str(home / _n))


@pytest.fixture(name="server")
async def ams2_server() -> AsyncIterator[FakeAms2Server]:
    """A fake AMS2 dedicated server on 127.0.0.1 (tests/fakes/ams2_server.py), idle until the test scripts it."""
    fake = FakeAms2Server()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A real PostgreSQL for the session (tests/postgres.py: PGHOST/PGPORT, or pg_virtualenv); skipped with
    the reason where there is none, failed instead when WOTS_REQUIRE_POSTGRES=1."""
    with postgres_server() as server:
        yield server


@pytest.fixture
def pg_dsn(postgres: PostgresServer) -> Iterator[str]:
    """The URL of a fresh, empty database of this test's own, dropped after it."""
    with fresh_database(postgres) as dsn:
        yield dsn


@pytest.fixture
async def hub_factory(pg_dsn: str) -> AsyncIterator[HubFactory]:
    """Starts real hubs on the test's database: `await hub_factory(votes_per_hour=5)`; all stopped after."""
    async with hubs_on(pg_dsn) as factory:
        yield factory


@pytest.fixture
async def hub(hub_factory: HubFactory) -> RunningHub:
    """The real hub (aiohttp on 127.0.0.1, a free port) on a fresh database: `.url`, `.dsn`, `.settings`."""
    return await hub_factory()
