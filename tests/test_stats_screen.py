"""The season stats screen from the keyboard, on a real notebook file holding the racer's four real races.

The figures are worked out by hand from the fixture bodies (tests/fixtures/dataapi/aydsko/, positions there
0-based) for the member's seat in each race:
- Kia Optima, Global Fanatec Challenge 2022 S2 (road): started P1 in class, finished P2, 4 laps, 3 incidents,
  iRating 1468 -> 1507 (+39), sub-level 164 -> 194 in the same licence (+0.30), 50 points, division 5.
- NECGT3, Nurburgring Endurance Championship 2022 S2 (road, a team race): P14 -> P7 in class, 14 laps,
  3 incidents, 2456 -> 2472 (+16), B 1.47 -> B 4.99 (levels 13 -> 16, one class: +3.52), 116 points, div 2.
- Snail Speed Racing league, hosted 2022 Q2 (road): P2 -> P6, 25 laps, 16 incidents, no iRating or SR
  change, 15 points.
- Super Formula SF23, 2024 S2 (formula car): P9 -> P5, 11 laps, 2 incidents, +54, +0.04, 108 points, div 3.
Road in 2022: 3 starts, 1 top 5, 1 pole, 43 laps, average start 17/3 = 5.7, finish 15/3 = 5.0, 22/3 = 7.3
incidents a race, +55 iRating, +3.82 SR, 181 points.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from fakes.iracing_server import FakeIRacing
from helpers import SNAPSHOT_CLOCK, make_app, make_engine, store_history, wait_for, write_race_moment
from rich.console import Console
from rich.text import Text
from test_history_fetch import Racer
from test_stats_fetch import configure, machine  # noqa: F401  # machine: a racer's machine, no credentials
from textual import events
from textual.pilot import Pilot
from textual.widgets import OptionList, Static
from textual_plotext import PlotextPlot

from wots_tui.cli import main
from wots_tui.sources.factory import SourceSpec
from wots_tui.store import Database
from wots_tui.ui.app import WotsApp
from wots_tui.ui.screens.driver_search import DriverSearchScreen
from wots_tui.ui.screens.find_picker import FindPicker
from wots_tui.ui.screens.help import HelpScreen
from wots_tui.ui.screens.pickers import Picker
from wots_tui.ui.screens.season_races import SeasonRacesScreen
from wots_tui.ui.screens.stats import StatsScreen
from wots_tui.ui.widgets.career_table import CareerTable
from wots_tui.ui.widgets.fetch_line import FetchLine
from wots_tui.ui.widgets.rating_chart import RatingChartView
from wots_tui.ui.widgets.row_table import RowTable

ROAD, FORMULA = 2, 6
KIA = "Global Fanatec Challenge"
LEAGUE, NEC = "Snail Speed Racing - GT3 Le…", "Nurburgring Endurance Champ…"  # cut at 160 columns


def with_history(folder: Path, racer_named: bool = True) -> Path:
    """The notebook file in `folder` with the racer's four races (and, unless told not, who the racer is)."""
    database = Database(folder / "notebook.duckdb")
    try:
        if racer_named:
            store_history(database)
        else:
            from fakes import iracing_data

            from wots_tui.store.history import store_result_bodies

            database.run(store_result_bodies, [race.body() for race in iracing_data.real_races()])
    finally:
        database.close()
    return folder


def app_on(folder: Path, start: str = "live") -> WotsApp:
    """The app on a race moment and the notebook file in `folder`, opening on `start`."""
    spec = SourceSpec.of("file", path=write_race_moment(folder))
    return WotsApp(make_engine(spec, folder, clock=lambda: SNAPSHOT_CLOCK), start=start)


async def on_stats(pilot: Pilot, key: str | None = "f4") -> StatsScreen:
    """The stats screen (opened with `key`), loaded and its chart drawn."""
    if key:
        await pilot.press(key)
    screen = pilot.app.stats_screen
    await wait_for(pilot, lambda: pilot.app.screen is screen and screen.loads_shown)
    if screen.racer is not None:
        await wait_for(pilot, lambda: screen.charts_shown)
    await pilot.pause()
    return screen


async def reloaded(pilot: Pilot, screen: StatsScreen, keys: tuple[str, ...]) -> None:
    """Press `keys` and wait for the load they ask for."""
    shown = screen.loads_shown
    await pilot.press(*keys)
    await wait_for(pilot, lambda: screen.loads_shown > shown)
    await pilot.pause()


def rows(screen: StatsScreen) -> list[dict[str, str]]:
    """Every row of the tab's table as shown, by column key."""
    table = screen.query_one(CareerTable)
    keys = [str(column.key.value) for column in table.ordered_columns]
    return [dict(zip(keys, (cell.plain for cell in table.get_row_at(i)))) for i in range(table.row_count)]


def text_of(screen: StatsScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


def series_order(screen: StatsScreen) -> list[str]:
    return [row["series"] for row in rows(screen) if row["series"]]


async def test_f4_shows_the_racers_road_career_as_worked_out_by_hand(tmp_path: Path):
    app = app_on(with_history(tmp_path))
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await on_stats(pilot)
        assert text_of(screen, "#stats-header") == (
            "Adrian Clark  cust 341554 · 4 races stored · imported, never fetched")
        assert text_of(screen, "#stats-categories") == " Road   Formula Car "
        assert screen.category_id == ROAD
        assert text_of(screen, "#stats-filters") == "Showing all years · all series · sorted by Season, newest first"
        table = rows(screen)
        assert [r["season"] for r in table] == ["2022 S2", "2022 S2", "2022 S2", "Year 2022", "Career"]
        assert [r["series"] for r in table[:3]] == [LEAGUE, NEC, KIA]
        kia = table[2]
        assert {k: kia[k] for k in ("class", "starts", "wins", "top5", "poles", "laps", "led", "start", "finish",
                                    "inc", "ir", "sr", "points", "division", "rank", "division_rank", "weeks")} == {
            "class": "Kia Optima", "starts": "1", "wins": "0", "top5": "1", "poles": "1", "laps": "4", "led": "0",
            "start": "1.0", "finish": "2.0", "inc": "3.0", "ir": "+39", "sr": "+0.30", "points": "50",
            "division": "5", "rank": "—", "division_rank": "—", "weeks": "1"}
        nec, league = table[1], table[0]
        assert (nec["start"], nec["finish"], nec["ir"], nec["sr"], nec["division"]) == ("14.0", "7.0", "+16", "+3.52", "2")
        assert (league["start"], league["finish"], league["inc"], league["ir"], league["sr"]) == (
            "2.0", "6.0", "16.0", "±0", "±0.00")
        for total in table[3:]:
            assert {k: total[k] for k in ("starts", "wins", "top5", "poles", "laps", "start", "finish", "inc", "ir",
                                          "sr", "points", "series", "division")} == {
                "starts": "3", "wins": "0", "top5": "1", "poles": "1", "laps": "43", "start": "5.7",
                "finish": "5.0", "inc": "7.3", "ir": "+55", "sr": "+3.82", "points": "181", "series": "",
                "division": ""}
        chart = screen.query_one(RatingChartView)
        assert chart.display and "from your race results: no chart data fetched" in text_of(chart, "#rating-note")


async def test_tab_reaches_the_stats_after_the_tags_and_goes_on_to_the_live_drivers(tmp_path: Path):
    app = app_on(with_history(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("tab", "tab", "tab")
        screen = await on_stats(pilot, key=None)
        assert app.screen is screen
        await pilot.press("tab")
        assert app.screen is app.live
        await pilot.press("shift+tab")
        assert app.screen is screen
        await pilot.press("shift+tab")
        assert app.screen is app.tags_screen


async def test_c_goes_to_the_formula_tab_with_its_season_and_its_own_chart(tmp_path: Path):
    app = app_on(with_history(tmp_path))
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await on_stats(pilot)
        drawn = screen.charts_shown
        await pilot.press("c")
        await wait_for(pilot, lambda: screen.category_id == FORMULA and screen.charts_shown > drawn)
        season, year, career = rows(screen)
        assert (season["season"], season["class"], season["start"], season["finish"], season["inc"], season["ir"],
                season["sr"], season["points"], season["division"]) == (
            "2024 S2", "Super Formula SF23", "9.0", "5.0", "2.0", "+54", "+0.04", "108", "3")
        assert year["season"] == "Year 2024" and career["season"] == "Career" and career["top5"] == "1"
        plot = screen.query_one(PlotextPlot)
        drawn = Text.from_ansi(plot.plt.build()).plain
        assert "2,447" in drawn and "3.07" in drawn  # the one race's iRating and SR after it
        assert set(re.findall(r"(\d{4})-\d\d-\d\d", drawn)) == {"2024"}  # dates around that day, not decades
        await pilot.press("C")
        await wait_for(pilot, lambda: screen.category_id == ROAD)
        assert len(rows(screen)) == 5
        await pilot.click("#stats-categories", offset=(len(" Road   F"), 0))  # a click on a tab shows it too
        await wait_for(pilot, lambda: screen.category_id == FORMULA)


async def test_a_year_from_the_picker_narrows_every_tab_and_all_years_brings_them_back(tmp_path: Path):
    app = app_on(with_history(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await on_stats(pilot)
        await pilot.press("y")
        picker = app.screen
        assert isinstance(picker, Picker) and [c.value for c in picker.choices] == [None, 2024, 2022]
        await reloaded(pilot, screen, ("down", "enter"))  # 2024: no road races that year, a formula one
        assert screen.only.year == 2024 and screen.category_id == FORMULA  # the tab follows the filter
        assert not screen.has_class("-no-match") and [r["season"] for r in rows(screen)] == [
            "2024 S2", "Year 2024", "Career"]
        assert text_of(screen, "#stats-filters").startswith("Showing 2024 · all series")
        assert text_of(screen, "#stats-categories") == " Road   Formula Car "  # every category raced, still
        await pilot.press("c")
        await wait_for(pilot, lambda: screen.category_id == ROAD)
        assert screen.has_class("-no-match") and not screen.query_one(CareerTable).display
        assert text_of(screen, "#stats-no-match").startswith("No Road races match 2024 · all series:")
        await reloaded(pilot, screen, ("y", "a"))
        assert screen.only.year is None and not screen.has_class("-no-match") and len(rows(screen)) == 5


async def test_the_series_picker_finds_a_series_as_it_is_typed(tmp_path: Path):
    app = app_on(with_history(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await on_stats(pilot)
        await pilot.press("s")
        picker = app.screen
        assert isinstance(picker, FindPicker) and len(picker.shown) == 5  # all series, then the four raced
        await pilot.press(*"FANATEC")
        assert [c.value for c in picker.shown] == [210]
        await pilot.press("escape")  # closed: nothing changes
        assert app.screen is screen and screen.only.series_id is None
        await pilot.press("s", *"nurbur")
        await reloaded(pilot, screen, ("enter",))
        assert screen.only.series_id == 275
        assert text_of(screen, "#stats-filters").startswith("Showing all years · Nurburgring Endurance Championship")
        table = rows(screen)
        assert [r["season"] for r in table] == ["2022 S2", "Year 2022", "Career"]
        assert table[-1]["starts"] == "1" and table[-1]["ir"] == "+16"  # the totals follow the filter
        await pilot.press("s")
        assert app.screen.query_one(OptionList).highlighted == 3  # it opens on the series shown
        await pilot.press(*"all", "enter")
        await wait_for(pilot, lambda: screen.only.series_id is None and len(rows(screen)) == 5)


async def test_the_sort_picker_and_a_header_click_sort_and_the_same_column_again_flips(tmp_path: Path):
    app = app_on(with_history(tmp_path))
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await on_stats(pilot)
        assert series_order(screen)[0] == LEAGUE  # newest first: the league race was last
        await pilot.press("o")
        picker = app.screen
        assert isinstance(picker, Picker)
        finish = [c.value for c in picker.choices].index("finish")
        await pilot.press(*["down"] * finish, "enter")  # average finish: best first
        assert (screen.sort_column, screen.descending) == ("finish", False)
        assert series_order(screen) == [KIA, LEAGUE, NEC]
        assert text_of(screen, "#stats-filters").endswith("sorted by Avg fin, lowest first")
        assert rows(screen)[-1]["season"] == "Career"  # the totals stay below
        await pilot.press("o", "enter")  # the picker opens on the column sorted by: again flips it
        assert screen.descending and series_order(screen)[0] == NEC

        table = screen.query_one(CareerTable)
        columns = table.ordered_columns
        laps = next(i for i, c in enumerate(columns) if c.key.value == "laps")
        x = sum(c.get_render_width(table) for c in columns[:laps]) + 1
        await pilot.click(CareerTable, offset=(x, 0))
        assert (screen.sort_column, screen.descending) == ("laps", True)
        assert [r["laps"] for r in rows(screen)[:3]] == ["25", "14", "4"]
        assert str(table.ordered_columns[laps].label) == "Laps ▼"  # the columns are made anew with each sort
        await pilot.click(CareerTable, offset=(x, 0))
        assert [r["laps"] for r in rows(screen)[:3]] == ["4", "14", "25"]


async def test_enter_on_a_season_lists_its_races_and_h_finds_anyone_for_a_head_to_head(tmp_path: Path):
    app = app_on(with_history(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await on_stats(pilot)
        await pilot.press("down", "down", "enter")  # the Kia season
        season = app.screen
        assert isinstance(season, SeasonRacesScreen) and season.season.car_class_name == "Kia Optima"
        races = season.query_one(RowTable)
        await wait_for(pilot, lambda: len(races.rows) == 1)
        assert races.rows[0].subsession_id == 45243121
        await pilot.press("escape")
        assert app.screen is screen
        await pilot.press("down", "enter")  # the year's total: no races of its own to list
        assert app.screen is screen and screen.query_one(CareerTable).season_at_cursor is None
        for key in ("up", "up", "enter"):  # in one burst, as a terminal sends keys typed fast: answered in order
            app.post_message(events.Key(key, None))
        await wait_for(pilot, lambda: isinstance(app.screen, SeasonRacesScreen))
        assert app.screen.season.car_class_name == "NECGT3"
        await pilot.press("escape", "h")
        assert isinstance(app.screen, DriverSearchScreen)
        await pilot.press("escape")
        assert app.screen is screen


async def test_a_main_screen_asked_for_from_a_drill_down_goes_back_through_it_first(tmp_path: Path):
    app = app_on(with_history(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await on_stats(pilot)
        await pilot.press("enter")
        assert isinstance(app.screen, SeasonRacesScreen)
        await app.run_action("app.show('notebook')")  # the palette's Notebook
        await pilot.pause()
        assert app.screen is app.notebook_screen and app.screen_stack.count(screen) == 0
        await pilot.press("f4")
        assert app.screen is screen and len(app.screen_stack) == 2


async def test_g_hides_the_chart_for_more_rows_and_brings_it_back(tmp_path: Path):
    app = app_on(with_history(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await on_stats(pilot)
        chart, table = screen.query_one(RatingChartView), screen.query_one(CareerTable)
        height = table.size.height
        await pilot.press("g")
        await pilot.pause()
        assert not chart.display and table.size.height > height
        await pilot.press("g")
        await pilot.pause()
        assert chart.display and table.size.height == height


async def test_with_no_history_the_screen_says_how_to_get_one_and_offers_no_filters(tmp_path: Path):
    app = app_on(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await on_stats(pilot)
        assert screen.racer is None and screen.has_class("-no-history")
        said = text_of(screen, "#stats-no-history")
        assert "No racing history" in said and "wots-tui fetch" in said and "wots-tui import FILES" in said
        assert not screen.query_one(CareerTable).display
        await pilot.press("y", "s", "o")
        assert app.screen is screen  # no picker over nothing


@pytest.mark.usefixtures("machine")
async def test_r_fetches_from_the_fake_iracing_and_the_stats_follow(tmp_path: Path, monkeypatch):
    """Done when: after a fetch against the fake Data API the seasons and the chart show on their own. The fake
    serves the three official races (the league race is not the member's own search) and the road chart."""
    async with FakeIRacing() as fake:
        configure(monkeypatch, Racer(tmp_path, fake))
        app = app_on(tmp_path)
        async with app.run_test(size=(160, 50)) as pilot:
            screen = await on_stats(pilot)
            assert screen.has_class("-no-history") and not screen.query_one(FetchLine).display
            loads = screen.loads_shown
            await pilot.press("r")
            await wait_for(pilot, lambda: screen.loads_shown > loads and screen.racer is not None, tries=1500)
            await wait_for(pilot, lambda: screen.charts_shown)
            assert not screen.has_class("-no-history") and screen.query_one(FetchLine).display
            assert text_of(screen, "#stats-header").startswith(
                "Adrian Clark  cust 341554 · 3 races stored · last fetched ")
            table = rows(screen)
            assert [(r["series"], r["starts"], r["wins"], r["poles"], r["finish"]) for r in table[:2]] == [
                (NEC, "1", "0", "0", "7.0"), (KIA, "1", "0", "1", "2.0")]
            assert table[-1]["season"] == "Career" and table[-1]["starts"] == "2" and table[-1]["ir"] == "+55"
            assert "iRacing's chart" in text_of(screen.query_one(RatingChartView), "#rating-note")


async def test_a_history_without_a_named_racer_says_whose_it_is_taken_to_be(tmp_path: Path):
    app = app_on(with_history(tmp_path, racer_named=False))
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await on_stats(pilot)
        assert text_of(screen, "#stats-header").startswith(
            "Adrian Clark (the driver in most of the stored races)  cust 341554 · 4 races stored")


async def test_the_app_opens_on_the_stats_when_asked(tmp_path: Path):
    app = app_on(with_history(tmp_path), start="stats")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await on_stats(pilot, key=None)
        assert app.screen_stack[-1] is screen and rows(screen)[-1]["starts"] == "3"


def test_wots_tui_stats_runs_the_app_on_the_stats_screen_with_the_options_given(tmp_path: Path, monkeypatch):
    started: list[WotsApp] = []
    monkeypatch.setattr(WotsApp, "run", lambda self: started.append(self))  # no terminal here: the wiring only
    folder = with_history(tmp_path)
    moment = write_race_moment(folder)
    result = CliRunner().invoke(main, ["stats", "--db", str(folder / "notebook.duckdb"), "--irsdk-file", str(moment)])
    assert result.exit_code == 0, result.output
    (app,) = started
    assert app.start_screen == "stats" and app.engine.database.path == folder / "notebook.duckdb"
    assert app.engine.label == moment.name
    app.engine.database.close()


async def test_help_on_the_stats_screen_lists_its_keys_and_columns(tmp_path: Path):
    app = app_on(with_history(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await on_stats(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        console = Console(width=100, file=io.StringIO(), record=True)
        console.print(app.screen.query_one("#help-text", Static).content)
        text = " ".join(console.export_text().split())
        assert text.startswith("Season stats")
        for said in ("y show one year's seasons", "s show one series (type to find it)", "g show or hide the rating chart",
                     "F4 the notebook, tags, season stats (F2 on the notebook: back", "Avg st / Avg fin average start and finish"):
            assert said in text, said
        await pilot.press("escape")
        assert app.screen is screen


# snapshots

SIZES = [(80, 24), (160, 50)]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_stats_screen_with_chart(snap_compare, tmp_path: Path, size: tuple[int, int]):
    assert snap_compare(app_on(with_history(tmp_path)), terminal_size=size, run_before=on_stats)


def test_stats_screen_with_no_history(snap_compare, tmp_path: Path):
    assert snap_compare(app_on(tmp_path), terminal_size=(80, 24), run_before=on_stats)


async def test_a_racer_named_by_a_fetch_with_no_race_stored_gets_the_words_not_an_empty_table(tmp_path: Path):
    from fakes.iracing_data import member_info, real_races

    from wots_tui.store.history import store_racer

    database = Database(tmp_path / "notebook.duckdb")
    database.run(store_racer, member_info(real_races()))  # member/info stored, the results never came
    database.close()
    app = make_app(SourceSpec.of("file", path=write_race_moment(tmp_path)), tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("f4")
        screen = app.screen
        await wait_for(pilot, lambda: screen.loads_shown > 0)
        assert screen.has_class("-no-history") and not screen.check_action("pick_year", ())
