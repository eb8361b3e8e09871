"""Steady-state CPU and terminal output of the app, beside a bare Textual app, each in a real 160x50 pty.

What it measures: the cost of the app once it is up and showing a session, start-up excluded. Each case runs
in its own pseudo-terminal (POSIX; CPU sampling needs Linux's /proc or per-process CPU clocks). The bench
waits for the case's first real frame (a marker string in what it writes to the terminal), throws away a
settle period (--settle, 3 s), then measures over --seconds (20 s) in 1 s windows:
  - CPU: the child process's own CPU time, all its threads, user + system (see bench/ptyrun.py: its
    per-process CPU clock in ns, else /proc/<pid>/stat utime+stime in clock ticks), as % of one core:
    the mean over the whole window, and the median and min-max of the 1 s windows;
  - bytes the child wrote to its terminal (read from the pty master, which is read all the time so the app
    is never held up by a full terminal), as kB/s.
Cases, run one after another in the same run and printed side by side:
  1. baseline: bench/bare_app.py, a bare Textual app showing a static 60-row table (what any Textual screen
     costs doing nothing); marker "BARE0-0", its first cell;
  2. the app following a LIVE 60 Hz feed: `wots_tui sim` writes the memory map in another process (as
     iRacing would; that process's CPU is not counted), the app reads it with --irsdk-file at its default
     5 Hz refresh; marker "Spa", the track name in the session header;
  3. the app on an UNCHANGING feed: a memory map written once (write_moment at 900 s) that stays "connected"
     while its tick never moves; marker "Spa";
  4. `wots_tui demo`, whose fake sim runs in the app's own process (so its 60 Hz writing IS counted).
Every notebook, config, data and log folder is in a temporary folder (XDG_* point there, WOTS_* variables are
dropped), and --port 0 keeps the local API off anything else's port. Children are ended with SIGTERM and
waited for; the fake-sim process is stopped even on Ctrl-C.
Budgets (ARCHITECTURE.md; printed beside the figures, not asserted): steady CPU <= 2.0% of a core on the
live feed (goal 1%), <= 0.5% on the unchanging feed; <= 5 kB/s to the terminal on the live feed.

    uv run python bench/terminal_load.py [--seconds 20] [--settle 3]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ptyrun import CLK_TCK, PtyChild, stat_cpu_ticks, terminal_env, uninterrupted

HERE = Path(__file__).parent
SIZE = (160, 50)
BARE_MARKER = b"BARE0-0"
APP_MARKER = b"Spa"  # the fake sim's track, in the session header
FROZEN_MOMENT = (
    "import sys; from pathlib import Path; "
    "from wots_tui.sources.fakesim.race import ScriptedRace; "
    "from wots_tui.sources.fakesim.sim import write_moment; "
    "write_moment(Path(sys.argv[1]), ScriptedRace(), 900.0).close_keeping_status()"
)
TICK_OFFSET = 40  # curBufTickCount in the irsdk header (see wots_tui/sources/fakesim/memmap.py)


@dataclass
class Case:
    title: str
    argv: list[str] | None  # None: could not be set up (see error)
    marker: bytes
    cpu_budget: float | None = None  # % of one core
    cpu_goal: float | None = None
    kbs_budget: float | None = None
    feed: Path | None = None  # a memory map whose tick to watch during the window, as a sanity check
    feed_note: str = "-"  # shown for the feed check when there is no map to watch
    error: str | None = None


@dataclass
class Steady:
    first_frame_s: float | None = None
    windows: list[tuple[float, int, int]] = field(default_factory=list)  # (wall s, CPU ns, bytes) per 1 s
    stat_ticks: int | None = None  # /proc/<pid>/stat utime+stime over the whole window: a cross-check
    feed_ticks: int | None = None
    cpu_source: str = ""
    exit_status: int | None = None
    killed: bool = False
    error: str | None = None
    tail: str = ""

    @property
    def wall(self) -> float:
        return sum(w[0] for w in self.windows)

    def cpu_pct(self) -> float:
        return sum(w[1] for w in self.windows) / 1e9 / self.wall * 100

    def window_pcts(self) -> list[float]:
        return [cpu / 1e9 / dt * 100 for dt, cpu, _ in self.windows]

    def kbs(self) -> float:
        return sum(w[2] for w in self.windows) / self.wall / 1000

    def window_kbs(self) -> list[float]:
        return [b / dt / 1000 for dt, _, b in self.windows]


def feed_tick(path: Path) -> int | None:
    try:
        with open(path, "rb") as f:
            f.seek(TICK_OFFSET)
            data = f.read(4)
    except OSError:
        return None
    return struct.unpack("<i", data)[0] if len(data) == 4 else None


def measure(case: Case, env: dict[str, str], windows: int, settle: float, start_timeout: float) -> Steady:
    result = Steady()
    assert case.argv is not None
    with PtyChild(case.argv, size=SIZE, env=env) as child:
        result.cpu_source = child.cpu_source
        if not child.read_until(child.start + start_timeout, marker=case.marker, stop_at_marker=True):
            how = "it exited" if child.eof else f"not within {start_timeout:.0f} s"
            result.error = f"no first frame ({case.marker.decode()!r} never showed: {how})"
            result.tail = child.tail_text()
            return result
        result.first_frame_s = child.marker_at
        child.read_until(time.perf_counter() + settle)
        try:
            t_prev, cpu_prev, bytes_prev = time.perf_counter(), child.cpu_ns(), child.bytes_read
            stat0, feed0 = stat_cpu_ticks(child.pid), feed_tick(case.feed) if case.feed else None
            t0 = t_prev
            for i in range(1, windows + 1):
                child.read_until(t0 + i)
                if child.eof:
                    raise OSError("it exited")
                t, cpu, sent = time.perf_counter(), child.cpu_ns(), child.bytes_read
                result.windows.append((t - t_prev, cpu - cpu_prev, sent - bytes_prev))
                t_prev, cpu_prev, bytes_prev = t, cpu, sent
            result.stat_ticks = stat_cpu_ticks(child.pid) - stat0
            feed1 = feed_tick(case.feed) if case.feed else None
            if feed0 is not None and feed1 is not None:
                result.feed_ticks = feed1 - feed0
        except OSError as error:
            result.error = f"stopped during the measurement ({error}) after {len(result.windows)} s"
            result.tail = child.tail_text()
    result.exit_status, result.killed = child.exit_status, child.killed
    return result


@contextlib.contextmanager
def fake_sim(path: Path, env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`wots_tui sim` writing `path` in its own process (and session: Ctrl-C reaches us, and we stop it)."""
    with open(log, "wb") as log_file:
        sim = subprocess.Popen(
            [sys.executable, "-m", "wots_tui", "sim", "--out", str(path), "--start-at", "240"],
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=log_file,
            env=env,
            start_new_session=True,
        )
    try:
        yield sim
    finally:
        with uninterrupted():
            if sim.poll() is None:
                sim.terminate()
                try:
                    sim.wait(5)
                except subprocess.TimeoutExpired:
                    sim.kill()
                    sim.wait()


def wait_for_live_feed(
    sim: subprocess.Popen[bytes], path: Path, log: Path, timeout: float = 30.0
) -> str | None:
    """None once the map's tick is moving; else why not."""
    deadline = time.perf_counter() + timeout
    first = None
    while time.perf_counter() < deadline:
        if sim.poll() is not None:
            return f"the fake sim exited ({sim.returncode}): {log.read_text(errors='replace').strip()[-400:]}"
        tick = feed_tick(path)
        if tick is not None and tick > 0:
            if first is None:
                first = tick
            elif tick > first:
                return None
        time.sleep(0.1)
    return f"the fake sim's map did not start ticking within {timeout:.0f} s"


def hermetic_env(tmp: Path) -> dict[str, str]:
    """Our environment without WOTS_* and with every per-user folder in `tmp`: the developer's config,
    notebook and logs are neither read nor written."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WOTS_")}
    for kind in ("config", "data", "state", "cache"):
        env[f"XDG_{kind.upper()}_HOME"] = str(tmp / kind)
    return terminal_env(env)


# ---------------------------------------------------------------- the table


def pct(value: float) -> str:
    return f"{value:.2f}%"


def rows(cases: list[Case], results: list[Steady | None]) -> list[tuple[str, list[str]]]:
    """The table, as (label, one cell per case); a case that could not be measured has empty cells."""
    first = results[0] if results else None
    base = first if first is not None and first.windows and not first.error else None
    out: list[tuple[str, list[str]]] = []

    def row(label: str, cell: Callable[[Case, Steady], str]) -> None:
        cells = []
        for case, res in zip(cases, results):
            if res is None or not res.windows:
                cells.append("FAILED" if label == "steady CPU, mean" else "")
            else:
                cells.append(cell(case, res))
        out.append((label, cells))

    def cpu_budget(c: Case, r: Steady) -> str:
        if c.cpu_budget is None:
            return "-"
        return f"<= {c.cpu_budget:.1f}%" + (f" (goal {c.cpu_goal:.0f}%)" if c.cpu_goal else "")

    def cpu_verdict(c: Case, r: Steady) -> str:
        if c.cpu_budget is None:
            return "-"
        value = r.cpu_pct()
        if value > c.cpu_budget:
            return f"OVER by {value - c.cpu_budget:.2f}"
        return "within, goal met" if c.cpu_goal is not None and value <= c.cpu_goal else "within"

    def over_base(c: Case, r: Steady) -> str:
        return "-" if r is base or base is None else f"{r.cpu_pct() - base.cpu_pct():+.2f} pts"

    def kbs_windows(c: Case, r: Steady) -> str:
        return f"{statistics.median(r.window_kbs()):.2f} | {max(r.window_kbs()):.2f}"

    def kbs_verdict(c: Case, r: Steady) -> str:
        if c.kbs_budget is None:
            return "-"
        return "within" if r.kbs() <= c.kbs_budget else f"OVER by {r.kbs() - c.kbs_budget:.2f}"

    def stat_check(c: Case, r: Steady) -> str:
        if r.stat_ticks is None:
            return "-"
        return f"{r.stat_ticks / CLK_TCK / r.wall * 100:.2f}% (±{100 / CLK_TCK / r.wall:.2f})"

    def feed_rate(c: Case, r: Steady) -> str:
        return c.feed_note if r.feed_ticks is None else f"{r.feed_ticks / r.wall:.1f}"

    def ended(c: Case, r: Steady) -> str:
        if r.killed:
            return "needed SIGKILL"
        return "by SIGTERM" if r.exit_status == -signal.SIGTERM else f"exit {r.exit_status}"

    row("first frame after", lambda c, r: f"{r.first_frame_s:.2f} s")
    row("steady CPU, mean", lambda c, r: pct(r.cpu_pct()))
    row("  median of 1 s windows", lambda c, r: pct(statistics.median(r.window_pcts())))
    row("  min-max of 1 s windows", lambda c, r: f"{min(r.window_pcts()):.2f}-{max(r.window_pcts()):.2f}%")
    row("  budget", cpu_budget)
    row("  verdict", cpu_verdict)
    row("  over the baseline", over_base)
    row("to the terminal, mean", lambda c, r: f"{r.kbs():.2f} kB/s")
    row("  median | max 1 s window", kbs_windows)
    row("  budget", lambda c, r: "-" if c.kbs_budget is None else f"<= {c.kbs_budget:.0f} kB/s")
    row("  verdict", kbs_verdict)
    row("check: CPU from /proc stat", stat_check)
    row("check: feed ticks/s", feed_rate)
    row("check: ended", ended)
    return out


def print_table(cases: list[Case], results: list[Steady | None]) -> None:
    width = max(22, *(len(c.title) + 2 for c in cases))
    table = rows(cases, results)
    label_width = max(len(label) for label, _ in table) + 2
    print(" " * label_width + "".join(f"{c.title:<{width}}" for c in cases))
    for label, cells in table:
        print(f"{label:<{label_width}}" + "".join(f"{cell:<{width}}" for cell in cells))


# ---------------------------------------------------------------- main


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def run(args: argparse.Namespace, tmp: Path) -> int:
    env = hermetic_env(tmp)
    windows = max(1, round(args.seconds))
    app = [sys.executable, "-m", "wots_tui"]
    live, frozen, log = tmp / "live.irsdk", tmp / "frozen.irsdk", tmp / "sim.log"
    cases = [
        Case("baseline: bare Textual", [sys.executable, str(HERE / "bare_app.py")], BARE_MARKER),
        Case("live 60 Hz feed", None, APP_MARKER, cpu_budget=2.0, cpu_goal=1.0, kbs_budget=5.0, feed=live),
        Case("unchanging feed", None, APP_MARKER, cpu_budget=0.5, feed=frozen),
        Case(
            "demo (sim in-process)",
            [*app, "demo", "--db", str(tmp / "demo.duckdb"), "--port", "0"],
            APP_MARKER,
            feed_note="in-process",
        ),
    ]
    results: list[Steady | None] = [None] * len(cases)

    def one(i: int) -> None:
        case = cases[i]
        print(f"  {case.title} ...", end="", flush=True, file=sys.stderr)
        results[i] = res = measure(case, env, windows, args.settle, args.start_timeout)
        case.error = case.error or res.error
        print(" failed" if res.error else " done", file=sys.stderr)

    print(f"{len(cases)} cases, {windows} s each after a {args.settle:g} s settle", file=sys.stderr)
    one(0)

    with fake_sim(live, env, log) as sim:
        cases[1].error = wait_for_live_feed(sim, live, log)
        if not cases[1].error:
            cases[1].argv = [*app, "--irsdk-file", str(live), "--db", str(tmp / "nb.duckdb"), "--port", "0"]
            one(1)
            if sim.poll() is not None:
                cases[1].error = f"the fake sim exited ({sim.returncode}) while measuring: not a live feed"

    made = subprocess.run(
        [sys.executable, "-c", FROZEN_MOMENT, str(frozen)],
        check=False,
        env=env,
        capture_output=True,
        text=True,
    )
    if made.returncode != 0:
        cases[2].error = f"could not write the frozen map: {made.stderr.strip()[-400:]}"
    else:
        notebook = tmp / "nb-frozen.duckdb"
        cases[2].argv = [*app, "--irsdk-file", str(frozen), "--db", str(notebook), "--port", "0"]
        one(2)

    one(3)

    source = next((r.cpu_source for r in results if r is not None and r.cpu_source), "?")
    print(
        f"\nSteady state in a {SIZE[0]}x{SIZE[1]} pty: after the first frame and a {args.settle:g} s settle,"
        f" {windows} x 1 s windows.\nCPU: the app's process only (all its threads; the live feed's sim"
        f" process is not counted), as % of one core, from the {source}.\n"
    )
    print_table(cases, results)
    for case, res in zip(cases, results):
        if case.error:
            print(f"\n{case.title}: {case.error}")
            if res is not None and res.tail:
                print("  last output:\n    " + res.tail.replace("\n", "\n    "))
    sys.stdout.flush()
    return 1 if any(case.error for case in cases) else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="measured s per case (default 20)")
    parser.add_argument("--settle", type=float, default=3.0, help="s after the first frame left out")
    parser.add_argument("--start-timeout", type=float, default=30.0, help="s to wait for a first frame")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, _terminate)  # so a SIGTERM to the bench also ends its children
    try:
        with tempfile.TemporaryDirectory(prefix="wots-terminal-load-") as tmp:
            code = run(args, Path(tmp))
    except KeyboardInterrupt:
        print("\ninterrupted: children ended", file=sys.stderr)
        code = 130
    sys.exit(code)


if __name__ == "__main__":
    main()
