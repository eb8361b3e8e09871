"""Keys that must never lose work: one save key in every editor, Escape asks before it discards typing, and q
asks while a session is live."""

from __future__ import annotations

from pathlib import Path

from helpers import connected, make_app, wait_for, write_race_moment
from textual.widgets import Input, TextArea

from wots_tui.sources.factory import SourceSpec
from wots_tui.ui.screens.driver_card import DriverCard
from wots_tui.ui.screens.editors import Confirm, NoteEditor, QuitConfirm, TextPrompt
from wots_tui.ui.widgets.driver_board import DriverBoard


def race_app(tmp_path: Path):  # type: ignore[no-untyped-def]
    return make_app(SourceSpec.of("file", path=write_race_moment(tmp_path)), tmp_path)


async def all_written(pilot) -> None:  # type: ignore[no-untyped-def]
    """Wait until every edit asked for so far is in the notebook: edits land in order, so once a marker edit
    (on a driver not in the session) is there, any earlier one would be too."""
    app = pilot.app
    await app.engine.edit(("iracing", 1), rating=0)
    await wait_for(pilot, lambda: app.engine.entry_count >= 1)


async def test_escape_in_the_note_editor_asks_before_it_throws_typing_away(tmp_path: Path):
    app = race_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await connected(pilot)
        await pilot.press("down", "n")
        assert isinstance(app.screen, NoteEditor)
        app.screen.query_one(TextArea).insert("Moves under braking")
        await pilot.press("escape")
        assert isinstance(app.screen, Confirm)
        await pilot.press("n")  # keep editing: the text is still there
        assert isinstance(app.screen, NoteEditor)
        assert app.screen.query_one(TextArea).text == "Moves under braking"
        await pilot.press("escape", "y")
        assert app.screen is app.live
        key = app.live.query_one(DriverBoard).cursor_row.key
        await all_written(pilot)
        assert await app.engine.record(key) is None  # nothing was written for the driver
        assert app.engine.entry_count == 1  # the marker alone


async def test_escape_closes_at_once_when_nothing_was_typed(tmp_path: Path):
    app = race_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await connected(pilot)
        for key in ("n", "c", "enter"):
            await pilot.press("down", key)
            assert isinstance(app.screen, NoteEditor | TextPrompt | DriverCard)
            await pilot.press("escape")
            assert app.screen is app.live


async def test_ctrl_s_saves_in_every_editor_and_enter_in_one_line_fields(tmp_path: Path):
    app = race_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await connected(pilot)
        await pilot.press("down", "c", *"Wall", "ctrl+s")
        key = app.live.query_one(DriverBoard).cursor_row.key
        await wait_for(pilot, lambda: app.live.query_one(DriverBoard).cursor_row.notebook is not None)
        assert (await app.engine.record(key)).nickname == "Wall"
        await pilot.press("c", *" Two", "enter")  # the prompt opens with the cursor after the text
        await wait_for(pilot, lambda: app.live.query_one(DriverBoard).cursor_row.notebook.nickname == "Wall Two")
        await pilot.press("enter")  # the card: Enter in its nickname field saves the card
        assert isinstance(app.screen, DriverCard)
        nickname = app.screen.query_one("#card-nickname", Input)
        nickname.focus()
        await pilot.pause()
        assert nickname.cursor_position == len("Wall Two")  # focus does not select the text for typing over
        await pilot.press(*"!", "enter")
        assert app.screen is app.live
        await wait_for(pilot, lambda: app.live.query_one(DriverBoard).cursor_row.notebook.nickname == "Wall Two!")


async def test_q_asks_while_the_session_is_live_and_q_again_quits(tmp_path: Path):
    app = race_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await connected(pilot)
        await pilot.press("q")
        assert isinstance(app.screen, QuitConfirm)
        await pilot.press("n")
        assert app.screen is app.live and app.is_running
        await pilot.press("q", "q")
        await pilot.pause()
        assert not app.is_running


async def test_q_quits_at_once_when_there_is_no_session(tmp_path: Path):
    app = make_app(SourceSpec.of("file", path=tmp_path / "no-sim.irsdk"), tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.2)
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running


async def test_the_palette_names_every_key_and_the_tags_by_name(tmp_path: Path):
    app = race_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await connected(pilot)
        await pilot.press("down")
        name = app.live.query_one(DriverBoard).cursor_row.name
        titles = [command.title for command in app.get_system_commands(app.live)]
        for wanted in ("Sort by position, by class, by iRating", "Help: every key of this screen", f"Rate {name} up ▲",
                       f"Tag {name}: 💥 Wrecker", "Notebook", "Tags"):
            assert wanted in titles
        assert len(titles) == len(set(titles))  # each action once
        bound = {key: active.binding.description for key, active in app.live.active_bindings.items()}
        assert bound["7"] == "💥 Wrecker" and bound["5"] == "⚡ Fast"
        await pilot.press("7")  # Wrecker on: the palette now offers to take it off
        await wait_for(pilot, lambda: f"Untag {name}: 💥 Wrecker" in
                       [command.title for command in app.get_system_commands(app.live)])
        sort = next(c for c in app.get_system_commands(app.live) if c.title.startswith("Sort"))
        sort.callback()
        await pilot.pause()
        assert app.live.sort.value == "class"
