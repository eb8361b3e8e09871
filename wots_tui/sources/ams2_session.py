"""An AMS2 server's `api/session/status` as the session snapshot the rest of the app knows (iRacing's shape).

Pure mapping, no network: what the server calls things and their quirks, read once here (reference:
the server's own HTTP API, as its web tools and captures show it):
- humans are keyed by Steam id (a string in the API); an AI car carries the host's RefId and IsPlayer 0, so
  it is never joined to a member, never keyed by a human's id (its id here is negative) and has no RefId;
- CurrentSector is rotated (3 is the first sector, 1 the second, 2 the third, 0 none);
- a participant's State may be empty; Flags may be negative (its top bit); RefIds go above 32767;
- lobby ids are strings while a session runs (0 when idle); the stage is "Qualifying1" on AMS2 and
  "Qualifying" on older servers;
- vehicle classes carry `value`, not `id`, and vehicles name their class rather than number it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from wots_tui.domain.models import CarClass, CarState, Driver, Platform, SessionFacts

CLASS_COLOURS = ("#f97316", "#38bdf8", "#a3e635", "#f472b6", "#facc15", "#c084fc", "#2dd4bf", "#fb7185")
NO_CLASS = CarClass(0, "", "#a1a1aa")
PIT_STATES = frozenset({"EnteringPits", "InPits", "ExitingPits"})
STOPPED = {"Finished": "FIN", "DNF": "DNF", "Disqualified": "DSQ", "Retired": "RET"}
SECTORS = {3: 1, 1: 2, 2: 3}  # CurrentSector as the API numbers it -> the sector the car is in
LOBBY_CAR = 1_000_000  # car indexes of members with no car yet (in the lobby) start here, past any participant id


def session_type(stage: str) -> str:
    """The stage ("Practice1", "Qualifying1" or "Qualifying", "Warmup", "FormationLap", "Race1") as iRacing's
    session types read: Practice, Qualify, Warmup, Race."""
    stage = stage.lower()
    for prefix, kind in (("practice", "Practice"), ("qualif", "Qualify"), ("warmup", "Warmup"),
                         ("formation", "Race"), ("race", "Race")):
        if stage.startswith(prefix):
            return kind
    return stage.title()


@dataclass(frozen=True, slots=True)
class Vehicle:
    name: str
    car_class: CarClass


@dataclass(frozen=True, slots=True)
class Names:
    """The server's vehicles (by id, with their class) and tracks (by id), from `api/list/*`, fetched once."""

    vehicles: Mapping[int, Vehicle] = field(default_factory=dict)
    tracks: Mapping[int, str] = field(default_factory=dict)

    @classmethod
    def from_lists(cls, vehicles: Any, classes: Any, tracks: Any) -> Names:
        """From the `response` of api/list/vehicles, vehicle_classes and tracks (each `{"list": [...]}`)."""
        by_name: dict[str, CarClass] = {}
        for n, item in enumerate(sorted(_listed(classes), key=lambda c: str(c.get("name", "")))):
            name = str(item.get("name", ""))
            value = _int(item.get("value", item.get("id")))  # AMS2 says `value`; be kind to an `id`
            if name and value is not None:
                label = str(item.get("translated_name") or name).replace("_", " ")
                by_name[name] = CarClass(value, label, CLASS_COLOURS[n % len(CLASS_COLOURS)])
        vehicles_by_id = {}
        for item in _listed(vehicles):
            vehicle_id = _int(item.get("id"))
            if vehicle_id is not None:
                class_name = str(item.get("class", ""))
                car_class = by_name.get(class_name) or CarClass(0, class_name.replace("_", " "), NO_CLASS.colour)
                vehicles_by_id[vehicle_id] = Vehicle(str(item.get("name", "")), car_class)
        tracks_by_id = {tid: str(t.get("name", "")).replace("_", " ") for t in _listed(tracks) if (tid := _int(t.get("id"))) is not None}
        return cls(vehicles_by_id, tracks_by_id)

    def vehicle(self, vehicle_id: int | None) -> Vehicle:
        return self.vehicles.get(vehicle_id, Vehicle("", NO_CLASS)) if vehicle_id is not None else Vehicle("", NO_CLASS)


@dataclass(frozen=True, slots=True)
class Member:
    refid: int
    steam_id: int
    name: str


@dataclass(frozen=True, slots=True)
class Car:
    """One participant as read: who drives it (a member, or an AI) and where it is."""

    participant_id: int
    driver: Driver
    state: str  # the participant's State as the server says it ("" at times)
    car: CarState


@dataclass(frozen=True, slots=True)
class Status:
    """One reading of `api/session/status`: the session, its members and its cars."""

    running: bool  # a session exists (not Idle)
    server_name: str
    lobby_id: str
    now: int  # the server's clock, unix seconds
    attributes: Mapping[str, Any]
    members: tuple[Member, ...]
    cars: tuple[Car, ...]
    lobby: tuple[Driver, ...]  # members without a car yet

    @property
    def stage(self) -> str:
        return str(self.attributes.get("SessionStage") or "")

    @property
    def elapsed(self) -> float:
        return _float(self.attributes.get("SessionTimeElapsed")) or 0.0

    def facts(self, names: Names, meeting: str) -> SessionFacts:
        attrs = self.attributes
        return SessionFacts(
            track_name=names.tracks.get(_int(attrs.get("TrackId")) or 0, ""),
            session_type=session_type(self.stage),
            session_name=self.server_name,
            session_state=_session_state(str(attrs.get("SessionState") or ""), str(attrs.get("SessionPhase") or "")),
            session_num=_stage_number(self.stage),
            session_id=_int(self.lobby_id) or 0,
            session_time=self.elapsed,
            meeting=meeting,
        )


def read_status(response: Any, names: Names, known_states: Mapping[int, str] | None = None) -> Status:
    """`api/session/status?attributes&members&participants`'s response, read defensively: a field missing or of
    the wrong type is treated as absent, never an error (some servers skip drivers now and then).

    A participant whose State reads empty (it happens) keeps the state it had last (`known_states`, by
    participant id), so a car in the pits does not flicker out of them."""
    body = response if isinstance(response, Mapping) else {}
    members = tuple(m for item in _items(body.get("members")) if (m := _member(item)) is not None)
    by_refid = {m.refid: m for m in members}
    known = known_states or {}
    cars = _one_car_each(c for item in _items(body.get("participants")) if (c := _car(item, by_refid, names, known)) is not None)
    seated = {c.driver.driver_id for c in cars if not c.driver.is_ai}
    lobby = tuple(_lobby_driver(m) for m in members if m.steam_id not in seated)
    lobby_id = body.get("lobbyid")
    return Status(
        running=str(body.get("state") or "") not in ("", "Idle"),
        server_name=str(body.get("name") or ""),
        lobby_id="" if lobby_id in (None, 0, "0") else str(lobby_id),
        now=_int(body.get("now")) or 0,
        attributes=body.get("attributes") if isinstance(body.get("attributes"), Mapping) else {},
        members=members,
        cars=cars,
        lobby=lobby,
    )


def _one_car_each(cars: Iterable[Car]) -> tuple[Car, ...]:
    """A member is in one car: a second participant of theirs (the server lists one now and then) is left out."""
    seen: set[tuple[str, int]] = set()
    kept = []
    for car in cars:
        if car.driver.key not in seen:
            seen.add(car.driver.key)
            kept.append(car)
    return tuple(kept)


def _member(item: Mapping[str, Any]) -> Member | None:
    refid, steam_id = _int(item.get("refid")), _int(item.get("steamid"))
    if refid is None or not steam_id or steam_id <= 0:
        return None
    return Member(refid, steam_id, str(item.get("name") or f"Steam {steam_id}"))


def _car(item: Mapping[str, Any], members: Mapping[int, Member], names: Names, known: Mapping[int, str]) -> Car | None:
    participant_id = _int(item.get("id"))
    attrs = item.get("attributes")
    if participant_id is None or participant_id < 0 or not isinstance(attrs, Mapping):
        return None
    vehicle = names.vehicle(_int(attrs.get("VehicleId")))
    if _int(attrs.get("IsPlayer")) == 1:
        member = members.get(_int(attrs.get("RefId")) or -1)
        if member is None:  # a car whose member has left (or not arrived): no one to key it by yet
            return None
        driver = Driver(participant_id, member.steam_id, member.name, "", vehicle.car_class, vehicle.name, 0, None,
                        platform=Platform.AMS2, ref_id=member.refid)
    else:  # AI: the host's RefId is not theirs
        name = str(attrs.get("Name") or f"AI {participant_id}")
        driver = Driver(participant_id, -(participant_id + 1), name, "", vehicle.car_class, vehicle.name, 0, None,
                        platform=Platform.AMS2, is_ai=True)
    state = str(attrs.get("State") or "") or known.get(participant_id, "")
    return Car(participant_id, driver, state, _car_state(participant_id, attrs, state))


def _car_state(car_idx: int, attrs: Mapping[str, Any], state: str) -> CarState:
    lap = _int(attrs.get("CurrentLap"))
    lap = lap if lap is not None and lap >= 0 else None
    position = _int(attrs.get("RacePosition"))
    return CarState(
        car_idx=car_idx,
        position=position if position is not None and position > 0 else None,
        lap=lap,
        laps_completed=max(lap - 1, 0) if lap else None,
        last_lap=_seconds(attrs.get("LastLapTime")),
        best_lap=_seconds(attrs.get("FastestLapTime")),
        on_pit_road=state in PIT_STATES,
        in_world=state != "InGarage",
        sector=SECTORS.get(_int(attrs.get("CurrentSector")) or 0),
        status=STOPPED.get(state, ""),
    )


def _lobby_driver(member: Member) -> Driver:
    return Driver(LOBBY_CAR + member.refid, member.steam_id, member.name, "", NO_CLASS, "", 0, None,
                  platform=Platform.AMS2, ref_id=member.refid)


PHASES = {"Green": "racing", "CountDown": "countdown", "CountDownWait": "countdown", "PreCountDownSync": "pre-race",
          "PreRace": "pre-race"}


def _session_state(state: str, phase: str) -> str:
    """The session's state and, on track, its phase, in iRacing's words where they match ("racing"; the Board
    treats "checkered" as the flag out)."""
    if state == "PostRace":
        return "checkered"
    if state == "Race":
        return PHASES.get(phase, "on track")
    return state.lower()


def _stage_number(stage: str) -> int:
    order = ("practice", "qualif", "warmup", "formation", "race")
    lowered = stage.lower()
    return next((n for n, prefix in enumerate(order) if lowered.startswith(prefix)), 0)


def _items(value: Any) -> Sequence[Mapping[str, Any]]:
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def _listed(value: Any) -> Sequence[Mapping[str, Any]]:
    return _items(value.get("list")) if isinstance(value, Mapping) else []


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def _float(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _seconds(value: Any) -> float | None:
    """A lap or sector time in milliseconds, as seconds; 0 and negatives (none yet) are None."""
    ms = _int(value)
    return ms / 1000 if ms is not None and ms > 0 else None
