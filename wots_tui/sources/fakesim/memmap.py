"""Writing the irsdk memory-map layout that pyirsdk (and iRacing's own SDK readers) read.

Layout: a 112-byte header (ver, status, tickRate, sessionInfoUpdate, sessionInfoLen, sessionInfoOffset,
numVars, varHeaderOffset, numBuf, bufLen, curBufTickCount, curBuf, then numBuf var-buffer records of
16 bytes at offset 48: tickCount, bufOffset, tickCountBegin, pad), the 144-byte var headers, the
session-info text, then the rotating var buffers.
"""

from __future__ import annotations

import mmap
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HEADER_SIZE = 112
VAR_HEADER_SIZE = 144
NUM_BUF = 3
STATUS_CONNECTED = 1

_HEADER = struct.Struct("<12i")  # through curBuf (stored as an int; pyirsdk reads its low byte)
_VAR_BUF = struct.Struct("<4i")
_VAR_HEADER = struct.Struct("<iii?3x32s64s32s")
_TYPE_CODES = {"char": (0, "c"), "bool": (1, "?"), "int": (2, "i"), "bitfield": (3, "I"), "float": (4, "f"), "double": (5, "d")}


@dataclass(frozen=True, slots=True)
class Var:
    name: str
    type: str  # char, bool, int, bitfield, float, double
    count: int = 1
    desc: str = ""
    unit: str = ""


class IrsdkFileWriter:
    """Owns one memory-map file. Not thread-safe: one writer thread."""

    def __init__(self, path: Path, variables: Sequence[Var], session_info_capacity: int = 256 * 1024, tick_rate: int = 60):
        self.path = path
        self._vars = tuple(variables)
        self._capacity = session_info_capacity
        var_header_offset = HEADER_SIZE
        self._session_offset = var_header_offset + VAR_HEADER_SIZE * len(self._vars)
        fmt = ["<"]
        offset = 0
        self._var_offsets: dict[str, int] = {}
        for var in self._vars:
            code = _TYPE_CODES[var.type][1]
            self._var_offsets[var.name] = offset
            fmt.append(f"{var.count}{code}")
            offset += var.count * struct.calcsize(code)
        self._row = struct.Struct("".join(fmt))
        self._buf_len = (self._row.size + 15) // 16 * 16
        first_buffer = (self._session_offset + self._capacity + 15) // 16 * 16
        self._buf_offsets = [first_buffer + i * self._buf_len for i in range(NUM_BUF)]
        size = first_buffer + NUM_BUF * self._buf_len

        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as f:
            f.truncate(size)
        self._file = open(path, "r+b")  # noqa: SIM115  # open as long as the map: close() closes both
        self._map = mmap.mmap(self._file.fileno(), size, access=mmap.ACCESS_WRITE)
        self._tick = 0
        self._cur_buf = 0
        self._session_info_update = 0
        self._tick_rate = tick_rate
        self._status = STATUS_CONNECTED
        for i, var in enumerate(self._vars):
            type_id = _TYPE_CODES[var.type][0]
            _VAR_HEADER.pack_into(
                self._map,
                var_header_offset + i * VAR_HEADER_SIZE,
                type_id,
                self._var_offsets[var.name],
                var.count,
                False,
                var.name.encode("ascii"),
                var.desc.encode("ascii"),
                var.unit.encode("ascii"),
            )
        for i, buf_offset in enumerate(self._buf_offsets):
            _VAR_BUF.pack_into(self._map, 48 + i * 16, 0, buf_offset, 0, 0)
        self._write_header()

    def _write_header(self) -> None:
        _HEADER.pack_into(
            self._map,
            0,
            2,  # ver
            self._status,
            self._tick_rate,
            self._session_info_update,
            self._capacity,
            self._session_offset,
            len(self._vars),
            HEADER_SIZE,
            NUM_BUF,
            self._buf_len,
            self._tick,
            self._cur_buf,
        )

    def write_session_info(self, text: bytes) -> None:
        """Replace the session-info string (NUL-padded) and bump sessionInfoUpdate."""
        if len(text) >= self._capacity:
            raise ValueError(f"session info of {len(text)} bytes does not fit in {self._capacity}")
        start = self._session_offset
        self._map[start : start + self._capacity] = text + b"\x00" * (self._capacity - len(text))
        self._session_info_update += 1
        self._write_header()

    def write_tick(self, values: Mapping[str, Any]) -> None:
        """Write one tick into the next buffer; variables not given are zero."""
        flat: list[Any] = []
        for var in self._vars:
            value = values.get(var.name)
            if var.count == 1:
                flat.append(_zero(var) if value is None else value)
            else:
                items = list(value) if value is not None else []
                items.extend([_zero(var)] * (var.count - len(items)))
                flat.extend(items[: var.count])
        self._tick += 1
        index = (self._cur_buf + 1) % NUM_BUF
        record = 48 + index * 16
        struct.pack_into("<i", self._map, record + 8, self._tick)  # tickCountBegin: a write is under way
        self._row.pack_into(self._map, self._buf_offsets[index], *flat)
        struct.pack_into("<i", self._map, record, self._tick)
        self._cur_buf = index
        self._write_header()

    def set_connected(self, connected: bool) -> None:
        self._status = STATUS_CONNECTED if connected else 0
        self._write_header()

    def close(self) -> None:
        """Close as a sim that exits does: readers see the status drop."""
        self.set_connected(False)
        self.close_keeping_status()

    def close_keeping_status(self) -> None:
        """Close but leave the map saying "connected", as a captured dump does."""
        self._map.flush()
        self._map.close()
        self._file.close()


def _zero(var: Var) -> Any:
    return {"char": b"\x00", "bool": False, "float": 0.0, "double": 0.0}.get(var.type, 0)
