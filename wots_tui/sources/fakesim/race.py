"""A scripted multi-class race at Spa, computed as a pure function of race time.

Lap times are drawn once from the seed, so the state at any moment is reproducible: tests can
seek to a fixed moment, the demo plays it in real time.

The race ends as an iRacing race does. The leader takes the checkered flag at the end of its 20th lap
(SessionState racing -> checkered); every other car finishes when it next crosses the line, and from
then on keeps its laps, its position and its time behind the leader as they were at its finish. When
the last car has finished the session cools down (SessionState cool down, cars back in the garage)
for RACE_COOL_DOWN seconds, and the race is over: `length`.

The player has incidents now and then (fakesim/incidents.py): 4x contacts with a car beside them, 2x losses
of control and 1x off-tracks, placed where the race's own cars make them fit.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from wots_tui.sources.fakesim.incidents import Incident, IncidentScript, place
from wots_tui.sources.fakesim.roster import Entry, build_field

RACE_SESSION_NUM = 2
SESSION_STATE_RACING = 4
SESSION_STATE_CHECKERED = 5
SESSION_STATE_COOL_DOWN = 6
LEADER_LAPS = 20
RACE_COOL_DOWN = 30.0  # sim seconds from the last car's finish to the end of the session
_GRID_DELAY = 0.35  # seconds between grid slots at the start
_PIT_LOSS = 34.0
_MAX_CARS = 64


@dataclass(frozen=True, slots=True)
class CarProgress:
    laps_completed: int
    lap_dist_pct: float
    last_lap: float
    best_lap: float
    on_pit_road: bool
    finished: bool
    finished_at: float


def rank(order: Sequence[Entry]) -> dict[int, tuple[int, int]]:
    """Overall and class position by car_idx, for entries listed best first."""
    in_class: Counter[int] = Counter()
    ranks: dict[int, tuple[int, int]] = {}
    for position, entry in enumerate(order, start=1):
        in_class[entry.car_class.class_id] += 1
        ranks[entry.car_idx] = (position, in_class[entry.car_class.class_id])
    return ranks


class ScriptedRace:
    def __init__(self, seed: int = 7):
        self.seed = seed
        self.entries, self.player_idx = build_field(seed)
        rng = random.Random(seed * 7919)
        self._laps: dict[int, list[float]] = {}
        self._ends: dict[int, list[float]] = {}  # race time at which each lap ends
        self._pit_lap: dict[int, int] = {}
        for entry in self.entries:
            base = entry.car_class.base_lap * entry.pace
            pit_lap = rng.randint(8, 13)
            laps = []
            for lap in range(1, LEADER_LAPS + 3):
                time = base * (1 + rng.gauss(0, 0.006))
                if lap == 1:
                    time += 6.0
                if lap == pit_lap:
                    time += _PIT_LOSS
                laps.append(time)
            start = entry.joins_at + entry.grid_slot * _GRID_DELAY
            self._laps[entry.car_idx] = laps
            self._ends[entry.car_idx] = list(itertools.accumulate(laps, initial=start))[1:]
            self._pit_lap[entry.car_idx] = pit_lap
        self.checkered_at = min(ends[LEADER_LAPS - 1] for ends in self._ends.values())
        self._finishes = {car_idx: self._finish(ends) for car_idx, ends in self._ends.items()}
        self.cool_down_at = max(self._finishes[e.car_idx][1] for e in self.entries if e.leaves_at is None)
        self.length = self.cool_down_at + RACE_COOL_DOWN
        self.incidents = IncidentScript(_placed_incidents(self))

    def _finish(self, ends: Sequence[float]) -> tuple[int, float]:
        """The laps a car finishes with and when: its first crossing of the line at or after the flag."""
        lap = bisect.bisect_left(ends, self.checkered_at)
        return lap + 1, ends[lap]

    def _reached_at(self, car_idx: int, distance: float) -> float:
        """The race time at which a car had covered `distance` laps (each scripted lap at an even pace)."""
        ends, laps = self._ends[car_idx], self._laps[car_idx]
        lap = min(int(distance), len(laps) - 1)
        return ends[lap] - laps[lap] + (distance - lap) * laps[lap]

    def roster_at(self, t: float) -> list[Entry]:
        return [e for e in self.entries if e.joins_at <= t and (e.leaves_at is None or t < e.leaves_at)]

    def progress(self, entry: Entry, t: float) -> CarProgress:
        laps = self._laps[entry.car_idx]
        finish_laps, finished_at = self._finishes[entry.car_idx]
        if t >= finished_at:
            done = laps[:finish_laps]
            return CarProgress(finish_laps, 0.0, done[-1], min(done), False, True, finished_at)
        completed, fraction, on_pit = self._lap_at(entry, t)
        done = laps[:completed]
        return CarProgress(
            completed, fraction, done[-1] if done else -1.0, min(done) if done else -1.0, on_pit, False, 0.0
        )

    def _lap_at(self, entry: Entry, t: float) -> tuple[int, float, bool]:
        """Laps completed, the fraction of the lap being driven and whether on pit road, for a car not yet finished."""
        ends, laps = self._ends[entry.car_idx], self._laps[entry.car_idx]
        completed = bisect.bisect_right(ends, t)
        start = ends[completed - 1] if completed else entry.joins_at + entry.grid_slot * _GRID_DELAY
        fraction = max(0.0, min(0.9999, (t - start) / laps[completed]))
        driving = completed + 1
        pit_lap = self._pit_lap[entry.car_idx]
        on_pit = (driving == pit_lap and fraction > 0.86) or (driving == pit_lap + 1 and fraction < 0.06)
        if entry.joins_at > 0 and completed == 0:
            on_pit = on_pit or fraction < 0.05
        return completed, fraction, on_pit

    def lap_distances(self, t: float) -> dict[int, tuple[float, bool]]:
        """Each car's fraction of the lap and whether it is on pit road at race time t before the cool-down, as
        telemetry_at writes them (a finished car waits at the line), without the rest of a tick: the incident
        script searches with it."""
        where: dict[int, tuple[float, bool]] = {}
        for entry in self.roster_at(t):
            if t >= self._finishes[entry.car_idx][1]:
                where[entry.car_idx] = (0.0, False)
            else:
                _, fraction, on_pit = self._lap_at(entry, t)
                where[entry.car_idx] = (fraction, on_pit)
        return where

    def session_state_at(self, t: float) -> int:
        if t < self.checkered_at:
            return SESSION_STATE_RACING
        return SESSION_STATE_CHECKERED if t < self.cool_down_at else SESSION_STATE_COOL_DOWN

    def telemetry_at(self, t: float) -> dict[str, Any]:
        """Every variable the fake sim writes, for race time t."""
        arrays: dict[str, list[Any]] = {
            "CarIdxPosition": [0] * _MAX_CARS,
            "CarIdxClassPosition": [0] * _MAX_CARS,
            "CarIdxLap": [-1] * _MAX_CARS,
            "CarIdxLapCompleted": [-1] * _MAX_CARS,
            "CarIdxLapDistPct": [-1.0] * _MAX_CARS,
            "CarIdxF2Time": [0.0] * _MAX_CARS,
            "CarIdxLastLapTime": [-1.0] * _MAX_CARS,
            "CarIdxBestLapTime": [-1.0] * _MAX_CARS,
            "CarIdxOnPitRoad": [False] * _MAX_CARS,
            "CarIdxTrackSurface": [-1] * _MAX_CARS,
            "CarIdxClass": [0] * _MAX_CARS,
        }
        roster = self.roster_at(t)
        progress = {e.car_idx: self.progress(e, t) for e in roster}
        order = sorted(
            roster,
            key=lambda e: (-(progress[e.car_idx].laps_completed + progress[e.car_idx].lap_dist_pct),
                           progress[e.car_idx].finished_at, e.grid_slot),
        )
        leader = order[0].car_idx if order else 0  # with no order, no car asks for it
        ranks = rank(order)
        for entry in order:
            p = progress[entry.car_idx]
            i = entry.car_idx
            arrays["CarIdxPosition"][i], arrays["CarIdxClassPosition"][i] = ranks[i]
            arrays["CarIdxLap"][i] = p.laps_completed + (0 if p.finished else 1)
            arrays["CarIdxLapCompleted"][i] = p.laps_completed
            arrays["CarIdxLapDistPct"][i] = p.lap_dist_pct
            # race time behind the leader at the same distance; a finished car's, as it was at the line
            reached = p.finished_at if p.finished else t
            arrays["CarIdxF2Time"][i] = max(0.0, reached - self._reached_at(leader, p.laps_completed + p.lap_dist_pct))
            arrays["CarIdxLastLapTime"][i] = p.last_lap
            arrays["CarIdxBestLapTime"][i] = p.best_lap
            arrays["CarIdxOnPitRoad"][i] = p.on_pit_road
            arrays["CarIdxTrackSurface"][i] = 1 if p.on_pit_road else 3  # InPitStall-ish / OnTrack
            arrays["CarIdxClass"][i] = entry.car_class.class_id
        state = self.session_state_at(t)
        if state == SESSION_STATE_COOL_DOWN:
            arrays.update(out_of_world(arrays))
        return {
            "SessionNum": RACE_SESSION_NUM,
            "SessionTime": t,
            "SessionState": state,
            "PlayerCarIdx": self.player_idx,
            **self.incidents.values_at(t),
            **arrays,
        }


_PLACED: dict[int, tuple[Incident, ...]] = {}  # by seed: a race is a pure function of its seed


def _placed_incidents(race: ScriptedRace) -> tuple[Incident, ...]:
    """The player's incidents in this race, searched for once per seed in a process (a fraction of a second)."""
    placed = _PLACED.get(race.seed)
    if placed is None:
        placed = _PLACED[race.seed] = place(race.player_idx, race.lap_distances)
    return placed


def out_of_world(values: dict[str, Any]) -> dict[str, list[Any]]:
    """Cars back in the garage: their laps, positions and times stay, but they are nowhere on track."""
    cars = len(values["CarIdxTrackSurface"])
    return {
        "CarIdxTrackSurface": [-1] * cars,
        "CarIdxLapDistPct": [-1.0] * cars,
        "CarIdxOnPitRoad": [False] * cars,
    }
