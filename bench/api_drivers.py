"""/api/drivers with 64 drivers under load, beside a bare aiohttp "ok" handler in the same run.

Budget (ARCHITECTURE.md): >= 90% of the bare handler's requests per second; p99 <= 5 ms at 16 connections.

Each server runs in its own process, pinned to CPU 0 when `taskset` exists; wrk (Debian package `wrk`)
loads it from CPU 1 with 16 connections. Ours is the real thing: an engine with a notebook file in
which a third of the field is noted, fed a 64-driver session that changes 5 times a second (so the
document is re-serialised 5 times a second, as in a race), behind the front door and all its guards.

    uv run python bench/api_drivers.py [--seconds 10] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

CONNECTIONS = 16
DRIVERS = 64  # besides the player
BOARDS_PER_SECOND = 5


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# the servers (each run as `api_drivers.py --serve KIND PORT` in its own process)


async def serve_bare(port: int) -> None:
    from aiohttp import web

    async def ok(_: web.Request) -> web.Response:
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_get("/ok", ok)
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    print("ready", flush=True)
    await asyncio.Event().wait()


def session_of_64(moment: float):
    """The scripted race at `moment`, read back through pyirsdk, with clones added up to 64 drivers besides the player."""
    from wots_tui.sources.fakesim.race import ScriptedRace
    from wots_tui.sources.fakesim.sim import write_moment
    from wots_tui.sources.iracing import read_once

    folder = Path(tempfile.mkdtemp(prefix="wots-bench-"))
    write_moment(folder / "m.irsdk", ScriptedRace(), moment).close_keeping_status()
    snapshot = read_once(folder / "m.irsdk")
    shutil.rmtree(folder, ignore_errors=True)
    assert snapshot is not None
    others = [d for d in snapshot.drivers if d.car_idx != snapshot.player_car_idx]
    drivers, cars = list(snapshot.drivers), dict(snapshot.cars)
    for n in range(DRIVERS - len(others)):
        model = others[n]
        clone_idx = 100 + n
        drivers.append(replace(model, car_idx=clone_idx, driver_id=9_000_000 + n, name=f"{model.name} II", car_number=str(900 + n)))
        cars[clone_idx] = cars[model.car_idx]._replace(car_idx=clone_idx)
    return replace(snapshot, drivers=tuple(drivers), cars=cars)


async def serve_wots(port: int, folder: Path) -> None:
    from wots_tui.engine import Engine
    from wots_tui.server import ApiServer
    from wots_tui.sources.factory import SourceSpec, build_source
    from wots_tui.store import Database

    sessions = [session_of_64(900.0 + k / BOARDS_PER_SECOND) for k in range(50)]
    source = build_source(SourceSpec.of("file", path=folder / "no-sim.irsdk"), max_rate=5.0)
    engine = Engine(source, Database(folder / "notebook.duckdb"))
    await engine.start()  # no sim file: the source says "waiting" once and stays quiet; the sessions below are fed by hand
    for _ in range(500):  # let that "waiting" arrive first, or it would blank the session fed below
        if engine.board.version > 0:
            break
        await asyncio.sleep(0.01)
    engine.accept(sessions[0])
    before = engine.board.notebook_version
    for _ in range(500):  # and let the roster's entries load first: an edit made while they load is lost from the live rows
        if engine.board.notebook_version > before:
            break
        await asyncio.sleep(0.01)
    for n, driver in enumerate(d for d in sessions[0].drivers if d.car_idx != sessions[0].player_car_idx):
        if n % 3 == 0:
            await engine.edit(driver.key, rating=n % 2, note=f"note {n}", tag_ids=("clean", "fast")[: n % 3 + 1], nickname=f"nick{n}")
    noted = sum(1 for row in engine.board.rows if row.notebook is not None and row.notebook.note)
    assert noted >= DRIVERS // 3, f"only {noted} rows of the Board carry a note"  # the noting really happened
    server = ApiServer(engine, port=port, hosts=("127.0.0.1",))
    await server.start()
    print("ready", flush=True)
    tick = 0
    while True:  # the race goes on: a new Board 5 times a second
        await asyncio.sleep(1 / BOARDS_PER_SECOND)
        tick += 1
        engine.accept(sessions[tick % len(sessions)])


# the load


def pinned(cpu: int, command: list[str]) -> list[str]:
    return ["taskset", "-c", str(cpu), *command] if shutil.which("taskset") else command


def load(url: str, seconds: int, headers: list[str] = ()) -> dict[str, float]:
    extra = [arg for header in headers for arg in ("-H", header)]
    out = subprocess.run(
        pinned(1, ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", *extra, url]),
        capture_output=True, text=True, check=True,
    ).stdout
    figures = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])}
    for name, quantile in (("p50", "50%"), ("p99", "99%")):
        value, unit = re.search(rf"^\s+{quantile}\s+([\d.]+)(us|ms|s)\s*$", out, re.MULTILINE).groups()
        figures[name] = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    figures["errors"] = int(errors[1]) if errors else 0
    return figures


def measure(kind: str, path: str, seconds: int, headers: list[str] = ()) -> dict[str, float]:
    port = free_port()
    folder = tempfile.TemporaryDirectory(prefix="wots-bench-")  # the notebook's; gone when the server is
    server = subprocess.Popen(pinned(0, [sys.executable, __file__, "--serve", kind, str(port), "--folder", folder.name]),
                              stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout.readline().strip() == "ready"
        url = f"http://127.0.0.1:{port}{path}"
        load(url, 2, headers)  # warm up
        return load(url, seconds, headers)
    finally:
        server.kill()
        server.wait()
        folder.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--serve", nargs=2, metavar=("KIND", "PORT"))
    parser.add_argument("--folder", type=Path, help="with --serve wots: where the notebook file goes")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if args.serve:
        kind, port = args.serve[0], int(args.serve[1])
        asyncio.run(serve_bare(port) if kind == "bare" else serve_wots(port, args.folder))
        return
    if not shutil.which("wrk"):
        sys.exit("needs wrk (Debian: apt-get install wrk)")
    runs: dict[str, list[dict[str, float]]] = {"bare": [], "wots": []}
    for _ in range(args.rounds):  # alternate, so drift in the machine's load falls on both alike
        runs["bare"].append(measure("bare", "/ok", args.seconds))
        runs["wots"].append(measure("wots", "/api/drivers", args.seconds))
    print(f"{CONNECTIONS} connections; {args.rounds} alternating rounds of {args.seconds} s each, medians shown")
    print(f"/api/drivers: {DRIVERS} drivers, {BOARDS_PER_SECOND} new Boards a second")
    print(f"{'':28} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}   req/s by round")
    medians = {}
    for kind, name in (("bare", "bare aiohttp 'ok' handler"), ("wots", "/api/drivers (200, full body)")):
        medians[kind] = {k: statistics.median(run[k] for run in runs[kind]) for k in ("rps", "p50", "p99", "errors")}
        figures = medians[kind]
        rounds = " ".join(f"{run['rps']:.0f}" for run in runs[kind])
        print(f"{name:28} {figures['rps']:9.0f} {figures['p50']:8.2f} {figures['p99']:8.2f} {figures['errors']:7.0f}   {rounds}")
    share = medians["wots"]["rps"] / medians["bare"]["rps"]
    print(f"/api/drivers serves {share:.0%} of the bare handler's rate (budget >= 90%); p99 {medians['wots']['p99']:.2f} ms (budget <= 5 ms)")

if __name__ == "__main__":
    main()
