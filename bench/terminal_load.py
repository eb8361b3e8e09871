"""Whole-app CPU and bytes written to the terminal per second over 30 s in a real pty.

Runs, side by side: a bare Textual app with a static table (baseline); the app reading a fake sim that runs
in another process (what a racer's machine sees: the sim is not ours to count); and `wots-tui demo`, whose
own fake-sim thread writes the memory map at 60 Hz in the same process.
Budgets (DESIGN.md): <= 5% of one core, <= 40 kB/s.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ptyrun import run_in_pty

SECONDS = 30.0
HERE = Path(__file__).parent


def report(label: str, argv: list[str]) -> None:
    run = run_in_pty(argv, seconds=SECONDS)
    print(f"  {label:44s} CPU {run.cpu_s / run.wall_s * 100:5.1f}% of a core   {run.bytes_written / run.wall_s / 1000:6.1f} kB/s")


def main() -> None:
    print(f"{SECONDS:.0f} s in a 160x50 pty, 5 Hz refresh")
    report("bare Textual app, static table (baseline)", [sys.executable, str(HERE / "bare_app.py")])
    path = Path(tempfile.mkdtemp()) / "live.irsdk"
    sim = subprocess.Popen([sys.executable, "-m", "wots_tui", "sim", "--out", str(path), "--start-at", "240"], stdout=subprocess.DEVNULL)
    try:
        time.sleep(2)
        report("wots-tui --irsdk-file (sim in another process)", [sys.executable, "-m", "wots_tui", "--irsdk-file", str(path)])
    finally:
        sim.terminate()
        sim.wait()
    report("wots-tui demo (fake sim in-process, 60 Hz)", [sys.executable, "-m", "wots_tui", "demo"])


if __name__ == "__main__":
    main()
