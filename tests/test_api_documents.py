"""The API's documents and its render cache, without a server: pure functions over a Board and a Notebook."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import replace
from pathlib import Path

from helpers import write_race_moment

from wots_tui.domain.api_documents import drivers_document, in_session, session_document
from wots_tui.domain.board import build_board, waiting_board
from wots_tui.domain.models import LinkState
from wots_tui.domain.notebook import Notebook, NoteRecord
from wots_tui.server.rendered import RenderCache, Rendered
from wots_tui.sources.iracing import read_once


def race_board(tmp_path: Path, notebook: Notebook | None = None):
    snapshot = read_once(write_race_moment(tmp_path))
    entries = {d.key: e for d in snapshot.drivers if notebook and (e := notebook.entry(d.key, 3))}
    return build_board(snapshot, 1, entries), snapshot


def test_a_session_needs_a_connection_and_a_roster(tmp_path: Path):
    board, snapshot = race_board(tmp_path)
    assert in_session(board)
    assert not in_session(waiting_board(2, "waiting for iRacing"))
    opening = build_board(replace(snapshot, drivers=(), cars={}), 3)  # the sim's map is open, no session info yet
    assert opening.link is LinkState.CONNECTED and not in_session(opening)
    assert session_document(opening) == {"inSession": False}
    assert drivers_document(opening, Notebook()) == {"inSession": False, "drivers": {}}


def test_a_live_driver_carries_notebook_and_live_fields(tmp_path: Path):
    first, _ = race_board(tmp_path)
    driver = next(r for r in first.rows if not r.is_player)
    notebook = Notebook([NoteRecord(driver.key, name="Old Name", nickname="Bjorn", rating=0, tag_ids=("fast", "nope"), met_elsewhere=2)])
    board, _ = race_board(tmp_path, notebook)
    row = next(r for r in board.rows if r.key == driver.key)
    live = drivers_document(board, notebook)["drivers"][str(driver.key[1])]
    assert live["name"] == row.name != "Old Name"  # the live roster's name, not the notebook's old one
    assert (live["customName"], live["userRep"], live["seenCount"]) == ("Bjorn", 0, 5)  # 3 met here + 2 elsewhere
    assert [t["id"] for t in live["userTags"]] == ["fast"]  # a tag no longer in the catalogue is left out
    assert live["lastLapTime"] == round(row.last_lap, 3) and live["license"] == row.licence.label


def test_rendered_documents_are_built_once_per_version():
    builds = []
    cache = RenderCache(limit=3)

    def build():
        builds.append(1)
        return {"n": len(builds)}

    first = cache.get("drivers", 1, build)
    assert cache.get("drivers", 1, build) is first and len(builds) == 1
    second = cache.get("drivers", 2, build)
    assert second.body == b'{"n":2}' and second.etag != first.etag
    for n in range(5):  # more names than the limit: the cache forgets rather than grows
        cache.get(("driver", n), 2, build)
    assert len(cache._entries) <= 3


def test_etags_are_content_hashes_and_if_none_match_is_read_like_http_says():
    a, same, other = Rendered.of({"x": 1}), Rendered.of({"x": 1}), Rendered.of({"x": 2})
    assert a.etag == same.etag != other.etag  # a restarted app does not confuse an old client
    assert a.matches(a.etag) and a.matches(f"W/{a.etag}") and a.matches(f'"zzz", {a.etag}') and a.matches("*")
    assert not a.matches(other.etag) and not a.matches(None) and not a.matches("")


async def test_a_big_document_is_built_once_off_the_loop_however_many_ask():
    cache = RenderCache()
    prepared, built_on = [], []

    def prepare():
        prepared.append(threading.current_thread())
        snapshot = {"entries": len(prepared)}

        def build():
            built_on.append(threading.current_thread())
            return snapshot

        return build

    results = await asyncio.gather(*(cache.get_in_thread("notebook", 7, prepare) for _ in range(5)))
    assert len(prepared) == 1 and prepared[0] is threading.current_thread()  # taken on the loop
    assert len(built_on) == 1 and built_on[0] is not threading.current_thread()  # built in a worker
    assert all(r is results[0] for r in results) and results[0].body == b'{"entries":1}'
    assert await cache.get_in_thread("notebook", 7, prepare) is results[0]
    assert (await cache.get_in_thread("notebook", 8, prepare)).body == b'{"entries":2}'
