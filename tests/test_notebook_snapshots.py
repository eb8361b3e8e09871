"""SVG snapshots of the notebook's screens and dialogs, on a fixed race moment and a fixed clock."""

from __future__ import annotations

from pathlib import Path

from helpers import SNAPSHOT_CLOCK, connected, make_app, wait_for, write_race_moment
from textual.pilot import Pilot
from textual.widgets import TextArea

from wots_tui.sources.factory import SourceSpec
from wots_tui.ui.screens.driver_card import DriverCard
from wots_tui.ui.screens.notebook import NotebookScreen
from wots_tui.ui.widgets.notebook_table import NotebookTable

SIZE = (160, 50)


def app_for(tmp_path: Path):  # type: ignore[no-untyped-def]
    return make_app(SourceSpec.of("file", path=write_race_moment(tmp_path)), tmp_path, clock=lambda: SNAPSHOT_CLOCK)


async def noted(pilot: Pilot) -> None:
    """Four drivers noted with single keys, as a racer would during a race; toasts gone."""
    await connected(pilot)
    await pilot.press("down", "plus", "1", "5", "down", "minus", "3", "down", "0", "2", "down", "down", "minus", "7")
    await pilot.press("c", *"Bjorn", "enter")
    await pilot.press("home")
    await wait_for(pilot, lambda: pilot.app.engine.entry_count == 4)
    pilot.app.clear_notifications()
    await pilot.pause()


def test_live_screen_with_notes(snap_compare, tmp_path: Path):
    assert snap_compare(app_for(tmp_path), terminal_size=SIZE, run_before=noted)


def test_driver_card(snap_compare, tmp_path: Path):
    async def card(pilot: Pilot) -> None:
        await noted(pilot)
        await pilot.press("down", "n")
        pilot.app.screen.query_one(TextArea).insert("Late on the brakes into the Bus Stop; leave a car's width.")
        await pilot.press("ctrl+s", "enter")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, DriverCard))
        await pilot.pause()

    assert snap_compare(app_for(tmp_path), terminal_size=SIZE, run_before=card)


def test_note_editor(snap_compare, tmp_path: Path):
    async def editor(pilot: Pilot) -> None:
        await noted(pilot)
        await pilot.press("down", "n")
        pilot.app.screen.query_one(TextArea).insert("Divebombed me at La Source, lap 2.")
        await pilot.pause()

    assert snap_compare(app_for(tmp_path), terminal_size=SIZE, run_before=editor)


def test_nickname_prompt(snap_compare, tmp_path: Path):
    async def prompt(pilot: Pilot) -> None:
        await noted(pilot)
        await pilot.press("down", "down", "c", *"The Wall")
        await pilot.pause()

    assert snap_compare(app_for(tmp_path), terminal_size=SIZE, run_before=prompt)


def test_notebook_screen_searched_and_filtered(snap_compare, tmp_path: Path):
    async def notebook(pilot: Pilot) -> None:
        await noted(pilot)
        await pilot.press("f2")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, NotebookScreen))
        await pilot.press("r", "slash", "e")  # rated up, names with an "e"
        await wait_for(pilot, lambda: pilot.app.screen.query_one(NotebookTable).rows)
        await pilot.pause()

    assert snap_compare(app_for(tmp_path), terminal_size=SIZE, run_before=notebook)


def test_notebook_screen_by_tag(snap_compare, tmp_path: Path):
    async def by_tag(pilot: Pilot) -> None:
        await noted(pilot)
        await pilot.press("f2", "t", "s", "s")  # tag: Clean Racer, sorted by name
        await pilot.pause()

    assert snap_compare(app_for(tmp_path), terminal_size=SIZE, run_before=by_tag)


def test_tags_screen(snap_compare, tmp_path: Path):
    async def tags(pilot: Pilot) -> None:
        await noted(pilot)
        await pilot.press("f3", "down", "down")
        await pilot.pause()

    assert snap_compare(app_for(tmp_path), terminal_size=SIZE, run_before=tags)


def test_tag_editor(snap_compare, tmp_path: Path):
    async def editor(pilot: Pilot) -> None:
        await noted(pilot)
        await pilot.press("f3", "a", *"Late Braker")
        await pilot.pause()

    assert snap_compare(app_for(tmp_path), terminal_size=SIZE, run_before=editor)


def test_delete_tag_confirmation(snap_compare, tmp_path: Path):
    async def confirm(pilot: Pilot) -> None:
        await noted(pilot)
        await pilot.press("f3", "a", *"Late Braker", "enter")
        await wait_for(pilot, lambda: pilot.app.tags_screen.query_one("TagTable").cursor_row.name == "Late Braker")
        await pilot.press("d")
        await pilot.pause()

    assert snap_compare(app_for(tmp_path), terminal_size=SIZE, run_before=confirm)
