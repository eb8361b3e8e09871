"""The local API on an AMS2 session over real sockets: a real engine fed hand-made snapshots, aiohttp on
127.0.0.1, httpx. Humans are keyed by 17-digit Steam ids, AI cars by nothing a person could have, and every
live driver carries its contacts this session.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import httpx
import pytest
from helpers import SNAPSHOT_CLOCK, HandSource, until
from test_api_schema import assert_valid
from test_api_stream import events, next_drivers

from wots_tui.domain.contacts import Contact
from wots_tui.domain.models import (
    CarClass,
    CarState,
    Driver,
    LinkState,
    Platform,
    SessionFacts,
    SessionSnapshot,
)
from wots_tui.domain.sightings import AiCar
from wots_tui.engine import Engine
from wots_tui.server import ApiServer
from wots_tui.store import Database

GT4 = CarClass(1, "GT4", "#ffaa00")
ANA, BRUNO, CAIO = 76561197969382874, 76561198011223345, 76561198099887763  # past 2^53: a JavaScript number rounds them
AT = SNAPSHOT_CLOCK - timedelta(minutes=5)


def human(car_idx: int, steam_id: int, name: str) -> Driver:
    return Driver(car_idx, steam_id, name, "", GT4, "Ginetta G55 GT4", 0, None, platform=Platform.AMS2, ref_id=20000 + car_idx)


def ai(car_idx: int, name: str) -> Driver:
    """An AI car as the AMS2 source makes one: a negative id of its own, no RefId (the server gives it the host's)."""
    return Driver(car_idx, -(car_idx + 1), name, "", GT4, "Ginetta G55 GT4", 0, None, platform=Platform.AMS2, is_ai=True)


DRIVERS = (human(0, ANA, "Ana Souza"), human(1, BRUNO, "Bruno Lima"), ai(2, "Ricardo Bot"), human(3, CAIO, "Caio Reis"), ai(4, "Marta Bot"))
CONTACTS = (
    Contact(1, AT, 0, 1, lap=2, magnitude=410, reports=2),  # Ana and Bruno, reported by both cars
    Contact(2, AT + timedelta(seconds=40), 1, 2, lap=3, magnitude=120),  # Bruno and an AI car
    Contact(3, AT + timedelta(seconds=70), 0, None, lap=3, magnitude=900),  # Ana into a wall: no one else's contact
)


def ams2_session(contacts: tuple[Contact, ...] = CONTACTS, meeting: str = "109775242847201392:1764685800", tick: int = 1,
                 session_id: int = 1) -> SessionSnapshot:
    """A race on an AMS2 server, three humans and two AI cars in running order, no car the racer's own."""
    facts = SessionFacts(track_name="Interlagos", session_type="Race", session_name="Race1", session_state="racing",
                         session_id=session_id, meeting=meeting)
    cars = {d.car_idx: CarState(d.car_idx, position=place, lap=3) for place, d in enumerate(DRIVERS, start=1)}
    return SessionSnapshot(facts, DRIVERS, cars, tick=tick, contacts=contacts)


@asynccontextmanager
async def ams2_engine(folder: Path, clock: Callable[[], datetime] = lambda: SNAPSHOT_CLOCK) -> AsyncIterator[tuple[Engine, HandSource]]:
    """A started engine on a HandSource, its notebook in `folder` (the clock fixed unless `clock` says)."""
    source = HandSource()
    engine = Engine(source, Database(folder / "notebook.duckdb"), clock=clock)
    await engine.start()
    try:
        yield engine, source
    finally:
        await engine.stop()


@asynccontextmanager
async def ams2_api(folder: Path) -> AsyncIterator[tuple[Engine, HandSource, httpx.AsyncClient]]:
    """`ams2_engine` in the AMS2 session with its sightings stored, its API on a free loopback port, a client."""
    async with ams2_engine(folder) as (engine, source):
        server = ApiServer(engine, port=0)
        await server.start()
        try:
            source.send(ams2_session())
            await until(lambda: engine.board.link is LinkState.CONNECTED and engine.drivers_seen == 3)
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}", timeout=5.0) as client:
                yield engine, source, client
        finally:
            await server.stop()


async def test_ams2_drivers_are_keyed_by_steam_id_and_ai_cars_by_no_persons_id(tmp_path: Path):
    async with ams2_api(tmp_path) as (_, _, client):
        response = await client.get("/api/drivers")
        document = assert_valid("/api/drivers", response)
        drivers = document["drivers"]
        assert list(drivers) == [f"ams2:{ANA}", f"ams2:{BRUNO}", "ai:2", f"ams2:{CAIO}", "ai:4"]  # running order
        for key, steam_id in ((f"ams2:{ANA}", ANA), (f"ams2:{BRUNO}", BRUNO), (f"ams2:{CAIO}", CAIO)):
            driver = drivers[key]
            assert (driver["custId"], driver["steamId"], driver["platform"], driver["isAi"]) == (steam_id, str(steam_id), "ams2", False)
            assert f'"custId":{steam_id},' in response.text  # the number as WOTS has it, every digit
        for key, name in (("ai:2", "Ricardo Bot"), ("ai:4", "Marta Bot")):
            bot = drivers[key]
            assert (bot["name"], bot["custId"], bot["isAi"], bot["platform"]) == (name, None, True, "ams2")
            assert "steamId" not in bot
        ids = [d["custId"] for d in drivers.values() if d["custId"] is not None]
        assert sorted(ids) == sorted((ANA, BRUNO, CAIO))  # no AI car carries a person's id, nor the host's
        session = assert_valid("/api/session", await client.get("/api/session"))
        assert session["lobbyId"] == str(session["sessionId"]) == document["lobbyId"]  # exact in JavaScript too


async def test_every_live_driver_carries_its_car_to_car_contacts_oldest_first(tmp_path: Path):
    async with ams2_api(tmp_path) as (_, _, client):
        drivers = (await client.get("/api/drivers")).json()["drivers"]
        with_bruno = {"at": "2026-11-20T19:25:00Z", "lap": 2, "magnitude": 410, "withCustId": BRUNO, "withSteamId": str(BRUNO),
                      "withName": "Bruno Lima", "withIsAi": False}
        assert drivers[f"ams2:{ANA}"]["contacts"] == [with_bruno]  # the wall hit is not a contact with anyone
        assert drivers[f"ams2:{BRUNO}"]["contacts"] == [
            {**with_bruno, "withCustId": ANA, "withSteamId": str(ANA), "withName": "Ana Souza"},
            {"at": "2026-11-20T19:25:40Z", "lap": 3, "magnitude": 120, "withCustId": None, "withSteamId": None,
             "withName": "Ricardo Bot", "withIsAi": True},
        ]
        assert drivers["ai:2"]["contacts"] == [
            {"at": "2026-11-20T19:25:40Z", "lap": 3, "magnitude": 120, "withCustId": BRUNO, "withSteamId": str(BRUNO),
             "withName": "Bruno Lima", "withIsAi": False},
        ]
        assert drivers[f"ams2:{CAIO}"]["contacts"] == [] and drivers["ai:4"]["contacts"] == []


async def test_a_new_contact_reaches_the_documents_and_the_stream(tmp_path: Path):
    async with ams2_api(tmp_path) as (engine, source, client):
        async with client.stream("GET", "/api/stream") as response:
            stream = events(response)
            first = await next_drivers(stream)
            assert [c["withName"] for c in first["drivers"][f"ams2:{CAIO}"]["contacts"]] == []
            touch = Contact(4, AT + timedelta(seconds=95), 3, 4, lap=4, magnitude=None)  # Caio and an AI car, no magnitude said
            source.send(ams2_session((*CONTACTS, touch), tick=2))
            async with asyncio.timeout(5):
                while not (second := await next_drivers(stream))["drivers"][f"ams2:{CAIO}"]["contacts"]:
                    pass  # a document of the same contacts, sent before the snapshot was accepted
        assert second["drivers"][f"ams2:{CAIO}"]["contacts"] == [
            {"at": "2026-11-20T19:26:35Z", "lap": 4, "magnitude": None, "withCustId": None, "withSteamId": None,
             "withName": "Marta Bot", "withIsAi": True},
        ]
        assert [c["withName"] for c in second["drivers"]["ai:4"]["contacts"]] == ["Caio Reis"]
        assert (await client.get("/api/drivers")).json() == second
        assert engine.board.contacts[-1] == touch


async def test_a_steam_id_finds_the_ams2_driver_and_no_id_finds_an_ai_car(tmp_path: Path):
    async with ams2_api(tmp_path) as (_, _, client):
        drivers = (await client.get("/api/drivers")).json()["drivers"]
        found = assert_valid("/api/driver", await client.get(f"/api/driver?id={BRUNO}"))  # no platform: the id says it
        assert found == drivers[f"ams2:{BRUNO}"]
        assert (await client.get(f"/api/driver?id={BRUNO}&platform=ams2")).json() == found
        not_iracing = await client.get(f"/api/driver?id={BRUNO}&platform=iracing")
        assert assert_valid("/api/driver", not_iracing, 404)["error"].startswith(f"driver {BRUNO} is not in the session")
        for bot_id in ("-3", "-5", "0"):  # the ids AI cars have in the engine are no ids here
            refused = assert_valid("/api/driver", await client.get(f"/api/driver?id={bot_id}"), 400)
            assert "whole number above 0" in refused["error"]


async def test_ai_cars_are_never_noted_and_a_human_is_noted_under_their_steam_id(tmp_path: Path):
    async with ams2_api(tmp_path) as (engine, _, client):
        bot = next(r for r in engine.board.rows if r.is_ai)
        with pytest.raises(AiCar, match="^Ricardo Bot is an AI car: the notebook is for people$"):
            await engine.edit(bot.key, rating=-1)
        with pytest.raises(ValueError, match="AI car"):  # the UI may catch it as a ValueError
            await engine.toggle_tag(bot.key, "clean")
        with pytest.raises(AiCar, match="^That car is an AI car"):  # one no longer in the session: its id says it
            await engine.edit(("ams2", -42), note="gone")
        await engine.edit(("ams2", ANA), rating=1, note="Clean on the brakes")
        live = (await client.get("/api/drivers")).json()["drivers"]
        assert (live[f"ams2:{ANA}"]["userRep"], live["ai:2"]["userRep"]) == (1, None)
        notebook = assert_valid("/api/notebook", await client.get("/api/notebook"))
        assert list(notebook["entries"]) == [f"ams2:{ANA}"]
        entry = notebook["entries"][f"ams2:{ANA}"]
        assert (entry["custId"], entry["steamId"], entry["platform"], entry["userNote"]) == (ANA, str(ANA), "ams2", "Clean on the brakes")
    connection = duckdb.connect(str(tmp_path / "notebook.duckdb"), read_only=True)
    try:
        for table in ("drivers", "notebook", "sightings", "met", "driver_tags"):
            rows = connection.execute(f"SELECT platform, driver_id FROM {table} ORDER BY driver_id").fetchall()
            assert all(driver_id > 0 for _, driver_id in rows), (table, rows)
        assert {d for (d,) in connection.execute("SELECT driver_id FROM sightings").fetchall()} == {ANA, BRUNO, CAIO}
    finally:
        connection.close()


async def test_an_ams2_session_answers_on_every_endpoint_within_the_schema(tmp_path: Path):
    async with ams2_api(tmp_path) as (engine, source, client):
        await engine.edit(("ams2", CAIO), nickname="Caio", tag_ids=("clean",))
        for path in ("/api/status", "/api/session", "/api/drivers", "/api/notebook", "/api/tags"):
            assert_valid(path, await client.get(path))
        session = (await client.get("/api/session")).json()
        assert (session["trackName"], session["driverCount"]) == ("Interlagos", 5)
        source.send(replace(ams2_session(), player_car_idx=3, tick=3))  # the racer's own Steam id marks Caio's row
        await until(lambda: any(r.is_player for r in engine.board.rows))
        drivers = assert_valid("/api/drivers", await client.get("/api/drivers"))["drivers"]
        assert f"ams2:{CAIO}" not in drivers and len(drivers) == 4
        assert json.loads((await client.get(f"/api/driver?id={CAIO}")).text)["customName"] == "Caio"
