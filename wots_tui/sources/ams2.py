"""The AMS2 source: an Automobilista 2 dedicated server's HTTP API, read in a thread of its own.

About twice a second (the server refreshes its attributes at 2 Hz) it reads the session status and what is
new in the event log, and publishes a SessionSnapshot when either moved. Vehicle, class and track names
come from `api/list/*` once per connection. Impacts in the log become contacts (one per touch, only while
the car reporting it is racing). When the server goes away, refuses the login or answers an error page,
the last session stays on screen marked stale and the source keeps trying; a server with no session
running is a calm wait.

What the login may do is learnt at connect: a public-only login cannot see the session (it is told so); a
private one sees it without admin actions; an admin one may message and kick (`Ams2Admin`).
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from wots_tui.domain.admin import AdminError, Ban
from wots_tui.domain.contacts import ContactLog
from wots_tui.domain.events import Publish, SourceStale, SourceWaiting
from wots_tui.domain.models import SessionFacts, SessionSnapshot
from wots_tui.sources.ams2_http import Ams2Http, Ams2Problem, LevelTooLow, LoginRefused
from wots_tui.sources.ams2_log import EventLog
from wots_tui.sources.ams2_session import Names, Status, read_status

log = logging.getLogger(__name__)

STATUS = "api/session/status"
REUSED_SEATS = 100_000  # car indexes for drivers given a participant id another driver had this meeting
STAGE_START_GRAIN = 30  # seconds: a stage's start, as now - elapsed, is the same for a whole stage at this grain


def stage_meeting(facts: SessionFacts, at: datetime) -> str:
    """One stage of one server session (lobby id and the stage's start) is one meeting; the source names it."""
    return facts.meeting or f"ams2:{facts.session_id}:{at.date().isoformat()}"


class Ams2Source:
    """Follows one AMS2 dedicated server until stopped (the engine's Source)."""

    hint = (
        "The server's HTTP API must be on (enableHttpApi in its server.cfg, port 9000 by default) and reachable "
        "from here; give a login with --ams2-user and --ams2-password if it asks for one."
    )
    meeting_key = staticmethod(stage_meeting)

    def __init__(self, url: str, user: str = "", password: str = "", steam_id: int | None = None,
                 max_rate: float = 5.0, poll_interval: float = 0.5, retry_interval: float = 2.0) -> None:
        self._http = Ams2Http(url, user, password)
        self.label = f"AMS2 {self._http.url.split('://', 1)[-1]}"
        self._steam_id = steam_id
        self._gap = max(poll_interval, 1 / max_rate)
        self._retry_interval = retry_interval
        self.admin = Ams2Admin(Ams2Http(url, user, password))
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, publish: Publish) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(publish, self._stop), name="ams2-source", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._http.close()
        self.admin.close()

    def _run(self, publish: Publish, stop: threading.Event) -> None:
        """Connect, follow the server, and again after each problem; each new problem is said and logged once."""
        follower = ServerFollower(self._http, self._steam_id)
        said = ""
        while not stop.is_set():
            try:
                follower.connect()
                self.admin.level_known(follower.admin_refusal)
                said = ""
                follower.follow(publish, stop, self._gap)
            except Ams2Problem as problem:
                line = _sentence(str(problem))
                if line != said:
                    log.warning("%s", line)
                    said = line
                if follower.shown:
                    publish(SourceStale(f"{line}; showing the last session, reconnecting"))
                else:
                    publish(SourceWaiting(line))
            except Exception:  # a bug must not kill the thread: it is logged, and we try again
                log.exception("reading the AMS2 server failed")
            stop.wait(self._retry_interval)


class ServerFollower:
    """One server as it is being followed: the names, the log, the contacts, and what was last published."""

    def __init__(self, http: Ams2Http, steam_id: int | None) -> None:
        self._http = http
        self._steam_id = steam_id
        self._names: Names | None = None
        self._log = EventLog(http.get)
        self._contacts = ContactLog()
        self._laps_done: dict[int, int] = {}  # participant id -> laps completed, from Lap events (zero-based there)
        self._meeting = ("", "", 0)  # lobby id, stage, start: what "met once" is now
        self._roster: tuple[Any, ...] = ()
        self._roster_version = 0
        self._status: Status | None = None
        self._seats: dict[Any, int] = {}  # driver key -> car index, this meeting
        self._seat_of_participant: dict[int, int] = {}  # participant id -> car index, as last read
        self._states: dict[int, str] = {}  # participant id -> its last State that was not empty
        self._raw: Any = None  # the last status read, as the server sent it
        self._published: SessionSnapshot | None = None
        self.shown = False  # a session is on screen (a problem then makes it stale, not a wait)
        self.admin_refusal: str | None = "not connected yet"

    def connect(self) -> None:
        """Read the names once, learn what the login may do; raise Ams2Problem if the session cannot be read.

        What was published before is forgotten: after a problem the same session must be published again,
        to end the stale mark."""
        self._published = None
        if self._names is None:
            get = self._http.get
            self._names = Names.from_lists(get("api/list/vehicles"), get("api/list/vehicle_classes"), get("api/list/tracks"))
        try:
            self._http.get(STATUS)
        except LevelTooLow:
            raise LevelTooLow(f"{self._who()} sees only the server's public lists (cars, tracks), not the session: "
                              "ask the server's admin for a private or admin login") from None
        self.admin_refusal = self._admin_refusal()

    def _who(self) -> str:
        return f"the login {self._http.user!r}" if self._http.user else "a request with no login"

    def _admin_refusal(self) -> str | None:
        """Ask for nothing at the admin level (no next-session attributes to set): ok means admin access."""
        try:
            self._http.get("api/session/set_next_attributes")
        except (LoginRefused, LevelTooLow):
            return f"{self._who()[0].upper()}{self._who()[1:]} has no admin access (a viewer's): messages and kicks are off"
        return None

    def follow(self, publish: Publish, stop: threading.Event, gap: float) -> None:
        idle_said = False
        while not stop.is_set():
            snapshot = self._read()
            if snapshot is None:
                if self.shown or not idle_said:
                    publish(SourceWaiting(self._idle_words()))
                self.shown, idle_said = False, True
            elif snapshot is not self._published:
                publish(snapshot)
                self._published, self.shown, idle_said = snapshot, True, False
            stop.wait(gap)

    def _idle_words(self) -> str:
        return f"The AMS2 server at {self._http.url} is up, with no session running"

    def _read(self) -> SessionSnapshot | None:
        """The session now (the last one published, the same object, when nothing moved); None when none runs."""
        raw = self._http.get(STATUS, attributes=True, members=True, participants=True)
        events = self._log.read()
        if raw == self._raw and not events and self._published is not None:
            return self._published  # a dict compare, in C: a quiet server costs no mapping
        self._raw = raw
        status = read_status(raw, self._names or Names(), self._states)
        if status.running:
            self._follow_meeting(status)
            status = self._seated(status)
        self._status = status
        self._states = {c.participant_id: c.state for c in status.cars if c.state}
        if not status.running:
            self._contacts.clear()
            self._published = None
            return None
        for event in events:
            self._take(event)
        return self._snapshot(status)

    def _follow_meeting(self, status: Status) -> None:
        """A new lobby or stage is a new meeting: contacts start again, and the roster is new to the annotators."""
        lobby, stage, start = self._meeting
        if (status.lobby_id, status.stage) != (lobby, stage) or self._log.restarted:
            start = math.floor((status.now - status.elapsed) / STAGE_START_GRAIN) * STAGE_START_GRAIN
            self._meeting = (status.lobby_id, status.stage, start)
            self._contacts.clear()
            self._laps_done.clear()
            self._seats.clear()
            self._roster_version += 1

    def _seated(self, status: Status) -> Status:
        """Car indexes that never pass from one driver to another within a meeting: a server may give a departed
        car's participant id to a newcomer, and contacts are kept by car index. A driver keeps their index."""
        taken = {car_idx: key for key, car_idx in self._seats.items()}
        cars = []
        self._seat_of_participant = {}
        for car in status.cars:
            key = car.driver.key
            car_idx = self._seats.get(key)
            if car_idx is None:
                car_idx = car.participant_id if car.participant_id not in taken else REUSED_SEATS + len(self._seats)
                self._seats[key] = taken[car_idx] = car_idx
            self._seat_of_participant[car.participant_id] = car_idx
            if car_idx != car.participant_id:
                car = replace(car, driver=replace(car.driver, car_idx=car_idx), car=car.car._replace(car_idx=car_idx))
            cars.append(car)
        return replace(status, cars=tuple(cars))

    def _take(self, event: Mapping[str, Any]) -> None:
        """One event of the log: Impacts become contacts (while the car is racing); Laps count laps done."""
        name, attrs = event.get("name"), event.get("attributes")
        participant = event.get("participantid")
        if not isinstance(attrs, Mapping) or not isinstance(participant, int):
            return
        if name == "Lap" and isinstance(attrs.get("Lap"), int):
            self._laps_done[participant] = attrs["Lap"] + 1  # the event's Lap is zero-based: lap 0 is the first done
        elif name == "Impact":
            car = self._car(participant)
            if car is None or car.state != "Racing":
                return
            other = attrs.get("OtherParticipantId")
            other = other if isinstance(other, int) and other >= 0 else None
            magnitude = attrs.get("CollisionMagnitude")
            lap = self._laps_done.get(participant, car.car.laps_completed or 0) + 1
            at = datetime.fromtimestamp(event["time"], UTC) if isinstance(event.get("time"), int) else datetime.now(UTC)
            seat = self._seat_of_participant
            if other is not None and other not in seat:
                return  # a car that is gone (or not yet read): no one to count it on
            self._contacts.report(at, car.car.car_idx, None if other is None else seat[other], lap,
                                  magnitude if isinstance(magnitude, int) else None)

    def _car(self, participant_id: int) -> Any:
        status = self._status
        return next((c for c in status.cars if c.participant_id == participant_id), None) if status else None

    def _snapshot(self, status: Status) -> SessionSnapshot:
        lobby, stage, start = self._meeting
        facts = status.facts(self._names or Names(), f"ams2:{lobby}:{stage}:{start}")
        drivers = tuple(c.driver for c in status.cars) + status.lobby
        roster = tuple((d.key, d.car_idx, d.name, d.car_class) for d in drivers)
        if roster != self._roster:
            self._roster = roster
            self._roster_version += 1
        player = next((d.car_idx for d in drivers if not d.is_ai and d.driver_id == self._steam_id), None)
        return SessionSnapshot(
            facts=facts,
            drivers=drivers,
            cars={c.participant_id: c.car for c in status.cars},
            player_car_idx=player,
            tick=status.now,
            roster_version=self._roster_version,
            contacts=self._contacts.contacts,
        )


class Ams2Admin:
    """Messages and kicks, sent on a connection of their own (the engine calls these from a worker thread)."""

    def __init__(self, http: Ams2Http) -> None:
        self._http = http
        self._lock = threading.Lock()  # one admin request at a time on the one client
        self._refusal: str | None = "Not connected to the AMS2 server yet: messages and kicks wait for it"

    @property
    def refusal(self) -> str | None:
        return self._refusal

    def level_known(self, refusal: str | None) -> None:
        self._refusal = refusal

    def close(self) -> None:
        self._http.close()

    def kick(self, ref_id: int, ban: Ban) -> str:
        self._send("api/session/kick", refid=ref_id, ban=ban.seconds or None)
        return "kicked" + (f", banned for {ban.words}" if ban.seconds else "")

    def send_chat(self, message: str, ref_id: int | None) -> str:
        self._send("api/session/send_chat", message=message, refid=ref_id)
        return "message sent"

    def _send(self, path: str, **params: Any) -> None:
        with self._lock:
            try:
                self._http.get(path, **params)
            except Ams2Problem as problem:
                raise AdminError(_sentence(str(problem))) from None


def _sentence(line: str) -> str:
    return line[:1].upper() + line[1:]
