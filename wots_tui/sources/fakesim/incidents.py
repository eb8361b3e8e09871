"""The player's incidents in the scripted race: when, how many points, and which car was close at the time.

iRacing writes an incident as the player's incident counts (PlayerCarMyIncidentCount, and the driver's and
the team's, the same in a solo race) rising by its points, about two frames after PlayerIncidents held the
incident's report and penalty (irsdk_IncidentFlags) for a single frame. The fake writes them so.

The script plans each incident from a race time onwards and places it at the first moment that fits: a 4x
(car contact) where one other car stays within touching distance, by lap distance, for a second or so and no
third car is close, so the car touched is plain; a 2x (loss of control) sometimes beside a car, sometimes
alone; a 1x (off track) alone. Moments are found from the race's own lap maths, so they follow the seed.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from irsdk import IncidentFlags

FRAME = 1 / 60  # one of the sim's frames (seconds)
NEAR = 0.0015  # of a lap: within touching distance (about 10 m at Spa)
CLEAR = 0.0025  # of a lap: how far every third car stays from a touch (about 17 m)
ALONE = 0.004  # of a lap: nobody this close to an incident the racer has alone (about 28 m)
HOLD = 1.0  # seconds a touched car stays nearest, so a reader a few ticks late still finds it
_STEP = 0.5  # seconds between the moments tried (a car that stays near for HOLD is near at one of them)
_HOLD_STEP = 0.25  # seconds between the looks that it stays nearest
_SEARCH = 180.0  # seconds after its planned time an incident may be placed
_FLAGS = {
    4: IncidentFlags.rep_collision_with_car | IncidentFlags.pen_four_x,
    2: IncidentFlags.rep_out_of_control | IncidentFlags.pen_two_x,
    1: IncidentFlags.rep_off_track | IncidentFlags.pen_one_x,
}

LapDistances = Callable[[float], Mapping[int, tuple[float, bool]]]  # race time -> car -> (lap fraction, on pit road)


@dataclass(frozen=True, slots=True)
class Planned:
    after: float  # race time from which a fitting moment is looked for
    points: int  # 4 car contact, 2 loss of control, 1 off track
    near: bool  # a car within touching distance (a 4x always; a 2x may be beside a car too)


# The demo starts at 240 s: its first contact comes within a minute or two. Before 900 s there is only that
# one: the screens' snapshots show the race at 900 s, the racer on 4x.
PLAN = (
    Planned(290.0, 4, near=True),
    Planned(930.0, 2, near=True),
    Planned(1000.0, 4, near=True),
    Planned(1120.0, 1, near=False),
    Planned(1200.0, 4, near=True),
    Planned(1330.0, 2, near=False),
    Planned(1430.0, 4, near=True),
    Planned(1600.0, 1, near=False),
    Planned(1745.0, 4, near=True),  # in the weekend's practice, which plays race time 1740-1800 s
    Planned(1900.0, 2, near=False),
    Planned(2000.0, 4, near=True),
    Planned(2150.0, 2, near=True),
    Planned(2300.0, 4, near=True),
)


@dataclass(frozen=True, slots=True)
class Incident:
    at: float  # race time the counts rise
    points: int
    near_idx: int | None  # the car within touching distance (the one a 4x touched); None: nobody near

    @property
    def flags(self) -> int:
        """PlayerIncidents as iRacing logs this incident: its report and its penalty."""
        return _FLAGS[self.points]


class IncidentScript:
    """The player's incidents as placed in one race, and their telemetry at any race time."""

    def __init__(self, incidents: tuple[Incident, ...]):
        self.incidents = incidents
        self._ats = [incident.at for incident in incidents]
        self._counts = list(itertools.accumulate(incident.points for incident in incidents))

    def values_at(self, t: float) -> dict[str, Any]:
        """The player's incident variables at race time t."""
        risen = bisect.bisect_right(self._ats, t)
        count = self._counts[risen - 1] if risen else 0
        logged = 0
        if risen < len(self._ats):  # the next incident's flags show for one frame, two before its counts rise
            coming = self.incidents[risen]
            if coming.at - 2 * FRAME <= t < coming.at - FRAME:
                logged = coming.flags
        return {
            "PlayerCarMyIncidentCount": count,
            "PlayerCarDriverIncidentCount": count,
            "PlayerCarTeamIncidentCount": count,
            "PlayerIncidents": logged,
        }


def place(player_idx: int, lap_distances: LapDistances, plan: tuple[Planned, ...] = PLAN) -> tuple[Incident, ...]:
    """Each planned incident at the first moment from its planned time (and after the one before) that fits it;
    one that finds none within the search stays at its planned time, with nobody counted near."""
    look = _Look(player_idx, lap_distances)
    placed: list[Incident] = []
    for planned in plan:
        after = max(planned.after, placed[-1].at + HOLD) if placed else planned.after
        found = look.beside(after) if planned.near else look.alone(after)
        at, near_idx = (after, None) if found is None else found
        placed.append(Incident(at, planned.points, near_idx))
    return tuple(placed)


class _Look:
    """Where the other cars are from the player's seat, at any race time."""

    def __init__(self, player_idx: int, lap_distances: LapDistances):
        self._player_idx = player_idx
        self._lap_distances = lap_distances

    def beside(self, after: float) -> tuple[float, int] | None:
        """The first moment from `after` at which one car is within touching distance and stays the nearest,
        clear of the rest, for HOLD seconds: the moment and the car."""
        for step in range(round(_SEARCH / _STEP)):
            t = after + step * _STEP
            near = self._nearest(t)
            if near is not None and self._stays_beside(near[0], t):
                return t, near[0]
        return None

    def alone(self, after: float) -> tuple[float, None] | None:
        """The first moment from `after` with no car within ALONE of the player."""
        for step in range(round(_SEARCH / _STEP)):
            t = after + step * _STEP
            near = self._nearest(t)
            if near is not None and near[1] >= ALONE:
                return t, None
        return None

    def _stays_beside(self, car_idx: int, t: float) -> bool:
        for step in range(round(HOLD / _HOLD_STEP) + 1):
            near = self._nearest(t + step * _HOLD_STEP)
            if near is None or near[0] != car_idx or near[1] > NEAR or near[2] < CLEAR:
                return False
        return True

    def _nearest(self, t: float) -> tuple[int, float, float] | None:
        """The car nearest the player by lap distance (of those on track with it), how far, and how far the next
        one is; None when the player is not on track or nobody else is."""
        where = self._lap_distances(t)
        mine = where.get(self._player_idx)
        if mine is None or mine[1]:
            return None
        here = mine[0]
        distances = [
            (_apart(fraction, here), car_idx)
            for car_idx, (fraction, on_pit) in where.items()
            if car_idx != self._player_idx and not on_pit
        ]
        if not distances:
            return None
        (apart, car_idx), *rest = heapq.nsmallest(2, distances)
        return car_idx, apart, rest[0][0] if rest else 1.0


def _apart(a: float, b: float) -> float:
    """How far apart two fractions of a lap are, either way round (across the line too)."""
    apart = abs(a - b)
    return min(apart, 1.0 - apart)
