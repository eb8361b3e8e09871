"""Turning iRacing's session-info sections into roster and session facts.

pyirsdk parses the YAML; when it raises (a newline inside DriverSetupName, names that start with
YAML indicators in UTF-8 mode, ...) `parse_section_tolerantly` quotes every free-text value and joins
broken lines, then parses again. Nothing here touches pyirsdk or the memory map.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import yaml

from wots_tui.domain.models import CarClass, Driver, SessionFacts
from wots_tui.domain.ratings import licence_from

_ENTRY_LINE = re.compile(r"^(?P<indent>\s*(?:-\s+)?)(?P<key>[A-Za-z0-9_]+):(?P<sep>\s?)(?P<value>.*)$")
_PLAIN_NUMBER = re.compile(r"^[-+]?(?:\d+(?:\.\d*)?|\.\d+|0x[0-9a-fA-F]+)$")
_DEFAULT_CLASS_COLOUR = "#ffda59"  # what iRacing's own apps show for a class without a colour
_SESSION_STATES = {
    0: "invalid",
    1: "get in car",
    2: "warmup",
    3: "parade laps",
    4: "racing",
    5: "checkered",
    6: "cool down",
}


def raw_section(session_text: str, key: str) -> str | None:
    """The `key:` section of a session-info string, framed as pyirsdk frames it (up to a blank line)."""
    start = session_text.find(f"\n{key}:\n")
    if start < 0:
        if not session_text.startswith(f"{key}:\n"):
            return None
        start = -1
    end = session_text.find("\n\n", start + 1)
    return session_text[start + 1 : end if end >= 0 else len(session_text)]


def parse_section_tolerantly(section: str, key: str) -> Any:
    """Parse one section after joining lines broken by stray newlines and quoting every non-numeric value."""
    joined: list[str] = []
    for line in section.splitlines():
        if not line.strip() or line.strip() in ("---", "..."):
            continue
        if _ENTRY_LINE.match(line) is None:
            if joined:
                joined[-1] += " " + line.strip()
            continue
        joined.append(line)
    quoted = []
    for line in joined:
        match = _ENTRY_LINE.match(line)
        assert match is not None  # every joined line matched above
        value = match.group("value").strip()
        if value and not _PLAIN_NUMBER.match(value):
            if len(value) > 1 and value[0] == value[-1] == '"':
                value = value[1:-1]
            value = f'"{_escape(value)}"'
        quoted.append(f"{match.group('indent')}{match.group('key')}: {value}".rstrip())
    parsed = yaml.safe_load("\n".join(quoted))
    return parsed.get(key) if isinstance(parsed, dict) else None


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


class CorruptRoster(ValueError):
    """DriverInfo parsed, but an entry has no usable car index: the text was mangled."""


def roster_from(driver_info: Mapping[str, Any] | None) -> tuple[tuple[Driver, ...], int | None]:
    """Racers from DriverInfo (pace car and spectators left out) and the player's car index."""
    if not driver_info:
        return (), None
    player = _int(driver_info.get("DriverCarIdx"))
    drivers = []
    for entry in driver_info.get("Drivers") or ():
        if not isinstance(entry, Mapping) or _int(entry.get("CarIdx")) is None:
            raise CorruptRoster(f"a Drivers entry without a car index: {str(entry)[:60]}")
        if _is_not_a_racer(entry):
            continue
        car_idx = _int(entry.get("CarIdx"))
        driver_id = _int(entry.get("UserID"))
        if car_idx is None or driver_id is None:  # snippets and odd builds: no identity, no row
            continue
        drivers.append(
            Driver(
                car_idx=car_idx,
                driver_id=driver_id,
                name=_text(entry.get("UserName")),
                car_number=_text(entry.get("CarNumber")),
                car_class=CarClass(
                    class_id=_int(entry.get("CarClassID")) or 0,
                    name=_text(entry.get("CarClassShortName")) or _text(entry.get("CarScreenNameShort")) or "Car",
                    colour=_colour(entry.get("CarClassColor")),
                ),
                car_name=_text(entry.get("CarScreenNameShort")) or _text(entry.get("CarScreenName")),
                irating=_int(entry.get("IRating")) or 0,
                licence=licence_from(
                    _text(entry.get("LicString")), _int(entry.get("LicLevel")), _int(entry.get("LicSubLevel"))
                ),
                team_name=_text(entry.get("TeamName")),
            )
        )
    return tuple(sorted(drivers, key=lambda d: d.car_idx)), player


def _is_not_a_racer(entry: Mapping[str, Any]) -> bool:
    if _int(entry.get("CarIsPaceCar")) == 1 or _int(entry.get("IsSpectator")) == 1:
        return True
    # Old SDKs have no CarIsPaceCar: the pace car is the entry with UserID -1.
    return _int(entry.get("UserID")) == -1


def facts_from(
    weekend: Mapping[str, Any] | None,
    sessions: Mapping[str, Any] | None,
    session_num: int,
    session_state: int | None,
    session_time: float,
    player_incidents: int | None,
) -> SessionFacts:
    weekend = weekend or {}
    current: Mapping[str, Any] = {}
    for session in (sessions or {}).get("Sessions") or ():
        if isinstance(session, Mapping) and _int(session.get("SessionNum")) == session_num:
            current = session
    return SessionFacts(
        track_name=_text(weekend.get("TrackDisplayName")) or _text(weekend.get("TrackName")),
        track_config=_text(weekend.get("TrackConfigName")),
        session_type=_text(current.get("SessionType")),
        session_name=_text(current.get("SessionName")),
        session_state=_SESSION_STATES.get(session_state, "") if session_state is not None else "",
        session_num=session_num,
        session_id=_int(weekend.get("SessionID")) or 0,
        subsession_id=_int(weekend.get("SubSessionID")) or 0,
        official=_int(weekend.get("Official")) == 1,
        session_time=session_time,
        player_incidents=player_incidents,
    )


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip().strip('"'), 0)
    except (TypeError, ValueError):
        return None


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _colour(value: Any) -> str:
    number = _int(value)
    if number is None or number in (0, 0xFFFFFF):
        return _DEFAULT_CLASS_COLOUR
    return f"#{number:06x}"
