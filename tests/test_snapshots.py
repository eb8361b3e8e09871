"""SVG snapshots of every screen, on a fixed moment of the scripted race (plain `def`: snap_compare runs its own loop)."""

from __future__ import annotations

from pathlib import Path

from helpers import connected, make_app, wait_for, write_race_moment
from textual.pilot import Pilot

from wots_tui.domain.models import LinkState
from wots_tui.sources.factory import SourceSpec

SIZE = (160, 50)


def test_live_screen(snap_compare, tmp_path: Path):
    assert snap_compare(make_app(SourceSpec.of("file", path=write_race_moment(tmp_path)), tmp_path), terminal_size=SIZE, run_before=connected)


def test_live_screen_filtered_to_one_class(snap_compare, tmp_path: Path):
    async def filter_gt3(pilot: Pilot) -> None:
        await connected(pilot)
        await pilot.press("f", "f", "f", "down", "down")

    assert snap_compare(make_app(SourceSpec.of("file", path=write_race_moment(tmp_path)), tmp_path), terminal_size=SIZE, run_before=filter_gt3)


def test_help_screen(snap_compare, tmp_path: Path):
    async def open_help(pilot: Pilot) -> None:
        await connected(pilot)
        await pilot.press("question_mark")
        await pilot.pause()

    assert snap_compare(make_app(SourceSpec.of("file", path=write_race_moment(tmp_path)), tmp_path), terminal_size=SIZE, run_before=open_help)


def test_waiting_state(snap_compare, tmp_path: Path):
    async def waiting(pilot: Pilot) -> None:
        await wait_for(pilot, lambda: pilot.app.live.board.link is LinkState.WAITING and pilot.app.live.board.version)
        await pilot.pause()

    app = make_app(SourceSpec.of("file", path=tmp_path / "no-sim-yet.irsdk"), tmp_path)
    assert snap_compare(app, terminal_size=SIZE, run_before=waiting)
