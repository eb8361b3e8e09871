"""A scripted weekend: practice, qualifying and the race of one subsession, as a pure function of sim time.

iRacing plays a subsession's sessions one after another in one memory map: the same SessionID and
SubSessionID throughout, telemetry `SessionNum` naming the session that runs and `SessionTime` restarting
with each. The weekend joins practice for its last minute, and each session but the race cools down for a
few seconds with the cars out of the world before the next one starts; the race takes its checkered flag
and cools down by itself (ScriptedRace). The cars lap with the ScriptedRace's lap maths at the session's
time; outside the race they are ranked by best lap, as in iRacing.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from typing import Any

from wots_tui.sources.fakesim.race import (
    RACE_SESSION_NUM,
    SESSION_STATE_COOL_DOWN,
    ScriptedRace,
    out_of_world,
    rank,
)
from wots_tui.sources.fakesim.roster import Entry
from wots_tui.sources.fakesim.session_yaml import SESSIONS

PRACTICE_WATCHED = 60.0  # sim seconds of practice played: its last minute
COOL_DOWN = 5.0  # sim seconds between one session's end and the next one's start


@dataclass(frozen=True, slots=True)
class SessionRun:
    """One session as the weekend plays it: from sim time `starts_at` its SessionTime runs from `first_time`
    to `last_time`, then it cools down until the next session starts."""

    num: int
    starts_at: float
    first_time: float
    last_time: float  # inf for the race, which ends by itself (its flag, then its cool-down)

    @property
    def ends_at(self) -> float:
        return self.starts_at + self.last_time - self.first_time


class ScriptedWeekend:
    """Practice (SessionNum 0), qualifying (1) and `race` (2), back to back from practice's last minute."""

    def __init__(self, race: ScriptedRace | None = None):
        self.race = race or ScriptedRace()
        practice, qualify, _ = SESSIONS
        practice_run = SessionRun(practice.num, 0.0, practice.length - PRACTICE_WATCHED, practice.length)
        qualify_run = SessionRun(qualify.num, practice_run.ends_at + COOL_DOWN, 0.0, qualify.length)
        race_run = SessionRun(RACE_SESSION_NUM, qualify_run.ends_at + COOL_DOWN, 0.0, math.inf)
        self.sessions = (practice_run, qualify_run, race_run)
        self._starts = [run.starts_at for run in self.sessions]
        self.length = race_run.starts_at + self.race.length  # the weekend is over when its race is

    @property
    def player_idx(self) -> int:
        return self.race.player_idx

    def moment(self, t: float) -> tuple[SessionRun, float, float]:
        """The session running (or cooling down) at sim time t, its SessionTime, and the time its cars are
        at: the session time, frozen at the session's end while it cools down."""
        run = self.sessions[max(0, bisect.bisect_right(self._starts, t) - 1)]
        session_time = run.first_time + (t - run.starts_at)
        return run, session_time, min(session_time, run.last_time)

    def roster_at(self, t: float) -> list[Entry]:
        return self.race.roster_at(self.moment(t)[2])

    def telemetry_at(self, t: float) -> dict[str, Any]:
        """Every variable the fake sim writes, for sim time t."""
        run, session_time, cars_at = self.moment(t)
        values = self.race.telemetry_at(cars_at)
        values["SessionNum"] = run.num
        values["SessionTime"] = session_time
        if run.num != RACE_SESSION_NUM:
            values.update(_by_best_lap(values, self.race.roster_at(cars_at)))
        if session_time >= run.last_time:
            values.update(out_of_world(values), SessionState=SESSION_STATE_COOL_DOWN)
        return values


def _by_best_lap(values: dict[str, Any], roster: list[Entry]) -> dict[str, list[Any]]:
    """Practice and qualifying positions: by best lap, cars without a timed lap unplaced (0).
    F2Time holds the best lap outside a race."""
    best = values["CarIdxBestLapTime"]
    timed = sorted((e for e in roster if best[e.car_idx] > 0), key=lambda e: best[e.car_idx])
    position, class_position = [0] * len(best), [0] * len(best)
    for car_idx, (overall, in_class) in rank(timed).items():
        position[car_idx], class_position[car_idx] = overall, in_class
    f2_time = [max(0.0, lap) for lap in best]
    return {"CarIdxPosition": position, "CarIdxClassPosition": class_position, "CarIdxF2Time": f2_time}
