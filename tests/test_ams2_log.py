"""The AMS2 server's event log read a page at a time by absolute index, against the fake server over real HTTP:
a page that fails keeps what was read before it, and a restart that logged past us is found by the event we
read last being another one now."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from tests.fakes.ams2_server import FakeAms2Server
from wots_tui.sources import ams2_log
from wots_tui.sources.ams2_http import Ams2Http, BadAnswer
from wots_tui.sources.ams2_log import EventLog


@pytest.fixture
async def server() -> AsyncIterator[FakeAms2Server]:
    fake = FakeAms2Server()
    await fake.start()
    fake.session.start()
    try:
        yield fake
    finally:
        await fake.stop()


def chats(events: list) -> list[str]:  # type: ignore[type-arg]
    return [e["attributes"]["Message"] for e in events if e["name"] == "ServerChat"]


async def test_a_page_that_fails_keeps_the_pages_read_before_it(server: FakeAms2Server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ams2_log, "PAGE", 5)
    http = Ams2Http(server.url, "viewer", "viewer-pw")
    log = EventLog(http.get)
    await asyncio.to_thread(log.read)  # from the newest on
    server.session.filler(12)
    server.fault, server.fault_when = "500-html", lambda path: "api/log/range" in path and len(server.requests) > 3
    first = await asyncio.to_thread(log.read)
    assert 0 < len(first) < 12  # pages read before the failure come back...
    server.fault = None
    rest = await asyncio.to_thread(log.read)
    assert chats(first) + chats(rest) == [f"filler {n}" for n in range(12)]  # ...and nothing is read twice or lost
    server.fault, server.fault_when = "500-html", None
    with pytest.raises(BadAnswer):
        await asyncio.to_thread(log.read)  # a failure with nothing read is a failure
    http.close()


async def test_a_restart_that_logged_past_us_is_found(server: FakeAms2Server) -> None:
    http = Ams2Http(server.url, "viewer", "viewer-pw")
    log = EventLog(http.get)
    server.session.filler(3)
    await asyncio.to_thread(log.read)
    server.session.filler(2)
    assert chats(await asyncio.to_thread(log.read)) == ["filler 0", "filler 1"]
    server.session.restart()  # indices start again at 0...
    server.session.start()
    server.session.filler(40)  # ...and reach past where we were before we read again
    events = await asyncio.to_thread(log.read)
    assert log.restarted
    assert events[0]["name"] == "SoftRestart" and chats(events)[-1] == "filler 39"
    server.session.filler(1)
    assert chats(await asyncio.to_thread(log.read)) == ["filler 0"] and not log.restarted
    http.close()
