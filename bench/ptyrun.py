"""Run a command in a real pseudo-terminal (POSIX only: benches may use it), counting bytes and CPU.

`PtyChild` is the building block: it forks the command onto a pty of a given size, keeps reading what the
command writes to its terminal (a terminal that nobody reads would block the app's writes and make it look
cheaper than it is), notes when a marker string first shows, samples the child's CPU time while it runs, and
ends it cleanly (SIGTERM, drain, wait; SIGKILL only if it does not go). `run_in_pty` is the one-shot form
that bench/startup.py uses.

CPU while the child runs (`PtyChild.cpu_ns`), most precise source first:
  - Linux's per-process CPU clock (what clock_getcpuclockid(3) returns for the pid), read with
    clock_gettime: nanoseconds, summed over all the process's threads, those that have exited included;
  - else utime+stime from /proc/<pid>/stat, in clock ticks (SC_CLK_TCK, 10 ms on most systems).
/proc/<pid>/schedstat is not used: it is the main thread's alone, and a Textual app does its work on
several threads (the app's own, workers, the API server), so it would under-count.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import re
import select
import signal
import struct
import sys
import termios
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Self

CLK_TCK = os.sysconf("SC_CLK_TCK")


@dataclass
class PtyRun:
    first_marker_s: float | None
    bytes_written: int
    wall_s: float
    cpu_s: float


def terminal_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a child on a modern terminal: `base` (default ours) with TERM and COLORTERM set."""
    env = dict(os.environ if base is None else base)
    env["TERM"] = "xterm-256color"
    env["COLORTERM"] = "truecolor"
    return env


def _process_cpu_clock(pid: int) -> int:
    # MAKE_PROCESS_CPUCLOCK(pid, CPUCLOCK_SCHED) from the kernel's posix-timers.h; Python has no
    # clock_getcpuclockid, but this is exactly the clock id glibc's returns for a pid.
    return ((~pid) << 3) | 2


def process_cpu_ns(pid: int) -> int:
    """CPU time of process `pid` (all its threads, user + system) in ns, from its CPU clock. Linux."""
    return time.clock_gettime_ns(_process_cpu_clock(pid))


def stat_cpu_ticks(pid: int) -> int:
    """utime + stime of process `pid` (all its threads) in clock ticks, from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat", "rb") as f:
        fields = f.read().rsplit(b")", 1)[1].split()  # the command name may hold spaces and parentheses
    return int(fields[11]) + int(fields[12])  # fields 14 and 15 of proc(5), counted from the state (3)


@contextlib.contextmanager
def uninterrupted() -> Iterator[None]:
    """Hold off SIGINT and SIGTERM while cleaning up, so a second Ctrl-C cannot leave a process behind."""
    blocked = {signal.SIGINT, signal.SIGTERM}
    old = signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


class PtyChild:
    """`argv` running on a pty of `size` (columns, rows); use as a context manager so it is always ended."""

    def __init__(
        self, argv: list[str], size: tuple[int, int] = (160, 50), env: Mapping[str, str] | None = None
    ):
        self.argv = list(argv)
        child_env = terminal_env() if env is None else dict(env)
        winsize = struct.pack("HHHH", size[1], size[0], 0, 0)
        self.start = time.perf_counter()
        pid, fd = pty.fork()
        if pid == 0:  # the child: its stdin/stdout/stderr are the pty's slave side
            try:
                fcntl.ioctl(0, termios.TIOCSWINSZ, winsize)  # before exec, so the app's first look sees it
                signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # Python ignores it, and exec would keep that
                os.execvpe(self.argv[0], self.argv, child_env)
            except BaseException as error:  # noqa: BLE001 - nothing may escape a forked child
                os.write(2, f"cannot run {self.argv[0]}: {error}\r\n".encode())
            os._exit(127)
        self.pid = pid
        self.fd = fd
        self.bytes_read = 0
        self.eof = False
        self.marker_at: float | None = None  # seconds after the start at which the marker first showed
        self.exit_status: int | None = None  # as os.waitstatus_to_exitcode: negative for a signal
        self.killed = False  # it had to be sent SIGKILL
        self.rusage_cpu_s: float | None = None  # whole-life user+system CPU, once reaped
        self._tail = b""  # the last bytes read, to find a marker split across reads and to show on failure
        self._marker: bytes | None = None
        try:
            process_cpu_ns(pid)
            self.cpu_source = "process CPU clock (ns)"
            self._cpu_ns = lambda: process_cpu_ns(self.pid)
        except OSError:
            self.cpu_source = f"/proc/<pid>/stat ticks (1/{CLK_TCK} s)"
            self._cpu_ns = lambda: stat_cpu_ticks(self.pid) * 1_000_000_000 // CLK_TCK

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def cpu_ns(self) -> int:
        """The child's CPU time so far (all threads), in ns; see the module docstring for the source."""
        return self._cpu_ns()

    def tail_text(self, chars: int = 600) -> str:
        """The end of what the child wrote, with the terminal escapes taken out, to show why it failed."""
        text = self._tail.decode("utf-8", "replace")
        text = re.sub(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b[@-Z\\-_]", "", text)
        lines = [line.rstrip() for line in text.replace("\r", "\n").split("\n")]
        return "\n".join(line for line in lines if line.strip())[-chars:]

    def _read_once(self) -> None:
        try:
            chunk = os.read(self.fd, 65536)
        except OSError:  # EIO: the child has closed its side of the pty (it exited)
            chunk = b""
        if not chunk:
            self.eof = True
            return
        self.bytes_read += len(chunk)
        self._tail = (self._tail + chunk)[-8192:]
        if self._marker and self.marker_at is None and self._marker in self._tail:
            self.marker_at = self.elapsed()

    def read_until(self, deadline: float, marker: bytes | None = None, stop_at_marker: bool = False) -> bool:
        """Keep reading until perf_counter() reaches `deadline` or the child exits; with stop_at_marker,
        stop as soon as `marker` has shown. True if the marker has shown (at any point so far)."""
        if marker is not None and self._marker is None:
            self._marker = marker
            if marker in self._tail and self.marker_at is None:
                self.marker_at = self.elapsed()
        while not self.eof:
            if stop_at_marker and self.marker_at is not None:
                break
            left = deadline - time.perf_counter()
            if left <= 0:
                break
            ready, _, _ = select.select([self.fd], [], [], min(left, 0.05))
            if ready:
                self._read_once()
        return self.marker_at is not None

    def stop(self, grace: float = 5.0) -> None:
        """SIGTERM, keep draining the pty (so it can write its goodbye), reap it; SIGKILL after `grace` s."""
        if self.exit_status is not None:
            return
        with uninterrupted():
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGTERM)
            deadline = time.perf_counter() + grace
            while True:
                done, status, usage = os.wait4(self.pid, os.WNOHANG)
                if done:
                    break
                if time.perf_counter() >= deadline:
                    self.killed = True
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(self.pid, signal.SIGKILL)
                    _, status, usage = os.wait4(self.pid, 0)
                    break
                if self.eof:
                    time.sleep(0.02)
                else:
                    ready, _, _ = select.select([self.fd], [], [], 0.02)
                    if ready:
                        self._read_once()
            self.exit_status = os.waitstatus_to_exitcode(status)
            self.rusage_cpu_s = usage.ru_utime + usage.ru_stime
            os.close(self.fd)


def run_in_pty(
    argv: list[str], seconds: float, marker: bytes | None = None, size=(160, 50), stop_at_marker: bool = False
) -> PtyRun:
    """Run argv for `seconds` (or until `marker` shows, with stop_at_marker), then SIGTERM; CPU from wait4."""
    with PtyChild(argv, size=size) as child:
        child.read_until(child.start + seconds, marker=marker, stop_at_marker=stop_at_marker)
        wall = child.elapsed()
    assert child.rusage_cpu_s is not None
    return PtyRun(child.marker_at, child.bytes_read, wall, child.rusage_cpu_s)


if __name__ == "__main__":  # a quick look: python bench/ptyrun.py SECONDS CMD...
    run = run_in_pty(sys.argv[2:], float(sys.argv[1]))
    print(f"{run.bytes_written} bytes, {run.cpu_s:.2f} s CPU over {run.wall_s:.1f} s")
