"""The live screen driven as a racer drives it: real source, real file, Pilot pressing keys."""

from __future__ import annotations

from pathlib import Path

from helpers import DAYTONA, connected, make_app, wait_for, write_race_moment

from wots_tui.domain.board import SortOrder
from wots_tui.domain.models import LinkState
from wots_tui.sources.factory import SourceSpec
from wots_tui.ui.screens.help import HelpScreen
from wots_tui.ui.widgets.driver_board import DriverBoard


async def test_class_filter_starts_at_the_racers_class_and_brings_the_cursor_back(tmp_path: Path):
    app = make_app(SourceSpec.of("file", path=write_race_moment(tmp_path)), tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        await connected(pilot)
        board = app.live.query_one(DriverBoard)
        assert len(board.rows) == 60
        own = next(r.car_class for r in board.rows if r.is_player)
        await pilot.press("down", "down")
        chosen = board.cursor_row
        assert chosen.car_class != own  # the filter will hide this driver
        await pilot.press("f")
        assert app.live.class_filter == own
        assert {r.car_class for r in board.rows} == {own}
        assert board.cursor_row.is_player  # the driver chosen is not in this class: the cursor goes to the racer
        assert f"class: {own.name}" in str(app.live.query_one("#session-header").render())
        seen = [own]
        for _ in range(len(app.live.board.classes)):
            await pilot.press("f")
            seen.append(app.live.class_filter)
        assert seen[-1] is None and len(board.rows) == 60
        assert set(seen[:-1]) == set(app.live.board.classes)  # every class once, then all again
        assert board.cursor_row.key == chosen.key


async def test_sort_keys(tmp_path: Path):
    app = make_app(SourceSpec.of("file", path=write_race_moment(tmp_path)), tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        await connected(pilot)
        board = app.live.query_one(DriverBoard)
        await pilot.press("s")
        assert app.live.sort is SortOrder.CLASS
        await pilot.press("s")
        iratings = [r.irating for r in board.rows]
        assert iratings == sorted(iratings, reverse=True)
        await pilot.press("s")
        assert [r.position for r in board.rows] == list(range(1, 61))


async def test_cursor_moves_and_follows_its_driver(tmp_path: Path):
    app = make_app(SourceSpec.of("file", path=write_race_moment(tmp_path)), tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        await connected(pilot)
        board = app.live.query_one(DriverBoard)
        await pilot.press("down", "down", "j")
        assert board.cursor_row.position == 4
        chosen = board.cursor_row.key
        await pilot.press("s", "s")  # by iRating: the driver moves, the cursor goes with them
        assert board.cursor_row.key == chosen
        await pilot.press("end")
        assert board.cursor_row is board.rows[-1]
        await pilot.press("home", "up")
        assert board.cursor_row is board.rows[0]
        await pilot.press("pagedown")
        assert board.rows.index(board.cursor_row) > 30


async def test_help_opens_and_closes(tmp_path: Path):
    app = make_app(SourceSpec.of("file", path=write_race_moment(tmp_path)), tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        await connected(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert app.screen is app.live


async def test_waiting_state_until_the_file_appears(tmp_path: Path):
    path = tmp_path / "later" / "moment.irsdk"
    app = make_app(SourceSpec.of("file", path=path), tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_for(pilot, lambda: app.live.board.link is LinkState.WAITING and app.live.board.version > 0)
        await pilot.pause()
        assert app.live.query_one("#waiting").display and not app.live.query_one(DriverBoard).display
        path.parent.mkdir()
        write_race_moment(path.parent)
        await connected(pilot)
        assert app.live.query_one(DriverBoard).display and not app.live.query_one("#waiting").display


async def test_real_daytona_dump_on_screen(tmp_path: Path):
    app = make_app(SourceSpec.of("file", path=DAYTONA), tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        await connected(pilot)
        board = app.live.query_one(DriverBoard)
        assert len(board.rows) == 43
        assert [r.car_idx for r in board.rows if r.is_player] == [41]


async def test_demo_race_moves(tmp_path: Path):
    app = make_app(SourceSpec.of("demo"), tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        await connected(pilot)
        first = app.live.board
        await wait_for(pilot, lambda: app.live.board.version > first.version + 3)
        later = app.live.board
        assert len(later.rows) >= 40
        assert later.facts.session_time > first.facts.session_time
        for car_class in later.classes:
            positions = [r.class_position for r in later.rows if r.car_class == car_class]
            assert positions == list(range(1, len(positions) + 1))
