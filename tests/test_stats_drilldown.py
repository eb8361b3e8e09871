"""The history's drill-down from the keyboard: a season's races, a race's full result, the head-to-head with a
driver, and the search for one; each on a real notebook file holding the racer's four real races.

The racer is the fake iRacing's member, Adrian Clark (341554). Made-up drivers sit in real seats
(tests/helpers.py::store_history): Kia Winner in 401054's (P1 in the Kia class of the official multiclass
race 45243121, where the racer was P2 from P1 on the grid, 9th overall), Kia Third in 413533's (P3), and
Team Mate in 498918's, the racer's teammate in the team race 46219719. Values by hand, from the raw body
(positions 0-based there): the Kia class's SOF is 1029 with 8 entries, the Cadillac class (2303, 11
entries) won overall; Kia Winner started P2, finished P1 with 4 incidents, the racer 1 -> 2 with 3.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from fakes.iracing_data import MEMBER_ID
from helpers import make_app, store_history, wait_for, write_race_moment
from rich.console import Console
from rich.text import Text
from test_tags_ui import told
from textual.pilot import Pilot

from wots_tui.domain.races import ResultClass, ResultRow
from wots_tui.sources.factory import SourceSpec
from wots_tui.store import Database
from wots_tui.store.notebook import load_all
from wots_tui.ui.app import WotsApp
from wots_tui.ui.screens.driver_card import DriverCard
from wots_tui.ui.screens.driver_search import DriverSearchScreen
from wots_tui.ui.screens.race_result import THAT_IS_YOU, RaceResultScreen
from wots_tui.ui.screens.rivalry import RivalryScreen
from wots_tui.ui.screens.season_races import SeasonRacesScreen
from wots_tui.ui.widgets.row_table import RowTable

OFFICIAL, TEAM = 45243121, 46219719
KIA_WINNER, KIA_THIRD, TEAM_MATE = 900001, 900003, 900002
SEATS = {
    401054: (KIA_WINNER, "Kia Winner"),
    413533: (KIA_THIRD, "Kia Third"),
    498918: (TEAM_MATE, "Team Mate"),
}
SIZES = pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=lambda s: f"{s[0]}x{s[1]}")


def history_app(folder: Path, seats: dict[int, tuple[int, str]] | None = SEATS) -> WotsApp:
    """The app on a race moment, its notebook file holding the racer's races (`seats=None`: no history)."""
    if seats is not None:
        database = Database(folder / "notebook.duckdb")
        store_history(database, seats)
        database.close()
    return make_app(SourceSpec.of("file", path=write_race_moment(folder)), folder)


async def opened(pilot: Pilot, screen) -> RowTable:  # type: ignore[no-untyped-def]
    """`screen` pushed once the engine knows the history, and its table once it shows what it asked for."""
    app = pilot.app
    await wait_for(pilot, lambda: app.engine.history.racer is not None)
    await app.push_screen(screen)
    await wait_for(pilot, lambda: screen.query(RowTable) and len(screen.query_one(RowTable).rows))
    await pilot.pause()
    return screen.query_one(RowTable)


async def kia_season(app: WotsApp) -> SeasonRacesScreen:
    career = await app.engine.history.career()
    road = career.category(2)
    return SeasonRacesScreen(next(season for season in road.seasons if season.car_class_name == "Kia Optima"))


def line_text(table: RowTable, index: int) -> str:
    """What the table draws for row `index` (on screen)."""
    return table.render_line(index - table._top + 1).text


async def test_a_season_lists_its_races_and_enter_opens_the_result(tmp_path: Path) -> None:
    app = history_app(tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_for(pilot, lambda: app.engine.history.racer is not None)
        screen = await kia_season(app)
        table = await opened(pilot, screen)
        title = _rendered(screen.query_one("#season-title"))
        assert "Global Fanatec Challenge · 2022 Season 2 - Fixed · Kia Optima" in title
        assert "Road · 1 start · 0 wins · 1 top 5 · 1 pole · avg start 1.0 → finish 2.0" in title
        [race] = table.rows
        assert (race.subsession_id, race.class_sof, race.start, race.finish, race.irating_change) == (
            OFFICIAL,
            1029,
            1,
            2,
            39,
        )
        assert line_text(table, 0).split() == [
            "2022-04-04",
            "Nürburgring",
            "Nordschleife",
            "·",
            "Industriefahrten",
            "1029",
            "1",
            "→",
            "2",
            "3",
            "+39",
            "50",
        ]

        await pilot.press("enter")
        assert isinstance(app.screen, RaceResultScreen) and app.screen.subsession_id == OFFICIAL
        await pilot.press("escape")
        assert app.screen is screen
        await pilot.press("escape")
        assert app.screen is app.live


async def test_the_multiclass_result_goes_class_by_class_with_the_racer_highlighted(tmp_path: Path) -> None:
    app = history_app(tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        table = await opened(pilot, RaceResultScreen(OFFICIAL))
        lines = list(table.rows)
        classes = [(line.name, line.sof, line.entries) for line in lines if isinstance(line, ResultClass)]
        assert classes == [("Cadillac CTS-VR", 2303, 11), ("Kia Optima", 1029, 8)]
        assert isinstance(lines[0], ResultClass) and len(lines) == 2 + 11 + 8
        kia = lines.index(
            next(line for line in lines if isinstance(line, ResultClass) and line.name == "Kia Optima")
        )
        assert line_text(table, kia).strip() == "Kia Optima  ·  SOF 1029  ·  8 entries"
        assert [(r.name, r.class_position, r.position) for r in lines[kia + 1 : kia + 4]] == [
            ("Kia Winner", 1, 8),
            ("Adrian Clark", 2, 9),
            ("Kia Third", 3, 10),
        ]

        racer = kia + 2
        assert table.cursor_index == racer  # the cursor starts on the racer's own row
        assert line_text(table, racer).split()[:5] == ["▶", "2", "9", "14", "Adrian"]
        await pilot.press("up")  # the cursor off the row: what shows is the highlight alone
        highlight = table.get_component_rich_style("row-table--highlight").bgcolor
        assert {s.style.bgcolor for s in table.render_line(racer - table._top + 1)} == {highlight}
        assert highlight not in {s.style.bgcolor for s in table.render_line(racer + 1 - table._top + 1)}
        title = " ".join(_rendered(app.screen.query_one("#result-title")).split())
        assert title.startswith(
            "Global Fanatec Challenge · 2022 Season 2 - Fixed 2022-04-04 01:30 · Nürburgring"
        )
        assert "· official · SOF 1683 · race 45243121" in title


async def test_a_team_race_shows_each_team_then_its_drivers_the_racers_team_marked(tmp_path: Path) -> None:
    app = history_app(tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        said = told(app)
        table = await opened(pilot, RaceResultScreen(TEAM))
        lines = list(table.rows)
        assert [line.name for line in lines if isinstance(line, ResultClass)] == [
            "NECGT3",
            "Porsche 992",
            "NECGT4 Class",
            "MX5 Cup 2016",
        ]
        team = next(
            i for i, line in enumerate(lines) if isinstance(line, ResultRow) and line.team_id == -240365
        )
        ours = lines[team : team + 3]
        assert [(r.name, r.is_team, r.is_racer) for r in ours] == [
            ("Lor Event's by Hyperion eSports", True, True),
            ("Team Mate", False, False),
            ("Adrian Clark", False, True),
        ]
        team_line, mate_line = line_text(table, team), line_text(table, team + 1)
        assert team_line.split()[:4] == ["▶", "7", "12", "99"]  # the team's positions, once
        assert mate_line.split()[:2] == ["Team", "Mate"]  # its driver: no positions, indented under it
        assert mate_line.index("Team Mate") == team_line.index("Lor Event's") + 2
        assert table.cursor_index == team + 2

        await pilot.press("up", "up")  # the team's row selects nobody, and says to pick a driver
        assert table.cursor_row is ours[0]
        await pilot.press("plus", "h", "enter")
        assert (
            said == [f"{ours[0].name} is a team: move to one of its drivers"] * 3
            and app.screen.selected(quiet=True) is None
            and isinstance(app.screen, RaceResultScreen)
        )
        assert await app.engine.database.call(load_all) == []


async def test_a_driver_of_the_result_is_rated_tagged_and_met_head_to_head_from_it(tmp_path: Path) -> None:
    app = history_app(tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        said = told(app)
        screen = RaceResultScreen(OFFICIAL)
        table = await opened(pilot, screen)
        await pilot.press("plus")  # the racer's own row: not in the notebook
        assert said == [THAT_IS_YOU] and await app.engine.database.call(load_all) == []

        await pilot.press("up", "plus", "1")
        assert table.cursor_row.name == "Kia Winner"
        await wait_for(pilot, lambda: len(said) == 3)
        [entry] = await app.engine.database.call(load_all)  # queued after the edits: they are in the file
        assert (entry.key, entry.rating, entry.tag_ids) == (("iracing", KIA_WINNER), 1, ("clean",))
        await wait_for(pilot, lambda: screen.selected_tags() == {"clean"})  # the palette says "Untag"
        row = table.cursor_index
        # the rating and the tag on the row, as on the live screen
        await wait_for(pilot, lambda: "Kia Winner" in line_text(table, row) and "▲ ✨" in line_text(table, row))

        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DriverCard))
        assert app.screen.record.name == "Kia Winner" and app.screen.record.rating == 1
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)

        await pilot.press("h")
        assert isinstance(app.screen, RivalryScreen) and app.screen.cust_id == KIA_WINNER


async def test_the_rivalry_with_a_seated_rival_counts_the_race_in_class(tmp_path: Path) -> None:
    app = history_app(tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = RivalryScreen(KIA_WINNER)
        table = await opened(pilot, screen)
        rivalry = screen.rivalry
        assert (rivalry.name, rivalry.summary.races, rivalry.summary.ahead, rivalry.summary.behind) == (
            "Kia Winner",
            1,
            0,
            1,
        )
        assert (rivalry.racer_avg_finish, rivalry.rival_avg_finish) == (2.0, 1.0)
        assert (rivalry.racer_avg_gained, rivalry.rival_avg_gained) == (-1.0, 1.0)
        assert (rivalry.racer_incidents_per_race, rivalry.rival_incidents_per_race, rivalry.avg_margin) == (
            3.0,
            4.0,
            -1.0,
        )
        title = _rendered(screen.query_one("#rivalry-title"))
        assert (
            "You against Kia Winner  iRacing 900001" in title
            and "1 race together · 0–1 · last 2022-04-04" in title
        )
        figures = [
            " ".join(line.split()) for line in _rendered(screen.query_one("#rivalry-figures")).splitlines()
        ]
        assert figures[1:6] == [
            "Finished ahead 0 1",
            "Average finish 2.0 1.0",
            "Positions gained -1.0 +1.0",
            "Incidents per race 3.0 4.0",
            "Average margin you finished 1.0 places behind them",
        ]
        assert line_text(table, 0).split()[-11:] == [
            "class",
            "1",
            "→",
            "2",
            "2",
            "→",
            "1",
            "3",
            "/",
            "4",
            "them",
        ]

        await pilot.press("minus")  # the keys act on the rival, whichever race is under the cursor
        await wait_for(pilot, lambda: app.engine.board.notebook_version > 0)
        [entry] = await app.engine.database.call(load_all)
        assert (entry.key, entry.rating) == (("iracing", KIA_WINNER), -1)
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(app.screen, DriverCard))
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)
        await pilot.press("enter")
        assert isinstance(app.screen, RaceResultScreen) and app.screen.subsession_id == OFFICIAL


async def test_a_teammate_never_raced_against_and_the_racer_is_no_rival(tmp_path: Path) -> None:
    app = history_app(tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_for(pilot, lambda: app.engine.history.racer is not None)
        for cust_id, words in (
            (TEAM_MATE, "You and Team Mate never raced each other in your racing history."),
            (MEMBER_ID, THAT_IS_YOU),
        ):
            screen = RivalryScreen(cust_id)
            await app.push_screen(screen)
            await wait_for(pilot, lambda screen=screen: screen.has_class("-empty"))
            assert _rendered(screen.query_one(".history-hint")).strip() == words
            await pilot.press("enter")
            assert app.screen is screen  # no race to open
            if cust_id == MEMBER_ID:
                await pilot.press("plus")  # and nobody to rate
                assert await app.engine.database.call(load_all) == []
            await pilot.press("escape")


async def test_the_search_finds_by_name_and_by_id_and_opens_the_head_to_head(tmp_path: Path) -> None:
    app = history_app(tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        said = told(app)
        await wait_for(pilot, lambda: app.engine.history.racer is not None)
        screen = DriverSearchScreen()
        await app.push_screen(screen)
        table = screen.query_one(RowTable)

        async def search(text: str) -> list[tuple[int, str]]:
            shown = screen.searches_shown
            await pilot.press("ctrl+u", *text)
            await wait_for(pilot, lambda: screen.searches_shown > shown and not screen.workers)
            return [(driver.cust_id, driver.name) for driver in table.rows]

        assert await search("kia") == [
            (KIA_THIRD, "Kia Third"),
            (KIA_WINNER, "Kia Winner"),
        ]  # one race each: by name
        assert await search(str(KIA_THIRD)) == [(KIA_THIRD, "Kia Third")]
        assert await search("nobody") == [] and screen.has_class("-empty")
        assert "Nobody in your racing history matches “nobody”." in _rendered(
            screen.query_one(".history-hint")
        )

        assert await search("clark") == [(MEMBER_ID, "Adrian Clark")]
        assert line_text(table, 0).startswith(" Adrian Clark (you)")
        await pilot.press("enter")
        assert said == [THAT_IS_YOU] and app.screen is screen

        await search("kia")
        await pilot.press("down", "enter")  # from the box: the arrows choose, Enter opens
        assert isinstance(app.screen, RivalryScreen) and app.screen.cust_id == KIA_WINNER
        await pilot.press("escape")
        assert app.screen is screen


async def test_help_on_each_drill_down_screen_says_what_it_shows(tmp_path: Path) -> None:
    from test_notebook_ui import help_text

    from wots_tui.ui.screens.help import HelpScreen

    app = history_app(tmp_path)
    async with app.run_test(size=(120, 50)) as pilot:
        await wait_for(pilot, lambda: app.engine.history.racer is not None)
        for screen, title, words in (
            (await kia_season(app), "A season's races", "St → Fin"),
            (RaceResultScreen(45243121), "A race's result", "h opens the head-to-head"),
            (RivalryScreen(KIA_WINNER), "Head-to-head", "teammates never count"),
            (DriverSearchScreen(), "Find a driver", "whole iRacing id"),
        ):
            await app.push_screen(screen)
            if isinstance(screen, DriverSearchScreen):  # ? is typed into its search box: the palette's Help
                await app.run_action("screen.help")
            else:
                await pilot.press("question_mark")
            await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen) and app.screen.query("#help-text"))
            text = " ".join(help_text(app.screen).split())
            assert text.startswith(title) and words in text, text[:200]
            await pilot.press("escape", "escape")


async def test_without_a_history_each_screen_says_how_to_get_one(tmp_path: Path) -> None:
    app = history_app(tmp_path, seats=None)
    async with app.run_test(size=(160, 50)) as pilot:
        for screen in (RaceResultScreen(OFFICIAL), RivalryScreen(KIA_WINNER), DriverSearchScreen()):
            await app.push_screen(screen)
            await wait_for(pilot, lambda screen=screen: screen.has_class("-empty") and not screen.workers)
            assert (
                "No racing history is stored yet: wots-tui fetch (or wots-tui import) brings it."
                in _rendered(screen.query_one(".history-hint"))
            )
            await pilot.press("escape")


async def test_a_history_that_cannot_be_read_is_one_line_and_the_screen_stays(tmp_path: Path) -> None:
    app = history_app(tmp_path)
    database = Database(tmp_path / "notebook.duckdb")
    database.run(lambda cursor: cursor.execute("DROP TABLE subsession_classes"))
    database.close()
    async with app.run_test(size=(160, 50)) as pilot:
        said = told(app)
        await wait_for(pilot, lambda: app.engine.history.racer is not None)
        screen = RaceResultScreen(OFFICIAL)
        await app.push_screen(screen)
        await wait_for(pilot, lambda: said)
        [line] = said
        assert line.startswith("The racing history could not be read: Catalog Error") and "\n" not in line
        assert app.screen is screen
        await pilot.press("escape")
        assert app.screen is app.live


def _rendered(widget) -> str:  # type: ignore[no-untyped-def]
    """A Static's text as the racer reads it."""
    content = widget.content
    console = Console(width=widget.size.width or 160, record=True, color_system=None, file=io.StringIO())
    console.print(Text.from_markup(content) if isinstance(content, str) else content)
    return console.export_text()


# -- snapshots: 80x24 and 160x50 -----------------------------------------------------------------------------


def _snapshot_of(screen_for) -> object:  # type: ignore[no-untyped-def]
    """run_before for snap_compare: the screen `screen_for(app)` made pushed and shown, toasts gone."""

    async def run_before(pilot: Pilot) -> None:
        app = pilot.app
        await wait_for(pilot, lambda: app.engine.history.racer is not None)
        await opened(pilot, await screen_for(app))
        app.clear_notifications()
        await pilot.pause()

    return run_before


async def _result(subsession_id: int):  # type: ignore[no-untyped-def]
    return RaceResultScreen(subsession_id)


@SIZES
def test_snapshot_season(snap_compare, tmp_path: Path, size: tuple[int, int]) -> None:
    assert snap_compare(history_app(tmp_path), terminal_size=size, run_before=_snapshot_of(kia_season))


@SIZES
def test_snapshot_multiclass_result(snap_compare, tmp_path: Path, size: tuple[int, int]) -> None:
    assert snap_compare(
        history_app(tmp_path), terminal_size=size, run_before=_snapshot_of(lambda app: _result(OFFICIAL))
    )


@SIZES
def test_snapshot_team_result(snap_compare, tmp_path: Path, size: tuple[int, int]) -> None:
    assert snap_compare(
        history_app(tmp_path), terminal_size=size, run_before=_snapshot_of(lambda app: _result(TEAM))
    )


@SIZES
def test_snapshot_rivalry(snap_compare, tmp_path: Path, size: tuple[int, int]) -> None:
    async def rivalry(app: WotsApp) -> RivalryScreen:
        return RivalryScreen(KIA_WINNER)

    assert snap_compare(history_app(tmp_path), terminal_size=size, run_before=_snapshot_of(rivalry))


@SIZES
def test_snapshot_search(snap_compare, tmp_path: Path, size: tuple[int, int]) -> None:
    async def typed(pilot: Pilot) -> None:
        app = pilot.app
        await wait_for(pilot, lambda: app.engine.history.racer is not None)
        screen = DriverSearchScreen()
        await app.push_screen(screen)
        await pilot.press(*"an")
        await wait_for(pilot, lambda: screen.searches_shown and not screen.workers)
        app.clear_notifications()
        await pilot.pause()

    assert snap_compare(history_app(tmp_path), terminal_size=size, run_before=typed)


async def test_tab_and_the_screen_keys_leave_a_drill_down_for_a_main_screen(tmp_path: Path) -> None:
    app = history_app(tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        await opened(pilot, RaceResultScreen(TEAM))
        await pilot.press("f2")
        assert app.screen is app.notebook_screen and len(app.screen_stack) == 2
        await opened(pilot, RaceResultScreen(TEAM))
        await pilot.press("tab")  # the main screen under it was the notebook: the next one is the tags
        assert app.screen is app.tags_screen and len(app.screen_stack) == 2


async def test_a_team_row_says_to_pick_one_of_its_drivers(tmp_path: Path) -> None:
    app = history_app(tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        table = await opened(pilot, RaceResultScreen(TEAM))
        team = next(i for i, line in enumerate(table.rows) if isinstance(line, ResultRow) and line.is_team)
        table.move_to(team)
        said = told(app)
        await pilot.press("plus")
        await wait_for(pilot, lambda: said)
        assert said == [f"{table.rows[team].name} is a team: move to one of its drivers"]
        assert await app.engine.database.call(load_all) == []
