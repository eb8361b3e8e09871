"""The hub's schema on a real PostgreSQL: migrations on start (once, even with two hubs at once), and health."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.postgres import HubFactory, PostgresServer, RunningHub, run_sql
from wots_tui.hub.database import LATEST, MIGRATIONS, open_pool
from wots_tui.hub.settings import HubError, HubSettings


def tables(postgres: PostgresServer, dsn: str) -> set[str]:
    rows = run_sql(postgres, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'",
                   database=dsn.rpartition("/")[2])[0]
    return {name for (name,) in rows}


def versions(postgres: PostgresServer, dsn: str) -> list[int]:
    rows = run_sql(postgres, "SELECT version FROM schema_migrations ORDER BY version",
                   database=dsn.rpartition("/")[2])[0]
    return [version for (version,) in rows]


async def test_a_fresh_database_is_migrated_to_the_latest_schema_and_health_says_so(
        hub: RunningHub, postgres: PostgresServer):
    assert versions(postgres, hub.dsn) == [step.number for step in MIGRATIONS] == list(range(1, LATEST + 1))
    assert {"voters", "voter_identities", "votes", "voter_sessions", "rate_counts"} <= tables(postgres, hub.dsn)
    async with httpx.AsyncClient(base_url=hub.url) as client:
        answer = await client.get("/v1/health")
    assert (answer.status_code, answer.json()) == (200, {"status": "ok", "schema": LATEST})


async def test_starting_again_on_a_migrated_database_changes_nothing(hub_factory: HubFactory,
                                                                     postgres: PostgresServer):
    first = await hub_factory()
    applied = run_sql(postgres, "SELECT version, applied_at FROM schema_migrations",
                      database=first.dsn.rpartition("/")[2])
    await hub_factory()
    assert run_sql(postgres, "SELECT version, applied_at FROM schema_migrations",
                   database=first.dsn.rpartition("/")[2]) == applied


async def test_two_hubs_starting_at_once_migrate_once(hub_factory: HubFactory, postgres: PostgresServer):
    hubs = await asyncio.gather(hub_factory(), hub_factory(), hub_factory())
    assert versions(postgres, hubs[0].dsn) == list(range(1, LATEST + 1))
    async with httpx.AsyncClient() as client:
        for hub in hubs:
            assert (await client.get(f"{hub.url}/v1/health")).json()["schema"] == LATEST


async def test_a_database_from_a_newer_hub_is_refused_in_one_line(pg_dsn: str, postgres: PostgresServer):
    pool = await open_pool(HubSettings(database_url=pg_dsn))
    await pool.close()
    run_sql(postgres, f"INSERT INTO schema_migrations (version, name) VALUES ({LATEST + 1}, 'future')",
            database=pg_dsn.rpartition("/")[2])
    with pytest.raises(HubError, match=rf"^the database has hub schema {LATEST + 1}, newer than this "
                                       rf"wots-tui's {LATEST}: run a newer wots-tui$"):
        await open_pool(HubSettings(database_url=pg_dsn))


async def test_health_is_503_while_the_database_is_away_and_ok_when_it_is_back(
        hub: RunningHub, postgres: PostgresServer):
    name = hub.dsn.rpartition("/")[2]
    async with httpx.AsyncClient(base_url=hub.url) as client:
        assert (await client.get("/v1/health")).status_code == 200
        run_sql(postgres, f"ALTER DATABASE {name} WITH ALLOW_CONNECTIONS false",
                f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
        try:
            down = await client.get("/v1/health")
            lookup = await client.post("/v1/voters", json={"identities": []})
        finally:
            run_sql(postgres, f"ALTER DATABASE {name} WITH ALLOW_CONNECTIONS true")
        back = await client.get("/v1/health")
    assert (down.status_code, down.json()) == (503, {"status": "down", "error": "the hub's database is not answering"})
    assert (lookup.status_code, lookup.json()) == (503, {"error": "the hub's database is not answering; try again later"})
    assert back.status_code == 200


async def test_an_unreachable_database_or_a_wrong_password_is_one_line_without_the_password(
        pg_dsn: str, postgres: PostgresServer):
    wrong = pg_dsn.replace(f":{postgres.password}@", ":not-the-Pa55word@") if postgres.password else None
    with pytest.raises(HubError) as unreachable:
        await open_pool(HubSettings(database_url="postgresql://hub:not-the-Pa55word@127.0.0.1:1/hub"))
    assert str(unreachable.value).startswith("the hub's database cannot be reached: ")
    messages = [str(unreachable.value)]
    if wrong is not None:
        with pytest.raises(HubError) as refused:
            await open_pool(HubSettings(database_url=wrong))
        assert str(refused.value).startswith("the hub's database refused the login: password authentication failed")
        messages.append(str(refused.value))
    for message in messages:
        assert "\n" not in message and "not-the-Pa55word" not in message
