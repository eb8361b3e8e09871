"""The engine's seams and its live path: a source from the factory, annotators from a list, sessions followed."""

from __future__ import annotations

import asyncio
import itertools
import queue
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import engine_on, make_engine, store_history, until, write_race_moment

from wots_tui.annotators import Roster
from wots_tui.domain.events import SourceEvent
from wots_tui.domain.models import LinkState, SessionSnapshot
from wots_tui.domain.notebook import Key
from wots_tui.sources.factory import SOURCES, SourceSpec, build_source
from wots_tui.sources.fakesim.race import ScriptedRace
from wots_tui.sources.fakesim.sim import FakeSim, write_moment
from wots_tui.sources.fakesim.weekend import ScriptedWeekend
from wots_tui.sources.iracing import FileConnector, IRacingSource


class LapCounter:
    """An annotator the engine has never heard of: it knows how many laps each driver has been seen on."""

    name = "laps"

    def __init__(self) -> None:
        self.version = 0
        self.rosters: list[Roster] = []
        self.known: dict[Key, int] = {}
        self._changed: Callable[[], None] = lambda: None

    def watch(self, changed: Callable[[], None], failed: Callable[[str], None]) -> None:
        self._changed = changed

    async def open(self) -> None:
        pass

    async def roster_changed(self, roster: Roster) -> None:
        await asyncio.sleep(0)  # as a real one would, off the loop
        self.rosters.append(roster)
        self.known = {key: 7 for key in roster.keys if key != roster.player}
        self.bump()

    def annotation(self, key: Key) -> int | None:
        return self.known.get(key)

    def bump(self) -> None:
        self.version += 1
        self._changed()

    async def close(self) -> None:
        pass


async def test_an_annotator_from_the_list_joins_every_row_with_its_own_version(tmp_path: Path):
    laps = LapCounter()
    engine = make_engine(SourceSpec.of("file", path=write_race_moment(tmp_path)), tmp_path, annotators=[laps])
    await engine.start()
    try:
        board = await until(lambda: engine.board if engine.board.rows and engine.board.versions.get("laps") else None)
        others = [r for r in board.rows if not r.is_player]
        assert {r.annotations["laps"] for r in others} == {7} and all("laps" not in r.annotations for r in board.rows if r.is_player)
        assert laps.rosters[0].meeting == f"subsession:{board.facts.subsession_id}"  # the source says what a meeting is
        someone = others[0].key
        laps.known[someone] = 8
        laps.bump()
        changed = engine.board
        assert changed.versions["laps"] == laps.version and next(r for r in changed.rows if r.key == someone).annotations["laps"] == 8
        assert changed.notebook_version == board.notebook_version  # the notebook did not change
    finally:
        await engine.stop()


def test_the_factory_knows_every_source_by_name(tmp_path: Path):
    assert set(SOURCES) >= {"iracing", "file", "demo", "ams2"}
    assert build_source(SourceSpec.of("file", path=tmp_path / "x.irsdk")).label == "x.irsdk"
    ams2 = SourceSpec.of("ams2", url="http://admin:s3cret@10.0.0.5:9000", password="s3cret")
    assert build_source(ams2).label == "AMS2 10.0.0.5:9000"  # never the password written into the address
    assert "s3cret" not in repr(ams2)
    assert build_source(SourceSpec.of("demo")).label == "demo" and SourceSpec.of("demo").is_demo
    with pytest.raises(ValueError, match="unknown source 'rfactor'"):
        SourceSpec.of("rfactor")


def test_a_frozen_sim_publishes_once_and_again_only_when_its_tick_moves(tmp_path: Path):
    race = ScriptedRace()
    writer = write_moment(tmp_path / "m.irsdk", race, 900.0)
    events: queue.Queue[SourceEvent] = queue.Queue()
    source = IRacingSource(FileConnector(tmp_path / "m.irsdk"), max_rate=50.0)
    source.start(events.put)
    try:
        first = events.get(timeout=5)
        assert isinstance(first, SessionSnapshot)
        time.sleep(0.5)  # 25 wakes of the source
        assert events.empty(), "a paused sim republished"
        writer.write_tick(race.telemetry_at(901.0))
        moved = events.get(timeout=2)
        assert isinstance(moved, SessionSnapshot) and moved.tick > first.tick and moved.facts.session_time == pytest.approx(901.0)
    finally:
        source.stop()
        writer.close()


async def test_the_board_follows_practice_qualifying_and_race_and_never_shows_a_stale_session(tmp_path: Path):
    """The weekend at 10x. SessionTime restarts with each session: a board that named the session before with
    the new one's clock (a stale SessionNum) would show that session's clock going back."""
    weekend = FakeSim(tmp_path / "weekend.irsdk", ScriptedWeekend(), start_at=58.0, speed=10.0)
    async with engine_on(weekend, tmp_path) as (_, boards):
        await until(lambda: any(b.facts and b.facts.is_race for b in boards), timeout=15)
    shown = [(b.facts.session_type, b.facts.session_time) for b in boards if b.link is LinkState.CONNECTED and b.facts]
    order = [kind for i, (kind, _) in enumerate(shown) if i == 0 or shown[i - 1][0] != kind]
    assert order == ["Practice", "Qualify", "Race"]  # in order, never back
    for (kind, clock), (next_kind, next_clock) in itertools.pairwise(shown):
        if kind == next_kind:
            assert next_clock >= clock, f"{kind} at {clock:.2f} s, then at {next_clock:.2f} s: a stale session"
    subsessions = {b.facts.subsession_id for b in boards if b.facts}
    assert len(subsessions) == 1  # one meeting: the same drivers are not met three times


async def test_a_driver_noted_off_the_live_session_is_named_from_the_racing_history(tmp_path: Path):
    engine = make_engine(SourceSpec.of("file", path=write_race_moment(tmp_path)), tmp_path)
    store_history(engine.database)
    await engine.start()
    try:
        raced_only = ("iracing", 147876)  # the Cadillac winner of a real race: in no session, in no notebook
        record = await engine.edit(raced_only, rating=1)
        assert (record.name, record.rating) == ("Dan Karaconstantis", 1)
        renamed = await engine.edit(raced_only, nickname="DK")
        assert renamed.name == "Dan Karaconstantis"
        assert (await engine.toggle_tag(("iracing", 1), "clean")).name == ""  # known nowhere: no name to give
    finally:
        await engine.stop()
