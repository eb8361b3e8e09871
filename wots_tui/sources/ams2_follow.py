"""Following one AMS2 server's session: each poll's status and new events, as the next SessionSnapshot.

What it keeps between polls: the names of cars and tracks, where it is in the event log, the meeting (one
stage of one server session), a car index per driver for the whole meeting, laps done, and the meeting's
contacts. Events are taken in the order the server logged them, against the cars' states as those events
say they were (a car that touched another and then entered the pits was racing when it touched).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from wots_tui.domain.contacts import ContactLog
from wots_tui.domain.models import CarState, SessionSnapshot
from wots_tui.domain.notebook import Key
from wots_tui.domain.wording import sentence
from wots_tui.sources.ams2_http import Ams2Http, BadAnswer, LevelTooLow, LoginRefused
from wots_tui.sources.ams2_log import EventLog
from wots_tui.sources.ams2_session import Car, Names, Status, read_status

log = logging.getLogger(__name__)

STATUS = "api/session/status"
REUSED_SEATS = 100_000  # car indexes for drivers given a participant id another driver had this meeting
STAGE_START_GRAIN = 60  # seconds: a stage's start is rounded to this, the same for every reader of the server
OFF_TRACK = frozenset({"", "None", "Lobby", "Loading", "Returning"})  # session states before and after the cars run
BOUNDARIES = frozenset({"SessionCreated", "StageChanged", "StateChanged", "SoftRestart"})  # events that can open a meeting
CONTACTS_OFF = "contacts off: this login cannot read the server's event log"


class ServerFollower:
    """One server as it is being followed; `read()` is one poll."""

    def __init__(self, http: Ams2Http, steam_id: int | None) -> None:
        self._http = http
        self._steam_id = steam_id
        self._names: Names | None = None
        self._log = EventLog(http.get)
        self._contacts = ContactLog()
        self._meeting: tuple[str, str, bool] | None = None  # lobby id, stage, on track: what "met once" is now
        self._meeting_key = ""
        self._seats: dict[Key, int] = {}  # driver key -> car index, this meeting
        self._laps_done: dict[int, int] = {}  # car index -> laps completed, from Lap events
        self._crossings: dict[int, dict[tuple[int, int], int]] = {}  # car index -> (lap, sector) -> its race time (ms)
        self._last_crossing: dict[int, tuple[int, int]] = {}  # car index -> the (lap, sector) it crossed last
        self._states: dict[int, str] = {}  # participant id -> its last State that was not empty
        self._roster: tuple[Any, ...] = ()
        self._roster_version = 0
        self._raw: Any = None  # the last status read, as the server sent it
        self.published: SessionSnapshot | None = None  # set by whoever published the last snapshot
        self.admin_refusal: str | None = "Not connected to the AMS2 server yet"
        self.contacts_off = ""  # why contacts are not counted, or ""
        self.answered = False  # the server answered (its public lists, at least) on this connection

    def connect(self) -> None:
        """Read the names once, learn what the login may do; raise Ams2Problem if the session cannot be read.

        What was published before is forgotten: after a problem the same session must be published again,
        to end the stale mark. The event log is tried again too."""
        self.published = None
        self.contacts_off = ""
        self.answered = False
        get = self._http.get
        if self._names is None:
            self._names = Names.from_lists(get("api/list/vehicles"), get("api/list/vehicle_classes"), get("api/list/tracks"))
        else:
            get("api/version")  # a public question: the server is there, whatever the login may see
        self.answered = True
        try:
            self._http.get(STATUS)
        except LoginRefused as refused:
            raise LoginRefused(self._session_refused(f"401{refused.realm}", maybe_password=True)) from None
        except LevelTooLow:
            raise LevelTooLow(self._session_refused("403 Forbidden", maybe_password=False)) from None
        self.admin_refusal = self._admin_refusal()

    def _session_refused(self, answer: str, maybe_password: bool) -> str:
        """Why the session cannot be read although the server answered: in the racer's words.

        A server on its default rules refuses a login below the private level with 401, as it refuses a wrong
        password: a 401 may be either."""
        if not self._http.user:
            return f"the AMS2 server shows its session only to a login ({answer}): give --ams2-user and --ams2-password"
        if maybe_password:
            return (f"the AMS2 server refused {self._http.who} for its session ({answer}): check --ams2-password; "
                    "if it is right, the login sees only the public lists: ask the server's admin for a private one")
        return (f"{self._http.who} sees only the AMS2 server's public lists, not its session ({answer}): "
                "ask the server's admin for a private or admin login")

    def _admin_refusal(self) -> str | None:
        """Ask for nothing at the admin level (no next-session attributes to set): an answer past the access
        check, ok or an error of the request itself, means admin access; a refusal of the login means none."""
        try:
            self._http.get("api/session/set_next_attributes")
        except (LoginRefused, LevelTooLow):
            who = self._http.who
            return f"{sentence(who)} is a viewer's: messages and kicks need an admin login (httpApiUsers on the server)"
        except BadAnswer:
            pass
        return None

    def idle_words(self) -> str:
        return f"The AMS2 server at {self._http.url} is up, with no session running"

    def read(self) -> SessionSnapshot | None:
        """The session now (the last one published, the same object, when nothing moved); None when none runs."""
        raw = self._http.get(STATUS, attributes=True, members=True, participants=True)
        events = self._events()
        if raw == self._raw and not events and self.published is not None:
            return self.published  # a dict compare, in C: a quiet server costs no mapping
        self._raw = raw
        status = read_status(raw, self._names or Names(), self._states)
        if not status.running:
            self._meeting = None
            self._contacts.clear()
            return None
        if self._follow_meeting(status, events):
            events = _since_last_boundary(events)  # what came before belongs to the meeting that ended
        status = self._seated(status)
        self._take(events, status)
        self._states.update({c.participant_id: c.state for c in status.cars if c.state})
        return self._snapshot(status)

    def _events(self) -> list[Mapping[str, Any]]:
        """What is new in the log; nothing, and contacts off, when this login may not read it."""
        if self.contacts_off:
            return []
        try:
            return self._log.read()
        except (LoginRefused, LevelTooLow):
            log.warning("the AMS2 server's event log refused %s: no contacts", self._http.who)
            self.contacts_off = CONTACTS_OFF
            return []

    def _follow_meeting(self, status: Status, events: Sequence[Mapping[str, Any]]) -> bool:
        """A new lobby, stage, or the cars going out on track is a new meeting: its contacts, car indexes and laps
        start again, and the roster is new to the annotators. True when this poll opened one."""
        meeting = (status.lobby_id, status.stage, str(status.attributes.get("SessionState") or "") not in OFF_TRACK)
        if meeting == self._meeting and not self._log.restarted:
            return False
        self._meeting = meeting
        started = _opened_at(events) or status.now - status.elapsed
        start = round(started / STAGE_START_GRAIN) * STAGE_START_GRAIN
        self._meeting_key = f"ams2:{meeting[0]}:{meeting[1]}:{'track' if meeting[2] else 'lobby'}:{start}"
        self._contacts.clear()
        self._laps_done.clear()
        self._crossings.clear()
        self._last_crossing.clear()
        self._seats.clear()
        self._roster_version += 1
        return True

    def _seated(self, status: Status) -> Status:
        """Car indexes that never pass from one driver to another within a meeting: a server may give a departed
        car's participant id to a newcomer, and contacts and laps are kept by car index."""
        taken = set(self._seats.values())
        cars = []
        for car in status.cars:
            car_idx = self._seats.get(car.driver.key)
            if car_idx is None:
                car_idx = car.participant_id if car.participant_id not in taken else REUSED_SEATS + len(self._seats)
                self._seats[car.driver.key] = car_idx
                taken.add(car_idx)
            if car_idx != car.participant_id:
                car = replace(car, driver=replace(car.driver, car_idx=car_idx), car=car.car._replace(car_idx=car_idx))
            cars.append(car)
        return replace(status, cars=tuple(cars))

    def _take(self, events: Sequence[Mapping[str, Any]], status: Status) -> None:
        """The log's events in order: Lap counts laps done (its Lap is zero-based: 0 is the first lap done),
        State moves a car's state, and an Impact is a contact when the car reporting it was racing."""
        if not events:
            return
        cars = {c.participant_id: c for c in status.cars}
        states = _states_before(events, {pid: c.state for pid, c in cars.items()})
        for event in events:
            name, attrs, pid = event.get("name"), event.get("attributes"), event.get("participantid")
            car = cars.get(pid) if isinstance(pid, int) else None
            if car is None or not isinstance(attrs, Mapping):
                continue
            seat = car.driver.car_idx
            if name == "State" and isinstance(attrs.get("NewState"), str):
                states[pid] = attrs["NewState"]
            elif name == "Lap" and isinstance(attrs.get("Lap"), int):
                self._laps_done[seat] = attrs["Lap"] + 1
            elif name == "Sector" and all(isinstance(attrs.get(k), int) for k in ("Lap", "Sector", "TotalTime")):
                crossing = (attrs["Lap"], attrs["Sector"])  # a sector's end on a lap (Sector 0: the line)
                self._crossings.setdefault(seat, {})[crossing] = attrs["TotalTime"]
                self._last_crossing[seat] = crossing
            elif name == "Impact" and states.get(pid) == "Racing":
                other_pid = attrs.get("OtherParticipantId")
                other = cars.get(other_pid) if isinstance(other_pid, int) and other_pid >= 0 else None
                if other is None and other_pid != -1:
                    continue  # a car that is gone, or not read yet: no one to count it on
                magnitude = attrs.get("CollisionMagnitude")
                lap = self._laps_done.get(seat, car.car.laps_completed or 0) + 1
                self._contacts.report(_time(event), seat, None if other is None else other.driver.car_idx, lap,
                                      magnitude if isinstance(magnitude, int) else None)

    def _snapshot(self, status: Status) -> SessionSnapshot:
        facts = status.facts(self._names or Names(), self._meeting_key)
        drivers = tuple(c.driver for c in status.cars) + status.lobby
        roster = tuple((d.key, d.car_idx, d.name, d.car_class) for d in drivers)
        if roster != self._roster:
            self._roster = roster
            self._roster_version += 1
        player = next((d.car_idx for d in drivers if not d.is_ai and d.driver_id == self._steam_id), None)
        return SessionSnapshot(
            facts=facts,
            drivers=drivers,
            cars=self._with_gaps(status.cars),
            player_car_idx=player,
            tick=status.now,
            roster_version=self._roster_version,
            contacts=self._contacts.contacts,
        )


    def _with_gaps(self, cars: Sequence[Car]) -> dict[int, CarState]:
        """Each car's state with its time behind the leader, from the sector crossings the log gave: the race
        time at the last line or sector end a car crossed, less the leader's at that same point (the server
        says no gap of its own). A car the log has not timed yet has none."""
        leader = next((c.driver.car_idx for c in cars if c.car.position == 1), None)
        ahead = self._crossings.get(leader, {}) if leader is not None else {}
        states = {}
        for c in cars:
            seat = c.driver.car_idx
            crossing = self._last_crossing.get(seat)
            there = ahead.get(crossing) if crossing is not None else None
            gap = None
            if seat == leader:
                gap = 0.0
            elif there is not None and crossing is not None:
                gap = max(0.0, (self._crossings[seat][crossing] - there) / 1000)
            states[seat] = c.car._replace(gap_to_leader=gap) if gap is not None else c.car
        return states


def _since_last_boundary(events: Sequence[Mapping[str, Any]]) -> Sequence[Mapping[str, Any]]:
    last = max((n for n, e in enumerate(events) if e.get("name") in BOUNDARIES), default=-1)
    return events[last + 1:]


def _opened_at(events: Sequence[Mapping[str, Any]]) -> int | None:
    """When the newest event that can open a meeting was logged, if this poll read one."""
    return next((e["time"] for e in reversed(events) if e.get("name") in BOUNDARIES and isinstance(e.get("time"), int)), None)


def _states_before(events: Sequence[Mapping[str, Any]], now: Mapping[int, str]) -> dict[int, str]:
    """Each car's state before these events: the state its first State event left, else the state it has now."""
    states = dict(now)
    seen: set[int] = set()
    for event in events:
        pid, attrs = event.get("participantid"), event.get("attributes")
        if event.get("name") == "State" and isinstance(pid, int) and pid not in seen and isinstance(attrs, Mapping):
            seen.add(pid)
            if isinstance(attrs.get("PreviousState"), str):
                states[pid] = attrs["PreviousState"]
    return states


def _time(event: Mapping[str, Any]) -> datetime:
    at = event.get("time")
    return datetime.fromtimestamp(at, UTC) if isinstance(at, int) and not isinstance(at, bool) else datetime.now(UTC)
