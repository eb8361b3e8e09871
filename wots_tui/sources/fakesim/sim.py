"""The fake sim: a scripted race or weekend written into an irsdk memory-map file at 60 Hz, in a thread.

A scenario that has ended plays again as a new iRacing session: run k of it has SessionID and
SubSessionID bumped by k, so the drivers in it are met once more, as in the next race of a series.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from pathlib import Path
from typing import Any, Protocol

from wots_tui.sources.fakesim.memmap import IrsdkFileWriter, Var
from wots_tui.sources.fakesim.race import ScriptedRace
from wots_tui.sources.fakesim.roster import Entry
from wots_tui.sources.fakesim.session_yaml import session_info

log = logging.getLogger(__name__)

VARIABLES = (
    Var("SessionNum", "int", desc="Session number"),
    Var("SessionTime", "double", desc="Seconds since session start", unit="s"),
    Var("SessionState", "int", desc="Session state"),
    Var("PlayerCarIdx", "int", desc="Players carIdx"),
    Var("PlayerCarMyIncidentCount", "int", desc="Players own incident count for this session"),
    Var("PlayerCarDriverIncidentCount", "int", desc="Teams current drivers incident count for this session"),
    Var("PlayerCarTeamIncidentCount", "int", desc="Players team incident count for this session"),
    Var("PlayerIncidents", "int", desc="Log incidents that the player recieved", unit="irsdk_IncidentFlags"),
    Var("CarIdxPosition", "int", 64, "Cars position in race by car index"),
    Var("CarIdxClassPosition", "int", 64, "Cars class position in race by car index"),
    Var("CarIdxClass", "int", 64, "Cars class id by car index"),
    Var("CarIdxLap", "int", 64, "Laps started by car index"),
    Var("CarIdxLapCompleted", "int", 64, "Laps completed by car index"),
    Var("CarIdxLapDistPct", "float", 64, "Percentage distance around lap by car index", "%"),
    Var("CarIdxF2Time", "float", 64, "Race time behind leader or fastest lap time otherwise", "s"),
    Var("CarIdxLastLapTime", "float", 64, "Cars last lap time", "s"),
    Var("CarIdxBestLapTime", "float", 64, "Cars best lap time", "s"),
    Var("CarIdxOnPitRoad", "bool", 64, "On pit road between the cones by car index"),
    Var("CarIdxTrackSurface", "int", 64, "Track surface type by car index"),
)
SESSION_ID = 258_114_007
SUBSESSION_ID = 81_552_310


class Scenario(Protocol):
    """What the fake sim plays, as a pure function of sim time: a ScriptedRace or a ScriptedWeekend."""

    @property
    def player_idx(self) -> int: ...

    @property
    def length(self) -> float:
        """Sim seconds until it is over and plays again (inf: never)."""
        ...

    def roster_at(self, t: float) -> list[Entry]: ...

    def telemetry_at(self, t: float) -> dict[str, Any]: ...


def played_at(scenario: Scenario, t: float) -> tuple[int, float]:
    """Which run of the scenario plays at sim time t (0 the first), and the time within that run."""
    if not math.isfinite(scenario.length):
        return 0, t
    run, within = divmod(t, scenario.length)
    return int(run), within


def _session_info(scenario: Scenario, run: int, t: float) -> bytes:
    """The session-info string of one run at its time t: one subsession, whichever of its sessions runs."""
    return session_info(scenario.roster_at(t), scenario.player_idx, SESSION_ID + run, SUBSESSION_ID + run)


def write_moment(path: Path, scenario: Scenario, t: float) -> IrsdkFileWriter:
    """A memory map holding the scenario at sim time t: the fixed moment tests and snapshots read."""
    run, within = played_at(scenario, t)
    writer = IrsdkFileWriter(path, VARIABLES)
    writer.write_session_info(_session_info(scenario, run, within))
    writer.write_tick(scenario.telemetry_at(within))
    return writer


class FakeSim:
    """Plays a scenario (default: a ScriptedRace) into `path` from sim time `start_at`, at `speed` x real time."""

    def __init__(
        self,
        path: Path,
        scenario: Scenario | None = None,
        start_at: float = 0.0,
        speed: float = 1.0,
        rate: float = 60.0,
    ):
        self.path = path
        self.scenario: Scenario = scenario or ScriptedRace()
        self._start_at = start_at
        self._speed = speed
        self._interval = 1 / rate
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Write the first moment before returning, so a reader started next finds a whole map; play on in a thread."""
        self._stop.clear()
        writer = write_moment(self.path, self.scenario, self._start_at)
        self._thread = threading.Thread(target=self._play, args=(writer, time.monotonic()), name="fake-sim", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _play(self, writer: IrsdkFileWriter, t0: float) -> None:
        """Write ticks until stopped, and the session info when a run or its roster changes; on stop the map's
        status says the sim has closed."""
        scenario = self.scenario
        run, t = played_at(scenario, self._start_at)
        written = (run, scenario.roster_at(t))
        try:
            next_tick = t0
            while not self._stop.is_set():
                run, t = played_at(scenario, self._start_at + (time.monotonic() - t0) * self._speed)
                now = (run, scenario.roster_at(t))
                if now != written:
                    written = now
                    writer.write_session_info(_session_info(scenario, run, t))
                writer.write_tick(scenario.telemetry_at(t))
                next_tick += self._interval
                self._stop.wait(max(0.0, next_tick - time.monotonic()))
        finally:
            writer.close()
            log.info("fake sim stopped")
