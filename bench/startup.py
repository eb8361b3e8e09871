"""Start to first frame: `wots-tui --irsdk-file` on a fixed race moment vs a bare Textual app, in a real pty.

The first frame is the moment the driver rows reach the terminal. Budget (ARCHITECTURE.md): <= 1.5 s.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

from ptyrun import run_in_pty

from wots_tui.sources.fakesim.race import ScriptedRace
from wots_tui.sources.fakesim.sim import write_moment

RUNS = 5
HERE = Path(__file__).parent


def median_start(argv: list[str], marker: bytes) -> float:
    times = []
    for _ in range(RUNS):
        run = run_in_pty(argv, seconds=15, marker=marker, stop_at_marker=True)
        if run.first_marker_s is None:
            raise SystemExit(f"no first frame from {argv}")
        times.append(run.first_marker_s)
    return statistics.median(times)


def main() -> None:
    path = Path(tempfile.mkdtemp()) / "moment.irsdk"
    write_moment(path, ScriptedRace(), 900.0).close_keeping_status()
    bare = median_start([sys.executable, str(HERE / "bare_app.py")], b"BARE0-0")
    ours = median_start([sys.executable, "-m", "wots_tui", "--irsdk-file", str(path)], "Björn Eriksen".encode())
    print(f"start to first frame, median of {RUNS} runs in a 160x50 pty")
    print(f"  bare Textual app, static table : {bare:6.2f} s   (baseline)")
    print(f"  wots-tui, first driver row     : {ours:6.2f} s   (budget 1.5 s; +{ours - bare:.2f} s over the baseline)")


if __name__ == "__main__":
    main()
