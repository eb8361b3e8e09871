"""The hub's voters and votes on a real PostgreSQL over real HTTP: tokens, the upsert, deletes, aggregates."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.postgres import PostgresServer, RunningHub, bearer, register, run_sql, vote
from wots_tui.domain.crowd import NEW_VOTER_WEIGHT, Tally, crowd_objects, crowd_of

DRIVER = 123456


@pytest.fixture
async def client(hub: RunningHub) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=hub.url, timeout=30) as client:
        yield client


def rows(postgres: PostgresServer, hub: RunningHub, sql: str) -> list[tuple]:
    return run_sql(postgres, sql, database=hub.dsn.rpartition("/")[2])[0]


async def put(client: httpx.AsyncClient, token: str, *votes: dict) -> dict:
    answer = await client.put("/v1/votes", json={"votes": list(votes)}, headers=bearer(token))
    assert answer.status_code == 200, answer.text
    return answer.json()


async def crowd(client: httpx.AsyncClient, token: str, *driver_ids: int) -> dict:
    answer = await client.post("/v1/lookup", headers=bearer(token),
                               json={"drivers": [{"platform": "iracing", "id": d} for d in driver_ids]})
    assert answer.status_code == 200, answer.text
    return answer.json()["drivers"]


async def voters(client: httpx.AsyncClient, count: int) -> list[str]:
    return [await register(client) for _ in range(count)]


async def test_a_voter_gets_a_token_of_which_the_hub_keeps_only_the_hash(
        client: httpx.AsyncClient, hub: RunningHub, postgres: PostgresServer):
    answer = await client.post("/v1/voters", json={"identities": [{"platform": "iracing", "id": 4242}]})
    assert answer.status_code == 201
    body = answer.json()
    voter_id, secret = body["token"].split(".", 1)
    assert int(voter_id) == body["voterId"] and len(secret) >= 40
    assert rows(postgres, hub, "SELECT voter_id, token_hash FROM voters") == [
        (body["voterId"], hashlib.sha256(secret.encode()).digest())]
    everything = rows(postgres, hub, "SELECT row_to_json(t)::text FROM voters t UNION ALL "
                                     "SELECT row_to_json(t)::text FROM voter_identities t")
    assert everything and not any(secret in text for (text,) in everything)
    assert rows(postgres, hub, "SELECT platform, driver_id FROM voter_identities") == [("iracing", 4242)]


@pytest.mark.parametrize("header", [
    None, "Basic dXNlcjpwdw==", "Bearer", "Bearer 1", "Bearer x.y", "Bearer 99999.secret",
    "Bearer 99999999999999999999.secret", "Bearer ١.secret".encode(),
])
async def test_requests_without_a_token_the_hub_issued_are_401(client: httpx.AsyncClient, header: str | bytes | None):
    await register(client)
    headers = {} if header is None else {"Authorization": header}
    answers = [
        await client.put("/v1/votes", json={"votes": [vote(DRIVER)]}, headers=headers),
        await client.post("/v1/lookup", json={"drivers": [{"platform": "iracing", "id": DRIVER}]}, headers=headers),
        await client.delete(f"/v1/votes/iracing/{DRIVER}", headers=headers),
    ]
    for answer in answers:
        assert answer.status_code == 401 and answer.headers["WWW-Authenticate"] == "Bearer"
        assert list(answer.json()) == ["error"]


async def test_a_wrong_secret_for_a_real_voter_is_401(client: httpx.AsyncClient):
    token = await register(client)
    voter_id, secret = token.split(".", 1)
    for wrong in (f"{voter_id}.{secret[:-1]}", f"{voter_id}.{secret}x", f"{int(voter_id) + 1}.{secret}"):
        answer = await client.put("/v1/votes", json={"votes": [vote(DRIVER)]}, headers=bearer(wrong))
        assert (answer.status_code, answer.json()) == (401, {"error": "this token is not one the hub issued"})


async def test_the_last_vote_by_cast_time_wins_and_an_older_one_changes_nothing(
        client: httpx.AsyncClient, hub: RunningHub, postgres: PostgresServer):
    token = await register(client)
    await put(client, token, vote(DRIVER, 1, ("clean",), 81552310, at="2026-12-02T18:00:00Z"))
    assert await put(client, token, vote(DRIVER, -1, ("divebomber",), 81552311, at="2026-12-02T18:05:00Z")) == {
        "accepted": 1, "refused": []}
    await put(client, token, vote(DRIVER, 0, (), None, at="2026-12-02T17:00:00Z"))  # older: kept out
    assert rows(postgres, hub, "SELECT driver_id, rep, tags, session_id, cast_at::text FROM votes") == [
        (DRIVER, -1, ["divebomber"], 81552311, "2026-12-02 18:05:00+00")]


async def test_a_batch_naming_one_driver_twice_keeps_the_later_vote(
        client: httpx.AsyncClient, hub: RunningHub, postgres: PostgresServer):
    token = await register(client)
    done = await put(client, token, vote(DRIVER, 1, at="2026-12-02T18:10:00Z"), vote(DRIVER, -1, at="2026-12-02T18:00:00Z"),
                     vote(DRIVER + 1, 0))
    assert done == {"accepted": 3, "refused": []}
    assert rows(postgres, hub, "SELECT driver_id, rep FROM votes ORDER BY driver_id") == [(DRIVER, 1), (DRIVER + 1, 0)]


async def test_first_votes_at_once_make_one_row_per_voter(
        client: httpx.AsyncClient, hub: RunningHub, postgres: PostgresServer):
    one, two = await voters(client, 2)
    answers = await asyncio.gather(
        *(client.put("/v1/votes", json={"votes": [vote(DRIVER, rep)]}, headers=bearer(one)) for rep in (1, -1, 0, 1)),
        *(client.put("/v1/votes", json={"votes": [vote(DRIVER, -1)]}, headers=bearer(two)) for _ in range(4)))
    assert [answer.status_code for answer in answers] == [200] * 8
    counted = rows(postgres, hub, "SELECT voter_id, count(*) FROM votes GROUP BY voter_id ORDER BY voter_id")
    assert [n for _, n in counted] == [1, 1]


async def test_a_deleted_vote_is_gone_and_deleting_none_is_fine(
        client: httpx.AsyncClient, hub: RunningHub, postgres: PostgresServer):
    token, other = await voters(client, 2)
    await put(client, token, vote(DRIVER), vote(DRIVER, platform="ams2"))
    await put(client, other, vote(DRIVER))
    assert (await client.delete(f"/v1/votes/iracing/{DRIVER}", headers=bearer(token))).status_code == 204
    assert (await client.delete(f"/v1/votes/iracing/{DRIVER}", headers=bearer(token))).status_code == 204
    assert len(rows(postgres, hub, "SELECT 1 FROM votes WHERE platform = 'iracing'")) == 1  # the other voter's
    assert len(rows(postgres, hub, "SELECT 1 FROM votes WHERE platform = 'ams2'")) == 1


async def test_a_driver_appears_from_three_voters_on_and_a_tag_from_three_choosers_on(client: httpx.AsyncClient):
    tokens = await voters(client, 5)
    await put(client, tokens[0], vote(DRIVER, 1, ("clean", "fast")))
    await put(client, tokens[1], vote(DRIVER, 1, ("clean", "fast")))
    assert await crowd(client, tokens[0], DRIVER) == {}  # two voters: nothing
    await put(client, tokens[2], vote(DRIVER, -1, ("clean",)))
    found = await crowd(client, tokens[4], DRIVER, DRIVER + 1)
    assert list(found) == [f"iracing:{DRIVER}"]
    rep, tags = crowd_objects(crowd_of(Tally(3, 2, 1, 0, 1.0, 0.5, 0.0, {"clean": 3})))
    assert found[f"iracing:{DRIVER}"] == {"crowdRep": rep, "crowdTags": tags}
    assert rep["total"] == 3 and [t["id"] for t in tags["overall"]] == ["clean"]  # "fast": two of them only
    await put(client, tokens[3], vote(DRIVER, 0))
    await put(client, tokens[4], vote(DRIVER, 1))
    tags = (await crowd(client, tokens[4], DRIVER))[f"iracing:{DRIVER}"]["crowdTags"]
    assert [(t["id"], t["count"], t["percent"]) for t in tags["overall"]] == [("clean", 3, 60)]


async def test_voters_settled_in_three_sessions_weigh_fully_and_new_ones_half(client: httpx.AsyncClient):
    settled, fresh = await voters(client, 3), await voters(client, 3)
    for token in settled:
        for session in (1, 2, 3):
            await put(client, token, vote(900 + session, 0, session=session))
    for token in settled:
        await put(client, token, vote(DRIVER, 1))
    for token in fresh:
        await put(client, token, vote(DRIVER + 1, 1, session=1), vote(DRIVER + 2, 1, session=2))  # two sessions
    found = await crowd(client, settled[0], DRIVER, DRIVER + 1)
    w = NEW_VOTER_WEIGHT
    assert found[f"iracing:{DRIVER}"]["crowdRep"] == crowd_objects(crowd_of(Tally(3, 3, 0, 0, 3.0, 0, 0)))[0]
    assert found[f"iracing:{DRIVER + 1}"]["crowdRep"] == crowd_objects(crowd_of(Tally(3, 3, 0, 0, 3 * w, 0, 0)))[0]
    assert (found[f"iracing:{DRIVER}"]["crowdRep"]["weightedScore"]
            > found[f"iracing:{DRIVER + 1}"]["crowdRep"]["weightedScore"])


async def test_the_same_id_on_two_platforms_is_two_drivers(client: httpx.AsyncClient):
    tokens = await voters(client, 3)
    for token in tokens:
        await put(client, token, vote(DRIVER, -1, platform="ams2"))
    answer = await client.post("/v1/lookup", headers=bearer(tokens[0]), json={"drivers": [
        {"platform": "iracing", "id": DRIVER}, {"platform": "ams2", "id": DRIVER}]})
    assert list(answer.json()["drivers"]) == [f"ams2:{DRIVER}"]
    assert answer.json()["drivers"][f"ams2:{DRIVER}"]["crowdRep"]["down"] == 3


async def test_a_voters_earlier_votes_weigh_fully_once_they_settle(client: httpx.AsyncClient):
    tokens = await voters(client, 3)
    for token in tokens:
        await put(client, token, vote(DRIVER, -1))
    before = (await crowd(client, tokens[0], DRIVER))[f"iracing:{DRIVER}"]["crowdRep"]
    for token in tokens:
        for session in (1, 2, 3):
            await put(client, token, vote(900 + session, 0, session=session))
    after = (await crowd(client, tokens[0], DRIVER))[f"iracing:{DRIVER}"]["crowdRep"]
    w = NEW_VOTER_WEIGHT
    assert before == crowd_objects(crowd_of(Tally(3, 0, 3, 0, 0, 3 * w, 0)))[0]
    assert after == crowd_objects(crowd_of(Tally(3, 0, 3, 0, 0, 3.0, 0)))[0] != before


async def test_a_hub_whose_database_was_made_anew_knows_the_new_voter_of_a_reused_id(
        client: httpx.AsyncClient, hub: RunningHub, postgres: PostgresServer):
    old = await register(client)
    await put(client, old, vote(DRIVER))  # the hub has read voter 1's hash
    run_sql(postgres, "TRUNCATE voters, voter_identities, votes, voter_sessions, rate_counts RESTART IDENTITY",
            database=hub.dsn.rpartition("/")[2])
    new = await register(client)
    assert new.split(".")[0] == old.split(".")[0]
    assert (await client.put("/v1/votes", json={"votes": [vote(DRIVER)]}, headers=bearer(new))).status_code == 200
    assert (await client.put("/v1/votes", json={"votes": [vote(DRIVER)]}, headers=bearer(old))).status_code == 401
