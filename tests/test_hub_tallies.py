"""The tallies the database keeps per driver (migration 2), on a real PostgreSQL over real HTTP: after any mix of
votes, changes, withdrawals, re-weighing and cascades, alone or many voters at once, they equal a count made
afresh from the votes; a database of schema 1 is backfilled when it is migrated."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest

from tests.postgres import HubFactory, RunningHub, bearer, register, vote
from wots_tui.domain.crowd import (
    MIN_TAG_VOTERS,
    MIN_VOTERS,
    NEW_VOTER_WEIGHT,
    crowd_objects,
    crowd_of,
    driver_ref,
)
from wots_tui.hub import database, lookup
from wots_tui.hub.database import MIGRATIONS
from wots_tui.hub.lookup import tally_of

# The oracle: the lookup's query before migration 2, counting every asked driver's votes afresh.
COUNTED = """
SELECT a.platform, a.driver_id, t.*, c.tag_ids, c.tag_voters
FROM (SELECT DISTINCT * FROM unnest($1::text[], $2::bigint[])) AS a (platform, driver_id)
CROSS JOIN LATERAL (
    SELECT count(*) AS voters,
           count(*) FILTER (WHERE rep = 1) AS up,
           count(*) FILTER (WHERE rep = -1) AS down,
           count(*) FILTER (WHERE rep = 0) AS neutral,
           coalesce(sum(weight) FILTER (WHERE rep = 1), 0)::float8 AS weighted_up,
           coalesce(sum(weight) FILTER (WHERE rep = -1), 0)::float8 AS weighted_down,
           coalesce(sum(weight) FILTER (WHERE rep = 0), 0)::float8 AS weighted_neutral
    FROM votes v WHERE v.platform = a.platform AND v.driver_id = a.driver_id
) AS t
CROSS JOIN LATERAL (
    SELECT coalesce(array_agg(tag), '{}') AS tag_ids, coalesce(array_agg(chosen), '{}') AS tag_voters
    FROM (
        SELECT tag, count(*) AS chosen
        FROM votes v CROSS JOIN LATERAL unnest(v.tags) AS tag
        WHERE v.platform = a.platform AND v.driver_id = a.driver_id
        GROUP BY tag HAVING count(*) >= $4
    ) AS counted
) AS c
WHERE t.voters >= $3
"""
KEPT = """
SELECT t.*, ARRAY(SELECT tag FROM driver_tag_counts g WHERE (g.platform, g.driver_id) = (t.platform, t.driver_id)
                  ORDER BY tag) AS tag_ids,
       ARRAY(SELECT voters FROM driver_tag_counts g WHERE (g.platform, g.driver_id) = (t.platform, t.driver_id)
             ORDER BY tag) AS tag_voters
FROM driver_tallies t
"""
DRIVERS = [("iracing", n) for n in range(1001, 1013)] + [("ams2", 1001), ("ams2", 76561198000000001)]
TAGS = ("clean", "fast", "divebomber", "blocker", "slow", "rival")
START = datetime(2026, 12, 1, 12, tzinfo=UTC)
OPEN = {"votes_per_hour": 100_000, "votes_per_day": 100_000, "registrations_per_hour": 1_000, "session_cap": 100}


@pytest.fixture
async def open_hub(hub_factory: HubFactory) -> RunningHub:
    return await hub_factory(**OPEN)


@pytest.fixture
async def client(open_hub: RunningHub) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=open_hub.url, timeout=60) as client:
        yield client


@pytest.fixture
async def connection(pg_dsn: str) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(pg_dsn)
    try:
        yield connection
    finally:
        await connection.close()


def as_compared(rows: list[asyncpg.Record]) -> dict[str, tuple]:
    """driver ref -> (voters, up, down, neutral, weighted up/down/neutral, {tag: voters}), in one type."""
    return {driver_ref(row["platform"], row["driver_id"]): (
        row["voters"], row["up"], row["down"], row["neutral"], float(row["weighted_up"]),
        float(row["weighted_down"]), float(row["weighted_neutral"]),
        dict(zip(row["tag_ids"], row["tag_voters"], strict=True))) for row in rows}


async def counted_afresh(connection: asyncpg.Connection, least_voters: int = 1,
                         least_choosers: int = 1) -> list[asyncpg.Record]:
    everyone = await connection.fetch("SELECT DISTINCT platform, driver_id FROM votes")
    return await connection.fetch(COUNTED, [r["platform"] for r in everyone], [r["driver_id"] for r in everyone],
                                  least_voters, least_choosers)


async def assert_tallies_exact(connection: asyncpg.Connection) -> None:
    """The kept tallies are the votes counted afresh (no driver or tag more or less), and a lookup of every
    driver answers what the old lookup did."""
    afresh = as_compared(await counted_afresh(connection))
    assert as_compared(await connection.fetch(KEPT)) == afresh
    expected = {}
    for row in await counted_afresh(connection, MIN_VOTERS, MIN_TAG_VOTERS):
        rep, tags = crowd_objects(crowd_of(tally_of(row)))
        expected[driver_ref(row["platform"], row["driver_id"])] = {"crowdRep": rep, "crowdTags": tags}
    assert await lookup.lookup(connection, DRIVERS) == expected


def random_batch(rng: random.Random, at: datetime, sessions: range, stale: float = 0.0) -> list[dict]:
    """Votes on some of DRIVERS, in a random order; a `stale` share of them cast 90 minutes before `at`."""
    drivers = rng.sample(DRIVERS, rng.randint(1, len(DRIVERS)))
    return [vote(driver_id, rng.choice((-1, 0, 1)), tuple(rng.sample(TAGS, rng.randint(0, 3))),
                 rng.choice([None, *sessions]),
                 (at - timedelta(minutes=90 if rng.random() < stale else 0)).isoformat(), platform)
            for platform, driver_id in drivers]


async def put(client: httpx.AsyncClient, token: str, votes: list[dict]) -> httpx.Response:
    return await client.put("/v1/votes", json={"votes": votes}, headers=bearer(token))


async def random_mix(client: httpx.AsyncClient, tokens: list[str], rng: random.Random, steps: int) -> None:
    """Batches (new votes, changed ones, some older than the vote kept), withdrawals, and sessions enough for
    some voters to settle (their votes re-weighed) midway."""
    for step in range(steps):
        token = rng.choice(tokens)
        if rng.random() < 0.2:
            platform, driver_id = rng.choice(DRIVERS)
            answer = await client.delete(f"/v1/votes/{platform}/{driver_id}", headers=bearer(token))
            assert answer.status_code == 204
        else:
            answer = await put(client, token, random_batch(rng, START + timedelta(minutes=step), range(1, 5), 0.25))
            assert answer.status_code == 200, answer.text


async def test_after_a_random_mix_of_votes_the_tallies_are_the_votes_counted_afresh(
        client: httpx.AsyncClient, connection: asyncpg.Connection):
    rng = random.Random(15)
    tokens = [await register(client) for _ in range(6)]
    await random_mix(client, tokens, rng, 80)
    importer = await register(client)  # names no session: stays new
    assert (await put(client, importer, random_batch(rng, START, range(0)))).status_code == 200
    assert await connection.fetchval("SELECT count(*) FROM voters WHERE sessions >= 3") > 0  # re-weighed midway
    assert {w for (w,) in await connection.fetch("SELECT DISTINCT weight FROM votes")} == {NEW_VOTER_WEIGHT, 1.0}
    await assert_tallies_exact(connection)
    assert await connection.fetchval("SELECT count(*) FROM driver_tallies") > 0


async def test_a_voter_deleted_takes_their_votes_out_of_the_tallies(
        client: httpx.AsyncClient, connection: asyncpg.Connection):
    tokens = [await register(client) for _ in range(4)]
    await random_mix(client, tokens, random.Random(7), 30)
    await connection.execute("DELETE FROM voters WHERE voter_id = $1", int(tokens[0].split(".")[0]))
    await assert_tallies_exact(connection)


async def test_the_last_voter_gone_takes_the_drivers_tally_and_tags_with_them(
        client: httpx.AsyncClient, connection: asyncpg.Connection):
    token = await register(client)
    assert (await put(client, token, [vote(1001, 1, ("clean", "fast"))])).status_code == 200
    assert await connection.fetchval("SELECT count(*) FROM driver_tag_counts") == 2
    assert (await client.delete("/v1/votes/iracing/1001", headers=bearer(token))).status_code == 204
    assert await connection.fetch("SELECT * FROM driver_tallies") == []
    assert await connection.fetch("SELECT * FROM driver_tag_counts") == []


async def test_votes_emptied_at_once_empty_the_tallies(client: httpx.AsyncClient, connection: asyncpg.Connection):
    tokens = [await register(client) for _ in range(3)]
    await random_mix(client, tokens, random.Random(3), 10)
    await connection.execute("TRUNCATE votes")
    assert await connection.fetchval("SELECT count(*) FROM driver_tallies") == 0
    assert await connection.fetchval("SELECT count(*) FROM driver_tag_counts") == 0


async def test_many_voters_at_once_on_the_same_drivers_lose_no_vote_and_never_deadlock(
        client: httpx.AsyncClient, connection: asyncpg.Connection):
    """Each of 24 voters sends 3 batches of votes on overlapping drivers (each batch in its own order), all
    at once; their sessions settle most of them midway, re-weighing their earlier votes."""
    rng = random.Random(21)
    tokens = [await register(client) for _ in range(24)]
    last: dict[tuple[str, int, str], int] = {}  # (platform, driver, voter) -> the rep of their last vote

    async def voter(token: str, batches: list[list[dict]]) -> list[int]:
        statuses = []
        for batch in batches:
            statuses.append((await put(client, token, batch)).status_code)
        return statuses

    plans = []
    for token in tokens:
        batches = [random_batch(rng, START + timedelta(hours=n), range(n + 1, n + 2)) for n in range(3)]
        plans.append(voter(token, batches))
        for batch in batches:  # each batch newer than the last: its votes win
            for item in batch:
                last[(item["platform"], item["driverId"], token)] = item["rep"]
    statuses = await asyncio.gather(*plans)
    assert {status for batch in statuses for status in batch} == {200}
    assert await connection.fetchval("SELECT count(*) FROM voters WHERE sessions = 3") > len(tokens) // 2
    voters_of: dict[str, int] = {}
    for platform, driver_id, _ in last:
        voters_of[driver_ref(platform, driver_id)] = voters_of.get(driver_ref(platform, driver_id), 0) + 1
    kept = as_compared(await connection.fetch(KEPT))
    assert {ref: tally[0] for ref, tally in kept.items()} == voters_of
    assert sum(tally[1] for tally in kept.values()) == sum(1 for rep in last.values() if rep == 1)
    await assert_tallies_exact(connection)


async def test_migrating_a_database_of_schema_1_counts_the_votes_it_has(
        hub_factory: HubFactory, connection: asyncpg.Connection, monkeypatch: pytest.MonkeyPatch):
    with monkeypatch.context() as schema_1:
        schema_1.setattr(database, "MIGRATIONS", MIGRATIONS[:1])
        schema_1.setattr(database, "LATEST", 1)
        old = await hub_factory(**OPEN)
        async with httpx.AsyncClient(base_url=old.url, timeout=60) as client:
            tokens = [await register(client) for _ in range(5)]
            await random_mix(client, tokens, random.Random(1), 40)
    assert await connection.fetchval("SELECT max(version) FROM schema_migrations") == 1
    assert await connection.fetchval("SELECT to_regclass('driver_tallies')") is None
    await hub_factory(**OPEN)
    assert await connection.fetchval("SELECT max(version) FROM schema_migrations") == 2
    assert await connection.fetchval("SELECT count(*) FROM driver_tallies") > 0
    await assert_tallies_exact(connection)
