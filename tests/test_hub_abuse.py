"""What keeps the crowd fair, on a real PostgreSQL over real HTTP: no self-votes, rate limits shared by every
hub on the database, the session cap, input checked, bodies limited, and tokens kept out of logs and errors."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import orjson
import pytest

from tests.postgres import HubFactory, PostgresServer, RunningHub, bearer, register, run_sql, vote
from wots_tui.logs import setup_logging

DRIVER = 123456


@pytest.fixture
async def client(hub: RunningHub) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=hub.url, timeout=30) as client:
        yield client


def votes_in(postgres: PostgresServer, dsn: str) -> list[tuple]:
    return run_sql(postgres, "SELECT platform, driver_id, session_id FROM votes ORDER BY 1, 2",
                   database=dsn.rpartition("/")[2])[0]


async def test_a_vote_about_ones_own_id_is_refused_and_the_rest_of_the_batch_kept(
        client: httpx.AsyncClient, hub: RunningHub, postgres: PostgresServer):
    token = await register(client, ("iracing", 4242), ("ams2", 76561198000000001))
    answer = await client.put("/v1/votes", headers=bearer(token), json={"votes": [
        vote(4242), vote(DRIVER), vote(76561198000000001, platform="ams2"), vote(4242, platform="ams2")]})
    assert answer.json() == {"accepted": 2, "refused": [
        {"index": 0, "code": "self-vote", "error": "votes[0]: iracing:4242 is one of your own ids"},
        {"index": 2, "code": "self-vote", "error": "votes[2]: ams2:76561198000000001 is one of your own ids"}]}
    assert votes_in(postgres, hub.dsn) == [("ams2", 4242, None), ("iracing", DRIVER, None)]


async def test_votes_over_the_hourly_limit_are_429_with_retry_after_and_write_nothing(
        hub_factory: HubFactory, postgres: PostgresServer):
    hub = await hub_factory(votes_per_hour=5)
    async with httpx.AsyncClient(base_url=hub.url) as client:
        token = await register(client)
        ok = await client.put("/v1/votes", headers=bearer(token), json={"votes": [vote(d) for d in (1, 2, 3)]})
        over = await client.put("/v1/votes", headers=bearer(token), json={"votes": [vote(d) for d in (4, 5, 6)]})
        other = await register(client)
        fine = await client.put("/v1/votes", headers=bearer(other), json={"votes": [vote(7)]})  # per voter
    assert ok.status_code == 200 and fine.status_code == 200
    assert over.status_code == 429 and over.json()["code"] == "rate-limit"
    assert over.json()["error"].startswith("too many votes: at most 5 an hour and 3000 a day; try again in ")
    assert 1 <= int(over.headers["Retry-After"]) <= 3600
    assert [driver for _, driver, _ in votes_in(postgres, hub.dsn)] == [1, 2, 3, 7]


async def test_the_daily_limit_counts_the_last_24_hours(hub_factory: HubFactory):
    hub = await hub_factory(votes_per_day=4)
    async with httpx.AsyncClient(base_url=hub.url) as client:
        token = await register(client)
        assert (await client.put("/v1/votes", headers=bearer(token), json={"votes": [vote(1), vote(2)]})).status_code == 200
        over = await client.put("/v1/votes", headers=bearer(token), json={"votes": [vote(3), vote(4), vote(5)]})
    assert over.status_code == 429
    assert 23 * 3600 <= int(over.headers["Retry-After"]) <= 24 * 3600  # this hour's votes count until this time tomorrow


async def test_two_hubs_on_one_database_share_the_limits(hub_factory: HubFactory):
    one, two = await hub_factory(votes_per_hour=5), await hub_factory(votes_per_hour=5)
    async with httpx.AsyncClient(base_url=one.url) as first_hub, httpx.AsyncClient(base_url=two.url) as second_hub:
        token = await register(first_hub)
        first = await first_hub.put("/v1/votes", headers=bearer(token), json={"votes": [vote(1), vote(2), vote(3)]})
        second = await second_hub.put("/v1/votes", headers=bearer(token), json={"votes": [vote(4), vote(5), vote(6)]})
    assert (first.status_code, second.status_code) == (200, 429)


async def test_registrations_are_limited_per_address(hub_factory: HubFactory):
    hub = await hub_factory(registrations_per_hour=2)
    async with httpx.AsyncClient(base_url=hub.url) as client:
        answers = [await client.post("/v1/voters", json={"identities": []}) for _ in range(3)]
    assert [answer.status_code for answer in answers] == [201, 201, 429]
    assert answers[2].json()["code"] == "rate-limit" and int(answers[2].headers["Retry-After"]) >= 1


async def test_one_voter_rates_at_most_the_cap_of_drivers_naming_one_session(
        hub_factory: HubFactory, postgres: PostgresServer):
    hub = await hub_factory(session_cap=3)
    async with httpx.AsyncClient(base_url=hub.url) as client:
        token = await register(client)
        first = await client.put("/v1/votes", headers=bearer(token),
                                 json={"votes": [vote(d, session=7) for d in (1, 2, 3, 4)]})
        again = await client.put("/v1/votes", headers=bearer(token), json={"votes": [
            vote(2, -1, session=7, at="2026-12-02T19:00:00Z"), vote(5, session=7), vote(5, session=8), vote(6)]})
    assert first.json() == {"accepted": 3, "refused": [
        {"index": 3, "code": "session-cap", "error": "votes[3]: you already rated 3 drivers in session 7"}]}
    assert again.json()["accepted"] == 3 and [r["index"] for r in again.json()["refused"]] == [1]
    assert votes_in(postgres, hub.dsn) == [("iracing", 1, 7), ("iracing", 2, 7), ("iracing", 3, 7),
                                           ("iracing", 5, 8), ("iracing", 6, None)]


INT64_MAX = 2**63 - 1


@pytest.mark.parametrize(("body", "error"), [
    ({"votes": [vote(INT64_MAX + 1)]}, f"votes[0]: driverId must be a positive 64-bit whole number, not {INT64_MAX + 1}"),
    ({"votes": [vote(0)]}, "votes[0]: driverId must be a positive 64-bit whole number, not 0"),
    ({"votes": [vote(1), vote(-5)]}, "votes[1]: driverId must be a positive 64-bit whole number, not -5"),
    ({"votes": [vote(1, session=INT64_MAX + 1)]}, "votes[0]: sessionId must be a positive 64-bit whole number, not 9223372036854775808"),
    ({"votes": [vote(1, platform="rfactor2")]}, "votes[0]: unknown platform 'rfactor2' (known: iracing, ams2)"),
    ({"votes": [vote(1, tags=("my-own-tag",))]},
     "votes[0]: 'my-own-tag' is not a built-in tag (a racer's own tags are never shared)"),
    ({"votes": [vote(1, rep=2)]}, "votes[0]: rep must be -1, 0 or 1, not 2"),
    ({"votes": [vote(1, at="yesterday")]}, "votes[0]: castAt is not an ISO 8601 time: 'yesterday'"),
    ({"votes": []}, '"votes" must hold 1 to 100 items, not 0'),
    ({"votes": [vote(n) for n in range(1, 102)]}, '"votes" must hold 1 to 100 items, not 101'),
    ({"vote": [vote(1)]}, 'the body must be an object with a "votes" list'),
    ([vote(1)], 'the body must be an object with a "votes" list'),
])
async def test_a_bad_batch_of_votes_is_400_in_one_line_and_writes_nothing(
        client: httpx.AsyncClient, hub: RunningHub, postgres: PostgresServer, body: object, error: str):
    token = await register(client)
    answer = await client.put("/v1/votes", headers=bearer(token), content=orjson.dumps(body))
    assert (answer.status_code, answer.json()) == (400, {"error": error})
    assert votes_in(postgres, hub.dsn) == []


@pytest.mark.parametrize(("content", "error"), [
    (b"", "the body is not JSON: "),
    (b"{votes: 1}", "the body is not JSON: "),
])
async def test_a_body_that_is_not_json_is_400(client: httpx.AsyncClient, content: bytes, error: str):
    token = await register(client)
    answer = await client.put("/v1/votes", headers=bearer(token), content=content)
    assert answer.status_code == 400 and answer.json()["error"].startswith(error)
    assert "\n" not in answer.json()["error"]


async def test_an_id_past_64_bits_is_refused_even_where_json_makes_it_a_float(client: httpx.AsyncClient):
    token = await register(client)
    body = b'{"votes": [{"platform": "iracing", "driverId": 99999999999999999999999, "rep": 1, "castAt": "2026-12-02"}]}'
    answer = await client.put("/v1/votes", headers=bearer(token), content=body)
    assert (answer.status_code, answer.json()) == (400, {"error": "votes[0]: driverId must be int, not float"})


async def test_a_lookup_takes_1_to_64_valid_drivers(client: httpx.AsyncClient):
    token = await register(client)
    many = await client.post("/v1/lookup", headers=bearer(token),
                             json={"drivers": [{"platform": "iracing", "id": n} for n in range(1, 66)]})
    bad = await client.post("/v1/lookup", headers=bearer(token), json={"drivers": [{"platform": "iracing", "id": "7"}]})
    assert (many.status_code, many.json()) == (400, {"error": '"drivers" must hold 1 to 64 items, not 65'})
    assert (bad.status_code, bad.json()) == (400, {"error": "drivers[0]: id must be int, not str"})
    full = await client.post("/v1/lookup", headers=bearer(token),
                             json={"drivers": [{"platform": "iracing", "id": n} for n in range(1, 65)]})
    assert (full.status_code, full.json()) == (200, {"drivers": {}})


async def test_registration_takes_at_most_four_valid_identities(client: httpx.AsyncClient):
    five = await client.post("/v1/voters", json={"identities": [{"platform": "iracing", "id": n} for n in range(1, 6)]})
    bad = await client.post("/v1/voters", json={"identities": [{"platform": "iracing", "id": 0}]})
    assert (five.status_code, five.json()) == (400, {"error": '"identities" must hold 0 to 4 items, not 5'})
    assert (bad.status_code, bad.json()) == (400, {"error": "identities[0]: id must be a positive 64-bit whole number, not 0"})


@pytest.mark.parametrize("path", ["/v1/votes/rfactor2/5", "/v1/votes/iracing/0", "/v1/votes/iracing/abc",
                                  f"/v1/votes/iracing/{2**63}"])
async def test_a_delete_of_no_valid_driver_is_400(client: httpx.AsyncClient, path: str):
    token = await register(client)
    answer = await client.delete(path, headers=bearer(token))
    assert answer.status_code == 400 and list(answer.json()) == ["error"]


async def test_a_body_over_64_kib_is_413_and_unknown_paths_and_methods_are_json(client: httpx.AsyncClient):
    token = await register(client)
    big = await client.put("/v1/votes", headers=bearer(token), content=b'{"votes": [' + b" " * 70_000 + b"]}")
    unknown = await client.get("/v1/nothing")
    wrong = await client.get("/v1/votes")
    assert big.status_code == 413 and list(big.json()) == ["error"]
    assert (unknown.status_code, list(unknown.json())) == (404, ["error"])
    assert wrong.status_code == 405 and list(wrong.json()) == ["error"] and "PUT" in wrong.headers["Allow"]


async def test_no_token_and_no_password_reach_a_log_or_an_answer(
        tmp_path: Path, hub: RunningHub, postgres: PostgresServer):
    log_path = setup_logging("DEBUG", folder=tmp_path)
    name = hub.dsn.rpartition("/")[2]
    answers = []
    try:
        async with httpx.AsyncClient(base_url=hub.url) as client:
            token = await register(client)
            voter_id, secret = token.split(".", 1)
            wrong = f"{voter_id}.{secret[::-1]}"
            for used in (token, wrong):
                answers.append(await client.put("/v1/votes", headers=bearer(used), json={"votes": [vote(0)]}))
                answers.append(await client.put("/v1/votes", headers=bearer(used), content=b"{"))
                answers.append(await client.post("/v1/lookup", headers=bearer(used), json={"drivers": []}))
            run_sql(postgres, f"ALTER DATABASE {name} WITH ALLOW_CONNECTIONS false",
                    f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
            try:
                for used in (token, wrong):  # the database away: the failures are logged
                    answers.append(await client.put("/v1/votes", headers=bearer(used), json={"votes": [vote(1)]}))
            finally:
                run_sql(postgres, f"ALTER DATABASE {name} WITH ALLOW_CONNECTIONS true")
    finally:
        for handler in logging.getLogger().handlers[:]:
            if getattr(handler, "baseFilename", None) == str(log_path):
                logging.getLogger().removeHandler(handler)
                handler.close()
    logged = log_path.read_text(encoding="utf-8")
    assert "the hub's database did not answer PUT /v1/votes" in logged
    assert [answer.status_code for answer in answers] == [400, 400, 400, 401, 401, 401, 503, 503]
    for text in [logged, *(answer.text for answer in answers), *(str(answer.headers) for answer in answers)]:
        assert secret not in text and secret[::-1] not in text
        assert not postgres.password or postgres.password not in text
