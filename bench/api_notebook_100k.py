"""/api/notebook on a 100k-entry notebook: how long the loop (the TUI's) stalls while the document is built.

The API builds this document in a worker thread; curl, in its own process, asks for it. Baseline, in the same run: the same document built
and serialised on the loop, as every other (small) document is. The figure is the longest gap between
ticks of a 10 ms ticker on the loop: what a racer would feel as a frozen screen.

    uv run python bench/api_notebook_100k.py
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from wots_tui.domain.wots_shape import notebook_document
from wots_tui.engine import Engine, SourceSpec
from wots_tui.server import ApiServer
from wots_tui.server.rendered import Rendered
from wots_tui.sources.fakesim.race import ScriptedRace
from wots_tui.sources.fakesim.sim import write_moment
from wots_tui.store import Database

TICK = 0.01


async def longest_stall(work: Callable[[], Awaitable[object]]) -> tuple[float, float]:
    """Run `work` on the loop beside a ticker; (seconds it took, longest gap between ticks beyond TICK)."""
    gaps: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        last = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(TICK)
            now = time.perf_counter()
            gaps.append(now - last - TICK)
            last = now

    ticking = asyncio.create_task(ticker())
    await asyncio.sleep(0.05)
    start = time.perf_counter()
    await work()
    took = time.perf_counter() - start
    done.set()
    await ticking
    return took, max(gaps)


async def measure(path: Path, moment: Path) -> None:
    engine = Engine(SourceSpec(irsdk_file=moment), Database(path))
    await engine.start()
    server = ApiServer(engine, port=0, hosts=("127.0.0.1",))
    await server.start()
    print(f"notebook entries: {len(engine.notebook):,}")

    async def on_the_loop() -> None:
        Rendered.of(notebook_document(list(engine.notebook.records()), engine.notebook.catalogue))

    async def over_http() -> None:  # the overlay is another process, as it would be
        curl = await asyncio.create_subprocess_exec(
            "curl", "-sf", "-o", "/dev/null", "-w", "%{size_download}", f"http://127.0.0.1:{server.port}/api/notebook",
            stdout=asyncio.subprocess.PIPE,
        )
        size, _ = await curl.communicate()
        assert curl.returncode == 0 and int(size) > 10_000_000

    took, stall = await longest_stall(on_the_loop)
    print(f"baseline, built on the loop:       {took * 1000:7.0f} ms, longest stall of the loop {stall * 1000:6.0f} ms")
    took, stall = await longest_stall(over_http)
    print(f"GET /api/notebook (worker thread): {took * 1000:7.0f} ms, longest stall of the loop {stall * 1000:6.0f} ms")
    took, stall = await longest_stall(over_http)
    print(f"GET /api/notebook again (cached):  {took * 1000:7.0f} ms, longest stall of the loop {stall * 1000:6.0f} ms")
    await server.stop()
    await engine.stop()


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="wots-bench-"))
    moment = write_moment(folder / "moment.irsdk", ScriptedRace(), 900.0).path
    path = folder / "notebook.duckdb"
    # the same 100k entries as bench/notebook_100k.py, built by it in its own process
    subprocess.run([sys.executable, str(Path(__file__).parent / "notebook_100k.py"), "--build", str(path)], check=True)
    asyncio.run(measure(path, moment))


if __name__ == "__main__":
    main()
