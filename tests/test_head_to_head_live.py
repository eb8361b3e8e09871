"""Head-to-head, live: the live screen's H2H column, the driver card's line and the local API's `headToHead`.

The notebook file holds the racer's four real races (tests/helpers.py::store_history) with two drivers of the
live roster seated in real seats of the multiclass race 45243121: one as the Kia's winner (ahead of the
racer, who was second in class: `0–1`), one as its third (behind: `1–0`).
"""

from __future__ import annotations

import asyncio
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import (
    SNAPSHOT_CLOCK,
    connected,
    in_session,
    make_app,
    make_engine,
    noted,
    running_api,
    store_history,
    until,
    wait_for,
    write_race_moment,
)
from test_api_schema import assert_valid
from textual.pilot import Pilot

import wots_tui.store.head_to_head as h2h_store
from wots_tui.annotators.notebook import BATCH
from wots_tui.domain.notebook import Key
from wots_tui.sources.factory import SourceSpec
from wots_tui.store import Database
from wots_tui.store.notebook import save_records
from wots_tui.ui.screens.driver_card import DriverCard
from wots_tui.ui.screens.notebook import NotebookScreen
from wots_tui.ui.widgets.driver_board import COLUMNS, NARROWING, DriverBoard
from wots_tui.ui.widgets.notebook_table import NotebookTable
from wots_tui.ui.widgets.row_table import layout

KIA_WINNER, KIA_THIRD = 401054, 413533  # real seats of race 45243121, either side of the racer (Kia P2)
MULTICLASS_RACE, RACE_START = 45243121, "2022-04-04T01:30:00Z"
RACED_ONLY = 147876  # a Cadillac driver of that race: in no roster and no notebook
RACED_ONLY_NAME = "Dan Karaconstantis"
RACERS_OWN = {"P", "Driver", "Class", "R", "Tags", "Met", "Note"}
by_size = pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=lambda s: f"{s[0]}x{s[1]}")


@dataclass(frozen=True)
class Rivals:
    ahead: Key  # finished ahead of the racer: 0–1
    behind: Key  # 1–0
    never: Key  # in the roster, never raced


def head_to_head(ahead: int, behind: int) -> dict:
    return {"races": 1, "ahead": ahead, "behind": behind, "lastRaceAt": RACE_START, "lastSubsessionId": MULTICLASS_RACE}


async def roster_of_the_moment(folder: Path) -> list[Key]:
    """The other drivers of the scripted race's moment, in running order, as the engine's Board has them."""
    engine = make_engine(SourceSpec.of("file", path=write_race_moment(folder)), folder)
    await engine.start()
    try:
        await in_session(engine)
        return [row.key for row in engine.board.rows if not row.is_player]
    finally:
        await engine.stop()


def seat_rivals(database: Database, roster: list[Key]) -> Rivals:
    """The racer's races in `database`, the first two of the roster seated either side of the racer."""
    rivals = Rivals(ahead=roster[0], behind=roster[1], never=roster[2])
    store_history(database, {KIA_WINNER: (rivals.ahead[1], "Seated Ahead"), KIA_THIRD: (rivals.behind[1], "Seated Behind")})
    return rivals


@pytest.fixture(scope="module")
def history_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Rivals]:
    """A notebook file with the racer's races and two of the live roster seated in them (made once)."""
    folder = tmp_path_factory.mktemp("history")
    roster = asyncio.run(roster_of_the_moment(folder))
    (folder / "notebook.duckdb").unlink()  # the roster's sightings are not part of the history
    database = Database(folder / "notebook.duckdb")
    try:
        return folder / "notebook.duckdb", seat_rivals(database, roster)
    finally:
        database.close()


@pytest.fixture
def raced(history_file: tuple[Path, Rivals], tmp_path: Path) -> Rivals:
    """This test's folder holds the history file (a copy) and the race moment beside it."""
    shutil.copy(history_file[0], tmp_path / "notebook.duckdb")
    write_race_moment(tmp_path)
    return history_file[1]


def moment(folder: Path) -> SourceSpec:
    return SourceSpec.of("file", path=folder / "moment.irsdk")


def row_of(pilot: Pilot, key: Key):
    return next(row for row in pilot.app.live.query_one(DriverBoard).rows if row.key == key)


async def head_to_heads_joined(pilot: Pilot) -> None:
    await connected(pilot)
    await wait_for(pilot, lambda: any(row.head_to_head for row in pilot.app.live.query_one(DriverBoard).rows))
    await pilot.pause()


def cell(pilot: Pilot, key: Key) -> str:
    """What the driver's H2H cell says."""
    table = pilot.app.live.query_one(DriverBoard)
    index = next(i for i, column in enumerate(table.columns) if column.label == "H2H")
    return table.columns[index].cell(row_of(pilot, key))[0]


# the live screen

SITUATIONS = [frozenset(), frozenset({"Nick"}), frozenset({"CP"}), frozenset({"Nick", "CP"})]  # nicknames? classes?


def shown(width: int, hidden: frozenset[str], columns=COLUMNS, narrowing=NARROWING) -> list[str]:
    return [columns[slot.index].label for slot in layout(columns, width, hidden, narrowing, 16)]


@pytest.mark.parametrize("hidden", SITUATIONS, ids=lambda h: "+".join(sorted(h)) or "all")
def test_the_score_shows_from_100_columns_and_gives_way_before_the_gap_at_80(hidden: frozenset[str]):
    for width in (100, 120, 160):
        assert {"H2H"} | RACERS_OWN <= set(shown(width, hidden)), width
    assert RACERS_OWN | {"Gap"} <= set(shown(80, hidden)) and "H2H" not in shown(80, hidden)


@pytest.mark.parametrize("hidden", SITUATIONS, ids=lambda h: "+".join(sorted(h)) or "all")
def test_with_no_score_to_show_the_board_is_laid_out_as_before_the_column(hidden: frozenset[str]):
    before = tuple(c for c in COLUMNS if c.label != "H2H"), tuple(n for n in NARROWING if n[0] != "H2H")
    for width in (60, 80, 100, 120, 160):
        assert shown(width, hidden | {"H2H"}) == shown(width, hidden, *before), width


@pytest.mark.parametrize("size", [(100, 30), (120, 40), (160, 50)])
async def test_rows_of_drivers_raced_before_show_the_score_beside_the_racers_own_columns(raced: Rivals, tmp_path: Path, size):
    app = make_app(moment(tmp_path), tmp_path)
    async with app.run_test(size=size) as pilot:
        await head_to_heads_joined(pilot)
        table = app.live.query_one(DriverBoard)
        assert {"H2H"} | RACERS_OWN <= set(table.shown_columns)
        assert (cell(pilot, raced.ahead), cell(pilot, raced.behind), cell(pilot, raced.never)) == ("0–1", "1–0", "")
        lines = {row.key: table.render_line(1 + i).text for i, row in enumerate(table.rows[:4])}
        assert "0–1" in lines[raced.ahead] and "1–0" in lines[raced.behind]
        assert "–" not in lines[raced.never]


async def test_at_80_columns_the_score_gives_way_before_the_gap_and_the_racers_own_columns(raced: Rivals, tmp_path: Path):
    app = make_app(moment(tmp_path), tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await head_to_heads_joined(pilot)
        shown = set(app.live.query_one(DriverBoard).shown_columns)
        assert RACERS_OWN | {"Gap"} <= shown and "H2H" not in shown


async def test_no_history_stored_no_column(tmp_path: Path):
    app = make_app(SourceSpec.of("file", path=write_race_moment(tmp_path)), tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        await connected(pilot)
        assert app.engine.history.racer is None
        assert "H2H" not in app.live.query_one(DriverBoard).shown_columns


async def test_history_arriving_during_a_session_brings_the_column(tmp_path: Path):
    """As when a fetch ends: the history is reloaded and the live rows follow."""
    app = make_app(SourceSpec.of("file", path=write_race_moment(tmp_path)), tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        await connected(pilot)
        table = app.live.query_one(DriverBoard)
        assert "H2H" not in table.shown_columns
        roster = [row.key for row in app.engine.board.rows if not row.is_player]
        rivals = await asyncio.to_thread(seat_rivals, app.engine.database, roster)
        await app.engine.history.reload()
        await head_to_heads_joined(pilot)
        assert "H2H" in table.shown_columns
        assert (cell(pilot, rivals.ahead), cell(pilot, rivals.behind)) == ("0–1", "1–0")


# the driver card


async def card_of(pilot: Pilot, key: Key) -> DriverCard:
    board = pilot.app.live.query_one(DriverBoard)
    board.move_to(next(i for i, row in enumerate(board.rows) if row.key == key))
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, DriverCard))
    await pilot.pause()
    return pilot.app.screen


def card_line(card: DriverCard) -> str:
    return str(card.query_one("#card-h2h").render())


async def test_the_card_says_the_head_to_head_of_a_live_driver(raced: Rivals, tmp_path: Path):
    app = make_app(moment(tmp_path), tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        await head_to_heads_joined(pilot)
        line = card_line(await card_of(pilot, raced.ahead))
        assert "Head-to-head 0–1 in 1 race together" in line
        assert "(you finished ahead in 0, they in 1)" in line and f"last raced 2022-04-04, subsession {MULTICLASS_RACE}" in line
        await pilot.press("escape")
        assert "never raced them" in card_line(await card_of(pilot, raced.never))


async def test_a_card_opened_off_the_live_screen_asks_the_history(raced: Rivals, tmp_path: Path):
    """A driver of the notebook met only in imported races: the notebook screen's card finds his head-to-head."""
    app = make_app(moment(tmp_path), tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        await connected(pilot)
        await app.engine.edit(("iracing", RACED_ONLY), note="Quick in the Cadillac")
        await pilot.press("f2")
        assert isinstance(app.screen, NotebookScreen)
        table = app.screen.query_one(NotebookTable)
        await wait_for(pilot, lambda: [row.key for row in table.rows] == [("iracing", RACED_ONLY)])
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DriverCard))
        card = app.screen
        assert card.row is None and card.record.key == ("iracing", RACED_ONLY)
        await wait_for(pilot, lambda: "Head-to-head 0–1" in card_line(card))


async def test_the_card_has_no_head_to_head_line_without_history(tmp_path: Path):
    app = make_app(SourceSpec.of("file", path=write_race_moment(tmp_path)), tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        await connected(pilot)
        card = await card_of(pilot, next(row.key for row in app.engine.board.rows if not row.is_player))
        await pilot.pause()
        assert not card.query_one("#card-h2h").display


# the local API


async def test_live_drivers_carry_their_head_to_head_as_the_document_says(raced: Rivals, tmp_path: Path):
    async with running_api(moment(tmp_path), tmp_path) as (engine, _, client):
        await in_session(engine)
        await until(lambda: any(row.head_to_head for row in engine.board.rows))
        drivers = assert_valid("/api/drivers", await client.get("/api/drivers"))["drivers"]
        assert drivers[str(raced.ahead[1])]["headToHead"] == head_to_head(ahead=0, behind=1)
        assert drivers[str(raced.behind[1])]["headToHead"] == head_to_head(ahead=1, behind=0)
        assert drivers[str(raced.never[1])]["headToHead"] is None
        for rival, expected in ((raced.ahead, head_to_head(0, 1)), (raced.never, None)):
            driver = assert_valid("/api/driver", await client.get(f"/api/driver?id={rival[1]}"))
            assert "carIdx" in driver and driver["headToHead"] == expected  # the live object


async def test_a_driver_known_only_from_imported_races_answers_with_his_name_and_head_to_head(raced: Rivals, tmp_path: Path):
    async with running_api(moment(tmp_path), tmp_path) as (engine, _, client):
        await in_session(engine)
        driver = assert_valid("/api/driver", await client.get(f"/api/driver?id={RACED_ONLY}"))
        assert driver == {
            "custId": RACED_ONLY, "name": RACED_ONLY_NAME, "customName": None, "carNumber": None, "seenCount": 0,
            "userRep": None, "userNote": None, "userTags": [], "crowdRep": None, "crowdTags": None,
            "crowdStale": False, "headToHead": head_to_head(ahead=0, behind=1),
        }
        nowhere = await client.get("/api/driver?id=1")
        assert assert_valid("/api/driver", nowhere, 404) == {"error": "driver 1 is not in the session, the notebook or the imported races"}
        other_platform = await client.get(f"/api/driver?id={RACED_ONLY}&platform=ams2")
        assert assert_valid("/api/driver", other_platform, 404)["error"].startswith(f"driver {RACED_ONLY} is not")


async def test_a_noted_driver_off_the_roster_carries_his_head_to_head_and_a_fetch_moves_it(tmp_path: Path):
    """/api/driver and /api/notebook answer again (no stale 304) once the history is reloaded."""
    async with running_api(SourceSpec.of("file", path=write_race_moment(tmp_path)), tmp_path) as (engine, _, client):
        await in_session(engine)
        await engine.edit(("iracing", RACED_ONLY), note="Quick in the Cadillac")
        before = assert_valid("/api/driver", await client.get(f"/api/driver?id={RACED_ONLY}"))
        notebook_before = await client.get("/api/notebook")
        assert before["headToHead"] is None and before["userNote"] == "Quick in the Cadillac"
        assert assert_valid("/api/notebook", notebook_before)["entries"][str(RACED_ONLY)]["headToHead"] is None

        await asyncio.to_thread(store_history, engine.database)
        await engine.history.reload()
        await until(lambda: engine.board.versions["history"] > 1)
        after = await client.get(f"/api/driver?id={RACED_ONLY}", headers={"If-None-Match": notebook_before.headers["ETag"]})
        assert assert_valid("/api/driver", after)["headToHead"] == head_to_head(ahead=0, behind=1)
        notebook = await client.get("/api/notebook", headers={"If-None-Match": notebook_before.headers["ETag"]})
        assert assert_valid("/api/notebook", notebook)["entries"][str(RACED_ONLY)]["headToHead"] == head_to_head(0, 1)


async def test_the_notebook_joins_head_to_heads_with_one_query_per_batch(raced: Rivals, tmp_path: Path, monkeypatch):
    many = BATCH * 2 + 17  # three batches, the last a part one
    database = Database(tmp_path / "notebook.duckdb")
    records = [*(noted(5_000_000 + n, f"Driver {n}", note="late on the brakes") for n in range(many - 2)),
               noted(raced.ahead[1], "Seated Ahead", note="won the Kia class"), noted(RACED_ONLY, RACED_ONLY_NAME, note="quick")]
    database.run(save_records, records)
    database.close()
    asked: list[int] = []
    real = h2h_store.head_to_heads

    def counting(cursor, cust_id, rivals):  # type: ignore[no-untyped-def]
        rivals = list(rivals)
        asked.append(len(rivals))
        return real(cursor, cust_id, rivals)

    spec = SourceSpec.of("file", path=tmp_path / "no-sim.irsdk")  # off session: nothing in the roster is joined
    async with running_api(spec, tmp_path) as (engine, _, client):
        await until(lambda: engine.board.version > 0)
        monkeypatch.setattr(h2h_store, "head_to_heads", counting)
        entries = assert_valid("/api/notebook", await client.get("/api/notebook"))["entries"]
    assert asked == [BATCH, BATCH, 17]  # never one query per entry
    assert len(entries) == many
    assert entries[str(raced.ahead[1])]["headToHead"] == head_to_head(ahead=0, behind=1)
    assert entries[str(RACED_ONLY)]["headToHead"] == head_to_head(ahead=0, behind=1)
    assert entries["5000000"]["headToHead"] is None


# snapshots


@by_size
def test_live_screen_with_head_to_head(snap_compare, raced: Rivals, tmp_path: Path, size: tuple[int, int]):
    assert snap_compare(make_app(moment(tmp_path), tmp_path), terminal_size=size, run_before=head_to_heads_joined)


@by_size
def test_driver_card_with_head_to_head(snap_compare, raced: Rivals, tmp_path: Path, size: tuple[int, int]):
    async def open_card(pilot: Pilot) -> None:
        await head_to_heads_joined(pilot)
        await card_of(pilot, raced.ahead)

    app = make_app(moment(tmp_path), tmp_path, clock=lambda: SNAPSHOT_CLOCK)  # the card says when they were met
    assert snap_compare(app, terminal_size=size, run_before=open_card)
