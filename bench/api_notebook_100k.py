"""/api/notebook on a 100k-entry notebook: how long the loop (the TUI's) stalls while the document is served.

The notebook lives in DuckDB; the API streams the document from it, 1000 entries a batch (each batch read
on the store's thread, turned into JSON on the loop, written out), while curl, in its own process (as an
overlay would be), fetches it. Baseline, in the same run: the same whole document built on the loop and
serialised at once, `orjson.dumps(notebook_document(records, catalogue))` over all the records (loaded
with `load_all` beforehand, untimed), as the API did when the notebook was in memory, before it used a
thread. The figure is the longest gap between ticks of a 10 ms ticker on the loop: what a racer would
feel as a frozen screen. Also shown for the streamed request: curl's time to first byte, its total time
and the size of the response; the document is parsed afterwards and checked (count == 100,000, and the
same entries as the baseline's document). Budget (ARCHITECTURE.md): none set yet; the figure is shown beside
the baseline's.

The 100k file is written first, in another process, with the app's own bulk `save_records` (names with
accents, nicknames, notes, tags, ratings, vote and edit times); the engine reads a frozen race moment, so
a live Board exists meanwhile, as in a race.

    uv run python bench/api_notebook_100k.py
"""

from __future__ import annotations

import asyncio
import gc
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import orjson

ENTRIES = 100_000
TICK = 0.01
STREAMED_RUNS = 2  # the first meets a cold file, the second a warm one

FIRST = ["Aoife", "Björn", "Callum", "Chloé", "Diego", "Elif", "Émile", "Grace", "Hannah", "Inês", "Jonas", "Marek", "Siobhán"]
LAST = ["Schröder", "O'Brien", "Kowalczyk", "Þórsson", "Ødegaard", "García", "Nakamura", "Weiß", "D'Angelo", "Silva", "Müller"]
NOTES = ["late on the brakes into La Source", "clean, gives space", "divebombs into T1", "",
         "apologised after the contact at Pouhon", "weaves on the Kemmel straight", "très propre, always leaves a car's width"]
TAG_SETS = [(), ("clean",), ("clean", "gives_space"), ("divebomber",), ("fast",), ("wrecker", "toxic"), ("friend",),
            ("rival", "fast"), ("blocker",)]
RATINGS = [None, 1, 0, -1, 1, None, 1]


# the 100k file (run as `api_notebook_100k.py --build FILE` in its own process)


def build(path: Path) -> None:
    from wots_tui.domain.notebook import NoteRecord
    from wots_tui.store import Database
    from wots_tui.store.notebook import save_records
    from wots_tui.store.timestamps import utc_now

    now = utc_now()
    records = []
    for i in range(ENTRIES):
        rating, note, tags = RATINGS[i % len(RATINGS)], NOTES[i % len(NOTES)], TAG_SETS[i % len(TAG_SETS)]
        nickname = f"nick{i}" if i % 9 == 0 else ""
        if rating is None and not note and not tags and not nickname:
            note = "met once, nothing to say"
        updated = now - timedelta(minutes=i)
        records.append(NoteRecord(
            key=("iracing", 10_000_000 + i),
            name=f"{FIRST[i % len(FIRST)]} {LAST[(i // len(FIRST)) % len(LAST)]}" + (str(i % 10) if i % 5 == 0 else ""),
            car_number=str(i % 999), nickname=nickname, rating=rating, note=note, tag_ids=tags,
            voted_at=updated if rating is not None else None, updated_at=updated,
            session_id=250_000_000 + i % 5000, subsession_id=80_000_000 + i % 5000,
        ))
    database = Database(path)
    try:
        start = time.perf_counter()
        database.run(save_records, records)
        print(f"build: save_records of {len(records):,} entries {time.perf_counter() - start:.1f} s", file=sys.stderr)
    finally:
        database.close()


# the measurement


class FullCollections:
    """Times the garbage collector's full (generation 2) passes: one cause of a stall that is not the work's own."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if info["generation"] == 2:
            if phase == "start":
                self._started = time.perf_counter()
            else:
                self.times.append(time.perf_counter() - self._started)

    def __str__(self) -> str:
        return f"{len(self.times)} full GCs" + (f", longest {max(self.times) * 1000:.0f} ms" if self.times else "")


async def beside_ticker(work: Callable[[], Awaitable[object]]) -> tuple[float, float, int, FullCollections]:
    """Run `work` on the loop beside a 10 ms ticker: (seconds it took, longest gap between ticks, ticks, full GCs)."""
    gaps: list[float] = []
    done = asyncio.Event()
    collections = FullCollections()

    async def ticker() -> None:
        last = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(TICK)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    ticking = asyncio.create_task(ticker())
    await asyncio.sleep(0.05)
    gaps.clear()  # the ticker's start-up is not the work's
    gc.callbacks.append(collections)
    start = time.perf_counter()
    try:
        await work()
    finally:
        took = time.perf_counter() - start
        gc.callbacks.remove(collections)
    done.set()
    await ticking
    return took, max(gaps), len(gaps), collections


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.0f} ms"


async def measure(path: Path, moment: Path, out: Path) -> None:
    from wots_tui.domain.wots_shape import notebook_document
    from wots_tui.engine import Engine
    from wots_tui.server import ApiServer
    from wots_tui.sources.factory import SourceSpec, build_source
    from wots_tui.store import Database
    from wots_tui.store.notebook import load_all

    source = build_source(SourceSpec.of("file", path=moment), max_rate=5.0)
    engine = Engine(source, Database(path))
    await engine.start()
    server = ApiServer(engine, port=0, hosts=("127.0.0.1",))
    await server.start()
    for _ in range(500):  # the frozen moment's Board, so the loop serves as it does in a race
        if engine.board.rows:
            break
        await asyncio.sleep(0.01)
    print(f"notebook entries: {engine.entry_count:,}; live Board: {len(engine.board.rows)} drivers")
    assert engine.entry_count == ENTRIES, engine.entry_count

    curl_said: list[str] = []

    async def over_http() -> None:  # the overlay is another process, as it would be
        curl = await asyncio.create_subprocess_exec(
            "curl", "-sS", "-o", str(out), "-w", "%{http_code} %{time_starttransfer} %{time_total} %{size_download}",
            f"http://127.0.0.1:{server.port}/api/notebook", stdout=asyncio.subprocess.PIPE,
        )
        said, _ = await curl.communicate()
        assert curl.returncode == 0, f"curl exited {curl.returncode}"
        curl_said.append(said.decode())

    print(f"{'':40} {'took':>10} {'longest gap':>12}   ticks of the 10 ms ticker   (details)")
    streamed = []  # first, while this process holds no 100k records (as the app never does): they would slow its GC
    for run in range(STREAMED_RUNS):
        took, gap, ticks, collections = await beside_ticker(over_http)
        code, first_byte, total, size = curl_said[-1].split()
        streamed.append(gap)
        name = "GET /api/notebook, streamed" + (" (cold)" if run == 0 else " (again)")
        print(f"{name:40} {ms(took):>10} {ms(gap):>12}   {ticks}"
              f"   (HTTP {code}; curl: first byte {float(first_byte) * 1000:.0f} ms, total {float(total) * 1000:.0f} ms,"
              f" {int(size) / 1e6:.1f} MB; {collections})")
        assert code == "200", code

    records = await engine.database.call(load_all)  # the old design held these in memory: not timed
    assert len(records) == ENTRIES, len(records)
    baseline: dict[str, bytes] = {}

    async def on_the_loop() -> None:
        baseline["body"] = orjson.dumps(notebook_document(records, engine.catalogue))

    took, gap, ticks, collections = await beside_ticker(on_the_loop)
    size = len(baseline["body"])
    print(f"{'baseline: whole document on the loop':40} {ms(took):>10} {ms(gap):>12}   {ticks}"
          f"   ({size / 1e6:.1f} MB, notebook_document + orjson.dumps; {collections})")

    document = orjson.loads(out.read_bytes())  # the last streamed response
    expected = orjson.loads(baseline["body"])
    same = document["entries"] == expected["entries"]
    print(f"streamed document: parses; count {document['count']:,}, {len(document['entries']):,} entries, "
          f"{'the same entries as' if same else 'DIFFERENT entries from'} the baseline's document")
    assert document["count"] == ENTRIES == len(document["entries"]), (document["count"], len(document["entries"]))
    if not same:
        differing = [k for k in expected["entries"] if document["entries"].get(k) != expected["entries"][k]]
        print(f"  {len(differing):,} entries differ, e.g. {differing[:3]}")
    print(f"longest gap, streamed: median of {STREAMED_RUNS} runs {statistics.median(streamed) * 1000:.0f} ms")
    await server.stop()
    await engine.stop()


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--build":
        build(Path(sys.argv[2]))
        return
    from wots_tui.sources.fakesim.race import ScriptedRace
    from wots_tui.sources.fakesim.sim import write_moment

    with tempfile.TemporaryDirectory(prefix="wots-bench-") as name:
        folder = Path(name)
        moment = folder / "moment.irsdk"
        write_moment(moment, ScriptedRace(), 900.0).close_keeping_status()
        path = folder / "notebook.duckdb"
        start = time.perf_counter()
        subprocess.run([sys.executable, __file__, "--build", str(path)], check=True)
        print(f"built {ENTRIES:,} entries in another process in {time.perf_counter() - start:.1f} s; "
              f"{path.stat().st_size / 1e6:.1f} MB file")
        asyncio.run(measure(path, moment, folder / "response.json"))


if __name__ == "__main__":
    main()
