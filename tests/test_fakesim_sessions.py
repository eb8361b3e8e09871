"""The fake sim's weekend (practice, qualifying and race of one subsession) and its race's end, read through the
real pyirsdk."""

from __future__ import annotations

import itertools
import time
from pathlib import Path

import pytest

from wots_tui.domain.board import Board, build_board
from wots_tui.domain.models import SessionSnapshot
from wots_tui.sources.fakesim.race import LEADER_LAPS, ScriptedRace
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
    # the clock restarted: the new session's time is behind the old one's (at 30x, a poll held up by a busy
    # machine may first see it some seconds in, so no fixed bound)
    assert all(b.session_time < a.session_time for a, b in changes)
    assert {s.facts.subsession_id for s in seen} == {SUBSESSION_ID}


RACE = ScriptedRace()


def _race_board_at(folder: Path, t: float) -> Board:
    """The scripted race at race time t, read through pyirsdk and built into a Board, as the live screen gets it."""
    path = folder / f"race-{t}.irsdk"
    write_moment(path, RACE, t).close_keeping_status()
    snapshot = read_once(path)
    assert snapshot is not None
    return build_board(snapshot, 1)


def _finished_at(t: float) -> dict[int, float]:
    """car_idx -> when it took the flag, for the cars that have by race time t (what the script knows)."""
    finished = {}
    for entry in RACE.roster_at(t):
        progress = RACE.progress(entry, t)
        if progress.finished:
            finished[entry.car_idx] = progress.finished_at
    return finished


def test_the_leader_takes_the_flag_at_its_last_lap_and_the_state_goes_checkered_then_cool_down(tmp_path: Path):
    flag, cool_down = RACE.checkered_at, RACE.cool_down_at
    states = [_race_board_at(tmp_path, t).facts.session_state for t in (flag - 0.5, flag, cool_down - 0.5, cool_down)]
    assert states == ["racing", "checkered", "checkered", "cool down"]
    winner = _race_board_at(tmp_path, flag + 30.0).rows[0]
    assert (winner.position, winner.lap, winner.gap_seconds) == (1, LEADER_LAPS, 0.0)
    assert _finished_at(flag) == {winner.car_idx: flag}  # the flag is the winner's finish, nobody else's yet
    assert set(_finished_at(cool_down)) == {e.car_idx for e in RACE.roster_at(cool_down)}  # all in, then cool-down


@pytest.mark.parametrize("after_flag", [20.0, 60.0, 110.0])
def test_finished_cars_keep_their_finish_order_and_gaps_while_the_others_run_on(tmp_path: Path, after_flag: float):
    t = RACE.checkered_at + after_flag
    now, later = _race_board_at(tmp_path, t), _race_board_at(tmp_path, t + 20.0)
    finished = _finished_at(t)
    assert len(finished) > 3
    later_rows = {row.car_idx: row for row in later.rows}
    winners_laps = {r.car_class: r.lap for r in _race_board_at(tmp_path, RACE.length - 1.0).rows if r.class_position == 1}
    for row in now.rows:
        if row.car_idx in finished:  # frozen at its finish: place, class place, laps, and on the lead lap its gap
            kept = later_rows[row.car_idx]
            assert (kept.position, kept.class_position, kept.lap) == (row.position, row.class_position, row.lap)
            if row.lap == winners_laps[row.car_class]:
                assert (kept.gap_seconds, kept.gap_laps) == (row.gap_seconds, row.gap_laps)
    running = [e for e in RACE.roster_at(t) if e.car_idx not in finished]
    moved = [e for e in running if RACE.progress(e, t + 20.0) != RACE.progress(e, t)]
    assert running and moved == running  # the ones still running keep moving
    for car_class in now.classes:
        rows = [row for row in now.rows if row.car_class == car_class and row.car_idx in finished]
        if not rows or rows[0].class_position != 1:
            continue  # the class winner has not finished yet
        by_finish = sorted(rows, key=lambda row: (-(row.lap or 0), finished[row.car_idx]))  # laps, then time
        assert [row.class_position for row in by_finish] == sorted(row.class_position for row in rows)
        lead_lap = [row for row in by_finish if row.lap == rows[0].lap]
        gaps = [row.gap_seconds for row in lead_lap]
        assert gaps[0] == 0.0 and all(gap is not None for gap in gaps[1:])
        assert gaps[1:] == sorted(gaps[1:]) and all(gap > 0 for gap in gaps[1:])  # real gaps, in order
        assert all(row.gap_laps == 0 for row in lead_lap)  # a lead-lap finisher is never +1L
        assert all(row.gap_laps >= 1 for row in by_finish if row.lap < rows[0].lap)


def test_no_car_on_the_lead_lap_shows_a_lap_down_from_the_flag_to_the_end(tmp_path: Path):
    final = {row.car_idx: row for row in _race_board_at(tmp_path, RACE.length - 1.0).rows}
    winners = {row.car_class: row.lap for row in final.values() if row.class_position == 1}
    on_lead_lap = {i for i, row in final.items() if row.lap == winners[row.car_class]}
    t = RACE.checkered_at
    while t < RACE.length:
        board = _race_board_at(tmp_path, t)
        for row in board.rows:
            if row.car_idx in on_lead_lap and row.class_position != 1:
                assert row.gap_laps == 0 and row.gap_seconds, f"{row.name} at {t - RACE.checkered_at:.0f} s after the flag"
        t += 15.0


def test_cool_down_keeps_the_result_with_the_cars_in_the_garage(tmp_path: Path):
    last_checkered = _race_board_at(tmp_path, RACE.cool_down_at - 0.1)
    cooling = _race_board_at(tmp_path, RACE.cool_down_at + 1.0)
    result = [(r.car_idx, r.position, r.class_position, r.gap_seconds, r.gap_laps) for r in last_checkered.rows]
    assert [(r.car_idx, r.position, r.class_position, r.gap_seconds, r.gap_laps) for r in cooling.rows] == result
    path = tmp_path / "cooling.irsdk"
    write_moment(path, RACE, RACE.cool_down_at + 1.0).close_keeping_status()
    snapshot = read_once(path)
    assert snapshot is not None and not any(car.in_world for car in snapshot.cars.values())


def test_a_race_that_has_ended_plays_again_as_a_new_session(tmp_path: Path):
    ended = _race_board_at(tmp_path, RACE.length - 0.5).facts
    again = _race_board_at(tmp_path, RACE.length + 5.0).facts
    assert (ended.session_id, ended.subsession_id, ended.session_state) == (SESSION_ID, SUBSESSION_ID, "cool down")
    assert (again.session_id, again.subsession_id) == (SESSION_ID + 1, SUBSESSION_ID + 1)
    assert again.session_state == "racing" and again.session_time == pytest.approx(5.0)
    third = _race_board_at(tmp_path, 2 * RACE.length + 5.0).facts
    assert third.subsession_id == SUBSESSION_ID + 2
