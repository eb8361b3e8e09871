"""The fake sim's weekend: practice, qualifying and race of one subsession, read through the real pyirsdk."""

from __future__ import annotations

import itertools
import time
from pathlib import Path

import pytest

from wots_tui.domain.models import SessionSnapshot
from wots_tui.sources.fakesim.race import ScriptedRace
from wots_tui.sources.fakesim.sim import SESSION_ID, SUBSESSION_ID, FakeSim, write_moment
from wots_tui.sources.fakesim.weekend import ScriptedWeekend
from wots_tui.sources.iracing import read_once

WEEKEND = ScriptedWeekend()
# The default timeline in sim time: practice's last minute 0-60, cool-down 60-65, qualifying 65-105,
# cool-down 105-110, the race from 110.
QUALIFY_START, RACE_START = 65.0, 110.0


def _read_at(folder: Path, t: float) -> SessionSnapshot:
    path = folder / f"weekend-{t}.irsdk"
    write_moment(path, WEEKEND, t).close_keeping_status()
    snapshot = read_once(path)
    assert snapshot is not None
    return snapshot


@pytest.mark.parametrize(
    ("t", "num", "kind", "state", "session_time"),
    [
        (0.0, 0, "Practice", "racing", 1740.0),  # the weekend joins practice for its last minute
        (30.0, 0, "Practice", "racing", 1770.0),
        (62.0, 0, "Practice", "cool down", 1802.0),
        (QUALIFY_START + 15.0, 1, "Qualify", "racing", 15.0),
        (RACE_START - 2.0, 1, "Qualify", "cool down", 43.0),
        (RACE_START + 300.0, 2, "Race", "racing", 300.0),
    ],
)
def test_each_phase_reads_as_its_session(
    tmp_path: Path, t: float, num: int, kind: str, state: str, session_time: float
):
    facts = _read_at(tmp_path, t).facts
    assert (facts.session_num, facts.session_type, facts.session_state) == (num, kind, state)
    assert facts.session_time == pytest.approx(session_time)
    assert (facts.session_id, facts.subsession_id) == (SESSION_ID, SUBSESSION_ID)


@pytest.mark.parametrize("start", [QUALIFY_START, RACE_START])
def test_session_time_restarts_with_each_session(tmp_path: Path, start: float):
    before, after = _read_at(tmp_path, start - 0.1).facts, _read_at(tmp_path, start).facts
    assert after.session_num == before.session_num + 1
    assert before.session_time > 0 and after.session_time == 0.0


def test_cars_leave_the_world_between_sessions(tmp_path: Path):
    cooling = _read_at(tmp_path, QUALIFY_START - 1.0)
    assert cooling.cars and not any(car.in_world for car in cooling.cars.values())
    running = _read_at(tmp_path, QUALIFY_START)
    assert all(car.in_world for car in running.cars.values())


def test_practice_ranks_by_best_lap(tmp_path: Path):
    cars = _read_at(tmp_path, 30.0).cars.values()
    placed = sorted((car for car in cars if car.position), key=lambda car: car.position or 0)
    assert len(placed) > 40
    assert [car.best_lap for car in placed] == sorted(car.best_lap or 0.0 for car in placed)


def test_the_weekend_race_is_the_scripted_race_shifted():
    race = ScriptedRace()
    weekend = ScriptedWeekend(race)
    for race_time in (0.0, 310.0, 2600.0):  # the start; after the joiner and the leaver; after the flag
        assert weekend.telemetry_at(RACE_START + race_time) == race.telemetry_at(race_time)
        assert weekend.roster_at(RACE_START + race_time) == race.roster_at(race_time)


def test_a_live_weekend_passes_through_every_session_in_order(tmp_path: Path):
    """Polled through pyirsdk while the sim plays from 10 s before practice ends into the race, at 30x."""
    path = tmp_path / "live.irsdk"
    sim = FakeSim(path, ScriptedWeekend(), start_at=50.0, speed=30.0)
    seen: list[SessionSnapshot] = []
    sim.start()
    try:
        deadline = time.monotonic() + 10.0
        while not (seen and seen[-1].facts.session_num == 2) and time.monotonic() < deadline:
            if (snapshot := read_once(path)) is not None:
                seen.append(snapshot)
            time.sleep(0.02)
    finally:
        sim.stop()
    sessions = [(s.facts.session_num, s.facts.session_type) for s in seen]
    assert list(dict.fromkeys(sessions)) == [(0, "Practice"), (1, "Qualify"), (2, "Race")]
    assert sessions == sorted(sessions)  # never back to an earlier session
    facts = [s.facts for s in seen]
    changes = [(a, b) for a, b in itertools.pairwise(facts) if a.session_num != b.session_num]
    assert len(changes) == 2
    assert all(b.session_time < 5.0 < a.session_time for a, b in changes)  # the clock restarted
    assert {s.facts.subsession_id for s in seen} == {SUBSESSION_ID}
