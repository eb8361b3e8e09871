"""Reading the live fields of every car in one `struct.unpack_from` per tick.

pyirsdk's `ir[name]` looks up the variable, builds a format and unpacks, once per variable. Here the
layout of all wanted variables is compiled once per connection into a single struct, skipping the bytes
in between, so one call reads them all from the frozen buffer.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

# irsdk var types: 0 char, 1 bool, 2 int, 3 bitfield, 4 float, 5 double
_TYPE_CODES = {0: "c", 1: "?", 2: "i", 3: "I", 4: "f", 5: "d"}

SCALARS = ("SessionNum", "SessionTime", "SessionState", "PlayerCarIdx", "PlayerCarMyIncidentCount")
CAR_ARRAYS = (
    "CarIdxPosition",
    "CarIdxClassPosition",
    "CarIdxLap",
    "CarIdxLapCompleted",
    "CarIdxLapDistPct",
    "CarIdxF2Time",
    "CarIdxLastLapTime",
    "CarIdxBestLapTime",
    "CarIdxOnPitRoad",
    "CarIdxTrackSurface",
)


class VarHeaderLike(Protocol):
    type: int
    offset: int
    count: int
    name: str


@dataclass(frozen=True, slots=True)
class _Slot:
    name: str
    start: int  # index of the first value in the unpacked tuple
    count: int


class TelemetryLayout:
    """A compiled reader for the wanted variables that this sim build actually has."""

    def __init__(self, var_headers: Iterable[VarHeaderLike], wanted: Iterable[str] = SCALARS + CAR_ARRAYS):
        wanted_set = set(wanted)
        present = sorted((h for h in var_headers if h.name in wanted_set), key=lambda h: h.offset)
        fmt = ["<"]
        slots = []
        cursor = 0
        index = 0
        for header in present:
            if header.offset < cursor:  # overlapping headers would be a corrupt map: skip the variable
                continue
            if header.offset > cursor:
                fmt.append(f"{header.offset - cursor}x")
            code = _TYPE_CODES[header.type]
            fmt.append(f"{header.count}{code}")
            slots.append(_Slot(header.name, index, header.count))
            index += header.count
            cursor = header.offset + header.count * struct.calcsize(code)
        self._struct = struct.Struct("".join(fmt))
        self._slots = tuple(slots)
        self.names = frozenset(s.name for s in slots)

    def read(self, buffer: Any, offset: int = 0) -> dict[str, Any]:
        """Every present variable: a value for scalars, a tuple for arrays."""
        values = self._struct.unpack_from(buffer, offset)
        out: dict[str, Any] = {}
        for slot in self._slots:
            if slot.count == 1:
                out[slot.name] = values[slot.start]
            else:
                out[slot.name] = values[slot.start : slot.start + slot.count]
        return out


def array_value(values: Mapping[str, Any], name: str, car_idx: int) -> Any:
    array = values.get(name)
    if array is None or car_idx >= len(array):
        return None
    return array[car_idx]
