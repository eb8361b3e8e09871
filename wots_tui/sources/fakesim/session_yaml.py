"""The fake sim's session-info string, written the way iRacing writes it.

iRacing style: `---`, one-space indent, a blank line between sections, `...` at the end, free text
unquoted (UserName, TeamName, ...), car numbers quoted, cp1252 bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from wots_tui.sources.fakesim.race import LEADER_LAPS
from wots_tui.sources.fakesim.roster import CLASSES, Entry


@dataclass(frozen=True, slots=True)
class SessionSpec:
    """One entry of SessionInfo.Sessions."""

    num: int
    type: str
    name: str
    laps: int | None  # None: unlimited
    length: float  # seconds


# The subsession's sessions; ScriptedWeekend plays the last minute of practice and all of qualifying.
SESSIONS = (
    SessionSpec(0, "Practice", "PRACTICE", None, 1800.0),
    SessionSpec(1, "Qualify", "QUALIFY", None, 40.0),
    SessionSpec(2, "Race", "RACE", LEADER_LAPS, 3600.0),
)


def session_info(entries: Sequence[Entry], player_idx: int, session_id: int, subsession_id: int) -> bytes:
    player = next((e for e in entries if e.car_idx == player_idx), None)
    lines = [
        "---",
        "WeekendInfo:",
        " TrackName: spa 2024 up",
        " TrackID: 523",
        " TrackLength: 6.93 km",
        " TrackDisplayName: Circuit de Spa-Francorchamps",
        " TrackDisplayShortName: Spa",
        " TrackConfigName: Grand Prix Pits",
        " TrackCity: Stavelot",
        " TrackCountry: Belgium",
        " SeriesID: 447",
        " SeasonID: 5121",
        f" SessionID: {session_id}",
        f" SubSessionID: {subsession_id}",
        " LeagueID: 0",
        " Official: 1",
        " RaceWeek: 6",
        " EventType: Race",
        " Category: Road",
        " SimMode: full",
        " TeamRacing: 0",
        f" NumCarClasses: {len(CLASSES)}",
        f" NumCarTypes: {len(CLASSES)}",
        "",
        "SessionInfo:",
        " Sessions:",
    ]
    for session in SESSIONS:
        lines += [
            f" - SessionNum: {session.num}",
            f"   SessionLaps: {'unlimited' if session.laps is None else session.laps}",
            f"   SessionTime: {session.length:.4f} sec",
            f"   SessionType: {session.type}",
            f"   SessionName: {session.name}",
            "   SessionSkipped: 0",
        ]
    lines += [
        "",
        "DriverInfo:",
        f" DriverCarIdx: {player_idx}",
        f" DriverUserID: {player.cust_id if player else -1}",
        " PaceCarIdx: 0",
        " DriverSetupName: fixed.sto",
        " Drivers:",
        *_pace_car(),
    ]
    for entry in entries:
        lines += _driver(entry)
    lines += ["", "SplitTimeInfo:", " Sectors:", " - SectorNum: 0", "   SectorStartPct: 0.000000", "", "..."]
    return ("\n".join(lines) + "\n").encode("cp1252")


def _pace_car() -> list[str]:
    return [
        " - CarIdx: 0",
        "   UserName: Pace Car",
        "   AbbrevName: ",
        "   Initials: ",
        "   UserID: -1",
        "   TeamName: Pace Car",
        '   CarNumber: "0"',
        "   CarClassID: 11",
        "   CarIsPaceCar: 1",
        "   CarScreenName: Aston Martin Vantage",
        "   CarScreenNameShort: Aston Martin",
        "   CarClassShortName: ",
        "   CarClassColor: 0xffffff",
        "   IRating: 0",
        "   LicLevel: 1",
        "   LicSubLevel: 0",
        "   LicString: R 0.00",
        "   IsSpectator: 0",
    ]


def _driver(entry: Entry) -> list[str]:
    spec = entry.car_class
    first, _, last = entry.name.partition(" ")
    return [
        f" - CarIdx: {entry.car_idx}",
        f"   UserName: {entry.name}",
        f"   AbbrevName: {last}, {first[:1]}",
        f"   Initials: {first[:1]}{last[:1]}",
        f"   UserID: {entry.cust_id}",
        f"   TeamName: {entry.team_name}",
        f'   CarNumber: "{entry.car_number}"',
        f"   CarNumberRaw: {entry.car_number}",
        f"   CarPath: {spec.car_path}",
        f"   CarClassID: {spec.class_id}",
        f"   CarID: {spec.car_id}",
        "   CarIsPaceCar: 0",
        "   CarIsAI: 0",
        f"   CarScreenName: {spec.car_name}",
        f"   CarScreenNameShort: {spec.car_short}",
        f"   CarClassShortName: {spec.short_name}",
        f"   CarClassRelSpeed: {spec.rel_speed}",
        f"   CarClassColor: 0x{spec.colour:06x}",
        f"   CarClassEstLapTime: {spec.base_lap:.4f}",
        f"   IRating: {entry.irating}",
        f"   LicLevel: {entry.lic_level}",
        f"   LicSubLevel: {entry.lic_sub_level}",
        f"   LicString: {entry.lic_string}",
        "   LicColor: 0x0153db",
        "   IsSpectator: 0",
        "   ClubName: -none-",
        "   CurDriverIncidentCount: 0",
    ]
