"""The notebook from the keyboard, as a racer uses it: keys on the live screen, the card, the notebook and tags screens."""

from __future__ import annotations

from pathlib import Path

from helpers import connected, make_app, wait_for, write_race_moment
from textual.widgets import Input, SelectionList, TextArea

from wots_tui.domain.notebook import RatingFilter
from wots_tui.sources.factory import SourceSpec
from wots_tui.store import Database
from wots_tui.store.notebook import load_all
from wots_tui.store.tags import load_tags
from wots_tui.ui.screens.driver_card import DriverCard
from wots_tui.ui.screens.editors import NoteEditor, TextPrompt
from wots_tui.ui.screens.notebook import NotebookScreen
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


async def test_keys_act_on_the_filtered_and_sorted_view_and_never_on_the_racer(tmp_path: Path):
    app = make_app(SourceSpec.of("file", path=write_race_moment(tmp_path)), tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        await connected(pilot)
        board = app.live.query_one(DriverBoard)
        await pilot.press("f", "f", "f", "s", "s", "end")  # GT3 only, by iRating, the last one
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
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DriverCard))
        await pilot.press("escape")  # nothing changes
        assert board.cursor_row.notebook == entry


async def test_notebook_screen_search_filter_delete_and_undo(tmp_path: Path):
    app = make_app(SourceSpec.of("file", path=write_race_moment(tmp_path)), tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        await connected(pilot)
        board = app.live.query_one(DriverBoard)
        names = [r.name for r in board.rows[:4]]
        await pilot.press("plus", "down", "minus", "down", "minus", "1", "down", "9")
        await pilot.press("f2")
        assert isinstance(app.screen, NotebookScreen)
        table = app.screen.query_one(NotebookTable)

        async def shows(wanted: list[str]) -> None:  # the store answers each search in its own time
            await wait_for(pilot, lambda: sorted(r.name for r in table.rows) == sorted(wanted))

        await shows(names)
        await pilot.press("slash", *names[2].split()[0].lower())
        await shows([names[2]])
        await pilot.press("escape", "r", "r", "r")  # rated down, still searching for that name
        await shows([names[2]])
        assert app.screen.query_state.rating is RatingFilter.DOWN
        app.screen.query_one(Input).value = ""
        await shows(names[1:3])
        await pilot.press("r", "r", "t")  # any rating, tag: Clean Racer
        await shows([names[2]])
        await pilot.press("t", "t", "t", "t", "t", "t", "t", "t", "t", "t", "t", "t", "t", "t", "t", "t")  # all the way round
        assert app.screen.query_state.tag_id is None
        await shows(names)
        deleted = table.cursor_row
        await pilot.press("d")
        await shows([n for n in names if n != deleted.name])
        assert deleted.key not in await stored_keys(app)
        await pilot.press("u")
        await shows(names)
        assert deleted.key in await stored_keys(app)
        await pilot.press("f2")
        assert app.screen is app.live


async def stored_keys(app) -> set:  # type: ignore[no-untyped-def]
    return {r.key for r in await app.engine.database.call(load_all)}


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
        await pilot.press("f3", "tab")  # live screen: key 1 now tags Late Braker
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
