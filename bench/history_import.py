"""`wots-tui import` of a few thousand results files, beside DuckDB's own `read_json` over the same files.

Budgets (ARCHITECTURE.md): >= 50k driver-result rows/s, and <= 2x DuckDB's `read_json` over the same files.

The files are results/get bodies varied from the three real official ones (tests/fakes/iracing_data.py:
`many_races`, new subsession ids and dates, a third of them the team race), written as the API sends them
(compact JSON), one body per file, in a temporary folder; building them is not timed.

  ours:     `import_files` (webapi/importer.py) into a fresh notebook file, as `wots-tui import` runs it:
            reading and recognising each file, picking the rows, writing every table, committing. Rows are
            the driver rows written.
  baseline: DuckDB alone reading the same files in the same process: `CREATE TABLE AS SELECT * FROM
            read_json(files)` (every field, types detected) into a fresh file, 250 files a call, on a
            connection with the store's two threads and DuckDB's own memory limit (80% of the machine's: with
            the import's, detecting the types runs out of memory).
  aside:    orjson parsing every file alone: the part of ours that only reads them (the rest is picking the
            rows and DuckDB writing them).

Each figure is the median of `--runs` runs, alternating ours and the baseline so that both see the same
machine. Benches print, never assert.

    uv run python bench/history_import.py [--files 2000] [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from fakes.iracing_data import many_races

from wots_tui.store import Database
from wots_tui.store.database import LIMITS
from wots_tui.webapi import importer

ROWS_BUDGET = 50_000
RATIO_BUDGET = 2.0
BASELINE_BATCH = 250  # files per read_json call: more runs DuckDB out of memory while it detects their types


def build(folder: Path, count: int) -> list[Path]:
    paths = []
    for race in many_races(count):
        path = folder / f"{race.subsession_id}.json"
        path.write_bytes(orjson.dumps(race.body()))
        paths.append(path)
    return paths


def ours(paths: list[Path], folder: Path) -> tuple[float, int]:
    database = Database(folder / "ours.duckdb")
    started = time.perf_counter()
    report = importer.import_files(database, paths)
    elapsed = time.perf_counter() - started
    database.close()
    if report.failed:
        raise SystemExit(f"the import failed: {report.failed[0].path}: {report.failed[0].error}")
    return elapsed, report.written["driver results"]


def baseline(paths: list[Path], folder: Path) -> float:
    connection = duckdb.connect(
        str(folder / "baseline.duckdb"), config={"threads": LIMITS["threads"], "preserve_insertion_order": False}
    )
    names = [str(p) for p in paths]
    started = time.perf_counter()
    for n, start in enumerate(range(0, len(names), BASELINE_BATCH)):
        connection.execute(f"CREATE TABLE read_{n} AS SELECT * FROM read_json(?)", [names[start:start + BASELINE_BATCH]])
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed


def python_parse(paths: list[Path]) -> float:
    started = time.perf_counter()
    for path in paths:
        orjson.loads(path.read_bytes())
    return time.perf_counter() - started


def fresh(folder: Path, run: Callable[[Path], object]) -> object:
    with tempfile.TemporaryDirectory(dir=folder) as scratch:
        return run(Path(scratch))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wots-bench-import-") as temp:
        folder = Path(temp)
        (folder / "files").mkdir()
        paths = build(folder / "files", args.files)
        size = sum(p.stat().st_size for p in paths)
        print(f"{len(paths)} results files, {size / 1e6:.0f} MB; DuckDB threads {LIMITS['threads']}, "
              f"import memory limit {importer.IMPORT_MEMORY}, {importer.BATCH_DRIVERS:,} driver rows a batch")
        mine, theirs, parsed, rows = [], [], [], 0
        for _ in range(args.runs):
            elapsed, rows = fresh(folder, lambda scratch: ours(paths, scratch))  # type: ignore[misc]
            mine.append(elapsed)
            theirs.append(fresh(folder, lambda scratch: baseline(paths, scratch)))
            parsed.append(python_parse(paths))
        ours_s, base_s, parse_s = (statistics.median(x) for x in (mine, theirs, parsed))
        rate = rows / ours_s
        print(f"import:            {ours_s:6.2f} s  {rows:,} driver rows  {rate:9,.0f} rows/s   "
              f"budget >= {ROWS_BUDGET:,} rows/s  {'met' if rate >= ROWS_BUDGET else 'MISSED'}")
        print(f"read_json alone:   {base_s:6.2f} s  ours / read_json = {ours_s / base_s:.2f}x             "
              f"budget <= {RATIO_BUDGET:.1f}x  {'met' if ours_s <= RATIO_BUDGET * base_s else 'MISSED'}")
        print(f"                   (reading alone, DuckDB gets through {rows / base_s:,.0f} driver rows/s of these files)")
        print(f"orjson parse only: {parse_s:6.2f} s  (the part of ours that only reads the files)")
        print(f"runs: import {', '.join(f'{x:.2f}' for x in mine)}; read_json {', '.join(f'{x:.2f}' for x in theirs)}")


if __name__ == "__main__":
    main()
