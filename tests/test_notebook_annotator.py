"""The notebook as the engine's annotator: the roster's entries in memory, everyone else in the file."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import duckdb
from helpers import SNAPSHOT_CLOCK, in_session, make_engine, until, write_race_moment

from wots_tui.domain.board import BoardRow
from wots_tui.domain.models import SessionSnapshot
from wots_tui.domain.notebook import NotebookQuery, NoteRecord, Tag
from wots_tui.engine import Engine, Notice
from wots_tui.sources.factory import SourceSpec
from wots_tui.sources.iracing import read_once
from wots_tui.store import Database
from wots_tui.store.notebook import load_record, save_records

STRANGERS = 500  # noted drivers who are not in this session


def noted_file(folder: Path) -> None:
    database = Database(folder / "notebook.duckdb")
    database.run(save_records, [
        NoteRecord(("iracing", 9_000_000 + n), name=f"Stranger {n}", note=f"met at Spa {n}", rating=1, updated_at=SNAPSHOT_CLOCK)
        for n in range(STRANGERS)
    ])
    database.close()


MINE = Tag("mine_x", "Mine", "🦥", "mine", "#123456", None, 99)


def shown(engine: Engine, key: tuple[str, int]) -> BoardRow:
    """The driver's row on the engine's current Board."""
    return next(r for r in engine.board.rows if r.key == key)


async def loading(folder: Path) -> tuple[Engine, SessionSnapshot]:
    """A started engine whose source has nothing to read, and the race moment to hand it: accepting it
    starts the roster's load, which a test can race with an edit."""
    engine = make_engine(SourceSpec.of("file", path=folder / "no-sim.irsdk"), folder, clock=lambda: SNAPSHOT_CLOCK)
    snapshot = read_once(write_race_moment(folder))
    await engine.start()
    await until(lambda: engine.board.version)  # the source has said it waits for a sim: it says nothing more
    return engine, snapshot


def other_driver(snapshot: SessionSnapshot) -> tuple[str, int]:
    return next(d.key for d in snapshot.drivers if d.car_idx != snapshot.player_car_idx)


@asynccontextmanager
async def started(folder: Path) -> AsyncIterator[Engine]:
    """An engine in the race moment's session, stopped afterwards."""
    engine = make_engine(SourceSpec.of("file", path=write_race_moment(folder)), folder, clock=lambda: SNAPSHOT_CLOCK)
    await engine.start()
    try:
        await in_session(engine)
        yield engine
    finally:
        await engine.stop()


async def test_memory_holds_the_roster_and_the_file_answers_for_everyone_else(tmp_path: Path):
    noted_file(tmp_path)
    async with started(tmp_path) as engine:
        roster = {r.key for r in engine.board.rows}
        assert set(engine._notebook._records) <= roster  # none of the 500 strangers is in memory
        assert engine.entry_count == STRANGERS
        stranger = await engine.record(("iracing", 9_000_007))
        assert stranger is not None and stranger.note == "met at Spa 7"
        page = await engine.search(NotebookQuery(text="stranger 42"), 0, 100)
        assert page.total == 15 and "Stranger 42" in {r.name for r in page.records}  # 42, 142, ..., 420-429


async def test_an_edit_shows_on_the_next_board_before_it_is_written(tmp_path: Path):
    async with started(tmp_path) as engine:
        row = next(r for r in engine.board.rows if not r.is_player)
        editing = asyncio.ensure_future(engine.edit(row.key, rating=-1, note="late on the brakes"))
        await asyncio.sleep(0)  # the edit has run up to its write
        assert (shown(engine, row.key).notebook.rating, shown(engine, row.key).notebook.note) == (-1, "late on the brakes")
        await editing
        stored = await engine.database.call(load_record, row.key)
        assert stored.rating == -1 and stored.name == row.name and stored.subsession_id == engine.board.facts.subsession_id


async def test_an_edit_made_while_the_roster_loads_is_kept(tmp_path: Path):
    engine, snapshot = await loading(tmp_path)
    try:
        engine.accept(snapshot)  # a new roster: its entries start loading
        key = other_driver(snapshot)
        await engine.edit(key, rating=1, note="fast in the wet")
        await until(lambda: engine.drivers_seen)  # the load has finished
        await asyncio.sleep(0.05)
        assert (shown(engine, key).notebook.rating, shown(engine, key).notebook.note) == (1, "fast in the wet")
        assert (await engine.record(key)).note == "fast in the wet"
    finally:
        await engine.stop()


async def test_quick_edits_of_a_driver_not_in_the_session_keep_what_each_other_wrote(tmp_path: Path):
    noted_file(tmp_path)
    async with started(tmp_path) as engine:
        key = ("iracing", 9_000_003)
        await asyncio.gather(engine.edit(key, rating=-1), engine.toggle_tag(key, "wrecker"), engine.edit(key, nickname="Three"))
        stored = await engine.database.call(load_record, key)
        assert (stored.rating, stored.tag_ids, stored.nickname, stored.note) == (-1, ("wrecker",), "Three", "met at Spa 3")
        assert await engine.record(key) == stored  # nothing pending any more: asked of the file again
        assert key not in engine._notebook._pending


async def test_a_write_that_fails_is_told_in_one_line_and_the_edit_stays_on_screen(tmp_path: Path):
    async with started(tmp_path) as engine:
        notices: list[Notice] = []
        engine.subscribe(lambda board: None, notices.append)
        row = next(r for r in engine.board.rows if not r.is_player)
        await engine.database.call(lambda cursor: cursor.execute("DROP TABLE driver_tags"))  # a broken file
        await engine.toggle_tag(row.key, "clean")
        assert len(notices) == 1 and notices[0].text.startswith("Not saved to the notebook:") and "\n" not in notices[0].text
        assert shown(engine, row.key).notebook.icons == ("✨",)
        assert engine.board.link.value == "connected"  # and the app goes on


async def test_deleting_a_tag_takes_it_off_the_roster_too(tmp_path: Path):
    async with started(tmp_path) as engine:
        row = next(r for r in engine.board.rows if not r.is_player)
        await engine.save_tags([MINE])
        await engine.toggle_tag(row.key, MINE.id)
        assert shown(engine, row.key).notebook.icons == ("🦥",)
        await engine.delete_tag(MINE.id)
        assert shown(engine, row.key).notebook is not None  # still met once
        assert shown(engine, row.key).notebook.icons == ()
        assert engine.catalogue.get("mine_x") is None
        assert await engine.record(row.key) is None  # its only tag went, and the entry with it


async def test_deleting_a_tag_while_the_roster_loads_keeps_every_other_word(tmp_path: Path):
    snapshot = read_once(write_race_moment(tmp_path))
    key = other_driver(snapshot)
    database = Database(tmp_path / "notebook.duckdb")
    database.run(save_records, [NoteRecord(key, name="Bomber", rating=-1, note="divebombs T1", tag_ids=("clean",), updated_at=SNAPSHOT_CLOCK)])
    database.close()
    engine, snapshot = await loading(tmp_path)
    try:
        await engine.save_tags([MINE])
        engine.accept(snapshot)  # the roster's entries start loading...
        await engine.delete_tag(MINE.id)  # ...while a tag is deleted
        await until(lambda: engine.drivers_seen)
        await engine.edit(key, nickname="B2")
        stored = await engine.database.call(load_record, key)
        assert (stored.rating, stored.note, stored.tag_ids, stored.nickname) == (-1, "divebombs T1", ("clean",), "B2")
    finally:
        await engine.stop()


async def test_an_edit_that_still_carries_a_deleted_tag_does_not_write_it_back(tmp_path: Path):
    async with started(tmp_path) as engine:
        row = next(r for r in engine.board.rows if not r.is_player)
        await engine.save_tags([MINE])
        await engine.edit(row.key, tag_ids=("clean", MINE.id), note="x")
        await engine.delete_tag(MINE.id)
        await engine.restore(NoteRecord(row.key, name=row.name, note="x", tag_ids=("clean", MINE.id), updated_at=SNAPSHOT_CLOCK))
        assert (await engine.database.call(load_record, row.key)).tag_ids == ("clean",)
        assert await engine.tag_uses() == {"clean": 1}


def test_the_file_stays_readable_by_duckdb_itself(tmp_path: Path):
    """Power users query the notebook with plain SQL: the search text and met summary are ordinary columns."""
    noted_file(tmp_path)
    with duckdb.connect(str(tmp_path / "notebook.duckdb"), read_only=True) as connection:
        assert connection.execute("SELECT count(*) FROM notebook WHERE contains(search_text, 'stranger 4')").fetchone()[0] == 111
