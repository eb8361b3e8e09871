"""The OpenAPI document in the repo against the live API: same paths, every response valid, and schemathesis."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import jsonschema_rs
import pytest
import schemathesis
from helpers import api_in_thread, store_history, until, write_race_moment
from hypothesis import HealthCheck, settings

from wots_tui.engine import Engine
from wots_tui.server.routes import Routes
from wots_tui.server.spec import endpoint_paths, help_document, openapi_document
from wots_tui.server.stream import BoardChanges
from wots_tui.sources.factory import SourceSpec

NOTED = ("iracing", 123456)
RACED_ONLY = 147876  # a driver of the imported races, in no roster and no notebook


async def note_some_drivers(engine: Engine) -> None:
    """Notes on two of the roster and one driver met before; the racer's races, the first of the roster seated
    in one (the Kia class winner's seat): head-to-heads in the documents."""
    rows = [r for r in engine.board.rows if not r.is_player]
    await engine.edit(rows[0].key, rating=1, nickname="Mad Max", note="Clean", tag_ids=("clean", "fast"))
    await engine.edit(rows[1].key, rating=-1)
    await engine.edit(NOTED, note="Met him at Spa", tag_ids=("rival",))
    await asyncio.to_thread(store_history, engine.database, {401054: (rows[0].key[1], rows[0].name)})
    await engine.history.reload()
    await until(lambda: any(row.head_to_head for row in engine.board.rows))


@pytest.fixture(scope="module")
def in_session(tmp_path_factory) -> str:
    folder = tmp_path_factory.mktemp("in-session")
    with api_in_thread(SourceSpec.of("file", path=write_race_moment(folder)), folder, note_some_drivers) as url:
        yield url


def response_schema(path: str, status: str = "200") -> dict[str, Any]:
    document = openapi_document()
    response = document["paths"][path]["get"]["responses"][status]
    if "$ref" in response:
        response = document["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]]
    return {"components": document["components"], **response["content"]["application/json"]["schema"]}


def assert_valid(path: str, response: httpx.Response, status: int = 200) -> Any:
    """The response has `status`, and its body is valid against what the document says `path` answers with it.

    A status the document lists for the path has its own schema; another has its class's (`4XX`) or, when the
    document has none for it (a 500), no schema at all, and fails.
    """
    assert response.status_code == status, (path, response.status_code, response.text[:300])
    documented = openapi_document()["paths"][path]["get"]["responses"]
    schema = response_schema(path, str(status) if str(status) in documented else f"{status // 100}XX")
    body = response.json()
    jsonschema_rs.Draft202012Validator(schema).validate(body)
    return body


def test_the_routes_are_the_documents_paths():
    assert list(Routes(None, BoardChanges()).table()) == endpoint_paths()  # type: ignore[arg-type]


def test_help_lists_every_endpoint_with_its_parameters():
    endpoints = {e["path"]: e for e in help_document()["endpoints"]}
    assert list(endpoints) == endpoint_paths()
    assert endpoints["/api/stream"]["responseType"] == "event-stream"
    assert endpoints["/api/drivers"]["responseType"] == "json"
    assert [(p["name"], p["type"], p["optional"]) for p in endpoints["/api/driver"]["parameters"]] == [
        ("id", "integer", False),
        ("platform", "string", True),
    ]


def test_the_schemas_reject_what_they_should():
    validator = jsonschema_rs.Draft202012Validator(response_schema("/api/drivers"))
    driver = {
        "custId": 1, "name": "A", "customName": None, "carNumber": "1", "seenCount": 0, "userRep": None,
        "userNote": None, "userTags": [], "crowdRep": None, "crowdTags": None, "platform": "iracing", "carIdx": 0,
        "position": 1, "classPosition": 1, "class": "GT3", "classColor": "#ffffff", "iRating": 1350,
        "iRatingChange": None, "license": "A 3.45", "licenseColor": "#0153db", "lap": 3, "lastLapTime": 90.1,
        "bestLapTime": 89.9, "onPitRoad": False, "headToHead": None, "isAi": False, "contacts": [],
    }
    assert validator.is_valid({"inSession": True, "drivers": {"1": driver}})
    raced = {"races": 3, "ahead": 2, "behind": 1, "lastRaceAt": "2022-04-04T01:30:00Z", "lastSubsessionId": 45243121}
    assert validator.is_valid({"inSession": True, "drivers": {"1": {**driver, "headToHead": raced}}})
    for wrong in ({**raced, "races": 0}, {**raced, "ahead": -1}, {**raced, "surprise": 1},
                  {k: v for k, v in raced.items() if k != "lastSubsessionId"}):
        assert not validator.is_valid({"inSession": True, "drivers": {"1": {**driver, "headToHead": wrong}}}), wrong
    assert not validator.is_valid({"inSession": True, "drivers": {"1": {k: v for k, v in driver.items() if k != "headToHead"}}})
    assert not validator.is_valid({"inSession": True, "drivers": {"1": {**driver, "userRep": 2}}})
    assert not validator.is_valid({"inSession": True, "drivers": {"1": {**driver, "surprise": 1}}})
    assert not validator.is_valid({"inSession": True, "drivers": {"1": {k: v for k, v in driver.items() if k != "license"}}})
    steam = {**driver, "platform": "ams2", "custId": 76561197969382874, "steamId": "76561197969382874"}
    ai = {**driver, "platform": "ams2", "custId": None, "isAi": True}
    contact = {"at": "2026-11-20T19:30:00Z", "lap": 2, "magnitude": 410, "withCustId": None, "withSteamId": None,
               "withName": "AI Bot", "withIsAi": True}
    assert validator.is_valid({"inSession": True, "drivers": {"ams2:76561197969382874": {**steam, "contacts": [contact]}, "ai:3": ai}})
    for wrong in ({k: v for k, v in steam.items() if k != "steamId"}, {**ai, "custId": 76561197969382874},
                  {**ai, "steamId": "76561197969382874"}, {**steam, "contacts": [{**contact, "withIsAi": None}]},
                  {k: v for k, v in steam.items() if k != "contacts"}, {k: v for k, v in steam.items() if k != "isAi"}):
        assert not validator.is_valid({"inSession": True, "drivers": {"x": wrong}}), wrong


ENDPOINTS = ["/api/status", "/api/session", "/api/drivers", "/api/notebook", "/api/tags", "/api/help", "/api/version", "/api/openapi.json"]


def test_every_live_response_in_session_is_valid(in_session: str):
    with httpx.Client(base_url=in_session) as client:
        for path in ENDPOINTS:
            assert_valid(path, client.get(path))
        drivers = client.get("/api/drivers").json()["drivers"]
        assert any(d["userTags"] for d in drivers.values())  # the notes are in what was validated
        assert any(d["headToHead"] for d in drivers.values()) and any(d["headToHead"] is None for d in drivers.values())
        assert any(e["headToHead"] for e in client.get("/api/notebook").json()["entries"].values())
        raced_only = assert_valid("/api/driver", client.get(f"/api/driver?id={RACED_ONLY}"))
        assert raced_only["headToHead"]["races"] == 1 and raced_only["userNote"] is None
        live_id = next(iter(drivers))
        assert assert_valid("/api/driver", client.get(f"/api/driver?id={live_id}"))["custId"] == int(live_id)
        met_before = assert_valid("/api/driver", client.get(f"/api/driver?id={NOTED[1]}"))
        assert (met_before["custId"], met_before["userNote"]) == (NOTED[1], "Met him at Spa")
        for query, status, error in (
            ("?id=1", 404, "driver 1 is not in the session, the notebook or the imported races"),
            ("?id=x", 400, "id must be a customer id, a whole number above 0, not 'x'"),
            ("", 400, "id is required, as in /api/driver?id=123456"),
        ):
            answer = assert_valid("/api/driver", client.get(f"/api/driver{query}"), status)
            assert answer == {"error": error}, query


def test_refusals_have_their_status_and_a_documented_error(in_session: str):
    with httpx.Client(base_url=in_session) as client:
        foreign_page = client.get("/api/notebook", headers={"Origin": "https://x.example"})
        assert assert_valid("/api/notebook", foreign_page, 403) == {
            "error": "pages from https://x.example may not read the API; "
            "add the origin to cors_origins to allow it"
        }
        rebound = client.get("/api/tags", headers={"Host": "x.example"})
        assert assert_valid("/api/tags", rebound, 421) == {
            "error": "Host 'x.example' is not this computer; use localhost"
        }


def test_every_live_response_out_of_session_is_valid(tmp_path: Path):
    spec = SourceSpec.of("file", path=tmp_path / "no-sim.irsdk")
    with api_in_thread(spec, tmp_path, session=False) as url, httpx.Client(base_url=url) as client:
        assert assert_valid("/api/session", client.get("/api/session")) == {"inSession": False}
        for path in ENDPOINTS:
            assert_valid(path, client.get(path))


@pytest.fixture(scope="module")
def api_schema(in_session: str):
    return schemathesis.openapi.from_dict(openapi_document())


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_schemathesis_finds_no_server_error_and_no_response_off_schema(case, in_session: str):
    case.call_and_validate(base_url=in_session, timeout=1.0)  # the timeout also ends the endless /api/stream
