"""Contacts in an iRacing session: the fake sim's scripted incidents, written into its live memory map and read by
the real iRacing source through pyirsdk. A 4x beside a car is one contact with that car; a 2x or a 1x is none;
the count at connect is only the count to compare with; a reconnect or a new session starts with none. Then
incident_contact's distances across the line."""

from __future__ import annotations

import itertools
import queue
import time
from collections.abc import Callable
from datetime import UTC
from pathlib import Path

import pytest
from helpers import engine_on, make_app, until, wait_for

from wots_tui.domain.contacts import IncidentRises, incident_contact
from wots_tui.domain.events import SourceEvent, SourceWaiting
from wots_tui.domain.models import SessionSnapshot
from wots_tui.sources.factory import SourceSpec
from wots_tui.sources.fakesim.incidents import FRAME, NEAR, Incident
from wots_tui.sources.fakesim.race import ScriptedRace
from wots_tui.sources.fakesim.sim import FakeSim, Scenario
from wots_tui.sources.fakesim.weekend import ScriptedWeekend
from wots_tui.sources.iracing import FileConnector, IRacingSource
from wots_tui.ui.widgets.contact_prompt import ContactPrompt

RACE = ScriptedRace()
INCIDENTS = RACE.incidents.incidents
PLAYER = RACE.player_idx


def _first(points: int, near: bool, after: float = 0.0) -> Incident:
    return next(i for i in INCIDENTS if i.points == points and (i.near_idx is not None) == near and i.at >= after)


CONTACT = _first(4, near=True)


class Reading:
    """The real source reading a fake sim's file; `until` collects what it publishes, with a deadline."""

    def __init__(self, path: Path):
        self.path = path
        self.events: queue.Queue[SourceEvent] = queue.Queue()
        self.source = IRacingSource(FileConnector(path), max_rate=20.0, retry_interval=0.05)

    def until(self, done: Callable[[SourceEvent], bool], timeout: float = 20.0) -> list[SessionSnapshot]:
        """The snapshots published until one `done` holds for (it included)."""
        seen: list[SessionSnapshot] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                event = self.events.get(timeout=0.2)
            except queue.Empty:
                continue
            if isinstance(event, SessionSnapshot):
                seen.append(event)
            if done(event):
                return seen
        raise AssertionError(f"timed out after {len(seen)} snapshots; last: {seen[-1].facts if seen else None}")

    def past(self, session_time: float, timeout: float = 20.0) -> list[SessionSnapshot]:
        return self.until(lambda e: isinstance(e, SessionSnapshot) and e.facts.session_time > session_time, timeout)


def _sim(path: Path, start_at: float, speed: float = 2.0, scenario: Scenario = RACE) -> FakeSim:
    sim = FakeSim(path, scenario, start_at=start_at, speed=speed)
    sim.start()
    return sim


# The script


def test_each_4x_is_scripted_beside_a_car_and_the_demo_shows_one_early():
    fours = [i for i in INCIDENTS if i.points == 4]
    assert len(fours) >= 6 and all(i.near_idx is not None for i in fours)
    for incident in fours:
        values = RACE.telemetry_at(incident.at)
        dist, on_pit = values["CarIdxLapDistPct"], values["CarIdxOnPitRoad"]
        near = {i: d for i, d in enumerate(dist) if d >= 0 and on_pit[i] == on_pit[PLAYER]}
        assert incident_contact(4, PLAYER, near) == incident.near_idx
        apart = abs(dist[incident.near_idx] - dist[PLAYER])
        assert min(apart, 1 - apart) <= NEAR
    assert 240.0 < fours[0].at <= 360.0  # the demo starts at 240 s: a contact within its first two minutes
    gaps = [b.at - a.at for a, b in itertools.pairwise(fours[1:])]
    assert max(gaps) < 6 * 60  # from 900 s on, one every few minutes
    assert {(i.points, i.near_idx is not None) for i in INCIDENTS} == {(4, True), (2, True), (2, False), (1, False)}


def test_the_incident_telemetry_is_written_as_iracing_writes_it():
    """PlayerIncidents holds the report and penalty for one frame, two frames before the counts rise; the
    driver's and the team's counts are the racer's own in a solo race."""
    before = RACE.telemetry_at(CONTACT.at - 3 * FRAME)
    logged = RACE.telemetry_at(CONTACT.at - 1.5 * FRAME)
    risen = RACE.telemetry_at(CONTACT.at)
    assert (before["PlayerIncidents"], logged["PlayerIncidents"], risen["PlayerIncidents"]) == (0, 0x0408, 0)
    assert logged["PlayerCarMyIncidentCount"] == before["PlayerCarMyIncidentCount"]
    assert risen["PlayerCarMyIncidentCount"] == before["PlayerCarMyIncidentCount"] + 4
    for values in (before, risen, RACE.telemetry_at(2000.0)):
        counts = {values[f"PlayerCar{who}IncidentCount"] for who in ("My", "Driver", "Team")}
        assert len(counts) == 1
    loss = _first(2, near=True)
    assert RACE.telemetry_at(loss.at - 1.5 * FRAME)["PlayerIncidents"] == 0x0301  # "Loss of Control (2x)"
    assert RACE.telemetry_at(900.0)["PlayerCarMyIncidentCount"] == 4  # the moment the screens' snapshots show


def test_the_incidents_follow_the_seed():
    assert ScriptedRace(seed=7).incidents.incidents == INCIDENTS
    assert ScriptedRace(seed=4).incidents.incidents != INCIDENTS


# The source


def test_a_4x_beside_a_car_is_one_contact_with_that_car(tmp_path: Path):
    reading = Reading(tmp_path / "live.irsdk")
    sim = _sim(reading.path, CONTACT.at - 3.0)
    reading.source.start(reading.events.put)
    try:
        snapshots = reading.past(CONTACT.at + 3.0)
    finally:
        reading.source.stop()
        sim.stop()
    first = next(n for n, s in enumerate(snapshots) if s.contacts)
    assert first > 0, "the first read came after the contact"
    assert not any(s.contacts for s in snapshots[:first])
    at_contact = snapshots[first]
    assert at_contact.facts.player_incidents == snapshots[first - 1].facts.player_incidents + 4
    (contact,) = at_contact.contacts
    assert (contact.serial, contact.car_idx, contact.other_idx) == (1, PLAYER, CONTACT.near_idx)
    assert contact.lap == at_contact.cars[PLAYER].lap and contact.at.tzinfo == UTC
    assert all(s.contacts is at_contact.contacts for s in snapshots[first:])  # the same tuple until it changes


@pytest.mark.parametrize(
    "incident",
    [_first(2, near=True), _first(2, near=False), _first(1, near=False)],
    ids=["2x beside a car", "2x alone", "1x"],
)
def test_a_loss_of_control_or_an_off_track_is_no_contact(tmp_path: Path, incident: Incident):
    reading = Reading(tmp_path / "live.irsdk")
    sim = _sim(reading.path, incident.at - 3.0)
    reading.source.start(reading.events.put)
    try:
        snapshots = reading.past(incident.at + 1.5)
    finally:
        reading.source.stop()
        sim.stop()
    counts = [s.facts.player_incidents or 0 for s in snapshots]
    assert counts[-1] - counts[0] == incident.points
    assert not any(s.contacts for s in snapshots)


def test_the_count_at_connect_is_no_contact_and_a_reconnect_starts_with_none(tmp_path: Path):
    reading = Reading(tmp_path / "live.irsdk")
    sim = _sim(reading.path, CONTACT.at - 3.0)
    reading.source.start(reading.events.put)
    try:
        assert reading.until(lambda e: isinstance(e, SessionSnapshot) and bool(e.contacts))[-1].contacts
        sim.stop()  # the sim closes, and opens again just after the contact, its count already risen
        reading.until(lambda e: isinstance(e, SourceWaiting))
        sim = _sim(reading.path, CONTACT.at + 0.2, speed=1.0)
        again = reading.until(lambda e: isinstance(e, SessionSnapshot) and e.facts.session_time > CONTACT.at + 0.7)
    finally:
        reading.source.stop()
        sim.stop()
    assert again[0].facts.player_incidents == RACE.telemetry_at(CONTACT.at)["PlayerCarMyIncidentCount"]
    assert not any(s.contacts for s in again)


def test_a_new_session_starts_with_no_contacts(tmp_path: Path):
    """The weekend's practice plays race time 1740-1800 s, a 4x in it; qualifying (SessionNum 1) follows."""
    weekend = ScriptedWeekend(RACE)
    practice, qualify, _ = weekend.sessions
    in_practice = _first(4, near=True, after=1740.0)
    contact_at = practice.starts_at + in_practice.at - 1740.0
    assert contact_at < practice.ends_at - 1.0
    reading = Reading(tmp_path / "weekend.irsdk")
    sim = _sim(reading.path, practice.starts_at + 1.0, speed=10.0, scenario=weekend)
    reading.source.start(reading.events.put)
    try:
        snapshots = reading.until(lambda e: isinstance(e, SessionSnapshot) and e.facts.session_num == qualify.num)
    finally:
        reading.source.stop()
        sim.stop()
    practised = [s for s in snapshots if s.facts.session_num == practice.num]
    assert practised[0].facts.session_time < in_practice.at, "the first read came after the contact"
    assert len(practised[-1].contacts) == 1 and practised[-1].contacts[0].car_idx == PLAYER
    assert snapshots[-1].contacts == ()


async def test_the_engine_s_board_carries_the_contact_to_both_rows(tmp_path: Path):
    sim = FakeSim(tmp_path / "live.irsdk", RACE, start_at=CONTACT.at - 3.0, speed=2.0)
    async with engine_on(sim, tmp_path) as (engine, _):
        board = await until(lambda: engine.board if engine.board.contacts else None, timeout=20)
    rows = {row.car_idx: row.contacts for row in board.rows}
    assert board.contacts[0].other_idx == CONTACT.near_idx
    assert rows[PLAYER] == rows[CONTACT.near_idx] == 1 and sum(rows.values()) == 2


# incident_contact


@pytest.mark.parametrize(
    ("here", "cars", "nearest"),
    [
        (0.999, {1: 0.001, 2: 0.995}, 1),  # 0.002 across the line beats 0.004 on this side
        (0.0005, {1: 0.9990, 2: 0.0030}, 1),  # 0.0015 behind, across the line, beats 0.0025 ahead
        (0.5, {2: 0.505, 1: 0.495}, 1),  # level: the lower car index
        (0.2, {1: -1.0, 2: 0.205}, 2),  # a car out of the world is nowhere
    ],
)
def test_incident_contact_measures_across_the_line(here: float, cars: dict[int, float], nearest: int):
    assert incident_contact(4, 0, {0: here, **cars}) == nearest


def test_incident_contact_needs_a_car_contact_amount_and_another_car():
    assert incident_contact(2, 0, {0: 0.5, 1: 0.5}) is None  # a 2x is a loss of control, on ovals too
    assert incident_contact(8, 0, {0: 0.5, 1: 0.506}) == 1  # two reads' worth at once still names the car
    assert incident_contact(4, 0, {0: 0.5, 1: 0.6}) is None  # a tenth of a lap away: a touch with nobody we see
    assert incident_contact(4, 0, {0: 0.5}) is None
    assert incident_contact(4, 3, {0: 0.5}) is None  # the racer's car not on track


def test_rises_of_one_moment_add_up_and_a_later_one_starts_afresh():
    rises = IncidentRises()
    assert rises.add(2, 100.0) == 2  # a loss of control...
    assert rises.add(2, 100.6) == 4  # ...that became a car contact: iRacing upgrades the count
    rises.spend()
    assert rises.add(2, 101.0) == 2
    assert rises.add(2, 104.0) == 2  # seconds later: another incident, not the same one
    assert rises.add(1, 99.0) == 1  # sim time went back (a replay, a new session): afresh


# The prompt on iRacing: the app on the fake sim's live file, a 4x beside a car, + rates that car's driver


async def test_the_app_on_the_fake_sim_offers_to_rate_the_car_the_racer_touched(tmp_path: Path):
    sim = _sim(tmp_path / "live.irsdk", CONTACT.at - 4.0)
    app = make_app(SourceSpec.of("file", path=sim.path), tmp_path)
    touched = next(e for e in RACE.entries if e.car_idx == CONTACT.near_idx)
    try:
        async with app.run_test(size=(160, 50)) as pilot:
            prompt = app.live.query_one(ContactPrompt)
            await wait_for(pilot, lambda: prompt.offered is not None, tries=1500)
            assert prompt.offered.name == touched.name and prompt.display
            await pilot.press("plus")
            await wait_for(pilot, lambda: prompt.offered is None)
            record = await app.engine.record(("iracing", touched.cust_id))
            assert record is not None and record.rating == 1
    finally:
        sim.stop()
