"""The local API over real sockets: a real engine reading a real memory map, aiohttp on 127.0.0.1, httpx.

Shapes are checked against the WOTS documentation itself (its example objects, walked key by key),
then behaviour: in and out of session, the player left out, notebook edits showing, 304s.
"""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest
from helpers import FIXTURES, SNAPSHOT_CLOCK, in_session, running_api, until, write_race_moment

import wots_tui.annotators.notebook as annotator
from wots_tui.annotators.notebook import BATCH
from wots_tui.domain.models import LinkState
from wots_tui.domain.notebook import NoteRecord
from wots_tui.engine import Engine
from wots_tui.sources.factory import SourceSpec
from wots_tui.store import Database
from wots_tui.store.notebook import save_records

SEED = FIXTURES / "wots" / "wots-local-api.txt"
NULL_UNTIL_CROWDSOURCING = {"crowdRep", "crowdTags"}


def seed_examples() -> dict[str, Any]:
    """The example objects of the WOTS docs, by what they show; `[...]` and `{...}` stand for 'a list', 'an object'."""
    text = SEED.read_text(encoding="utf-8").replace("[...]", "[]").replace("{...}", "{}")
    decoder = json.JSONDecoder()
    found, end = [], 0
    for start in (m.start() for m in re.finditer(r"^\{", text, re.MULTILINE)):
        if start >= end:  # not inside the previous example (the docs do not indent nested objects)
            example, end = decoder.raw_decode(text, start)
            found.append(example)
    status, in_session, not_in_session, drivers, driver, notebook, tag, _crowd_tag = found
    return {
        "status": status,
        "session": in_session,
        "not in session": not_in_session,
        "drivers": drivers,
        "driver": driver,
        "notebook": notebook,
        "tag": tag,
    }


def same_shape(example: Any, ours: Any, where: str = "", nullable: bool = False) -> None:
    """Every key of the example is in ours, with a value of the same JSON type, all the way down.

    `nullable`: also accept null where the docs show a value (a driver with no nickname, no note).
    """
    if ours is None and (nullable or where.rsplit(".", 1)[-1] in NULL_UNTIL_CROWDSOURCING):
        return
    if example is None:  # the docs show null: a nullable field, any type will do
        return
    if isinstance(example, dict):
        assert isinstance(ours, dict), f"{where}: expected an object, got {ours!r}"
        if where.endswith((".drivers", ".entries")):  # keyed by customer id: each of ours against the docs' one
            (sample,) = example.values()
            assert ours, f"{where}: empty"
            for key, value in ours.items():
                assert key == str(value["custId"]), f"{where}: key {key} is not the custId"
                same_shape(sample, value, f"{where}[{key}]", nullable)
            return
        for key, value in example.items():
            assert key in ours, f"{where}.{key} is missing"
            same_shape(value, ours[key], f"{where}.{key}", nullable)
    elif isinstance(example, list):
        assert isinstance(ours, list), f"{where}: expected a list, got {ours!r}"
        for item in ours if example else ():
            same_shape(example[0], item, f"{where}[]", nullable)
    elif isinstance(example, bool):
        assert isinstance(ours, bool), f"{where}: expected a boolean, got {ours!r}"
    elif isinstance(example, int):
        assert isinstance(ours, int) and not isinstance(ours, bool), f"{where}: expected an integer, got {ours!r}"
    elif isinstance(example, float):
        assert isinstance(ours, int | float) and not isinstance(ours, bool), f"{where}: expected a number, got {ours!r}"
    else:
        assert isinstance(ours, str), f"{where}: expected a string, got {ours!r}"


def test_the_seed_examples_are_all_read():
    examples = seed_examples()
    assert examples["status"]["stats"] == {"totalDriversSeen": 1247, "notebookEntries": 89}
    assert examples["not in session"] == {"inSession": False}
    assert examples["tag"]["id"] == "clean"


def test_the_shape_walk_catches_a_renamed_field_and_a_wrong_type():
    example = seed_examples()["driver"]
    renamed = {("customname" if k == "customName" else k): v for k, v in example.items()}
    with pytest.raises(AssertionError, match="customName is missing"):
        same_shape(example, renamed)
    with pytest.raises(AssertionError, match="custId: expected an integer"):
        same_shape(example, {**example, "custId": "123456"})


def race_api(tmp_path: Path):
    """The API on the scripted race frozen at 15 min (a real memory map), with the clock fixed."""
    return running_api(SourceSpec.of("file", path=write_race_moment(tmp_path)), tmp_path, clock=lambda: SNAPSHOT_CLOCK)


def someone(engine: Engine, place: int = 2):
    return next(r for r in engine.board.rows if r.position == place and not r.is_player)


async def write_notes(engine: Engine) -> tuple[tuple[str, int], tuple[str, int]]:
    """Rate, nickname, note and tag the driver in P2; note one who is not in the session."""
    driver = someone(engine).key
    await engine.edit(driver, rating=1, nickname="Mad Max", note="Clean racer, gives space", tag_ids=("clean", "gives_space"))
    absent = ("iracing", 123456)
    await engine.edit(absent, rating=-1, note="Divebombs T1")
    return driver, absent


async def test_every_endpoint_has_the_documented_shape_key_by_key(tmp_path: Path):
    examples = seed_examples()
    async with race_api(tmp_path) as (engine, _, client):
        await in_session(engine)
        driver, absent = await write_notes(engine)
        drivers = (await client.get("/api/drivers")).json()
        same_shape(examples["status"], (await client.get("/api/status")).json(), "/api/status")
        same_shape(examples["session"], (await client.get("/api/session")).json(), "/api/session")
        same_shape(examples["drivers"], drivers, "/api/drivers", nullable=True)
        notebook = (await client.get("/api/notebook")).json()
        same_shape(examples["notebook"], notebook, "/api/notebook", nullable=True)
        same_shape(examples["driver"], (await client.get(f"/api/driver?id={absent[1]}")).json(), "/api/driver", nullable=True)
        # the driver with everything written: no null anywhere but the crowd's
        same_shape(examples["driver"], (await client.get(f"/api/driver?id={driver[1]}")).json(), "/api/driver")
        (example_driver,) = examples["drivers"]["drivers"].values()
        same_shape(example_driver, drivers["drivers"][str(driver[1])], "/api/drivers[noted]")
        (example_entry,) = examples["notebook"]["entries"].values()
        same_shape(example_entry, notebook["entries"][str(driver[1])], "/api/notebook[noted]")
        for tag in (await client.get("/api/tags")).json()["tags"]:
            same_shape(examples["tag"], tag, "/api/tags")
        assert [t["id"] for t in drivers["drivers"][str(driver[1])]["userTags"]] == ["clean", "gives_space"]


async def test_out_of_session_forms(tmp_path: Path):
    examples = seed_examples()
    async with running_api(SourceSpec.of("file", path=tmp_path / "no-sim-yet.irsdk"), tmp_path) as (engine, _, client):
        await until(lambda: engine.board.link is LinkState.WAITING and engine.board.version > 0)
        status = (await client.get("/api/status")).json()
        same_shape(examples["status"], status)
        assert (status["connected"], status["inSession"], status["crowdsourcingEnabled"]) == (False, False, False)
        assert (await client.get("/api/session")).json() == examples["not in session"]
        assert (await client.get("/api/drivers")).json() == {"inSession": False, "drivers": {}}
        response = await client.get("/api/driver?id=123456")
        assert response.status_code == 404 and "not in the session, the notebook or the imported races" in response.json()["error"]


async def test_status_counts_the_notebook_and_the_drivers_met(tmp_path: Path):
    async with race_api(tmp_path) as (engine, _, client):
        await in_session(engine)
        await write_notes(engine)
        status = (await client.get("/api/status")).json()
        rows = len(engine.board.rows)
        assert status["stats"] == {"totalDriversSeen": rows - 1, "notebookEntries": 2}  # the player is not met
        assert (status["connected"], status["inSession"]) == (True, True)
        assert status["timestamp"] == "2026-11-20T19:30:00Z"
        assert status["version"] == (await client.get("/api/version")).json()["version"]


async def test_drivers_are_everyone_but_the_player_keyed_by_customer_id_in_running_order(tmp_path: Path):
    async with race_api(tmp_path) as (engine, _, client):
        await in_session(engine)
        board = engine.board
        document = (await client.get("/api/drivers")).json()
        player = next(r for r in board.rows if r.is_player)
        assert str(player.key[1]) not in document["drivers"]
        assert list(document["drivers"]) == [str(r.key[1]) for r in board.rows if not r.is_player]
        assert (document["sessionId"], document["subsessionId"]) == (board.facts.session_id, board.facts.subsession_id)
        assert document["trackName"] == board.facts.track_name and document["sessionType"] == "Race"
        first = next(iter(document["drivers"].values()))
        row = board.rows[0] if not board.rows[0].is_player else board.rows[1]
        assert first["name"] == row.name and first["carNumber"] == row.car_number
        assert (first["position"], first["classPosition"], first["class"]) == (row.position, row.class_position, row.car_class.name)
        assert (first["iRating"], first["license"], first["onPitRoad"]) == (row.irating, row.licence.label, row.on_pit_road)
        assert first["seenCount"] == 1 and first["userRep"] is None and first["userTags"] == []
        session = (await client.get("/api/session")).json()
        assert session["driverCount"] == len(document["drivers"])
        assert session["strengthOfField"] == dict(board.sof)


async def test_notebook_edits_show_on_every_endpoint(tmp_path: Path):
    async with race_api(tmp_path) as (engine, _, client):
        await in_session(engine)
        before = await client.get("/api/drivers")
        driver, absent = await write_notes(engine)
        after = await client.get("/api/drivers")
        assert after.headers["ETag"] != before.headers["ETag"]
        live = after.json()["drivers"][str(driver[1])]
        assert (live["userRep"], live["customName"], live["userNote"]) == (1, "Mad Max", "Clean racer, gives space")
        assert (await client.get(f"/api/driver?id={driver[1]}")).json() == live
        entries = (await client.get("/api/notebook")).json()
        assert entries["count"] == 2 and set(entries["entries"]) == {str(driver[1]), str(absent[1])}
        entry = entries["entries"][str(driver[1])]
        assert entry["votedAt"] == "2026-11-20T19:30:00Z"
        assert (entry["sessionId"], entry["subsessionId"]) == (engine.board.facts.session_id, engine.board.facts.subsession_id)
        only_noted = (await client.get(f"/api/driver?id={absent[1]}")).json()
        assert only_noted["userRep"] == -1 and "position" not in only_noted
        uses = {t["id"]: t["uses"] for t in (await client.get("/api/tags")).json()["tags"]}
        assert (uses["clean"], uses["gives_space"], uses["fast"]) == (1, 1, 0)
        await engine.delete(driver)
        gone = (await client.get("/api/drivers")).json()["drivers"][str(driver[1])]
        assert (gone["userRep"], gone["customName"], gone["userTags"]) == (None, None, [])


@pytest.mark.parametrize(
    ("query", "status", "says"),
    [
        ("", 400, "id is required"),
        ("?id=abc", 400, "whole number"),
        ("?id=0", 400, "whole number"),
        ("?id=-5", 400, "whole number"),
        ("?id=1.5", 400, "whole number"),
        ("?id=99999999999999999999", 400, "whole number"),
        ("?id=%C2%B2", 400, "whole number"),  # a superscript two: a digit to str.isdigit, not to int()
        ("?id=5&platform=rfactor", 400, "platform must be"),
        ("?id=1", 404, "not in the session, the notebook or the imported races"),
        ("?id=123456&platform=ams2", 404, "not in the session"),
    ],
)
async def test_driver_lookup_refuses_bad_and_unknown_ids_in_json(tmp_path: Path, query: str, status: int, says: str):
    async with race_api(tmp_path) as (engine, _, client):
        await in_session(engine)
        await write_notes(engine)
        response = await client.get(f"/api/driver{query}")
        assert response.status_code == status
        assert response.headers["Content-Type"].startswith("application/json")
        assert says in response.json()["error"]


async def test_an_unchanged_document_answers_304_to_its_etag(tmp_path: Path):
    async with race_api(tmp_path) as (engine, _, client):
        await in_session(engine)
        for path in ("/api/drivers", "/api/session", "/api/notebook", "/api/tags", "/api/help", "/api/openapi.json", f"/api/driver?id={someone(engine).key[1]}"):
            first = await client.get(path)
            etag = first.headers["ETag"]
            for header in (etag, f"W/{etag}", f'"other", {etag}', "*"):
                again = await client.get(path, headers={"If-None-Match": header})
                assert again.status_code == 304, (path, header)
                assert again.content == b"" and again.headers["ETag"] == etag
            assert (await client.get(path, headers={"If-None-Match": '"other"'})).content == first.content
        head = await client.head("/api/drivers")
        assert head.status_code == 200 and head.content == b"" and head.headers["ETag"]
        etag = (await client.get("/api/drivers")).headers["ETag"]
        await engine.edit(someone(engine).key, rating=-1)
        changed = await client.get("/api/drivers", headers={"If-None-Match": etag})
        assert changed.status_code == 200 and changed.headers["ETag"] != etag


async def test_a_failure_inside_a_handler_is_a_json_500_without_traceback(tmp_path: Path, caplog, monkeypatch):
    async with race_api(tmp_path) as (engine, _, client):
        await in_session(engine)
        monkeypatch.setattr(engine, "notebook_batches", None)  # a fault: every read of the notebook now raises
        response = await client.get("/api/notebook")
        assert response.status_code == 500
        assert response.json() == {"error": "internal error; the details are in the wots-tui log"}
        assert "Traceback" not in response.text and "TypeError" not in response.text
        assert "TypeError" in caplog.text  # the log keeps the details
        assert (await client.get("/api/version")).status_code == 200  # and the server goes on


async def test_a_big_notebook_is_streamed_whole_in_batches_and_answers_304_too(tmp_path: Path):
    database = Database(tmp_path / "notebook.duckdb")
    many = BATCH * 2 + 17  # three batches, the last a part one
    database.run(save_records, [
        NoteRecord(("iracing", 5_000_000 + n), name=f"Driver {n}", note="late on the brakes", rating=n % 3 - 1, updated_at=SNAPSHOT_CLOCK)
        for n in range(many)
    ])
    database.close()
    async with race_api(tmp_path) as (engine, _, client):
        await in_session(engine)  # the roster's sightings are stored: times met are in the notebook too
        response = await client.get("/api/notebook")
        document = response.json()
        assert document["count"] == many == len(document["entries"])
        assert document["entries"][str(5_000_000 + many - 1)]["name"] == f"Driver {many - 1}"
        head = await client.head("/api/notebook")
        assert head.content == b"" and head.headers["ETag"] == response.headers["ETag"]
        assert (await client.get("/api/notebook", headers={"If-None-Match": response.headers["ETag"]})).status_code == 304


async def test_the_streamed_notebook_carries_cors_and_a_failure_mid_way_cuts_the_connection(tmp_path: Path, monkeypatch, caplog):
    database = Database(tmp_path / "notebook.duckdb")
    database.run(save_records, [NoteRecord(("iracing", 10 + n), name=f"N{n}", note="x", updated_at=SNAPSHOT_CLOCK) for n in range(BATCH + 5)])
    database.close()
    spec = SourceSpec.of("file", path=tmp_path / "no-sim.irsdk")
    async with running_api(spec, tmp_path, cors_origins=["http://overlay.local"]) as (_, server, client):
        allowed = await client.get("/api/notebook", headers={"Origin": "http://overlay.local"})
        assert allowed.headers["Access-Control-Allow-Origin"] == "http://overlay.local" and allowed.json()["count"] == BATCH + 5

        real, reads = annotator.load_batch, []

        def second_read_fails(cursor, after, limit):  # type: ignore[no-untyped-def]
            reads.append(after)
            if len(reads) == 2:
                raise duckdb.IOException("the disk went away")
            return real(cursor, after, limit)

        monkeypatch.setattr(annotator, "load_batch", second_read_fails)
        with pytest.raises(httpx.RemoteProtocolError):  # not a whole document that is short of entries
            await client.get("/api/notebook")
        monkeypatch.setattr(annotator, "load_batch", real)
        assert "the connection is cut" in caplog.text and (await client.get("/api/status")).status_code == 200

        caplog.clear()
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)  # a client that leaves half-way
        writer.write(b"GET /api/notebook HTTP/1.1\r\nHost: localhost\r\n\r\n")
        await writer.drain()
        await reader.read(2000)
        writer.transport.abort()
        await asyncio.sleep(0.3)
        assert "ERROR" not in caplog.text
