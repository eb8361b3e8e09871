"""SVG snapshots of the live screen with notes and of the dialogs, on a fixed race moment and a fixed clock,
at the smallest terminal a racer may have and at a wide one (the live screen at four widths)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import SNAPSHOT_CLOCK, connected, make_app, wait_for, write_race_moment
from textual.pilot import Pilot
from textual.widgets import TextArea

from wots_tui.sources.factory import SourceSpec
from wots_tui.ui.screens.driver_card import DriverCard
from wots_tui.ui.screens.editors import Confirm, QuitConfirm

WIDTHS = [(80, 24), (100, 30), (120, 40), (160, 50)]
SIZES = [(80, 24), (160, 50)]
by_size = pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")


def app_for(tmp_path: Path):  # type: ignore[no-untyped-def]
    return make_app(SourceSpec.of("file", path=write_race_moment(tmp_path)), tmp_path, clock=lambda: SNAPSHOT_CLOCK)


async def noted(pilot: Pilot) -> None:
    """Four drivers noted with single keys, as a racer would during a race (one with more tags than fit and a
    long note); toasts gone."""
    await connected(pilot)
    await pilot.press("down", "plus", "1", "5", "down", "minus", "3", "down", "0", "2", "down", "down", "minus", "7")
    await pilot.press("c", *"Bjorn", "enter")
    await pilot.press("1", "3", "4", "6", "8", "n")
    pilot.app.screen.query_one(TextArea).insert("Dives late into every braking zone and never says sorry: leave room.")
    await pilot.press("ctrl+s", "home")
    await wait_for(pilot, lambda: pilot.app.engine.entry_count == 4 and pilot.app.screen is pilot.app.live)
    pilot.app.clear_notifications()
    await pilot.pause()


@pytest.mark.parametrize("size", WIDTHS, ids=lambda s: f"{s[0]}x{s[1]}")
def test_live_screen_with_notes(snap_compare, tmp_path: Path, size: tuple[int, int]):
    assert snap_compare(app_for(tmp_path), terminal_size=size, run_before=noted)


@by_size
def test_driver_card(snap_compare, tmp_path: Path, size: tuple[int, int]):
    async def card(pilot: Pilot) -> None:
        await noted(pilot)
        await pilot.press("down", "n")
        pilot.app.screen.query_one(TextArea).insert("Late on the brakes into the Bus Stop; leave a car's width.")
        await pilot.press("ctrl+s", "enter")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, DriverCard))
        await pilot.pause()

    assert snap_compare(app_for(tmp_path), terminal_size=size, run_before=card)


@by_size
def test_note_editor(snap_compare, tmp_path: Path, size: tuple[int, int]):
    async def editor(pilot: Pilot) -> None:
        await noted(pilot)
        await pilot.press("down", "n")
        pilot.app.screen.query_one(TextArea).insert("Divebombed me at La Source, lap 2.")
        await pilot.pause()

    assert snap_compare(app_for(tmp_path), terminal_size=size, run_before=editor)


@by_size
def test_nickname_prompt(snap_compare, tmp_path: Path, size: tuple[int, int]):
    async def prompt(pilot: Pilot) -> None:
        await noted(pilot)
        await pilot.press("down", "down", "c", *"The Wall")
        await pilot.pause()

    assert snap_compare(app_for(tmp_path), terminal_size=size, run_before=prompt)


@by_size
def test_tag_editor(snap_compare, tmp_path: Path, size: tuple[int, int]):
    async def editor(pilot: Pilot) -> None:
        await noted(pilot)
        await pilot.press("f3", "a", *"Late Braker")
        await pilot.pause()

    assert snap_compare(app_for(tmp_path), terminal_size=size, run_before=editor)


@by_size
def test_delete_tag_confirmation(snap_compare, tmp_path: Path, size: tuple[int, int]):
    async def confirm(pilot: Pilot) -> None:
        await noted(pilot)
        await pilot.press("f3", "a", *"Late Braker", "enter")
        await wait_for(pilot, lambda: pilot.app.tags_screen.query_one("TagTable").cursor_row.name == "Late Braker")
        await pilot.press("d")
        await pilot.pause()

    assert snap_compare(app_for(tmp_path), terminal_size=size, run_before=confirm)


@by_size
def test_discard_typing_question(snap_compare, tmp_path: Path, size: tuple[int, int]):
    async def discard(pilot: Pilot) -> None:
        await noted(pilot)
        await pilot.press("down", "n")
        pilot.app.screen.query_one(TextArea).insert("Half a thought")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, Confirm))
        await pilot.pause()

    assert snap_compare(app_for(tmp_path), terminal_size=size, run_before=discard)


@by_size
def test_quit_question_while_live(snap_compare, tmp_path: Path, size: tuple[int, int]):
    async def quit_asks(pilot: Pilot) -> None:
        await noted(pilot)
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, QuitConfirm))
        await pilot.pause()

    assert snap_compare(app_for(tmp_path), terminal_size=size, run_before=quit_asks)
