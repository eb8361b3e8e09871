"""The notebook from the keyboard, as a racer uses it: keys on the live screen, the card, the notebook and tags screens."""

from __future__ import annotations

import io
from pathlib import Path

from helpers import connected, make_app, wait_for, write_race_moment
from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, SelectionList, Static, TextArea

from wots_tui.domain.notebook import NotebookQuery, RatingFilter
from wots_tui.sources.factory import SourceSpec
from wots_tui.store import Database
from wots_tui.store.notebook import load_all, load_record
from wots_tui.store.tags import load_tags
from wots_tui.ui.screens.driver_card import DriverCard
from wots_tui.ui.screens.editors import NoteEditor, TextPrompt
from wots_tui.ui.screens.help import HelpScreen
from wots_tui.ui.screens.notebook import NotebookScreen
from wots_tui.ui.screens.pickers import Picker
from wots_tui.ui.screens.tag_editor import TagEditor
from wots_tui.ui.screens.tags import TagsScreen
from wots_tui.ui.widgets.driver_board import DriverBoard
from wots_tui.ui.widgets.notebook_table import NotebookTable
from wots_tui.ui.widgets.tag_table import TagTable


def stored(folder: Path) -> dict:
    db = Database(folder / "notebook.duckdb")
    try:
        return {r.key: r for r in db.run(load_all)}
    finally:
        db.close()


async def test_rate_tag_note_and_nickname_with_single_keys_then_find_them_next_time(tmp_path: Path):
    spec = SourceSpec.of("file", path=write_race_moment(tmp_path))
    app = make_app(spec, tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        await connected(pilot)
        board = app.live.query_one(DriverBoard)
        await pilot.press("down")  # P2
        second = board.cursor_row
        await pilot.press("plus", "1", "5")
        await pilot.press("down", "minus", "3", "down", "0", "2")
        third, fourth = board.rows[2], board.rows[3]
        await pilot.press("up", "up", "n")
        assert isinstance(app.screen, NoteEditor)
        app.screen.query_one(TextArea).insert("Brakes late into the Bus Stop")
        await pilot.press("ctrl+s", "c")
        assert isinstance(app.screen, TextPrompt)
        await pilot.press(*"Bjorn", "enter")
        await wait_for(pilot, lambda: board.rows[1].notebook and board.rows[1].notebook.nickname == "Bjorn")
        row = board.rows[1]
        assert row.key == second.key
        assert (row.notebook.rating, row.notebook.icons, row.notebook.note) == (1, ("✨", "⚡"), "Brakes late into the Bus Stop")
        assert board.rows[2].notebook.rating == -1 and board.rows[2].notebook.icons == ("💣",)
        assert board.rows[3].notebook.rating == 0 and board.rows[3].notebook.icons == ("🤝",)
        assert row.notebook.times_met == 1  # this session, recorded as a sighting
    notes = stored(tmp_path)
    assert notes[second.key].tag_ids == ("clean", "fast") and notes[second.key].nickname == "Bjorn"
    assert notes[third.key].rating == -1 and notes[fourth.key].tag_ids == ("gives_space",)
    assert notes[second.key].subsession_id  # where it was written

    app = make_app(spec, tmp_path)  # next evening: the same file
    async with app.run_test(size=(160, 50)) as pilot:
        await connected(pilot)
        await wait_for(pilot, lambda: app.live.query_one(DriverBoard).rows[1].notebook is not None)
        row = app.live.query_one(DriverBoard).rows[1]
        assert (row.notebook.nickname, row.notebook.icons) == ("Bjorn", ("✨", "⚡"))


async def test_the_card_of_a_driver_not_yet_noted_counts_this_meeting(tmp_path: Path):
    app = make_app(SourceSpec.of("file", path=write_race_moment(tmp_path)), tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        await connected(pilot)
        board = app.live.query_one(DriverBoard)
        await wait_for(pilot, lambda: app.engine.drivers_seen > 0)
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DriverCard))
        facts = str(app.screen.query_one("#card-facts", Static).render())
        assert await app.engine.record(board.rows[1].key) is None  # nothing written about them yet
        assert "met 1×" in facts


async def test_keys_act_on_the_filtered_and_sorted_view_and_never_on_the_racer(tmp_path: Path):
    app = make_app(SourceSpec.of("file", path=write_race_moment(tmp_path)), tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        await connected(pilot)
        board = app.live.query_one(DriverBoard)
        for _ in range(len(app.live.board.classes) + 1):  # GT3 only
            if app.live.class_filter is not None and app.live.class_filter.name == "GT3":
                break
            await pilot.press("f")
        await pilot.press("s", "s", "end")  # by iRating, the last one
        target = board.cursor_row
        assert target.car_class.name == "GT3"
        await pilot.press("minus")
        await wait_for(pilot, lambda: board.cursor_row.notebook is not None)
        assert board.cursor_row.key == target.key and board.cursor_row.notebook.rating == -1
        player = next(i for i, r in enumerate(board.rows) if r.is_player)
        board.move_to(player)
        await pilot.press("plus", "1")
        await pilot.pause()
        assert board.cursor_row.is_player and board.cursor_row.notebook is None
    assert set(stored(tmp_path)) == {target.key}


async def test_the_card_edits_everything_at_once(tmp_path: Path):
    app = make_app(SourceSpec.of("file", path=write_race_moment(tmp_path)), tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        await connected(pilot)
        board = app.live.query_one(DriverBoard)
        target = board.cursor_row
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DriverCard))
        card = app.screen
        assert target.name in str(card.query_one(".dialog-title").render())
        await pilot.press("right", "right", "enter")  # rating: down
        card.query_one("#card-nickname", Input).value = "Tommy"
        card.query_one("#card-note", TextArea).insert("pushes in the braking zone")
        tags = card.query_one(SelectionList)
        tags.select("wrecker")
        tags.select("rival")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: board.cursor_row.notebook is not None)
        entry = board.cursor_row.notebook
        assert (entry.rating, entry.nickname, entry.note, entry.icons) == (-1, "Tommy", "pushes in the braking zone", ("💥", "🔥"))
        before = await app.engine.database.call(load_record, target.key)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DriverCard))
        app.screen.query_one("#card-nickname", Input).value = "Not saved"
        await pilot.press("escape")  # nothing changes: not on screen, and not in the file once a write would be
        await settled(pilot)
        assert board.cursor_row.notebook == entry
        assert await app.engine.database.call(load_record, target.key) == before


async def test_notebook_screen_search_filter_delete_and_undo(tmp_path: Path):
    app = make_app(SourceSpec.of("file", path=write_race_moment(tmp_path)), tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        await connected(pilot)
        board = app.live.query_one(DriverBoard)
        names = [r.name for r in board.rows[:4]]
        await pilot.press("plus", "down", "minus", "down", "minus", "1", "down", "9")
        await pilot.press("f2")
        assert isinstance(app.screen, NotebookScreen)
        notebook = app.screen
        table = notebook.query_one(NotebookTable)

        async def shows(wanted: list[str]) -> None:  # the store answers each search in its own time
            await wait_for(pilot, lambda: sorted(r.name for r in table.rows) == sorted(wanted))

        await shows(names)
        assert header(notebook) == "Notebook  4 entries · sorted by last met"
        assert "clear_filters" not in active_actions(notebook)  # x is offered only while a filter is on
        await pilot.press("slash", *names[2].split()[0].lower())
        await shows([names[2]])
        await pilot.press("escape", "r")
        assert isinstance(app.screen, Picker)
        await pilot.press("minus")  # rated down, still searching for that name
        await shows([names[2]])
        assert notebook.query_state.rating is RatingFilter.DOWN and "rated down" in header(notebook)
        await pilot.press("x")  # every filter and the search go
        await shows(names)
        assert notebook.query_one(Input).value == "" and notebook.query_state == NotebookQuery()

        await pilot.press("t")
        picker = app.screen
        assert isinstance(picker, Picker)
        await wait_for(pilot, lambda: "1 entry" in option_text(picker, 1))  # Clean Racer, and who carries it
        assert option_text(picker, 1).split() == ["1", "✨", "Clean", "Racer", "1", "entry"]
        await pilot.press("down", "down", "escape")  # closed: nothing changes
        assert app.screen is notebook and notebook.query_state.tag_id is None
        await pilot.press("t", "1")  # the tag on key 1: Clean Racer
        await shows([names[2]])
        assert "✨ Clean Racer" in header(notebook) and "1 of 4 entries" in header(notebook)
        await pilot.press("r", "plus")  # rated up and Clean Racer: nobody
        await shows([])
        hint = notebook.query_one("#notebook-hint", Static)
        assert hint.display and "No entry matches rated up and ✨ Clean Racer" in str(hint.render())
        assert "x clears" in str(hint.render()) and "clear_filters" in active_actions(notebook)
        await pilot.press("x")
        await shows(names)
        assert not hint.display

        table.move_to(1)
        deleted = table.cursor_row
        await pilot.press("d")
        await shows([n for n in names if n != deleted.name])
        assert deleted.key not in await stored_keys(app) and app.engine.entry_count == 3
        assert "3 entries" in header(notebook) and "1 deleted (u undoes)" in header(notebook)
        await pilot.press("u")
        await shows(names)
        assert await app.engine.database.call(load_record, deleted.key) == deleted  # exactly as it was
        await pilot.press("f2")
        assert app.screen is app.live


async def test_an_empty_notebook_says_how_to_start(tmp_path: Path):
    app = make_app(SourceSpec.of("file", path=write_race_moment(tmp_path)), tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await connected(pilot)
        await pilot.press("f2")
        notebook = app.screen
        await wait_for(pilot, lambda: notebook.searches_shown)
        hint = str(notebook.query_one("#notebook-hint", Static).render())
        assert "Your notebook is empty" in hint and "+ - 0" in hint and "wots-tui notebook import FILE" in hint
        assert header(notebook) == "Notebook  0 entries · sorted by last met"
        shown = notebook.searches_shown
        await pilot.press("slash", *"nobody", "escape")  # a search in an empty notebook: still how to start
        await wait_for(pilot, lambda: notebook.query_state.text == "nobody" and notebook.searches_shown > shown)
        hint = str(notebook.query_one("#notebook-hint", Static).render())
        assert "Your notebook is empty" in hint and "No entry matches" not in hint


async def test_help_opens_on_the_keys_of_the_screen_it_is_asked_on(tmp_path: Path):
    app = make_app(SourceSpec.of("file", path=write_race_moment(tmp_path)), tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await connected(pilot)
        for screen_key, title, keys in (
            ("f2", "Notebook", ["r show only entries rated up", "x every entry again", "d del delete the entry"]),
            ("f3", "Tags", ["1…9 give the selected tag this key", "0 the selected tag keeps no key"]),
            ("f4", "Season stats", ["y show one year's seasons, or every year", "r fetch"]),
            ("tab", "Live drivers", ["+ - 0 rate the driver", "1…9 add or remove the tag on that key"]),
        ):
            await pilot.press(screen_key)
            underneath = app.screen
            await pilot.press("question_mark")
            assert isinstance(app.screen, HelpScreen)
            text = help_text(app.screen)
            assert text.splitlines()[0] == title
            for key in keys:
                assert key in " ".join(text.split()), key
            await pilot.press("escape")
            assert app.screen is underneath


async def stored_keys(app) -> set:  # type: ignore[no-untyped-def]
    return {r.key for r in await app.engine.database.call(load_all)}


def header(screen: NotebookScreen) -> str:
    return str(screen.query_one("#notebook-header", Static).render())


def active_actions(screen: NotebookScreen) -> set[str]:
    return {active.binding.action for active in screen.active_bindings.values()}


def option_text(picker: Picker, index: int) -> str:
    return str(picker.query_one(OptionList).get_option_at_index(index).prompt)


def help_text(screen: HelpScreen) -> str:
    """What the help says, as plain text at the help's width (words in the order shown)."""
    console = Console(width=100, file=io.StringIO(), record=True)
    console.print(screen.query_one("#help-text", Static).content)
    return console.export_text()


async def settled(pilot: Pilot) -> None:
    """Until any write the keys pressed so far asked for would have landed: the app's queues idle and the
    store's thread done with all it was asked (a write can follow a read, so a few rounds)."""
    for _ in range(5):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        await pilot.app.engine.database.call(lambda cursor: None)


async def test_tags_screen_add_rekey_move_and_delete(tmp_path: Path):
    app = make_app(SourceSpec.of("file", path=write_race_moment(tmp_path)), tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        await connected(pilot)
        await pilot.press("f3")
        assert isinstance(app.screen, TagsScreen)
        table = app.screen.query_one(TagTable)
        await pilot.press("a")
        assert isinstance(app.screen, TagEditor)
        await pilot.press(*"Late Braker")
        app.screen.query_one("#tag-colour", Input).value = "not a colour"
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, TagEditor)  # refused, and says why
        assert "#4ade80" in str(app.screen.query_one("#tag-problem").render())
        app.screen.query_one("#tag-colour", Input).value = "#7C3AED"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: table.rows and table.rows[-1].name == "Late Braker")
        assert table.cursor_row.id == "mine_late_braker" and table.cursor_row.colour == "#7c3aed"
        await pilot.press("1", "shift+up")  # key 1 moves here from Clean Racer; one place up
        await wait_for(pilot, lambda: table.rows[-2].id == "mine_late_braker")
        by_id = {t.id: t for t in app.engine.database.run(load_tags)}
        assert by_id["mine_late_braker"].hotkey == 1 and by_id["clean"].hotkey is None
        await pilot.press("f3", "tab", "tab")  # past the stats, the live screen: key 1 now tags Late Braker
        assert app.screen is app.live
        await pilot.press("1")
        await wait_for(pilot, lambda: app.live.query_one(DriverBoard).cursor_row.notebook is not None)
        await pilot.press("f3")
        table.move_to(len(table.rows) - 2)
        await pilot.press("d", "y")
        await wait_for(pilot, lambda: "mine_late_braker" not in {t.id for t in table.rows})
        assert app.engine.database.run(load_all) == []  # its only tag went, and the entry with it


async def test_the_command_palette_offers_the_driver_actions(tmp_path: Path):
    app = make_app(SourceSpec.of("file", path=write_race_moment(tmp_path)), tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        await connected(pilot)
        board = app.live.query_one(DriverBoard)
        name = board.cursor_row.name
        commands = {c.title: c for c in app.get_system_commands(app.live)}
        assert {f"Rate {name} up ▲", f"Note on {name}", f"Card of {name}", f"Tag {name}: 💣 Divebomber", "Notebook"} <= commands.keys()
        commands[f"Tag {name}: 💣 Divebomber"].callback()
        await wait_for(pilot, lambda: board.cursor_row.notebook is not None and board.cursor_row.notebook.icons)
        assert board.cursor_row.notebook.icons == ("💣",)
