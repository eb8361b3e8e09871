"""`wots-tui serve --source ams2` as a league admin runs it: its own process, a fake AMS2 server on real HTTP,
and the local API serving the server's session with the humans keyed by Steam id."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from pathlib import Path

import httpx

from tests.fakes.ams2_server import FakeAms2Server
from tests.test_ams2_source import ANA_STEAM, grid


async def test_serve_follows_the_ams2_session_over_the_local_api(tmp_path: Path) -> None:
    server = FakeAms2Server()
    await server.start()
    cars = grid(server)
    env = {k: v for k, v in os.environ.items() if not k.startswith("WOTS_")}
    env |= {name: str(tmp_path / name.lower()) for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME")}
    env["WOTS_AMS2_PASSWORD"] = "admin-pw"
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "wots_tui", "serve", "--db", str(tmp_path / "n.duckdb"), "--port", "0",
        "--source", "ams2", "--ams2-url", server.url, "--ams2-user", "admin",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env)
    try:
        line = (await asyncio.wait_for(process.stdout.readline(), 30)).decode()
        match = re.match(r"Serving the local API on (http://localhost:\d+) for AMS2 127\.0\.0\.1:\d+;", line)
        assert match, line
        async with httpx.AsyncClient(base_url=match[1], timeout=5) as client:
            drivers = await _until(client, lambda d: len(d["drivers"]) == 4)  # the racer is not set: all four
            ana = next(d for d in drivers["drivers"].values() if d["name"] == "Ana Souza")
            assert (ana["custId"], ana["platform"]) == (int(ANA_STEAM), "ams2")
            server.session.set_car(cars["ana"], RacePosition=1)
            server.session.set_car(cars["host"], RacePosition=2)
            moved = await _until(client, lambda d: next(iter(d["drivers"].values()))["name"] == "Ana Souza")
            assert moved["trackName"] == "Interlagos GP"
        process.send_signal(signal.SIGINT)
        out, err = await asyncio.wait_for(process.communicate(), 15)
        assert (process.returncode, out.decode(), err.decode()) == (0, "stopped\n", "")
        assert "admin-pw" not in (tmp_path / "xdg_state_home" / "wots-tui" / "log" / "wots-tui.log").read_text(encoding="utf-8")
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await server.stop()


async def _until(client: httpx.AsyncClient, holds, timeout: float = 10.0):  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        document = (await client.get("/api/drivers")).json()
        if document.get("drivers") and holds(document):
            return document
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"never held: {document}")
        await asyncio.sleep(0.05)
