"""Races from the racing history: a season's races, one race's full result, and head-to-head with a driver.

Pure Python; store/races.py and store/head_to_head.py fill them from the imported tables. Positions are
1-based; a team race's drivers carry their team's positions (as the API gives them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class SeasonRace:
    """One of the racer's races in a season, in their class."""

    subsession_id: int
    start_time: datetime
    track: str
    car_class_name: str
    class_sof: int | None
    start: int | None  # in class
    finish: int | None  # in class
    incidents: int | None
    irating_change: int | None
    points: int | None
    laps: int | None
    official: bool


@dataclass(frozen=True, slots=True)
class ResultClass:
    car_class_id: int
    name: str
    sof: int | None  # the class's own strength of field
    entries: int


@dataclass(frozen=True, slots=True)
class ResultRow:
    """A row of a race's full result: a driver, or (team races) a team followed by its drivers."""

    car_class_id: int
    cust_id: int | None  # None on a team's row
    team_id: int | None
    name: str
    car_number: str
    car_name: str
    position: int | None  # overall
    class_position: int | None
    start: int | None  # in class
    laps: int | None
    laps_led: int | None
    incidents: int | None
    interval: float | None  # seconds behind the class leader
    best_lap: float | None
    irating: int | None  # before the race
    irating_change: int | None
    reason_out: str
    is_racer: bool  # the racer's own row (or their team's)

    @property
    def is_team(self) -> bool:
        return self.cust_id is None


@dataclass(frozen=True, slots=True)
class RaceResult:
    """A race's main event, class by class (fastest class first)."""

    subsession_id: int
    start_time: datetime
    series_name: str
    season_name: str
    track: str
    official: bool
    team_race: bool
    sof: int | None
    classes: tuple[ResultClass, ...]
    rows: tuple[ResultRow, ...]  # class by class; a team's row before its drivers'


@dataclass(frozen=True, slots=True)
class HeadToHead:
    """Races the racer and a driver ran together (never as teammates), and who finished ahead.

    In class when they raced in the same class, overall otherwise. This is what a live row, a card and
    the local API show of a driver the racer has raced before.
    """

    races: int
    ahead: int  # the racer finished ahead
    behind: int  # they did
    last_race_at: datetime | None
    last_subsession_id: int | None

    @property
    def score(self) -> str:
        """`3–1`: races where the racer finished ahead – where they did."""
        return f"{self.ahead}–{self.behind}"


@dataclass(frozen=True, slots=True)
class SharedRace:
    """One race the two ran together, each one's positions (compared in class or overall)."""

    subsession_id: int
    start_time: datetime
    series_name: str
    track: str
    same_class: bool
    racer_start: int | None
    racer_finish: int | None
    rival_start: int | None
    rival_finish: int | None
    racer_incidents: int | None
    rival_incidents: int | None

    @property
    def racer_ahead(self) -> bool | None:
        if self.racer_finish is None or self.rival_finish is None:
            return None
        return self.racer_finish < self.rival_finish


@dataclass(frozen=True, slots=True)
class Rivalry:
    """The racer against one driver: the head-to-head, averages side by side, and the races."""

    cust_id: int
    name: str
    summary: HeadToHead
    racer_avg_finish: float | None
    rival_avg_finish: float | None
    racer_avg_gained: float | None  # positions gained from start to finish, per race
    rival_avg_gained: float | None
    racer_incidents_per_race: float | None
    rival_incidents_per_race: float | None
    races: tuple[SharedRace, ...]  # newest first

    @property
    def avg_margin(self) -> float | None:
        """Places the racer finished ahead of them, per race (negative: behind)."""
        margins = [r.rival_finish - r.racer_finish for r in self.races if r.racer_finish is not None and r.rival_finish is not None]
        return sum(margins) / len(margins) if margins else None


@dataclass(frozen=True, slots=True)
class KnownDriver:
    """A driver found in the imported results (a search by name or id)."""

    cust_id: int
    name: str  # their latest name
    races: int  # races of theirs stored
    last_race_at: datetime | None
