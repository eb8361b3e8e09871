"""The tags screen from the keyboard: a key moves from tag to tag only with a word said; the file agrees."""

from __future__ import annotations

from pathlib import Path

from helpers import connected, make_app, wait_for, write_race_moment

from wots_tui.sources.factory import SourceSpec
from wots_tui.store.notebook import load_all
from wots_tui.store.tags import load_tags
from wots_tui.ui.app import WotsApp
from wots_tui.ui.screens.editors import Confirm
from wots_tui.ui.screens.tags import TagsScreen
from wots_tui.ui.widgets.driver_board import DriverBoard
from wots_tui.ui.widgets.tag_table import TagTable


def told(app: WotsApp) -> list[str]:
    """Every notice the app shows from now on, in order."""
    said: list[str] = []
    notify = app.notify

    def recording(message: str, **options) -> None:  # type: ignore[no-untyped-def]
        said.append(message)
        notify(message, **options)

    app.notify = recording  # type: ignore[method-assign]
    return said


async def keys_in_file(app: WotsApp) -> dict[int, str]:
    return {t.hotkey: t.id for t in await app.engine.database.call(load_tags) if t.hotkey is not None}


async def test_a_key_given_to_another_tag_says_where_it_moved_and_a_delete_leaves_it_to_none(tmp_path: Path):
    app = make_app(SourceSpec.of("file", path=write_race_moment(tmp_path)), tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        await connected(pilot)
        said = told(app)
        await pilot.press("f3", "a", *"Late Braker", "enter")
        table = app.screen.query_one(TagTable)
        await wait_for(pilot, lambda: table.cursor_row is not None and table.cursor_row.name == "Late Braker")
        mine = table.cursor_row
        await pilot.press("3")
        await wait_for(pilot, lambda: app.engine.catalogue.for_hotkey(3) is not None)
        moved = f"Key 3 moved from 💣 Divebomber to {mine.icon} Late Braker; 💣 Divebomber has no key now"
        assert said[-1] == moved
        catalogue = app.engine.catalogue
        assert catalogue.for_hotkey(3).id == mine.id and catalogue.get("divebomber").hotkey is None
        keys = await keys_in_file(app)
        assert keys[3] == mine.id and "divebomber" not in keys.values()
        assert [t.hotkey for t in table.rows if t.id in (mine.id, "divebomber")] == [None, 3]  # the table too

        await pilot.press("d")
        assert isinstance(app.screen, Confirm) and "Key 3 will tag nothing." in app.screen.question
        await pilot.press("y")
        await wait_for(pilot, lambda: mine.id not in {t.id for t in table.rows})
        assert said[-1] == f"Deleted {mine.icon} Late Braker. Key 3 tags nothing."
        assert 3 not in await keys_in_file(app) and app.engine.catalogue.for_hotkey(3) is None
        assert app.engine.catalogue.get("divebomber").hotkey is None  # it lost the key, as said: no comeback

        await pilot.press("tab", "tab")  # past the stats, the live screen: key 3 tags nobody, and says where keys are given
        assert app.screen is app.live
        await pilot.press("3")
        assert said[-1] == "No tag on key 3: give it one on the tags screen (F3)"
        assert app.live.query_one(DriverBoard).cursor_row.notebook.tags == ()
        assert await app.engine.database.call(load_all) == []


async def test_the_key_a_tag_already_has_changes_nothing_and_0_takes_it_away(tmp_path: Path):
    app = make_app(SourceSpec.of("file", path=write_race_moment(tmp_path)), tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        await connected(pilot)
        said = told(app)
        await pilot.press("f3")
        assert isinstance(app.screen, TagsScreen)
        table = app.screen.query_one(TagTable)
        assert table.cursor_row.id == "clean" and table.cursor_row.hotkey == 1
        await pilot.press("1")
        assert said[-1] == "✨ Clean Racer has key 1" and (await keys_in_file(app))[1] == "clean"
        await pilot.press("0")
        await wait_for(pilot, lambda: app.engine.catalogue.for_hotkey(1) is None)
        assert said[-1] == "✨ Clean Racer has no key now; key 1 tags nothing"
        assert 1 not in await keys_in_file(app)
        await pilot.press("0")
        assert said[-1] == "✨ Clean Racer has no key"
        await pilot.press("down", "1")  # a free key: given, and said
        await wait_for(pilot, lambda: app.engine.catalogue.for_hotkey(1) is not None)
        assert said[-1] == "Key 1 tags 🤝 Gives Space; key 2 tags nothing"
        keys = await keys_in_file(app)
        assert keys[1] == "gives_space" and "gives_space" not in [v for k, v in keys.items() if k != 1]
