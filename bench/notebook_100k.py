"""A notebook of 100k entries: open time, search per keystroke, join with 64 live drivers, memory.

Budgets (DESIGN.md): open <= 1 s; search per keystroke <= 20 ms; join with 64 live drivers <= 2 ms;
<= 150 MB RSS. Each figure is printed beside a baseline from the same run:
- open: DuckDB's own fetch of the notebook table, with no joins and no objects built;
- search: a naive scan (lower-cased name, nickname and note per entry, per keystroke);
- join: the same Board built with no notebook at all.
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from wots_tui.domain.board import build_board
from wots_tui.domain.notebook import Notebook, NotebookQuery
from wots_tui.sources.fakesim.race import ScriptedRace
from wots_tui.sources.fakesim.sim import write_moment
from wots_tui.sources.iracing import read_once
from wots_tui.store import Database
from wots_tui.store.notebook import load_everything

ENTRIES = 100_000
TYPED = "schröder late"  # what a racer types, one keystroke at a time


def build_file(path: Path, live_ids: list[int]) -> None:
    """100k entries with names, notes, tags and sightings; the 64 live drivers among them."""
    Database(path).close()  # schema and built-in tags
    con = duckdb.connect(str(path))
    first = ["Aoife", "Björn", "Callum", "Chloé", "Diego", "Elif", "Émile", "Grace", "Hannah", "Ines", "Jonas", "Marek"]
    last = ["Schröder", "O'Brien", "Kowalczyk", "Þórsson", "Ødegaard", "García", "Nakamura", "Weiß", "D'Angelo", "Silva"]
    notes = ["late on the brakes", "clean, gives space", "divebombs into T1", "fast in sector 2", "", "", "apologised"]
    tags = ["clean", "gives_space", "divebomber", "fast", "wrecker", "friend"]
    con.execute(f"CREATE TEMP TABLE ids AS SELECT i, CASE WHEN i < {len(live_ids)} THEN ({live_ids})[i + 1] ELSE 10000000 + i END AS id FROM range({ENTRIES}) t(i)")
    con.execute(
        "INSERT INTO drivers SELECT 'iracing', id, (?)[i % 12 + 1] || ' ' || (?)[i % 10 + 1] || ' ' || i, (i % 999)::VARCHAR, now()::TIMESTAMP FROM ids",
        [first, last],
    )
    con.execute(
        """INSERT INTO notebook SELECT 'iracing', id, CASE WHEN i % 9 = 0 THEN 'nick' || i ELSE '' END, (i % 3) - 1,
               (?)[i % 7 + 1], now()::TIMESTAMP - INTERVAL (i) MINUTE, now()::TIMESTAMP - INTERVAL (i) MINUTE,
               1000 + i % 500, 80000000 + i % 5000, 0 FROM ids""",
        [notes],
    )
    con.execute("INSERT INTO driver_tags SELECT 'iracing', id, (?)[i % 6 + 1], now()::TIMESTAMP FROM ids WHERE i % 2 = 0", [tags])
    con.execute(
        """INSERT INTO sightings SELECT 'iracing', id, 'subsession:' || (80000000 + i % 5000 + k), now()::TIMESTAMP - INTERVAL (i + k) HOUR,
               1000, 80000000 + i % 5000 + k, 'Spa', 'Race', 'car', 'GT3', 2000 FROM ids, range(3) r(k) WHERE i % 4 = 0"""
    )
    con.close()


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="wots-bench-"))
    snapshot = read_once(write_moment(folder / "moment.irsdk", ScriptedRace(), 900.0).path)
    assert snapshot is not None
    live_ids = [d.driver_id for d in snapshot.drivers]
    path = folder / "notebook.duckdb"
    if len(sys.argv) > 1 and sys.argv[1] == "--build":
        build_file(Path(sys.argv[2]), live_ids)
        return
    # built in another process, so this one's memory holds only what loading costs
    subprocess.run([sys.executable, __file__, "--build", str(path)], check=True)
    rss_before = rss_mb()

    start = time.perf_counter()
    raw = duckdb.connect(str(path), read_only=True)
    rows = raw.execute("SELECT * FROM notebook").fetchall()
    raw.close()
    baseline_open = time.perf_counter() - start
    del rows

    start = time.perf_counter()
    database = Database(path)
    records, tags, _ = database.run(load_everything)
    notebook = Notebook(records, tags)
    open_s = time.perf_counter() - start
    rss_after = rss_mb()
    print(f"entries loaded: {len(notebook):,}")
    print(f"open (file -> searchable notebook): {open_s * 1000:7.1f} ms   baseline DuckDB fetch of the table alone: {baseline_open * 1000:7.1f} ms   budget 1000 ms")

    per_key, naive = [], []
    for n in range(1, len(TYPED) + 1):
        text = TYPED[:n]
        start = time.perf_counter()
        found = notebook.search(NotebookQuery(text=text))
        per_key.append(time.perf_counter() - start)
        start = time.perf_counter()
        words = text.lower().split()
        naive_found = [r for r in records if all(w in f"{r.name}\n{r.nickname}\n{r.note}".lower() for w in words)]
        naive.append(time.perf_counter() - start)
    print(f"search per keystroke ({len(TYPED)} keys of {TYPED!r}, {len(found):,} found at the end; naive {len(naive_found):,}):")
    print(f"  median {statistics.median(per_key) * 1000:6.2f} ms  worst {max(per_key) * 1000:6.2f} ms (first key, cold)"
          f"   baseline naive scan: median {statistics.median(naive) * 1000:6.2f} ms  worst {max(naive) * 1000:6.2f} ms   budget 20 ms")

    def join() -> None:
        entries = {}
        for driver in snapshot.drivers:
            entry = notebook.entry(driver.key, 1)
            if entry is not None:
                entries[driver.key] = entry
        build_board(snapshot, 1, entries)

    def bare() -> None:
        build_board(snapshot, 1, None)

    def median_of(fn, runs: int = 200) -> float:  # type: ignore[no-untyped-def]
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        return statistics.median(times)

    joined, alone = median_of(join), median_of(bare)
    print(f"Board of {len(snapshot.drivers)} live drivers joined with the notebook: {joined * 1000:5.2f} ms"
          f"   baseline same Board without notebook: {alone * 1000:5.2f} ms   (join itself {max(0.0, joined - alone) * 1000:5.2f} ms; budget 2 ms)")
    print(f"memory: max RSS {rss_after:6.1f} MB after loading   baseline the same process before loading: {rss_before:6.1f} MB   budget 150 MB (whole app)")
    database.close()


if __name__ == "__main__":
    sys.exit(main())
