"""The scripted session behind the fake AMS2 dedicated server (ams2_server.py): members, participants, the
session's attributes and the event log, as the reference (ams2-dedicated-server.md, sections 3 and 4) says.

Names are AMS2's own (SessionStage, RacePosition, CurrentSector, ...), so a test reads like the wire.
Vehicles, liveries, classes and tracks come from the real `api/list/all` body
(tests/fixtures/ams2/api-response.json).
"""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import Callable
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any

LIST_ALL = Path(__file__).resolve().parent.parent / "fixtures" / "ams2" / "api-response.json"

COOLDOWNLAP = -2147483648  # the sign bit: a session's Flags are a negative int32 with it
FLAGS = 8 | 32 | 128 | 512 | 262144 | 524288 | 134217728 | COOLDOWNLAP  # setups, ABS, TCS, one class, ...
MP_RACE_WEEKEND = -1958878043
STATES = ("None", "Lobby", "Loading", "Race", "PostRace", "Returning")  # SessionState, in the order they come
NEXT_STAGE = {"Practice1": "Qualifying1", "Qualifying1": "Race1", "Race1": "Practice1"}
STAGE_LENGTH = {"Practice": "PracticeLength", "Qualify": "QualifyLength", "Race": "RaceLength"}
LAP_METRES = 4309  # Interlagos GP: a Lap event's DistanceTravelled (the capture's reads as one lap's metres)


@cache
def catalogue() -> dict[str, Any]:
    """The real server's `api/list/all` response (the part under "response")."""
    return json.loads(LIST_ALL.read_text(encoding="utf-8"))["response"]


def _by_name(key: str, name: str) -> dict[str, Any]:
    for entry in catalogue()[key]["list"]:
        if entry["name"] == name:
            return entry
    raise ValueError(f"no {key} named {name!r} in {LIST_ALL.name}")


def vehicle_id(name: str) -> int:
    return _by_name("vehicles", name)["id"]


def livery_id(vehicle: str) -> int:
    """The vehicle's first livery."""
    return _by_name("liveries", vehicle)["liveries"][0]["id"]


def class_value(vehicle: str) -> int:
    """The VehicleClassId of a vehicle (classes carry `value`; vehicles name their class)."""
    return _by_name("vehicle_classes", _by_name("vehicles", vehicle)["class"])["value"]


def _blank(kind: str) -> dict[str, Any]:
    """Every attribute of `kind` ("session", "participant") at 0 or "", as an Idle server shows them."""
    return {a["name"]: "" if a["type"] == "string" else 0 for a in catalogue()[f"attributes/{kind}"]["list"]}


class EventLog:
    """The server's ring buffer of `size` events; indices grow for ever (until a restart)."""

    def __init__(self, size: int, clock: Callable[[], float]) -> None:
        self.events: deque[dict[str, Any]] = deque(maxlen=size)
        self.next_index = 0
        self._clock = clock

    def add(
        self,
        name: str,
        attributes: dict[str, Any],
        *,
        refid: int | None = None,
        participantid: int | None = None,
        at: int | None = None,
    ) -> dict[str, Any]:
        event: dict[str, Any] = {
            "index": self.next_index,
            "time": int(self._clock()) if at is None else at,
            "name": name,
        }
        if refid is not None:
            event["refid"] = refid
        if participantid is not None:
            event["participantid"] = participantid
        event["attributes"] = attributes
        self.events.append(event)
        self.next_index += 1
        return event

    def clear(self) -> None:
        self.events.clear()
        self.next_index = 0

    def overview(self) -> dict[str, int]:
        """{first, count, now}: `first` the oldest index held, `count` how many are held."""
        first = self.events[0]["index"] if self.events else self.next_index
        return {"first": first, "count": len(self.events), "now": int(self._clock())}

    def range(self, offset: int, count: int) -> dict[str, Any]:
        """The events with index in [offset, offset + count); a negative offset counts back from the end."""
        page: dict[str, Any] = self.overview()
        start = self.next_index + offset if offset < 0 else offset
        page["events"] = [e for e in self.events if start <= e["index"] < start + count]
        return page


class FakeSession:
    """One AMS2 session as the server holds it; every change logs the events the real server would."""

    def __init__(self, *, log_size: int = 1000, clock: Callable[[], float] = time.time) -> None:
        self.log = EventLog(log_size, clock)
        self._clock = clock
        self._idle()

    def _idle(self) -> None:
        self.state_name = "Idle"  # the top-level "state": Idle | Running
        self.name = ""
        self.lobby_id: str | int = 0
        self.attributes = _blank("session")
        self.members: dict[int, dict[str, Any]] = {}  # refid -> member, as status shows it
        self.participants: dict[int, dict[str, Any]] = {}  # participant id -> attributes
        self._next_participant = 0
        self._next_member_index = 0
        self._total_ms: dict[int, int] = {}  # participant id -> time driven this stage
        self.stage_started = self._clock()

    # --- the session ----------------------------------------------------------------------------------------

    def start(
        self,
        name: str = "WOTS League",
        lobby_id: str = "109775242847201392",
        track: str = "Interlagos_GP",
        stage: str = "Practice1",
        state: str = "Race",
        phase: str = "Green",
        vehicle: str = "Ginetta G55 GT4",
    ) -> None:
        """A session running: SessionCreated, each StateChanged from None up to `state` (SessionSetup once
        loading), with `stage` as the first stage (no StageChanged is logged for it)."""
        self.state_name, self.name, self.lobby_id = "Running", name, lobby_id
        the_track = _by_name("tracks", track)
        self.attributes.update(
            ServerControlsSetup=1,
            ServerControlsTrack=1,
            ServerControlsVehicleClass=1,
            GridSize=the_track["gridsize"],
            MaxPlayers=the_track["gridsize"],
            OpponentDifficulty=90,
            Flags=FLAGS,
            DamageType=3,
            TireWearType=6,
            PenaltiesType=1,
            AllowedCutsBeforePenalty=3,
            PitSpeedLimit=1,
            TrackId=the_track["id"],
            VehicleClassId=class_value(vehicle),
            VehicleModelId=vehicle_id(vehicle),
            GameMode=MP_RACE_WEEKEND,
            PracticeLength=15,
            QualifyLength=10,
            RaceLength=12,
            RaceDateYear=the_track["default_year"],
            RaceDateMonth=the_track["default_month"],
            RaceDateDay=the_track["default_day"],
            RaceDateHour=14,
            CurrentYear=the_track["default_year"],
            CurrentMonth=the_track["default_month"],
            CurrentDay=the_track["default_day"],
            CurrentHour=14,
            TemperatureAmbient=24000,
            TemperatureTrack=31000,
            AirPressure=100948,
            SessionStage=stage,
            SessionPhase=phase,
        )
        self.log.add("SessionCreated", {})
        for previous, new in pairwise(STATES[: STATES.index(state) + 1]):
            self.log.add("StateChanged", {"PreviousState": previous, "NewState": new})
            if new == "Loading":
                self.log.add(
                    "SessionSetup",
                    {
                        key: self.attributes[key]
                        for key in (
                            "GridSize",
                            "MaxPlayers",
                            "PracticeLength",
                            "QualifyLength",
                            "RaceLength",
                            "Flags",
                            "TrackId",
                            "GameMode",
                        )
                    },
                )
        self.attributes["SessionState"] = state
        self.stage_started = self._clock()

    def session_state(self, new_state: str) -> None:
        """StateChanged (Race -> PostRace, say) and the SessionState attribute."""
        self.log.add(
            "StateChanged", {"PreviousState": self.attributes["SessionState"], "NewState": new_state}
        )
        self.attributes["SessionState"] = new_state

    def stage(self, new_stage: str) -> None:
        """The stage ends: Results for each car, then StageChanged; laps and times start again, ids stay."""
        self.results()
        length = next(
            (self.attributes[key] for prefix, key in STAGE_LENGTH.items() if new_stage.startswith(prefix)), 0
        )
        self.log.add(
            "StageChanged",
            {"PreviousStage": self.attributes["SessionStage"], "NewStage": new_stage, "Length": length},
        )
        self.attributes["SessionStage"] = new_stage
        self.stage_started = self._clock()
        for pid, car in self.participants.items():
            car.update(
                CurrentLap=1,
                CurrentSector=3,
                Sector1Time=0,
                Sector2Time=0,
                Sector3Time=0,
                LastLapTime=0,
                FastestLapTime=0,
            )
            self._total_ms[pid] = 0

    def results(self) -> None:
        """A Results event for every car, as the server logs them when a stage ends (and after a race)."""
        for pid, car in self.participants.items():
            self.log.add(
                "Results",
                {
                    "RacePosition": car["RacePosition"],
                    "Lap": car["CurrentLap"] - 1,
                    "VehicleId": car["VehicleId"],
                    "State": car["State"],
                    "TotalTime": self._total_ms[pid],
                    "FastestLapTime": car["FastestLapTime"],
                },
                refid=car["RefId"],
                participantid=pid,
            )

    def advance(self) -> None:
        """api/session/advance: SessionAdvance, then the next stage."""
        self.log.add("SessionAdvance", {})
        self.stage(NEXT_STAGE.get(self.attributes["SessionStage"], "Practice1"))

    def end(self) -> None:
        """Back to Idle: SessionDestroyed; no members, no participants, lobbyid 0, name ""."""
        self.log.add("SessionDestroyed", {})
        self._idle()

    def restart(self) -> None:
        """A server restart: the log empties, SoftRestart is index 0, and the session is Idle."""
        self.log.clear()
        self.log.add("SoftRestart", {})
        self._idle()

    def filler(self, count: int) -> None:
        """`count` chat lines nobody needs: enough of them make the ring buffer wrap past a reader."""
        for n in range(count):
            self.log.add("ServerChat", {"RefId": 0, "Message": f"filler {n}"})

    # --- members ----------------------------------------------------------------------------------------

    def join(self, name: str, steam_id: str, *, refid: int | None = None, host: bool = False) -> int:
        """A member joins (PlayerJoined, Authenticated); its refid (auto: 10000 on, some over 32767)."""
        if refid is None:
            refid = 10000 + self._next_member_index * 9973 % 55000
            while refid in self.members:
                refid += 1
        self.members[refid] = {
            "index": self._next_member_index,
            "refid": refid,
            "steamid": steam_id,
            "state": "Connected",
            "name": name,
            "jointime": int(self._clock()),
            "host": host,
            "attributes": {
                "VehicleId": 0,
                "LiveryId": 0,
                "LoadState": "ADMIN_STARTED_RACE" if host else "UNKNOWN",
                "RaceStatFlags": 1073747173,
                "Ping": 20 + refid % 60,
            },
        }
        self._next_member_index += 1
        self.log.add("PlayerJoined", {"Name": name, "SteamId": steam_id}, refid=refid)
        self.log.add("Authenticated", {}, refid=refid)
        return refid

    def leave(self, refid: int, reason: str = "disconnected", game_reason_id: int = 0) -> None:
        """PlayerLeft (GameReasonId 2 for a kick), then ParticipantDestroyed for the member's car."""
        self._member(refid)
        self.log.add("PlayerLeft", {"Reason": reason, "GameReasonId": game_reason_id}, refid=refid)
        for pid, car in list(self.participants.items()):
            if car["IsPlayer"] and car["RefId"] == refid:
                self.log.add("ParticipantDestroyed", {}, refid=refid, participantid=pid)
                del self.participants[pid]
        del self.members[refid]

    def chat_from(self, refid: int, message: str) -> None:
        self._member(refid)
        self.log.add("PlayerChat", {"Message": message}, refid=refid)

    def server_chat(self, message: str, refid: int | None = None) -> None:
        """The echo of api/session/send_chat (RefId 0: to everyone)."""
        self.log.add("ServerChat", {"RefId": refid or 0, "Message": message})

    def _member(self, refid: int) -> dict[str, Any]:
        if refid not in self.members:
            raise KeyError(f"no connected member has refid {refid}")
        return self.members[refid]

    # --- participants -------------------------------------------------------------------------------------

    def add_car(self, refid: int, *, vehicle: str = "Ginetta G55 GT4", position: int | None = None,
                participant_id: int | None = None) -> int:
        """The member's car (IsPlayer 1); its participant id (`participant_id`: that one, as a server that gives
        a departed car's id to a newcomer would)."""
        member = self._member(refid)
        member["attributes"].update(VehicleId=vehicle_id(vehicle), LiveryId=livery_id(vehicle))
        return self._add_participant(member["name"], refid, 1, vehicle, position, participant_id)

    def add_ai(self, name: str, *, vehicle: str = "Ginetta G55 GT4", position: int | None = None) -> int:
        """An AI car: IsPlayer 0 and the HOST's RefId (the quirk); its participant id."""
        host = next((m["refid"] for m in self.members.values() if m["host"]), None)
        if host is None:
            raise ValueError("an AI car carries the host's refid: join(..., host=True) first")
        return self._add_participant(name, host, 0, vehicle, position)

    def _add_participant(
        self, name: str, refid: int, is_player: int, vehicle: str, position: int | None, pid: int | None = None
    ) -> int:
        if pid is None:
            pid = self._next_participant
            self._next_participant += 1
        place = position or len(self.participants) + 1
        car = _blank("participant")
        car.update(
            RefId=refid,
            Name=name,
            IsPlayer=is_player,
            GridPosition=place,
            VehicleId=vehicle_id(vehicle),
            LiveryId=livery_id(vehicle),
            RacePosition=place,
            CurrentLap=1,
            CurrentSector=3,
            State="Racing",
            HeadlightsOn=1,
            Gear=1,
            RPM=900,
        )
        self.participants[pid] = car
        self._total_ms[pid] = 0
        self.log.add(
            "ParticipantCreated",
            {"Name": name, "IsPlayer": is_player, "VehicleId": car["VehicleId"], "LiveryId": car["LiveryId"]},
            refid=refid,
            participantid=pid,
        )
        return pid

    def set_car(self, participant_id: int, **attributes: Any) -> None:
        """Change participant attributes, by their AMS2 names; no event (status shows them)."""
        car = self._car(participant_id)
        unknown = set(attributes) - set(car)
        if unknown:
            raise KeyError(f"not participant attributes: {sorted(unknown)}")
        car.update(attributes)

    def sector(self, participant_id: int, sector: int, time_ms: int) -> None:
        """A Sector event (1, 2: end of S1, S2; 0: the finish line); CurrentSector moves on (3 = in S1,
        1 = in S2, 2 = in S3) and the sector's time is kept."""
        car = self._car(participant_id)
        self._total_ms[participant_id] += time_ms
        self._log_car(
            "Sector",
            participant_id,
            {
                "Lap": car["CurrentLap"] - 1,
                "Sector": sector,
                "SectorTime": time_ms,
                "TotalTime": self._total_ms[participant_id],
                "CountThisLap": 1,
                "CountThisLapTimes": 1,
            },
        )
        car[f"Sector{sector or 3}Time"] = time_ms
        car["CurrentSector"] = {1: 1, 2: 2, 0: 3}[sector]

    def finish_lap(self, participant_id: int, sector3_ms: int, position: int | None = None) -> None:
        """The line after sectors 1 and 2: Sector 0, then Lap (zero-based: the first lap done is Lap 0)."""
        self.sector(participant_id, 0, sector3_ms)
        car = self._car(participant_id)
        times = [car["Sector1Time"], car["Sector2Time"], car["Sector3Time"]]
        lap_ms = sum(times)
        if position is not None:
            car["RacePosition"] = position
        self._log_car(
            "Lap",
            participant_id,
            {
                "Lap": car["CurrentLap"] - 1,
                "LapTime": lap_ms,
                "Sector1Time": times[0],
                "Sector2Time": times[1],
                "Sector3Time": times[2],
                "RacePosition": car["RacePosition"],
                "DistanceTravelled": LAP_METRES,
                "CountThisLapTimes": 1,
            },
        )
        car["CurrentLap"] += 1
        car["LastLapTime"] = lap_ms
        car["FastestLapTime"] = min(lap_ms, car["FastestLapTime"] or lap_ms)

    def lap(
        self,
        participant_id: int,
        lap_ms: int,
        sectors_ms: tuple[int, int, int] | None = None,
        position: int | None = None,
    ) -> None:
        """A whole lap at once: three Sector events, then Lap (sectors 30/35/35 % of it unless given)."""
        if sectors_ms is None:
            first, second = lap_ms * 30 // 100, lap_ms * 35 // 100
            sectors_ms = (first, second, lap_ms - first - second)
        self.sector(participant_id, 1, sectors_ms[0])
        self.sector(participant_id, 2, sectors_ms[1])
        self.finish_lap(participant_id, sectors_ms[2], position)

    def impact(
        self,
        participant_id: int,
        other_id: int,
        magnitude: int,
        *,
        reported_by_both: bool = False,
        other_magnitude: int | None = None,
    ) -> None:
        """An Impact; with `reported_by_both` the other car's own report too, in the same second."""
        at = int(self._clock())
        self._log_car(
            "Impact", participant_id, {"OtherParticipantId": other_id, "CollisionMagnitude": magnitude}, at=at
        )
        if reported_by_both:
            self._log_car(
                "Impact",
                other_id,
                {
                    "OtherParticipantId": participant_id,
                    "CollisionMagnitude": magnitude if other_magnitude is None else other_magnitude,
                },
                at=at,
            )

    def wall(self, participant_id: int, magnitude: int = 1000) -> None:
        """A hit on the scenery: OtherParticipantId -1."""
        self._log_car("Impact", participant_id, {"OtherParticipantId": -1, "CollisionMagnitude": magnitude})

    def state(self, participant_id: int, new_state: str) -> None:
        """A State event and the State attribute ("" is a state AMS2 reports too)."""
        car = self._car(participant_id)
        self._log_car("State", participant_id, {"PreviousState": car["State"], "NewState": new_state})
        car["State"] = new_state

    def _car(self, participant_id: int) -> dict[str, Any]:
        if participant_id not in self.participants:
            raise KeyError(f"no participant has id {participant_id}")
        return self.participants[participant_id]

    def _log_car(
        self, name: str, participant_id: int, attributes: dict[str, Any], at: int | None = None
    ) -> None:
        refid = self._car(participant_id)["RefId"]
        self.log.add(name, attributes, refid=refid, participantid=participant_id, at=at)

    # --- what api/session/status serves ---------------------------------------------------------------------

    def status(self, *, attributes: bool, members: bool, participants: bool) -> dict[str, Any]:
        running = self.state_name == "Running"
        body: dict[str, Any] = {
            "state": self.state_name,
            "name": self.name,
            "lobbyid": self.lobby_id,
            "joinable": running,
            "max_member_count": self.attributes["MaxPlayers"] if running else 0,
            "now": int(self._clock()),
        }
        if attributes:
            body["attributes"] = (
                dict(self.attributes, **self._live_attributes()) if running else self.attributes
            )
        if members:
            body["members"] = [
                m if attributes else {k: v for k, v in m.items() if k != "attributes"}
                for m in self.members.values()
            ]
        if participants:
            body["participants"] = [
                {"id": pid, "attributes": car} if attributes else {"id": pid}
                for pid, car in self.participants.items()
            ]
        return body

    def _live_attributes(self) -> dict[str, Any]:
        states = [car["State"] for car in self.participants.values()]
        return {
            "SessionTimeElapsed": int(self._clock() - self.stage_started),
            "NumParticipantsValid": len(states),
            "NumParticipantsFinished": states.count("Finished"),
            "NumParticipantsDNF": states.count("DNF"),
            "NumParticipantsRetired": states.count("Retired"),
            "NumParticipantsDisqualified": states.count("Disqualified"),
        }
