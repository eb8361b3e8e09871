"""The iRacing source: pyirsdk in a thread, publishing SessionSnapshots.

One thread per source, owned by the engine. It sleeps between publishes (no 60 Hz polling: the
racer's CPU belongs to the sim) and on each wake freezes the latest buffer, reads every wanted
variable in one unpack, and publishes only when the sim moved (its tick), the roster changed or the
session changed. The session-info YAML is parsed only when SessionInfoUpdate changes.

iRacing says nothing of who touched whom; when the racer's incident count rises by a car contact's
amount between two reads, the car nearest them by lap distance at that read is logged as the contact.
"""

from __future__ import annotations

import logging
import struct
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import irsdk
import yaml

from wots_tui.domain.contacts import (
    CAR_CONTACT_INCIDENTS,
    Contact,
    ContactLog,
    IncidentRises,
    incident_contact,
)
from wots_tui.domain.events import Publish, SourceWaiting
from wots_tui.domain.models import CarState, Driver, SessionFacts, SessionSnapshot
from wots_tui.sources.memmap_file import NO_HEADER, FileProblem, problem_with
from wots_tui.sources.session_info import (
    CorruptRoster,
    facts_from,
    parse_section_tolerantly,
    raw_section,
    roster_from,
)
from wots_tui.sources.telemetry import TelemetryLayout, array_value

log = logging.getLogger(__name__)

_YAML_TRANSLATE = bytes.maketrans(b"\x81\x8d\x8f\x90\x9d", b"     ")  # as pyirsdk does before cp1252
_UTF8_MARK = b"---\nWeekendInfo:\n Encoding: UTF8"


def subsession_meeting(facts: SessionFacts, at: datetime) -> str:
    """An iRacing subsession (practice, qualifying and race together) is one meeting.

    Offline and test sessions have no subsession id; each track on each day counts once.
    """
    if facts.subsession_id:
        return f"subsession:{facts.subsession_id}"
    if facts.session_id:
        return f"session:{facts.session_id}"
    return f"offline:{at.date().isoformat()}:{facts.track_name}"


@dataclass(frozen=True, slots=True)
class NotYet:
    """Why a connector has no sim to read yet: the racer sees `message`; it is logged once, at `level`."""

    message: str
    level: int = logging.INFO  # WARNING when the racer pointed us at something wrong


class Connector(Protocol):
    name: str  # what it connects to, for the log
    hint: str  # what the racer can do while there is nothing to read

    def connect(self) -> irsdk.IRSDK | NotYet:
        """A started IRSDK, or why the sim (or the file) cannot be read yet."""


class FileConnector:
    """A memory-map dump, or the live file a fake sim writes; watches the path until it holds a readable map."""

    hint = (
        "The file is read as soon as it is an irsdk memory map: a dump captured from iRacing, or the file "
        "`wots-tui sim --out FILE` writes. No file at hand? Run `wots-tui demo`."
    )

    def __init__(self, path: Path):
        self.path = path.expanduser().resolve()
        self.name = str(self.path)

    def connect(self) -> irsdk.IRSDK | NotYet:
        try:
            problem = problem_with(self.path)
        except FileNotFoundError:
            if not self.path.parent.is_dir():
                return NotYet(f"Waiting for {self.path} to appear; its folder does not exist (a typo?)")
            return NotYet(f"Waiting for {self.path} to appear")
        if problem is not None:
            return self._not_yet(problem)
        ir = irsdk.IRSDK()
        try:
            if ir.startup(test_file=str(self.path)) and ir.is_connected:
                return ir
            problem = NO_HEADER
        except (OSError, ValueError, IndexError, struct.error) as error:  # changed between the check and the open
            problem = FileProblem(f"cannot be read: {error}")
        ir.shutdown()
        return self._not_yet(problem)

    def _not_yet(self, problem: FileProblem) -> NotYet:
        """The problem first, then the path: a header too narrow for both cuts the path, not the reason."""
        return NotYet(f"{problem.why} ({self.path})", logging.WARNING if problem.wrong else logging.INFO)


class SimConnector:
    """iRacing's shared memory on Windows. Asks the sim's status page first, quietly (pyirsdk prints)."""

    name = "iRacing"
    hint = (
        "Start iRacing and join a session: this screen fills in by itself.\n"
        "No sim at hand? Run `wots-tui demo`, or `wots-tui --irsdk-file DUMP` to read a captured session."
    )
    _waiting = NotYet("Waiting for iRacing to run a session")

    def connect(self) -> irsdk.IRSDK | NotYet:
        if sys.platform != "win32" or not _sim_running():
            return self._waiting
        ir = irsdk.IRSDK()
        if ir.startup() and ir.is_connected:
            return ir
        ir.shutdown()
        return self._waiting


def _sim_running() -> bool:
    try:
        with urllib.request.urlopen(irsdk.SIM_STATUS_URL, timeout=1) as response:
            return b"running:1" in response.read()
    except (urllib.error.URLError, OSError):
        return False


class IRacingSource:
    """Reads one sim through pyirsdk in its own thread until stopped (the engine's Source)."""

    admin = None  # a racer in an iRacing session has no server to administer

    def __init__(self, connector: Connector, max_rate: float = 5.0, retry_interval: float = 1.0, label: str = "iRacing"):
        self.label = label
        self.hint = connector.hint
        self._connector = connector
        self._publish_gap = 1 / max_rate
        self._retry_interval = retry_interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, publish: Publish) -> None:
        """Read in a new thread, with a stop signal of its own: a thread that outlived a slow stop stays stopped."""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(publish, self._stop), name="iracing-source", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    meeting_key = staticmethod(subsession_meeting)

    def _run(self, publish: Publish, stop: threading.Event) -> None:
        """Connect, follow the sim until it closes, and again; each new reason to wait is said and logged once."""
        said: NotYet | None = None  # what the racer was last told, since the last connection
        failed = ""  # the last error that ended a connection: one that repeats at each retry is logged once
        while not stop.is_set():
            connected = self._connector.connect()
            if isinstance(connected, NotYet):
                if connected != said:
                    log.log(connected.level, "%s", connected.message)
                    publish(SourceWaiting(connected.message))
                    said = connected
                stop.wait(self._retry_interval)
                continue
            log.info("connected to %s", self._connector.name)
            said = None
            try:
                SimSession(connected).follow(publish, stop, self._publish_gap)
            except Exception as error:  # a sim that vanishes mid-read must not kill the thread
                if repr(error) != failed:
                    log.exception("lost %s while reading it", self._connector.name)
                    failed = repr(error)
            finally:
                connected.shutdown()
            if not stop.is_set():
                stop.wait(self._retry_interval)  # the next connect says why it waits (the sim closed, say)


class SimSession:
    """One connection to the sim: its compiled telemetry layout, the last good roster and the session's contacts."""

    def __init__(self, ir: irsdk.IRSDK):
        self._ir = ir
        self._layout = TelemetryLayout(ir._var_headers)
        self._info_update = -1
        self._weekend: Any = None
        self._sessions: Any = None
        self._drivers: tuple[Driver, ...] = ()
        self._player: int | None = None
        self._roster_version = 0
        self._contact_log = ContactLog()
        self._contacts: tuple[Contact, ...] = ()  # the log's contacts, copied only when it grows: compared per frame
        self._session: tuple[int, int, int] | None = None  # session id, subsession id, session number
        self._incidents: int | None = None  # the racer's count at the last read; None: no read yet this session
        self._rises = IncidentRises()

    def follow(self, publish: Publish, stop: threading.Event, gap: float) -> None:
        """Publish what moved, waking every `gap` seconds, until the sim closes or `stop` is set.

        A paused sim or a frozen dump publishes nothing new: its tick does not move. A new roster or
        session shows at the next wake, within one publish interval.
        """
        header = self._ir._header
        published: tuple[int, int, int] | None = None  # tick, roster version, session number
        seen: tuple[int, int] | None = None  # the newest buffer's tick and the session info's update, as last read
        next_wake = time.monotonic()
        while not stop.is_set():
            if not header.status & irsdk.StatusField.status_connected:
                return
            now_seen = (max(buffer.tick_count for buffer in header.var_buf), header.session_info_update)
            if now_seen != seen:  # a paused sim costs a look at the header: no copy of the buffer, no unpack
                seen = now_seen
                values, tick = self._read_latest()
                moment = (tick, self._roster_version, values.get("SessionNum") or 0)
                if moment != published:
                    publish(self._snapshot(values, tick))
                    published = moment
            next_wake = max(next_wake + gap, time.monotonic())
            stop.wait(next_wake - time.monotonic())

    def read_snapshot(self) -> SessionSnapshot:
        """The sim as it is now: the latest tick joined with the last good roster."""
        return self._snapshot(*self._read_latest())

    def _read_latest(self) -> tuple[dict[str, Any], int]:
        """Every wanted variable of the latest buffer, frozen so that one read is one tick, and its tick."""
        ir = self._ir
        if self._info_update != ir._header.session_info_update:
            self._reload_session_info(ir._header.session_info_update)
        ir.freeze_var_buffer_latest()
        try:
            buffer = ir._var_buffer_latest
            return self._layout.read(buffer.get_memory(), buffer.buf_offset), buffer.tick_count
        finally:
            ir.unfreeze_var_buffer_latest()  # the next read (and pyirsdk's own) sees the live buffer

    def _snapshot(self, values: dict[str, Any], tick: int) -> SessionSnapshot:
        facts = facts_from(
            self._weekend,
            self._sessions,
            values.get("SessionNum") or 0,
            values.get("SessionState"),
            values.get("SessionTime") or 0.0,
            values.get("PlayerCarMyIncidentCount"),
        )
        # DriverCarIdx names the player's car in every SDK version; PlayerCarIdx only in newer ones
        player = self._player if self._player is not None else values.get("PlayerCarIdx")
        cars = {d.car_idx: _car_state(values, d.car_idx) for d in self._drivers}
        return SessionSnapshot(
            facts=facts,
            drivers=self._drivers,
            cars=cars,
            player_car_idx=player,
            tick=tick,
            roster_version=self._roster_version,
            contacts=self._contacts_now(facts, player, cars),
        )

    def _contacts_now(self, facts: SessionFacts, player: int | None, cars: dict[int, CarState]) -> tuple[Contact, ...]:
        """This session's contacts, with one more when the racer's incidents rose by a car contact's amount
        since the last read. The first read of a connection or of a session only sets the count to compare
        with: a count already at 12 when we connected is no contact."""
        if (
            self._session is None
            or self._session[2] != facts.session_num
            or self._session[1] != facts.subsession_id
            or self._session[0] != facts.session_id
        ):
            self._session = (facts.session_id, facts.subsession_id, facts.session_num)
            self._contact_log.clear()
            self._contacts = ()
            self._incidents = None
            self._rises.spend()
        before, self._incidents = self._incidents, facts.player_incidents
        if before is None or self._incidents is None or self._incidents <= before:
            return self._contacts
        rise = self._rises.add(self._incidents - before, facts.session_time)
        mine = cars.get(player) if player is not None else None
        if rise < CAR_CONTACT_INCIDENTS or mine is None:
            return self._contacts
        self._rises.spend()
        other = incident_contact(rise, mine.car_idx, _lap_distances(cars, mine))
        if other is not None:
            self._contact_log.report(at=datetime.now(UTC), car_idx=mine.car_idx, other_idx=other, lap=mine.lap)
            self._contacts = self._contact_log.contacts
        return self._contacts

    def _reload_session_info(self, update: int) -> None:
        """Parse the sections we use; a new roster bumps the roster version. A section that will not parse keeps its last value."""
        self._info_update = update
        weekend = self.section("WeekendInfo")
        sessions = self.section("SessionInfo")
        driver_info = self.section("DriverInfo")
        if weekend is not None:
            self._weekend = weekend
        if sessions is not None:
            self._sessions = sessions
        if driver_info is None:
            return
        try:
            drivers, player = roster_from(driver_info)
        except CorruptRoster as error:
            log.warning("session info DriverInfo is corrupt (%s); keeping the last good roster", error)
            return
        if player is not None:
            self._player = player
        if drivers == self._drivers:
            return
        self._drivers = drivers
        self._roster_version += 1

    def section(self, key: str) -> Any:
        """One parsed session-info section, tolerantly re-parsed when pyirsdk raises; None if absent or hopeless."""
        try:
            return self._ir[key]
        except yaml.YAMLError as error:
            first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
            log.warning("session info %s did not parse (%s); parsing it tolerantly", key, first_line)
        section = raw_section(self._session_text(), key)
        if section is None:
            return None
        try:
            return parse_section_tolerantly(section, key)
        except yaml.YAMLError:
            log.warning("session info %s did not parse even tolerantly; keeping the last good one", key)
            return None

    def _session_text(self) -> str:
        header = self._ir._header
        raw = bytes(self._ir._shared_mem[header.session_info_offset : header.session_info_offset + header.session_info_len])
        raw = raw.split(b"\x00", 1)[0]
        if raw.startswith(_UTF8_MARK):
            return raw.decode("utf-8", errors="replace")
        return raw.translate(_YAML_TRANSLATE).decode("cp1252", errors="replace")


def _lap_distances(cars: dict[int, CarState], mine: CarState) -> dict[int, float]:
    """Where on the lap each car is that could have touched the racer's: in the world, and on track when they
    are (in the pit lane when they are)."""
    return {
        car.car_idx: car.lap_dist_pct
        for car in cars.values()
        if car.lap_dist_pct is not None and car.in_world and car.on_pit_road == mine.on_pit_road
    }


def _car_state(values: dict[str, Any], car_idx: int) -> CarState:
    def positive_int(name: str) -> int | None:
        value = array_value(values, name, car_idx)
        return value if value is not None and value > 0 else None

    def lap_seconds(name: str) -> float | None:
        value = array_value(values, name, car_idx)
        return value if value is not None and value > 0 else None

    lap = array_value(values, "CarIdxLap", car_idx)
    lap = lap if lap is not None and lap >= 0 else None
    completed = array_value(values, "CarIdxLapCompleted", car_idx)
    if completed is None and lap is not None:  # old SDKs have only CarIdxLap
        completed = max(lap - 1, 0)
    dist = array_value(values, "CarIdxLapDistPct", car_idx)
    surface = array_value(values, "CarIdxTrackSurface", car_idx)
    position = positive_int("CarIdxPosition")
    gap = array_value(values, "CarIdxF2Time", car_idx)
    return CarState(
        car_idx=car_idx,
        position=position,
        class_position=positive_int("CarIdxClassPosition"),
        lap=lap,
        laps_completed=completed if completed is not None and completed >= 0 else None,
        lap_dist_pct=dist if dist is not None and dist >= 0 else None,
        gap_to_leader=gap if position is not None and gap is not None and gap >= 0 else None,
        last_lap=lap_seconds("CarIdxLastLapTime"),
        best_lap=lap_seconds("CarIdxBestLapTime"),
        on_pit_road=bool(array_value(values, "CarIdxOnPitRoad", car_idx)),
        in_world=surface is None or surface >= 0,
    )


def read_once(path: Path) -> SessionSnapshot | None:
    """One snapshot of a memory-map file, or None when it cannot be read (used by tests and benches)."""
    ir = FileConnector(path).connect()
    if isinstance(ir, NotYet):
        return None
    try:
        return SimSession(ir).read_snapshot()
    finally:
        ir.shutdown()
