"""Shared helpers for the tests: fixture paths and wrapping session text in a real memory map."""

from __future__ import annotations

import asyncio
import os
import queue
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from textual.pilot import Pilot

from wots_tui.domain.board import Board
from wots_tui.domain.events import Publish, SourceStale
from wots_tui.domain.models import LinkState, SessionFacts, SessionSnapshot
from wots_tui.domain.notebook import NoteRecord
from wots_tui.engine import Engine
from wots_tui.server import ApiServer
from wots_tui.sources.factory import SourceSpec, build_source
from wots_tui.sources.fakesim.memmap import IrsdkFileWriter
from wots_tui.sources.fakesim.sim import VARIABLES, FakeSim
from wots_tui.store import Database
from wots_tui.store.timestamps import utc_now
from wots_tui.ui.app import WotsApp

FIXTURES = Path(__file__).parent / "fixtures"
MEMMAPS = FIXTURES / "irsdk" / "memmap"
YAMLS = FIXTURES / "irsdk" / "yaml"
DAYTONA = MEMMAPS / "LandonPatmore_iracing-live-telemetry__data.bin"
DAYTONA_YAML = YAMLS / "from_dumps" / "LandonPatmore_data.bin.session.yaml"


def command_env(home: Path, drop: tuple[str, ...] = ("WOTS_",)) -> dict[str, str]:
    """The environment of a `wots-tui` run in its own process: this one's, without variables starting with `drop`,
    with every platform folder (data, config, state, cache) under `home`."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(drop)},
        "HOME": str(home),
        **{f"XDG_{name.upper()}_HOME": str(home / name) for name in ("data", "config", "state", "cache")},
    }


def wrap_session_text(text: bytes, path: Path, telemetry: dict | None = None) -> Path:
    """Write `text` as the session info of a fresh memory map (one tick), as iRacing frames it.

    Snippets without iRacing's framing get the `---` start and the blank line that ends a section.
    """
    if not text.removeprefix(b"\xef\xbb\xbf").startswith(b"---"):
        text = b"---\n" + text
    if not text.endswith(b"\n\n"):
        text = text.rstrip(b"\n") + b"\n\n"
    writer = IrsdkFileWriter(path, VARIABLES, session_info_capacity=max(256 * 1024, len(text) + 1))
    writer.write_session_info(text)
    writer.write_tick(telemetry or {})
    writer.set_connected(True)
    return path


def write_race_moment(folder: Path, t: float = 900.0) -> Path:
    """The scripted race frozen at race time t, in a memory map named moment.irsdk."""
    from wots_tui.sources.fakesim.race import ScriptedRace
    from wots_tui.sources.fakesim.sim import write_moment

    path = folder / "moment.irsdk"
    write_moment(path, ScriptedRace(), t).close_keeping_status()
    return path


SNAPSHOT_CLOCK = datetime(2026, 11, 20, 19, 30, tzinfo=UTC)


def noted(driver_id: int, name: str, **fields: Any) -> NoteRecord:
    """An iRacing driver's notebook record, last edited at SNAPSHOT_CLOCK unless `fields` say otherwise."""
    return NoteRecord(("iracing", driver_id), name=name, **{"updated_at": SNAPSHOT_CLOCK, **fields})


def store_history(database: Database, seats: dict[int, tuple[int, str]] | None = None) -> None:
    """The fake iRacing's member (the racer) and their four real races in `database`, with other drivers in
    real drivers' seats (stand-in id -> (cust_id, name)): a live roster's drivers, say, to race against."""
    from fakes import iracing_data

    from wots_tui.store.history import store_racer, store_result_bodies

    bodies = [iracing_data.with_drivers(race.body(), seats or {}) for race in iracing_data.real_races()]
    database.run(store_result_bodies, bodies)
    database.run(store_racer, iracing_data.member_info(iracing_data.real_races()))


def make_engine(spec: SourceSpec, folder: Path, clock: Callable[[], datetime] = utc_now, **options: Any) -> Engine:
    """An engine on `spec` (publishing at 20 Hz), with its notebook in `folder` (notebook.duckdb)."""
    return Engine(build_source(spec, max_rate=20.0), Database(folder / "notebook.duckdb"), clock=clock, **options)


def make_app(spec: SourceSpec, folder: Path, clock: Callable[[], datetime] = utc_now) -> WotsApp:
    """The app on a `make_engine` engine, without the local API."""
    return WotsApp(make_engine(spec, folder, clock))


def make_app_with_api(spec: SourceSpec, folder: Path, port: int) -> tuple[WotsApp, ApiServer]:
    """The app with the local API on `port` (0: a free one), started with the engine as in `wots-tui`."""
    engine = make_engine(spec, folder)
    api = ApiServer(engine, port=port)
    engine.attach(api)
    return WotsApp(engine), api


async def wait_for(pilot: Pilot, condition, tries: int = 200) -> None:
    for _ in range(tries):
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError("condition never held")


async def connected(pilot: Pilot) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: app.live.board.link is LinkState.CONNECTED and app.live.board.rows)
    await pilot.pause()


@asynccontextmanager
async def engine_on(sim: FakeSim, folder: Path) -> AsyncIterator[tuple[Engine, list[Board]]]:
    """`sim` playing, and a started engine reading its file (with every Board it made so far)."""
    engine = make_engine(SourceSpec.of("file", path=sim.path), folder)
    boards: list[Board] = []
    engine.subscribe(boards.append)
    sim.start()
    await engine.start()
    try:
        yield engine, boards
    finally:
        await engine.stop()
        sim.stop()


@asynccontextmanager
async def running_api(
    spec: SourceSpec, folder: Path, clock: Callable[[], datetime] = utc_now, **server_options: Any
) -> AsyncIterator[tuple[Engine, ApiServer, httpx.AsyncClient]]:
    """A started engine on `spec`, its API on a free loopback port, and an HTTP client pointed at it."""
    engine = make_engine(spec, folder, clock)
    await engine.start()
    server = ApiServer(engine, port=0, **server_options)
    try:
        await server.start()
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}", timeout=5.0) as client:
            yield engine, server, client
    finally:
        await server.stop()
        await engine.stop()


async def in_session(engine: Engine) -> None:
    """Wait for a session with a roster, and for its sightings to be stored (they count as times met)."""
    await until(lambda: engine.board.link is LinkState.CONNECTED and engine.board.rows and engine.drivers_seen)


async def until(condition: Callable[[], Any], timeout: float = 5.0) -> Any:
    """Wait on the running loop until `condition()` is truthy, and return it."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not (result := condition()):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition never held")
        await asyncio.sleep(0.02)
    return result


@contextmanager
def api_in_thread(
    spec: SourceSpec, folder: Path, prepare: Callable[[Engine], Awaitable[None]] | None = None, session: bool = True
) -> Iterator[str]:
    """The engine and API on their own loop in a thread, for synchronous clients; yields the base URL
    once the engine is in session (or, with `session=False`, has published its first Board)."""
    ready: queue.Queue[str | BaseException] = queue.Queue()
    stop = threading.Event()

    async def serve() -> None:
        try:
            async with running_api(spec, folder, clock=lambda: SNAPSHOT_CLOCK) as (engine, server, _):
                if session:
                    await in_session(engine)
                else:
                    await until(lambda: engine.board.version > 0)
                if prepare is not None:
                    await prepare(engine)
                ready.put(f"http://127.0.0.1:{server.port}")
                while not stop.is_set():
                    await asyncio.sleep(0.05)
        except BaseException as error:  # noqa: BLE001  # handed to the test thread, which raises it
            ready.put(error)

    thread = threading.Thread(target=asyncio.run, args=(serve(),), name="api-under-test")
    thread.start()
    try:
        started = ready.get(timeout=30)
        if isinstance(started, BaseException):
            raise started
        yield started
    finally:
        stop.set()
        thread.join(timeout=30)


class HandSource:
    """A source that publishes what the test hands it (`send`): snapshots made by hand, no thread of its own."""

    label = "hand-made session"
    hint = "Nothing handed over yet."
    admin = None

    def __init__(self) -> None:
        self._publish: Publish | None = None

    def start(self, publish: Publish) -> None:
        self._publish = publish

    def stop(self, timeout: float = 2.0) -> None:
        self._publish = None

    def meeting_key(self, facts: SessionFacts, at: datetime) -> str:
        return facts.meeting

    def send(self, event: SessionSnapshot | SourceStale) -> None:
        assert self._publish is not None, "the engine has not started the source"
        self._publish(event)
