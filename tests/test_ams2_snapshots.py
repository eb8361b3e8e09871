"""SVG snapshots of the live screen on an AMS2 session: the real AMS2 source against the fake server, on a fixed
script and a fixed clock (plain `def`: snap_compare runs its own loop, so the fake serves from a thread)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self, TypeVar

import pytest
from textual.pilot import Pilot

from tests.fakes.ams2_server import FakeAms2Server
from tests.helpers import wait_for
from wots_tui.domain.models import LinkState
from wots_tui.engine import Engine
from wots_tui.sources.base import Source
from wots_tui.sources.factory import SourceSpec, build_source
from wots_tui.store import Database
from wots_tui.ui.app import WotsApp
from wots_tui.ui.screens.admin import KickModal, MessageModal
from wots_tui.ui.widgets.contact_prompt import ContactPrompt
from wots_tui.ui.widgets.driver_board import DriverBoard

T = TypeVar("T")
by_size = pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=lambda s: f"{s[0]}x{s[1]}")
NOW = 1_763_667_000.0  # the fake server's clock, the same every run (2025-11-20 19:30 UTC)
RACER_STEAM = "76561197969382874"
HUMANS = (("Ana Souza", "76561198000000001"), ("Ben Okafor", "76561198000000002"),
          ("Tomasz Nowak", "76561198034521987"), ("Liam O'Connor", "76561197998812034"))


class FakeInThread:
    """The fake AMS2 server on a loop of its own; `call` changes its session on that loop, never mid-answer."""

    def __init__(self) -> None:
        self.server = FakeAms2Server(clock=lambda: NOW)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="fake-ams2", daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.server.start(), self._loop).result(timeout=10)
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.server.stop(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def call(self, change: Callable[[FakeAms2Server], T]) -> T:
        done: Future[T] = Future()

        def run() -> None:
            try:
                done.set_result(change(self.server))
            except BaseException as error:  # noqa: BLE001  # handed to the caller, who raises it
                done.set_exception(error)

        self._loop.call_soon_threadsafe(run)
        return done.result(timeout=10)


class SteadyLabel:
    """The real source under a label of its own: its own names the fake's address, whose port differs every run."""

    label = "AMS2 league server"

    def __init__(self, source: Source) -> None:
        self._source = source

    def __getattr__(self, name: str) -> Any:
        return getattr(self._source, name)


def race(server: FakeAms2Server) -> dict[str, int]:
    """A race at Interlagos: the racer (the host), four humans and two AI cars, three laps done each, one car in
    the pits, one retired; participant ids by name."""
    session = server.session
    session.start(stage="Race1", phase="Green")
    cars = {"Racer Self": session.add_car(session.join("Racer Self", RACER_STEAM, refid=40123, host=True))}
    for n, (name, steam_id) in enumerate(HUMANS):
        cars[name] = session.add_car(session.join(name, steam_id, refid=33000 + n),
                                     vehicle="BMW M4 GT4" if n % 2 else "Ginetta G55 GT4")
    cars["Nina Petrova"] = session.add_ai("Nina Petrova")
    cars["George Hall"] = session.add_ai("George Hall", vehicle="BMW M4 GT4")
    for place, pid in enumerate(cars.values(), 1):
        session.state(pid, "Racing")
        for lap in range(3):
            session.lap(pid, 91_000 + 350 * place + 120 * lap, position=place)
    session.sector(cars["Tomasz Nowak"], 1, 28_400)
    session.state(cars["Liam O'Connor"], "InPits")
    session.state(cars["George Hall"], "Retired")
    return cars


def touches(cars: dict[str, int]) -> Callable[[FakeAms2Server], None]:
    """A contact of two others, reported by both cars, and a wall hit (the source reads the log from when it
    connected, so these come after)."""

    def touch(server: FakeAms2Server) -> None:
        server.session.impact(cars["Ana Souza"], cars["Ben Okafor"], 310, reported_by_both=True, other_magnitude=220)
        server.session.wall(cars["Nina Petrova"], 650)

    return touch


@contextmanager
def on_race(folder: Path, user: str = "admin",
            password: str = "admin-pw") -> Iterator[tuple[FakeInThread, WotsApp, dict[str, int]]]:
    with FakeInThread() as fake:
        cars = fake.call(race)
        spec = SourceSpec.of("ams2", url=fake.server.url, user=user, password=password, steam_id=int(RACER_STEAM),
                             poll_interval=0.05)
        source = SteadyLabel(build_source(spec, max_rate=20.0))
        engine = Engine(source, Database(folder / "notebook.duckdb"), clock=lambda: datetime.fromtimestamp(NOW, UTC))
        yield fake, WotsApp(engine), cars


def shown(fake: FakeInThread, cars: dict[str, int]) -> Callable[[Pilot], Awaitable[None]]:
    """Until the whole scripted race is on screen with the login's admin access known; then the touches, until
    their contact is counted."""

    async def ready(pilot: Pilot) -> None:
        app: WotsApp = pilot.app  # type: ignore[assignment]
        await wait_for(pilot, lambda: len(app.live.board.rows) == 7 and any(row.status for row in app.live.board.rows)
                       and "not connected" not in (app.engine.admin_refusal or "").lower(), tries=500)
        fake.call(touches(cars))
        await wait_for(pilot, lambda: len(app.live.board.contacts) == 2, tries=500)
        await pilot.pause(0.2)

    return ready


def cursor_to(app: WotsApp, name: str) -> None:
    table = app.live.query_one(DriverBoard)
    table.move_to(next(i for i, row in enumerate(table.rows) if row.name == name))


@by_size
def test_live_screen_on_an_ams2_race(snap_compare, tmp_path: Path, size: tuple[int, int]):
    with on_race(tmp_path) as (fake, app, cars):
        assert snap_compare(app, terminal_size=size, run_before=shown(fake, cars))


@by_size
def test_contact_prompt(snap_compare, tmp_path: Path, size: tuple[int, int]):
    with on_race(tmp_path) as (fake, app, cars):
        async def touched(pilot: Pilot) -> None:
            await shown(fake, cars)(pilot)
            fake.call(lambda server: server.session.impact(cars["Ana Souza"], cars["Racer Self"], 450))
            await wait_for(pilot, lambda: app.live.query_one(ContactPrompt).display, tries=500)
            await pilot.pause(0.2)

        assert snap_compare(app, terminal_size=size, run_before=touched)


@by_size
def test_kick_confirmation(snap_compare, tmp_path: Path, size: tuple[int, int]):
    with on_race(tmp_path) as (fake, app, cars):
        async def kick(pilot: Pilot) -> None:
            await shown(fake, cars)(pilot)
            cursor_to(app, "Ben Okafor")
            await pilot.press("K", "right", "right")
            await wait_for(pilot, lambda: isinstance(app.screen, KickModal))
            await pilot.pause()

        assert snap_compare(app, terminal_size=size, run_before=kick)
        assert fake.call(lambda server: server.kicks) == []


@by_size
def test_message_confirmation(snap_compare, tmp_path: Path, size: tuple[int, int]):
    with on_race(tmp_path) as (fake, app, cars):
        async def message(pilot: Pilot) -> None:
            await shown(fake, cars)(pilot)
            cursor_to(app, "Tomasz Nowak")
            await pilot.press("M")
            await wait_for(pilot, lambda: isinstance(app.screen, MessageModal))
            await pilot.press(*"Blue flags: let the leaders by")
            await pilot.pause()

        assert snap_compare(app, terminal_size=size, run_before=message)
        assert fake.call(lambda server: server.chats) == []


@by_size
def test_stale_header_after_the_password_is_refused(snap_compare, tmp_path: Path, size: tuple[int, int]):
    with on_race(tmp_path) as (fake, app, cars):
        async def refused(pilot: Pilot) -> None:
            await shown(fake, cars)(pilot)
            fake.call(lambda server: setattr(server, "fault", "401"))
            await wait_for(pilot, lambda: app.live.board.link is LinkState.STALE, tries=500)
            await pilot.pause(0.2)

        assert snap_compare(app, terminal_size=size, run_before=refused)


@by_size
def test_a_viewer_login_on_an_ams2_race(snap_compare, tmp_path: Path, size: tuple[int, int]):
    with on_race(tmp_path, user="viewer", password="viewer-pw") as (fake, app, cars):
        assert snap_compare(app, terminal_size=size, run_before=shown(fake, cars))


