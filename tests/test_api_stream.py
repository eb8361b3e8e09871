"""/api/stream over a real socket: events on change, at most 10 a second, heartbeats, clean ends."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import httpx
from helpers import in_session, running_api, until, write_race_moment

from wots_tui.domain.models import LinkState
from wots_tui.sources.factory import SourceSpec


async def events(response: httpx.Response):
    """The server-sent events of a response as (event, data) pairs; comments as (":", text)."""
    fields: dict[str, str] = {}
    async for line in response.aiter_lines():
        if line.startswith(":"):
            yield ":", line[1:].strip()
        elif line:
            name, _, value = line.partition(":")
            fields[name] = value.removeprefix(" ")
        elif "event" in fields:
            yield fields["event"], fields.get("data", "")
            fields = {}


async def next_drivers(stream) -> dict:
    async for kind, data in stream:
        if kind == "drivers":
            return json.loads(data)
    raise AssertionError("the stream ended")


async def test_a_stream_sends_the_drivers_at_once_and_again_when_a_note_changes(tmp_path: Path):
    spec = SourceSpec.of("file", path=write_race_moment(tmp_path))  # a frozen race: only notes change it
    async with running_api(spec, tmp_path) as (engine, _, client):
        await in_session(engine)
        async with client.stream("GET", "/api/stream") as response:
            assert response.headers["Content-Type"].startswith("text/event-stream")
            stream = events(response)
            first = await next_drivers(stream)
            assert first == (await client.get("/api/drivers")).json()
            key = next(r.key for r in engine.board.rows if not r.is_player)
            await engine.toggle_tag(key, "divebomber")
            second = await asyncio.wait_for(next_drivers(stream), 1.0)
            assert [t["id"] for t in second["drivers"][str(key[1])]["userTags"]] == ["divebomber"]


async def test_changes_faster_than_ten_a_second_are_streamed_at_most_ten_a_second_and_the_last_arrives(tmp_path: Path):
    spec = SourceSpec.of("file", path=write_race_moment(tmp_path))
    async with running_api(spec, tmp_path) as (engine, _, client):
        await in_session(engine)
        key = next(r.key for r in engine.board.rows if not r.is_player)

        async def rewrite_the_note(times: int) -> None:
            for n in range(times):
                await engine.edit(key, note=f"edit {n}")
                await asyncio.sleep(0.01)

        async with client.stream("GET", "/api/stream") as response:
            stream = events(response)
            await next_drivers(stream)
            started = time.monotonic()
            writer = asyncio.create_task(rewrite_the_note(150))  # about 1.5 s of edits, 100 a second
            notes = []
            while not notes or notes[-1] != "edit 149":
                notes.append((await asyncio.wait_for(next_drivers(stream), 1.0))["drivers"][str(key[1])]["userNote"])
            elapsed = time.monotonic() - started
            await writer
        assert len(notes) <= 10 * elapsed + 1, (len(notes), elapsed)  # at most 10 a second...
        assert len(notes) >= 5  # ...but streaming all along, and the final state arrived (the loop's condition)


async def test_a_quiet_stream_sends_heartbeats(tmp_path: Path):
    spec = SourceSpec.of("file", path=write_race_moment(tmp_path))
    async with running_api(spec, tmp_path, heartbeat=0.2) as (engine, _, client):
        await in_session(engine)
        async with client.stream("GET", "/api/stream") as response:
            stream = events(response)
            await next_drivers(stream)
            kinds = [kind for kind, _ in [await asyncio.wait_for(anext(stream), 1.0) for _ in range(3)]]
        assert kinds == [":", ":", ":"]


async def test_a_client_that_leaves_ends_its_stream_and_stopping_ends_the_others(tmp_path: Path, caplog):
    async with running_api(SourceSpec.of("demo"), tmp_path) as (engine, server, client):
        await until(lambda: engine.board.link is LinkState.CONNECTED)
        async with client.stream("GET", "/api/stream") as response:
            await next_drivers(events(response))
            assert server.changes.streams == 1
        await until(lambda: server.changes.streams == 0, timeout=2.0)  # noticed at the next write

        async with (
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}") as other,
            other.stream("GET", "/api/stream") as response,
        ):
            stream = events(response)
            await next_drivers(stream)
            await server.stop()  # the app quits while an overlay listens
            rest = [kind async for kind, _ in stream]  # the stream ends instead of hanging
        assert server.changes.streams == 0
        assert len(rest) <= 1
    assert "Error" not in caplog.text and "Traceback" not in caplog.text
