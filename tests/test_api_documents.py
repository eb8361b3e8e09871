"""The API's documents and its render cache, without a server: pure functions over a Board."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from helpers import write_race_moment

from wots_tui.domain.api_documents import drivers_document, in_session, session_document
from wots_tui.domain.board import NOTEBOOK, build_board, waiting_board
from wots_tui.domain.models import LinkState
from wots_tui.domain.notebook import Catalogue, NoteRecord, entry_of
from wots_tui.server.rendered import RenderCache, Rendered, etag_matches
from wots_tui.sources.iracing import read_once


def race_board(tmp_path: Path, records: tuple[NoteRecord, ...] = ()):
    """The race at a fixed moment, joined as the engine joins it: every driver met 3 times, some noted."""
    snapshot = read_once(write_race_moment(tmp_path))
    noted = {r.key: r for r in records}
    annotations = {d.key: {NOTEBOOK: entry_of(noted.get(d.key), Catalogue(), 3)} for d in snapshot.drivers}
    return build_board(snapshot, 1, annotations), snapshot


def test_a_session_needs_a_connection_and_a_roster(tmp_path: Path):
    board, snapshot = race_board(tmp_path)
    assert in_session(board)
    assert not in_session(waiting_board(2, "waiting for iRacing"))
    opening = build_board(replace(snapshot, drivers=(), cars={}), 3)  # the sim's map is open, no session info yet
    assert opening.link is LinkState.CONNECTED and not in_session(opening)
    assert session_document(opening) == {"inSession": False}
    assert drivers_document(opening) == {"inSession": False, "drivers": {}}


def test_a_live_driver_carries_notebook_and_live_fields(tmp_path: Path):
    first, _ = race_board(tmp_path)
    driver = next(r for r in first.rows if not r.is_player)
    noted = NoteRecord(driver.key, name="Old Name", nickname="Bjorn", rating=0, tag_ids=("fast", "nope"), met_elsewhere=2)
    board, _ = race_board(tmp_path, (noted,))
    row = next(r for r in board.rows if r.key == driver.key)
    live = drivers_document(board)["drivers"][str(driver.key[1])]
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
    for header in (a.etag, f"W/{a.etag}", f'"zzz", {a.etag}', "*"):
        assert etag_matches(a.etag, header), header
    for header in (other.etag, None, ""):
        assert not etag_matches(a.etag, header), header


async def test_a_document_that_needs_the_store_is_asked_for_once_per_version():
    cache = RenderCache()
    asked = []

    async def build():
        asked.append(1)
        return {"uses": len(asked)}

    first = await cache.get_awaiting("tags", 7, build)
    assert await cache.get_awaiting("tags", 7, build) is first and len(asked) == 1
    assert (await cache.get_awaiting("tags", 8, build)).body == b'{"uses":2}'
