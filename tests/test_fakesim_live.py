"""The fake sim read back through pyirsdk while it runs (its race's end and its next race too), and the source's
waiting / reconnect cycle."""

from __future__ import annotations

import queue
import time
from pathlib import Path

from helpers import engine_on, until

from wots_tui.domain.board import BoardRow
from wots_tui.domain.events import SourceEvent, SourceWaiting
from wots_tui.domain.models import SessionSnapshot
from wots_tui.sources.fakesim.race import ScriptedRace
from wots_tui.sources.fakesim.roster import PLAYER_CUST_ID
from wots_tui.sources.fakesim.sim import SUBSESSION_ID, FakeSim
from wots_tui.sources.iracing import FileConnector, IRacingSource


def _collect(events: queue.Queue[SourceEvent], until, timeout: float = 15.0) -> list[SourceEvent]:
    seen: list[SourceEvent] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            event = events.get(timeout=0.2)
        except queue.Empty:
            continue
        seen.append(event)
        if until(event, seen):
            return seen
    raise AssertionError(f"timed out after {len(seen)} events; last: {seen[-1] if seen else None!r}")


def _played_until(sim: FakeSim, session_time: float) -> list[SessionSnapshot]:
    """The snapshots the real source reads from `sim`'s file while it plays, until the clock passes `session_time`."""
    events: queue.Queue[SourceEvent] = queue.Queue()
    source = IRacingSource(FileConnector(sim.path), max_rate=20.0, retry_interval=0.05)
    sim.start()
    source.start(events.put)
    try:
        def done(event: SourceEvent, seen: list[SourceEvent]) -> bool:
            return isinstance(event, SessionSnapshot) and event.facts.session_time > session_time
        return [e for e in _collect(events, done) if isinstance(e, SessionSnapshot)]
    finally:
        source.stop()
        sim.stop()


def test_scripted_race_is_deterministic():
    a, b = ScriptedRace(seed=3), ScriptedRace(seed=3)
    assert a.telemetry_at(700.0) == b.telemetry_at(700.0)
    assert [e.name for e in a.entries] == [e.name for e in b.entries]
    assert ScriptedRace(seed=4).telemetry_at(700.0) != a.telemetry_at(700.0)


def test_the_field_is_big_multiclass_and_awkwardly_named():
    race = ScriptedRace()
    roster = race.roster_at(200.0)
    assert len(roster) >= 40
    assert len({e.car_class.short_name for e in roster}) == 4
    names = " ".join(e.name for e in race.entries)
    for awkward in ("'", '"', ",", "#", "é"):
        assert awkward in names
    assert sum(e.cust_id == PLAYER_CUST_ID for e in race.entries) == 1


def test_class_positions_are_consistent_with_overall_order():
    race = ScriptedRace()
    values = race.telemetry_at(900.0)
    order = sorted((p, i) for i, p in enumerate(values["CarIdxPosition"]) if p > 0)
    seen: dict[int, int] = {}
    for _, car_idx in order:
        klass = values["CarIdxClass"][car_idx]
        seen[klass] = seen.get(klass, 0) + 1
        assert values["CarIdxClassPosition"][car_idx] == seen[klass]


def test_live_race_read_through_pyirsdk(tmp_path: Path):
    """Positions move, a driver joins (t=120) and one leaves (t=300), all through the real pyirsdk."""
    snapshots = _played_until(FakeSim(tmp_path / "live.irsdk", ScriptedRace(), start_at=100.0, speed=40.0), 320)
    counts = [len(s.drivers) for s in snapshots]
    assert counts[0] == 60 and max(counts) == 61 and counts[-1] == 60
    first_ids = {d.driver_id for d in snapshots[0].drivers}
    last_ids = {d.driver_id for d in snapshots[-1].drivers}
    assert len(last_ids - first_ids) == 1 and len(first_ids - last_ids) == 1  # one joined, one left
    orders = {tuple(sorted(s.cars, key=lambda i: s.cars[i].position or 99)) for s in snapshots}
    assert len(orders) > 1  # positions changed
    assert snapshots[-1].facts.session_type == "Race" and snapshots[-1].player_car_idx is not None
    assert len({s.roster_version for s in snapshots}) >= 3


def test_sim_closing_means_waiting_then_reconnect(tmp_path: Path):
    path = tmp_path / "live.irsdk"
    events: queue.Queue[SourceEvent] = queue.Queue()
    source = IRacingSource(FileConnector(path), max_rate=20.0, retry_interval=0.05)
    source.start(events.put)
    try:
        _collect(events, lambda e, _: isinstance(e, SourceWaiting))  # no file yet: waiting
        sim = FakeSim(path, ScriptedRace(), start_at=50.0)
        sim.start()
        _collect(events, lambda e, _: isinstance(e, SessionSnapshot))
        sim.stop()  # the map's status drops: the sim has closed
        _collect(events, lambda e, _: isinstance(e, SourceWaiting))
        sim = FakeSim(path, ScriptedRace(), start_at=500.0)
        sim.start()
        again = _collect(events, lambda e, _: isinstance(e, SessionSnapshot))
        assert again[-1].facts.session_time >= 500.0
        sim.stop()
    finally:
        source.stop()


def test_at_the_flag_finishers_freeze_while_the_rest_run_on_live(tmp_path: Path):
    """Played through pyirsdk at 10x from 20 s after the flag: each car's place and laps stop at its finish."""
    race = ScriptedRace()
    sim = FakeSim(tmp_path / "live.irsdk", race, start_at=race.checkered_at + 20.0, speed=10.0)
    snapshots = _played_until(sim, race.checkered_at + 50.0)
    first, last = snapshots[0], snapshots[-1]
    assert {s.facts.session_state for s in snapshots} == {"checkered"}
    at = first.facts.session_time
    finished_first = [e.car_idx for e in race.roster_at(at) if race.progress(e, at).finished]
    assert len(finished_first) >= 3
    for car_idx in finished_first:
        assert {(s.cars[car_idx].position, s.cars[car_idx].laps_completed, s.cars[car_idx].gap_to_leader)
                for s in snapshots} == {(first.cars[car_idx].position, first.cars[car_idx].laps_completed,
                                         first.cars[car_idx].gap_to_leader)}
    running = [i for i in first.cars if i not in finished_first]
    assert running and all(last.cars[i].progress != first.cars[i].progress for i in running)  # still going


async def test_a_demo_that_runs_past_its_race_meets_the_field_again_in_a_new_session(tmp_path: Path):
    """The race ends, cools down and starts again with new session ids: the engine counts a new meeting."""
    race = ScriptedRace()
    sim = FakeSim(tmp_path / "looping.irsdk", race, start_at=race.length - 3.0, speed=10.0)
    async with engine_on(sim, tmp_path) as (engine, boards):
        def met_twice() -> list[BoardRow]:
            board = engine.board
            if board.facts is None or board.facts.subsession_id != SUBSESSION_ID + 1:
                return []
            return [row for row in board.rows if row.notebook and row.notebook.times_met == 2]
        twice = await until(met_twice, timeout=15)
    seen = [(b.facts.subsession_id, b.facts.session_state) for b in boards if b.facts]
    assert list(dict.fromkeys(seen)) == [(SUBSESSION_ID, "cool down"), (SUBSESSION_ID + 1, "racing")]
    in_both = {e.cust_id for e in race.roster_at(race.length - 3.0)} & {e.cust_id for e in race.roster_at(0.0)}
    assert {row.key for row in twice} == {("iracing", cust_id) for cust_id in in_both - {PLAYER_CUST_ID}}
