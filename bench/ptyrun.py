"""Run a command in a real pseudo-terminal (POSIX only: benches may use it), counting bytes and CPU."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import termios
import time
from dataclasses import dataclass


@dataclass
class PtyRun:
    first_marker_s: float | None
    bytes_written: int
    wall_s: float
    cpu_s: float


def run_in_pty(argv: list[str], seconds: float, marker: bytes | None = None, size=(160, 50), stop_at_marker: bool = False) -> PtyRun:
    """Run argv for `seconds` (or until `marker` shows, with stop_at_marker), then SIGTERM; CPU from wait4."""
    start = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["TERM"] = "xterm-256color"
        os.environ["COLORTERM"] = "truecolor"
        os.execvp(argv[0], argv)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
    total = 0
    seen = b""
    marker_at = None
    while time.perf_counter() - start < seconds:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            total += len(chunk)
            if marker and marker_at is None:
                seen = (seen + chunk)[-4096:]
                if marker in seen:
                    marker_at = time.perf_counter() - start
                    if stop_at_marker:
                        break
    wall = time.perf_counter() - start
    os.kill(pid, signal.SIGTERM)
    drain_until = time.perf_counter() + 3
    while time.perf_counter() < drain_until:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            try:
                if not os.read(fd, 65536):
                    break
            except OSError:
                break
    _, _, usage = os.wait4(pid, 0)
    os.close(fd)
    return PtyRun(marker_at, total, wall, usage.ru_utime + usage.ru_stime)
