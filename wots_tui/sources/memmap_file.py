"""Is this file an irsdk memory map a reader can open? Checked from its header before pyirsdk sees it.

pyirsdk trusts the header: random bytes or a JSON file give it a buffer count in the millions, and it
builds that many buffer objects (the source hung in "Starting", silently); a truncated map fails on its
first read. Here the header and the variable headers are checked against the file's size, so a wrong
file is named with one reason, and the source keeps watching it.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

HEADER = struct.Struct("<10i")  # ver, status, tickRate, sessionInfoUpdate, sessionInfoLen, sessionInfoOffset,
#                                numVars, varHeaderOffset, numBuf, bufLen
HEADER_SIZE = 112  # the header, through its four var-buffer records at 48
VAR_BUF = struct.Struct("<ii")  # tickCount, bufOffset
VAR_BUF_AT = 48
VAR_HEADER = struct.Struct("<iii")  # type, offset, count (then countAsTime, name, desc, unit)
VAR_HEADER_SIZE = 144
_VERSIONS = (1, 2)  # irsdk's header versions
_MAX_BUFS = 4
_MAX_VARS = 4096  # iRacing writes a few hundred
_VAR_SIZES = {0: 1, 1: 1, 2: 4, 3: 4, 4: 4, 5: 8}  # char, bool, int, bitfield, float, double
_STATUS_CONNECTED = 1


@dataclass(frozen=True, slots=True)
class FileProblem:
    """Why a file cannot be read yet, in a few words."""

    why: str
    wrong: bool = True  # the file is not a readable map (the racer should hear it), not just a closed sim


NO_HEADER = FileProblem("not an irsdk memory map: no header")
SIM_CLOSED = FileProblem("its sim has closed", wrong=False)


def problem_with(path: Path) -> FileProblem | None:
    """None when `path` holds an irsdk memory map whose sim is connected; else why not.

    Raises FileNotFoundError when there is no file: the caller waits for it to appear.
    """
    if path.is_dir():
        return FileProblem("a folder, not an irsdk memory map")
    try:
        with open(path, "rb") as file:
            size = file.seek(0, 2)
            if size == 0:
                return FileProblem("the file is empty")
            if size < HEADER_SIZE:
                return FileProblem(f"not an irsdk memory map: {size} bytes, too short for a header")
            file.seek(0)
            header = file.read(HEADER_SIZE)
            problem = _header_problem(header, size)
            if problem is not None:
                return problem
            _, status, _, _, _, _, num_vars, var_header_offset, _, buf_len = HEADER.unpack_from(header)
            file.seek(var_header_offset)
            if not _var_headers_fit(file.read(num_vars * VAR_HEADER_SIZE), num_vars, buf_len):
                return FileProblem("not an irsdk memory map: its variable headers are corrupt")
    except FileNotFoundError:
        raise
    except OSError as error:
        return FileProblem(f"cannot be read: {error.strerror or error}")
    return None if status & _STATUS_CONNECTED else SIM_CLOSED


def _header_problem(header: bytes, size: int) -> FileProblem | None:
    version, _, _, _, info_len, info_offset, num_vars, var_header_offset, num_buf, buf_len = HEADER.unpack_from(header)
    plausible = (
        version in _VERSIONS
        and 1 <= num_buf <= _MAX_BUFS
        and 1 <= num_vars <= _MAX_VARS
        and buf_len > 0
        and info_len >= 0
        and min(info_offset, var_header_offset) >= HEADER_SIZE
    )
    if not plausible:
        return NO_HEADER
    buffers = [VAR_BUF.unpack_from(header, VAR_BUF_AT + i * 16)[1] for i in range(num_buf)]
    if min(buffers) < HEADER_SIZE:
        return NO_HEADER
    described = max(
        var_header_offset + num_vars * VAR_HEADER_SIZE,
        info_offset + info_len,
        max(buffers) + buf_len,
    )
    if described > size:
        return FileProblem(f"truncated: its header describes {described} bytes, the file has {size}")
    return None


def _var_headers_fit(raw: bytes, num_vars: int, buf_len: int) -> bool:
    """Every variable has a known type and lies inside one var buffer."""
    for i in range(num_vars):
        var_type, offset, count = VAR_HEADER.unpack_from(raw, i * VAR_HEADER_SIZE)
        item = _VAR_SIZES.get(var_type)
        if item is None or count < 1 or offset < 0 or offset + count * item > buf_len:
            return False
    return True
