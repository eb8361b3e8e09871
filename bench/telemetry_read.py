"""Telemetry read cost per tick, all cars' live fields: our compiled single unpack vs naive per-variable reads.

Both read the same frozen buffer of a live-format memory map (the fake sim's, 64-wide CarIdx arrays)
through the real pyirsdk, in the same process. Budget (ARCHITECTURE.md): <= 50 us median per tick.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from wots_tui.sources.fakesim.race import ScriptedRace
from wots_tui.sources.fakesim.sim import write_moment
from wots_tui.sources.iracing import FileConnector, _car_state
from wots_tui.sources.telemetry import CAR_ARRAYS, SCALARS, TelemetryLayout

ROUNDS = 5000


def median_us(fn) -> float:
    samples = []
    for _ in range(ROUNDS):
        start = time.perf_counter_ns()
        fn()
        samples.append(time.perf_counter_ns() - start)
    return statistics.median(samples) / 1000


def main() -> None:
    folder = Path(tempfile.mkdtemp())
    path = folder / "bench.irsdk"
    write_moment(path, ScriptedRace(), 900.0).close_keeping_status()
    ir = FileConnector(path).connect()
    assert ir is not None
    layout = TelemetryLayout(ir._var_headers)
    names = [n for n in SCALARS + CAR_ARRAYS if n in layout.names]

    def naive() -> dict:
        ir.freeze_var_buffer_latest()
        return {name: ir[name] for name in names}

    def compiled() -> dict:
        ir.freeze_var_buffer_latest()
        buffer = ir._var_buffer_latest
        return layout.read(buffer.get_memory(), buffer.buf_offset)

    def compiled_with_cars() -> list:
        values = compiled()
        return [_car_state(values, i) for i in range(64)]

    assert naive() == {k: (list(v) if isinstance(v, tuple) else v) for k, v in compiled().items()}
    base = median_us(naive)
    ours = median_us(compiled)
    full = median_us(compiled_with_cars)
    print(f"telemetry read per tick, {len(names)} variables, 64-wide arrays, median of {ROUNDS}")
    print(f"  naive pyirsdk ir[name] per variable : {base:8.1f} us   (baseline)")
    print(f"  compiled single unpack              : {ours:8.1f} us   ({base / ours:.1f}x faster)")
    print(f"  compiled + 64 CarState objects      : {full:8.1f} us   (budget 50 us)")
    ir.shutdown()


if __name__ == "__main__":
    sys.exit(main())
