"""Immutable models of one moment of a live session, as a source publishes it."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import NamedTuple

from wots_tui.domain.contacts import Contact


class Cycling(Enum):
    """An enum a key steps through: `next()` gives the following member, the last wraps to the first."""

    def next(self):  # type: ignore[no-untyped-def]
        members = list(type(self))
        return members[(members.index(self) + 1) % len(members)]


class Platform(str, Enum):
    IRACING = "iracing"
    AMS2 = "ams2"


class LinkState(str, Enum):
    """Where the source stands with the sim."""

    WAITING = "waiting"  # no sim (or no file) yet: a calm state, not an error
    CONNECTED = "connected"
    STALE = "stale"  # the sim (a server) went away or refuses us: its last session stays on screen, marked


@dataclass(frozen=True, slots=True)
class Licence:
    letter: str  # R D C B A P W
    safety_rating: float
    colour: str  # "#rrggbb", from the letter (LicColor is unreliable)

    @property
    def label(self) -> str:
        return f"{self.letter} {self.safety_rating:.2f}"


@dataclass(frozen=True, slots=True)
class CarClass:
    class_id: int
    name: str
    colour: str  # "#rrggbb"


@dataclass(frozen=True, slots=True)
class Driver:
    """A racer in the session roster: who sits in car `car_idx`.

    Identity is `(platform, driver_id)`; names and car indexes are for display only.
    """

    car_idx: int
    driver_id: int
    name: str
    car_number: str
    car_class: CarClass
    car_name: str
    irating: int
    licence: Licence | None
    team_name: str = ""
    platform: Platform = Platform.IRACING
    is_ai: bool = False  # an AI car (AMS2): shown and marked, never rated, noted or kicked
    ref_id: int | None = None  # who a server's admin actions address (AMS2's RefId); None for AI and iRacing
    key: tuple[str, int] = field(init=False, repr=False, compare=False)  # made once: the Board asks it often

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", (self.platform.value, self.driver_id))

    def __hash__(self) -> int:
        """By who and where: equal drivers hash equal, and a roster of 60 hashes in microseconds (it keys caches)."""
        return hash((self.key, self.car_idx))


class CarState(NamedTuple):
    """What the telemetry says about one car at one tick. None where the sim did not tell.

    A named tuple: a source makes one per car per publish, and a tuple is made in C.
    """

    car_idx: int
    position: int | None = None  # overall, 1-based
    class_position: int | None = None  # 1-based
    lap: int | None = None  # laps started
    laps_completed: int | None = None
    lap_dist_pct: float | None = None
    gap_to_leader: float | None = None  # seconds behind the overall leader (F2Time)
    last_lap: float | None = None  # seconds
    best_lap: float | None = None  # seconds
    on_pit_road: bool = False
    in_world: bool = True  # False when the car is not on track (in the garage / not in world)
    sector: int | None = None  # the sector the car is in, 1-3, where the sim says (AMS2)
    status: str = ""  # why a car stopped, where the sim says: "FIN", "DNF", "DSQ", "RET"; "" while it runs

    @property
    def progress(self) -> float | None:
        """Laps completed plus the fraction of the current lap: how far round the race a car is."""
        if self.laps_completed is None or self.lap_dist_pct is None or self.lap_dist_pct < 0:
            return None
        return self.laps_completed + self.lap_dist_pct


@dataclass(frozen=True, slots=True)
class SessionFacts:
    track_name: str = ""
    track_config: str = ""
    session_type: str = ""  # Practice, Qualify, Race, ...
    session_name: str = ""
    session_state: str = ""  # racing, checkered, ...
    session_num: int = 0
    session_id: int = 0
    subsession_id: int = 0
    official: bool = False
    session_time: float = 0.0
    player_incidents: int | None = None
    meeting: str = ""  # what "met once" counts, where the source names it itself (AMS2: lobby id + stage start)

    @property
    def is_race(self) -> bool:
        return self.session_type.lower() == "race"


@dataclass(frozen=True, slots=True)
class SessionSnapshot:
    """One tick of one session: the facts, the roster and the cars' live state."""

    facts: SessionFacts
    drivers: tuple[Driver, ...]
    cars: dict[int, CarState] = field(default_factory=dict)  # by car_idx; never mutated after publish
    player_car_idx: int | None = None
    tick: int = 0
    roster_version: int = 0  # bumps when the roster (session YAML) changes
    contacts: tuple[Contact, ...] = ()  # this session's contacts so far, oldest first (domain/contacts.py)

    @property
    def player_key(self) -> tuple[str, int] | None:
        """The racer's own key, when the source knows which car is theirs (an AMS2 server may not)."""
        return next((d.key for d in self.drivers if d.car_idx == self.player_car_idx), None)
