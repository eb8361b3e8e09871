"""The API inside the TUI: an overlay sees what the racer sees and does; a taken port costs only the API."""

from __future__ import annotations

import errno
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from helpers import connected, make_app_with_api, wait_for, write_race_moment
from textual.pilot import Pilot

from wots_tui.sources.factory import SourceSpec
from wots_tui.ui.widgets.driver_board import DriverBoard
from wots_tui.ui.widgets.session_header import SessionHeader

TAKEN_PORT = 58203


@contextmanager
def port_taken(port: int) -> Iterator[None]:
    """Hold `port` on 127.0.0.1 (if another program already holds it, it is taken all the same)."""
    holder = socket.socket()
    try:
        holder.bind(("127.0.0.1", port))
        holder.listen()
    except OSError as error:
        assert error.errno == errno.EADDRINUSE
    try:
        yield
    finally:
        holder.close()


def live_fields(document: dict) -> dict:
    return {k: (d["position"], d["lap"], d["lastLapTime"], d["onPitRoad"]) for k, d in document["drivers"].items()}


async def test_an_overlay_sees_the_demo_move_and_a_tag_added_in_the_tui_at_once(tmp_path: Path):
    app, api = make_app_with_api(SourceSpec.of("demo"), tmp_path, port=0)
    async with app.run_test(size=(160, 50)) as pilot:
        await connected(pilot)
        await wait_for(pilot, lambda: api.running)
        header = app.live.query_one(SessionHeader)
        assert f"API localhost:{api.port}" in str(header.render())
        async with httpx.AsyncClient(base_url=f"http://localhost:{api.port}") as overlay:
            first = live_fields((await overlay.get("/api/drivers")).json())
            moved = None
            for _ in range(300):  # the scripted race completes laps every few seconds
                await pilot.pause(0.05)
                moved = live_fields((await overlay.get("/api/drivers")).json())
                if moved != first:
                    break
            assert moved != first, "the drivers never moved"

            await pilot.press("down", "down")
            row = app.live.query_one(DriverBoard).cursor_row
            await pilot.press("3")  # Divebomber, as the racer presses it
            seen = (await overlay.get("/api/drivers")).json()["drivers"][str(row.key[1])]  # the very next request
            assert [t["id"] for t in seen["userTags"]] == ["divebomber"]
            assert seen["name"] == row.name


async def test_a_taken_port_turns_the_api_off_and_the_app_goes_on(tmp_path: Path):
    with port_taken(TAKEN_PORT):
        app, api = make_app_with_api(SourceSpec.of("file", path=write_race_moment(tmp_path)), tmp_path, port=TAKEN_PORT)
        async with app.run_test(size=(160, 50)) as pilot:
            await connected(pilot)
            await wait_for(pilot, lambda: "API off" in str(app.live.query_one(SessionHeader).render()))
            assert not api.running
            await pilot.press("down", "plus")  # the notebook works all the same
            await wait_for(pilot, lambda: app.live.query_one(DriverBoard).rows[1].notebook is not None)


@pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_snapshot_api_off(snap_compare, tmp_path: Path, size: tuple[int, int]):
    async def started(pilot: Pilot) -> None:
        await connected(pilot)
        await wait_for(pilot, lambda: "API off" in str(pilot.app.live.query_one(SessionHeader).render()))
        await pilot.pause()

    with port_taken(TAKEN_PORT):
        app, _ = make_app_with_api(SourceSpec.of("file", path=write_race_moment(tmp_path)), tmp_path, port=TAKEN_PORT)
        assert snap_compare(app, terminal_size=size, run_before=started)
