"""SVG snapshots of every screen, on a fixed moment of the scripted race (plain `def`: snap_compare runs its own loop)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import connected, make_app, wait_for, write_race_moment
from textual.pilot import Pilot

from wots_tui.domain.models import LinkState
from wots_tui.sources.factory import SourceSpec

by_size = pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=lambda s: f"{s[0]}x{s[1]}")


@by_size
def test_live_screen(snap_compare, tmp_path: Path, size: tuple[int, int]):
    assert snap_compare(make_app(SourceSpec.of("file", path=write_race_moment(tmp_path)), tmp_path), terminal_size=size, run_before=connected)


@by_size
def test_live_screen_filtered_to_the_racers_class(snap_compare, tmp_path: Path, size: tuple[int, int]):
    async def own_class(pilot: Pilot) -> None:
        await connected(pilot)
        await pilot.press("f", "down", "down")

    assert snap_compare(make_app(SourceSpec.of("file", path=write_race_moment(tmp_path)), tmp_path), terminal_size=size, run_before=own_class)


@by_size
def test_help_screen(snap_compare, tmp_path: Path, size: tuple[int, int]):
    async def open_help(pilot: Pilot) -> None:
        await connected(pilot)
        await pilot.press("question_mark")
        await pilot.pause()

    assert snap_compare(make_app(SourceSpec.of("file", path=write_race_moment(tmp_path)), tmp_path), terminal_size=size, run_before=open_help)


@by_size
def test_waiting_state(snap_compare, tmp_path: Path, size: tuple[int, int]):
    async def waiting(pilot: Pilot) -> None:
        await wait_for(pilot, lambda: pilot.app.live.board.link is LinkState.WAITING and pilot.app.live.board.version)
        await pilot.pause()

    nowhere = Path("/nonexistent/wots-tui-snapshot/no-sim-yet.irsdk")  # a path the same on every run, never made
    app = make_app(SourceSpec.of("file", path=nowhere), tmp_path)
    assert snap_compare(app, terminal_size=size, run_before=waiting)
