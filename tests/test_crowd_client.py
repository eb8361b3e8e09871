"""The crowd client end to end: real engines on real DuckDB notebooks, the real hub on a real PostgreSQL, the real
local API over real sockets. Needs PostgreSQL (the `hub` fixture says so and skips with the reason where none
can run)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx
import pytest

from tests.helpers import in_session, until, write_race_moment
from tests.postgres import RunningHub
from tests.test_api_schema import assert_valid
from wots_tui.annotators.base import Roster
from wots_tui.annotators.crowd import ON, UNREACHABLE, Backoff, CrowdAnnotator
from wots_tui.annotators.hub_client import HubClient, RateLimited, Refused, Unreachable
from wots_tui.annotators.voter_token import VoterTokens
from wots_tui.domain.board import CROWD
from wots_tui.domain.crowd import Crowd, Tally, Vote, crowd_objects, crowd_of
from wots_tui.domain.notebook import Key
from wots_tui.engine import Engine, Notice
from wots_tui.hub.app import running
from wots_tui.hub.settings import HubSettings
from wots_tui.server import ApiServer
from wots_tui.sources.factory import SourceSpec, build_source
from wots_tui.store import Database
from wots_tui.store import crowd as crowd_store

QUICK = Backoff(first=0.05, most=0.2)  # the pusher's waits while the hub is away, short for the tests
NOTE, NICKNAME = "brake-tested me at turn one, zqxj", "Zqxjnick"


class Racer:
    """One racer's machine: a notebook, a voter token file, an engine on the fake sim's race, and the crowd."""

    def __init__(self, folder: Path, hub: str) -> None:
        folder.mkdir(exist_ok=True)
        self.folder, self.hub = folder, hub
        self.notices: list[Notice] = []

    @contextlib.asynccontextmanager
    async def running(self, api: bool = False) -> AsyncIterator[Engine]:
        database = Database(self.folder / "notebook.duckdb")
        crowd = CrowdAnnotator(database, self.hub, VoterTokens(self.folder / "crowd-voter.json"), backoff=QUICK)
        engine = Engine(build_source(SourceSpec.of("file", path=write_race_moment(self.folder)), max_rate=20.0),
                        database, annotators=[crowd])
        engine.subscribe(lambda board: None, self.notices.append)
        server = ApiServer(engine, port=0)
        if api:
            engine.attach(server)
        await engine.start()
        try:
            await in_session(engine)
            self.server = server
            yield engine
        finally:
            await engine.stop()

    async def queue_drained(self, engine: Engine) -> None:
        for _ in range(500):
            if not await engine.database.call(crowd_store.outgoing, self.hub, 1):
                return
            await asyncio.sleep(0.02)
        raise AssertionError("the votes never left")


def humans(engine: Engine) -> list[Key]:
    return [row.key for row in engine.board.rows if not row.is_player and not row.is_ai]


async def api_get(server: ApiServer, path: str) -> dict:
    """An answer of the local API, checked against its OpenAPI document (crowd fields filled, crowdStale too)."""
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}", timeout=5.0) as client:
        return assert_valid(path.split("?")[0], await client.get(path))


def entry_key(key: Key) -> str:
    return str(key[1])


async def test_three_racers_votes_show_in_a_fourth_racers_api_and_no_note_reaches_the_hub(hub: RunningHub, tmp_path: Path):
    liked = shy = None
    for n in range(3):
        racer = Racer(tmp_path / f"racer{n}", hub.url)
        async with racer.running() as engine:
            liked, shy = humans(engine)[:2]
            await engine.edit(liked, rating=1, note=NOTE, nickname=NICKNAME)
            await engine.toggle_tag(liked, "clean")
            if n == 0:
                await engine.edit(shy, rating=-1, tag_ids=("divebomber",))  # one voter only: never published
            await racer.queue_drained(engine)
            assert engine.crowdsourcing and racer.notices == []
    assert liked is not None and shy is not None

    fourth = Racer(tmp_path / "fourth", hub.url)
    async with fourth.running(api=True) as engine:
        drivers = await until_api(fourth.server, lambda d: d["drivers"][entry_key(liked)]["crowdRep"] is not None)
        assert (await api_get(fourth.server, "/api/status"))["crowdsourcingEnabled"] is True
        theirs = drivers["drivers"][entry_key(liked)]
        # three new voters (one session each) weigh half: 1.5 up votes against the prior's 4 each way
        assert theirs["crowdRep"] == {"score": 3, "label": "Neutral", "up": 3, "down": 0, "total": 3,
                                      "weightedScore": 3.3, "confidence": "low"}
        assert (theirs["crowdRep"], theirs["crowdTags"]) == crowd_objects(crowd_of(Tally(3, 3, 0, 0, 1.5, 0, 0, {"clean": 3})))
        clean = {"id": "clean", "name": "Clean Racer", "icon": "✨", "category": "Racecraft", "color": "#4ade80",
                 "count": 3, "percent": 100}
        assert theirs["crowdTags"] == {"overall": [clean], "byCategory": {"Racecraft": [clean]}}
        assert theirs["crowdStale"] is False
        assert theirs["userRep"] is None  # the fourth racer's own notebook says nothing of them
        assert drivers["drivers"][entry_key(shy)]["crowdRep"] is None and drivers["drivers"][entry_key(shy)]["crowdTags"] is None
        view = next(row for row in engine.board.rows if row.key == liked).crowd
        assert view is not None and view.crowd.rep.total == 3 and not view.stale
        assert engine.crowd_status == ON and (ON, True) in engine.statuses

    dump = await pg_dump(hub.dsn)
    assert "clean" in dump  # the dump holds the votes
    for private in (NOTE, "zqxj", NICKNAME, "Zqxjnick".lower()):
        assert private not in dump and private not in dump.lower(), private
    assert str(liked[1]) in dump
    names = [row.name for row in engine.board.rows if row.key in (liked, shy)]
    assert names and not any(name in dump for name in names)  # nor the drivers' names


async def pg_dump(dsn: str) -> str:
    """Everything the hub's database holds, as pg_dump writes it (its data; the schema has no votes)."""
    process = await asyncio.create_subprocess_exec("pg_dump", "--data-only", dsn, stdout=asyncio.subprocess.PIPE,
                                                   stderr=asyncio.subprocess.PIPE)
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode(errors="replace")[-500:]
    return out.decode("utf-8")


async def until_api(server: ApiServer, condition) -> dict:
    for _ in range(250):
        document = await api_get(server, "/api/drivers")
        if document.get("inSession") and condition(document):
            return document
        await asyncio.sleep(0.02)
    raise AssertionError("the API never showed it")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def votes_on_hub(dsn: str) -> list[tuple]:
    connection = await asyncpg.connect(dsn)
    try:
        return [tuple(r) for r in await connection.fetch("SELECT platform, driver_id, rep, tags FROM votes ORDER BY driver_id")]
    finally:
        await connection.close()


async def test_votes_made_while_the_hub_is_away_go_when_it_is_back_even_after_a_restart(pg_dsn: str, tmp_path: Path):
    settings = HubSettings(database_url=pg_dsn, host="127.0.0.1", port=free_port(), pool_size=4)
    url = f"http://127.0.0.1:{settings.port}"
    racer = Racer(tmp_path / "racer", url)
    async with running(settings), racer.running() as engine:  # the hub once: the racer is a voter now
        first = humans(engine)[0]
        await engine.edit(first, rating=1)
        await racer.queue_drained(engine)
    assert await votes_on_hub(pg_dsn) == [("iracing", first[1], 1, [])]

    async with racer.running(api=True) as engine:  # the hub is gone
        second, third = humans(engine)[1:3]
        await engine.edit(second, rating=-1, tag_ids=("divebomber",), note="rammed me")
        await engine.edit(third, rating=0)
        await engine.edit(first, rating=None)  # a withdrawal, waiting too
        await until(lambda: engine.crowd_status == UNREACHABLE)
        assert (UNREACHABLE, False) in engine.statuses  # the header warns
        assert (await engine.record(second)).note == "rammed me"  # the notebook does not care
        waiting = await engine.database.call(crowd_store.outgoing, url, 100)
        assert (len(waiting.votes), waiting.withdrawals) == (2, (first,))
        document = await api_get(racer.server, "/api/drivers")
        assert document["inSession"] and len(document["drivers"]) > 3  # the API serves as ever
    assert len(racer.notices) == 1  # told once, however often it failed
    assert "cannot be reached" in racer.notices[0].text and "notebook is saved" in racer.notices[0].text

    async with running(settings), racer.running() as engine:  # back, and the app started again
        await racer.queue_drained(engine)
        assert engine.crowd_status == ON
    assert await votes_on_hub(pg_dsn) == sorted([("iracing", second[1], -1, ["divebomber"]), ("iracing", third[1], 0, [])],
                                                key=lambda v: v[1])


async def test_votes_made_while_the_hub_is_away_go_when_it_comes_back_during_the_run(pg_dsn: str, tmp_path: Path):
    settings = HubSettings(database_url=pg_dsn, host="127.0.0.1", port=free_port(), pool_size=4)
    racer = Racer(tmp_path / "racer", f"http://127.0.0.1:{settings.port}")
    async with racer.running() as engine:  # never reached yet: not even registered
        someone = humans(engine)[0]
        await engine.edit(someone, rating=1, tag_ids=("clean",))
        await until(lambda: engine.crowd_status == UNREACHABLE)
        async with running(settings):  # the pusher's next try finds it
            await racer.queue_drained(engine)
            await until(lambda: engine.crowd_status == ON)
            assert await votes_on_hub(pg_dsn) == [("iracing", someone[1], 1, ["clean"])]


async def test_the_last_crowd_data_shows_stale_while_the_hub_is_away(hub_factory, tmp_path: Path):
    settings = HubSettings(database_url=hub_factory.dsn, host="127.0.0.1", port=free_port(), pool_size=4)
    url = f"http://127.0.0.1:{settings.port}"
    async with running(settings):
        liked = None
        for n in range(3):
            racer = Racer(tmp_path / f"racer{n}", url)
            async with racer.running() as engine:
                liked = humans(engine)[0]
                await engine.edit(liked, rating=1)
                await racer.queue_drained(engine)
        watcher = Racer(tmp_path / "watcher", url)
        async with watcher.running() as engine:
            await until(lambda: engine.board.versions.get(CROWD, 0) and any(r.crowd for r in engine.board.rows))
    assert liked is not None
    async with watcher.running(api=True) as engine:  # the hub is gone: the cached answer, marked stale
        row = await until(lambda: next((r for r in engine.board.rows if r.key == liked and r.crowd), None))
        assert row.crowd.stale and row.crowd.crowd.rep.total == 3
        theirs = (await api_get(watcher.server, "/api/drivers"))["drivers"][entry_key(liked)]
        assert theirs["crowdRep"]["total"] == 3 and theirs["crowdStale"] is True
        await until(lambda: engine.crowd_status == UNREACHABLE)
        await engine.edit(liked, note="still written")
        assert (await engine.record(liked)).note == "still written"
    assert len(watcher.notices) == 1


async def test_a_noted_driver_out_of_the_session_gets_the_cached_crowd_data_in_the_api(hub: RunningHub, tmp_path: Path):
    racer = Racer(tmp_path / "racer", hub.url)
    async with racer.running(api=True) as engine:
        crowd = crowd_of(Tally(5, 4, 1, 0, 4.0, 1.0, 0.0, {"clean": 4}))
        assert isinstance(crowd, Crowd)
        absent = ("iracing", 999_001)
        await engine.edit(absent, note="met last week")
        await engine.database.call(crowd_store.remember, hub.url, [absent], {absent: crowd}, engine.clock())
        driver = await api_get(racer.server, "/api/driver?id=999001")
        assert driver["crowdRep"]["total"] == crowd.rep.total and driver["crowdStale"] is True
        entries = (await api_get(racer.server, "/api/notebook"))["entries"]
        assert entries["999001"]["crowdRep"]["label"] == crowd.rep.label and entries["999001"]["crowdStale"] is True


# the client's wire, alone


async def test_each_failure_of_the_client_is_one_line_and_never_shows_the_token(hub: RunningHub, tmp_path: Path):
    closed = HubClient(f"http://127.0.0.1:{free_port()}", token="7.s3cret-token")
    with pytest.raises(Unreachable) as away:
        await closed.lookup([("iracing", 1)])
    await closed.aclose()
    assert "cannot be reached" in str(away.value) and "\n" not in str(away.value)

    client = HubClient(hub.url)
    token = await client.register([("iracing", 424242)])
    client.token = token
    assert token.split(".")[1] not in repr(client)
    wrong = HubClient(hub.url, token=token.split(".")[0] + ".not-the-secret")
    with pytest.raises(Refused) as refused:
        await wrong.lookup([("iracing", 1)])
    assert refused.value.code == "unauthorized" and "not-the-secret" not in str(refused.value)
    await wrong.aclose()
    assert await client.health() >= 1
    await client.aclose()


async def test_a_rate_limited_push_says_how_long_to_wait(hub_factory, tmp_path: Path):
    limited = await hub_factory(votes_per_hour=1)
    client = HubClient(limited.url)
    client.token = await client.register([])
    votes = [Vote("iracing", n, 1, (), None, datetime(2026, 12, 2, 18, tzinfo=UTC)) for n in (1, 2)]
    with pytest.raises(RateLimited) as caught:
        await client.push(votes)
    assert caught.value.retry_after > 0 and "wait" in str(caught.value)
    await client.aclose()


async def test_a_hub_that_forgot_the_racer_gets_a_new_voter_and_every_vote_again(pg_dsn: str, tmp_path: Path):
    settings = HubSettings(database_url=pg_dsn, host="127.0.0.1", port=free_port(), pool_size=4)
    racer = Racer(tmp_path / "racer", f"http://127.0.0.1:{settings.port}")
    async with running(settings), racer.running() as engine:
        first, second = humans(engine)[:2]
        await engine.edit(first, rating=1)
        await racer.queue_drained(engine)
    old_token = VoterTokens(racer.folder / "crowd-voter.json").get(racer.hub)
    connection = await asyncpg.connect(pg_dsn)
    try:
        await connection.execute("DELETE FROM voters")  # the hub's database reset while it was down: votes gone too
    finally:
        await connection.close()
    async with running(settings), racer.running() as engine:
        await engine.edit(second, rating=-1)
        await until_async(lambda: votes_on_hub(pg_dsn), lambda votes: len(votes) == 2)
    assert sorted(await votes_on_hub(pg_dsn)) == sorted([("iracing", first[1], 1, []), ("iracing", second[1], -1, [])])
    assert VoterTokens(racer.folder / "crowd-voter.json").get(racer.hub) not in (None, old_token)


async def until_async(read, condition, tries: int = 250):
    for _ in range(tries):
        if condition(value := await read()):
            return value
        await asyncio.sleep(0.02)
    raise AssertionError("condition never held")


class Recording(httpx.AsyncBaseTransport):
    """The real transport, with each request's method, path and JSON body kept (the hub still answers it)."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.seen: list[tuple[str, str, object]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        self.seen.append((request.method, request.url.path, body))
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_a_roster_is_one_lookup_of_its_people_and_never_of_an_ai_car(hub: RunningHub, tmp_path: Path):
    from tests.test_api_ams2 import DRIVERS, ams2_session

    recording = Recording()
    database = Database(tmp_path / "notebook.duckdb")
    crowd = CrowdAnnotator(database, hub.url, VoterTokens(tmp_path / "voter.json"), backoff=QUICK, transport=recording)
    try:
        snapshot = ams2_session()
        await crowd.roster_changed(Roster(snapshot, snapshot.facts.meeting, datetime.now(UTC)))
        await until(lambda: any(path == "/v1/lookup" for _, path, _ in recording.seen))
        await until(lambda: crowd.version >= 2 or crowd.status != ON)
        lookups = [body for method, path, body in recording.seen if path == "/v1/lookup"]
        people = [{"platform": "ams2", "id": d.driver_id} for d in DRIVERS if not d.is_ai]
        assert lookups == [{"drivers": people}] and crowd.status == ON  # one request, the humans only
        assert [path for _, path, _ in recording.seen] == ["/v1/voters", "/v1/lookup"]  # registered on the way
    finally:
        await crowd.close()
        database.close()
