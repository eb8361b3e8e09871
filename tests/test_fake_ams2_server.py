"""The fake AMS2 dedicated server speaks as the reference says the real one does (its bytes, access levels,
log paging), through a real httpx client: what passes against it passes against the real server's answers."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fakes.ams2_server import FakeAms2Server
from fakes.ams2_session import LIST_ALL, FakeSession

ADMIN = ("admin", "admin-pw")
VIEWER = ("viewer", "viewer-pw")


@pytest.fixture
async def server() -> AsyncIterator[FakeAms2Server]:
    fake = FakeAms2Server(log_size=10, clock=lambda: 1780847469.7)
    await fake.start()
    yield fake
    await fake.stop()


async def get(server: FakeAms2Server, path: str, auth: tuple[str, str] | None = ADMIN) -> httpx.Response:
    async with httpx.AsyncClient(base_url=server.url, auth=auth) as client:
        return await client.get(path)


async def test_an_answer_is_the_servers_own_bytes_and_headers(server: FakeAms2Server) -> None:
    ok = await get(server, "/api/session/set_next_attributes")
    assert ok.content == b'{\n  "result" : "ok"\n}'
    assert ok.headers["server"] == "Automobilista 2 DedicatedServer"
    assert ok.headers["content-type"] == "application/json; charset=utf-8"
    assert ok.headers["cache-control"] == "must-revalidate,no-cache,no-store"
    overview = await get(server, "/api/log/overview")
    assert overview.content == (
        b'{\n  "result" : "ok",\n  "response" : {\n    "first" : 0,\n    "count" : 0,\n'
        b'    "now" : 1780847469\n  }\n}'
    )
    assert (await get(server, "/api/list/all", auth=None)).content == LIST_ALL.read_bytes()
    vehicles = (await get(server, "/api/list/vehicles", auth=None)).json()["response"]["list"]
    assert {"id": 379055283, "name": "Ginetta G55 GT4", "class": "GT4"} in vehicles


@pytest.mark.parametrize(
    ("path", "auth", "status"),
    [
        ("/api/version", None, 200),
        ("/api/session/status", None, 401),
        ("/api/session/status", ("viewer", "wrong"), 401),
        ("/api/session/status", VIEWER, 200),
        ("/api/session/kick?refid=1", VIEWER, 403),
        ("/api/nothing", ADMIN, 404),
    ],
)
async def test_access_levels(
    server: FakeAms2Server, path: str, auth: tuple[str, str] | None, status: int
) -> None:
    answer = await get(server, path, auth)
    assert answer.status_code == status
    if status == 401:
        assert answer.headers["www-authenticate"].startswith('Basic realm="')
    if status != 200:
        assert answer.headers["content-type"] == "text/html; charset=utf-8"
        assert answer.text.startswith("<html><head><title>")


async def test_a_running_session_shows_the_reference_shapes(server: FakeAms2Server) -> None:
    session = server.session
    idle = (await get(server, "/api/session/status?attributes&members&participants")).json()["response"]
    assert (idle["state"], idle["lobbyid"], idle["members"], idle["attributes"]["SessionStage"]) == (
        "Idle",
        0,
        [],
        "",
    )
    session.start()
    host = session.join("Ana Souza", "76561198012345678", host=True)
    car = session.add_car(host)
    ai = session.add_ai("Bruno Lima")
    status = (await get(server, "/api/session/status?attributes=1&members=true&participants")).json()[
        "response"
    ]
    assert status["lobbyid"] == "109775242847201392"
    assert status["attributes"]["Flags"] < 0 and status["attributes"]["TrackId"] == -1478712571
    assert status["members"][0]["steamid"] == "76561198012345678"
    cars = {p["id"]: p["attributes"] for p in status["participants"]}
    assert (cars[car]["RefId"], cars[car]["IsPlayer"], cars[ai]["RefId"], cars[ai]["IsPlayer"]) == (
        host,
        1,
        host,
        0,
    )
    bare = (await get(server, "/api/session/status?members&participants")).json()["response"]
    assert "attributes" not in bare and "attributes" not in bare["members"][0]
    assert bare["participants"] == [{"id": car}, {"id": ai}]


def test_a_lap_is_three_sectors_and_a_zero_based_lap() -> None:
    session = FakeSession(log_size=100)
    session.start()
    pid = session.add_car(session.join("Ana Souza", "76561198012345678", host=True))
    session.lap(pid, 90_000, (27_000, 33_000, 30_000), position=2)
    assert [
        (e["name"], e["attributes"].get("Sector"), e["attributes"]["Lap"])
        for e in list(session.log.events)[-4:]
    ] == [("Sector", 1, 0), ("Sector", 2, 0), ("Sector", 0, 0), ("Lap", None, 0)]
    car = session.participants[pid]
    assert (car["CurrentLap"], car["CurrentSector"], car["LastLapTime"], car["RacePosition"]) == (
        2,
        3,
        90_000,
        2,
    )


@pytest.mark.parametrize(
    ("fault", "status", "content_type"),
    [
        ("401", 401, "text/html; charset=utf-8"),
        ("500-html", 500, "text/html; charset=utf-8"),
        ("error-json", 500, "application/json; charset=utf-8"),
        ("garbage", 200, "application/json; charset=utf-8"),
    ],
)
async def test_faults(server: FakeAms2Server, fault: str, status: int, content_type: str) -> None:
    server.fault = fault
    answer = await get(server, "/api/version")
    assert (answer.status_code, answer.headers["content-type"]) == (status, content_type)
    if fault == "error-json":
        assert answer.json()["result"] == "error"
    if fault == "garbage":
        with pytest.raises(ValueError):
            answer.json()


async def test_the_log_pages_by_absolute_index_and_wraps(server: FakeAms2Server) -> None:
    server.session.filler(25)  # a buffer of 10: indices 15..24 held
    page = (await get(server, "/api/log/range?offset=3&count=5")).json()["response"]
    assert (page["first"], page["count"], page["events"]) == (15, 10, [])  # 3..7 are gone
    page = (await get(server, "/api/log/range?offset=20&count=2")).json()["response"]
    assert [e["index"] for e in page["events"]] == [20, 21]
    newest = (await get(server, "/api/log/range?offset=-1&count=1")).json()["response"]["events"]
    assert [e["index"] for e in newest] == [24]
    assert set(newest[0]) == {"index", "time", "name", "attributes"}  # a Session event: no refid
    assert (await get(server, "/api/restart")).json() == {"result": "ok"}
    events = (await get(server, "/api/log/range?offset=0&count=10")).json()["response"]["events"]
    assert [(e["index"], e["name"]) for e in events] == [(0, "SoftRestart")]


async def test_a_kick_names_a_connected_member(server: FakeAms2Server) -> None:
    server.session.start()
    refid = server.session.join("Carla Dias", "76561198087654321")
    server.session.add_car(refid)
    bad = await get(server, "/api/session/kick?refid=4")
    assert bad.status_code == 400
    assert bad.json() == {
        "result": "error",
        "message": "Supplied refid does not reference a valid connected player. ",
    }
    assert (await get(server, f"/api/session/kick?refid={refid}&ban=600")).json() == {"result": "ok"}
    assert server.kicks == [(refid, 600)]
    assert server.requests[-1] == f"/api/session/kick?refid={refid}&ban=600"
    events = (await get(server, "/api/log/range?offset=-2&count=2")).json()["response"]["events"]
    assert [(e["name"], e["attributes"].get("GameReasonId")) for e in events] == [
        ("PlayerLeft", 2),
        ("ParticipantDestroyed", None),
    ]
    assert (await get(server, "/api/session/status?members")).json()["response"]["members"] == []


async def test_it_goes_away_and_comes_back_on_the_same_port(server: FakeAms2Server) -> None:
    port = server.port
    await server.stop()
    with pytest.raises(httpx.ConnectError):
        await get(server, "/api/version")
    await server.start()
    assert server.port == port and (await get(server, "/api/version")).status_code == 200
