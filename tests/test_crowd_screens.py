"""The crowd on screen: the live board's Crowd column and the driver card's crowd section, fresh and stale.

No hub here: the engine is handed a small annotator (`FixedCrowd`) that gives the first drivers of the scripted
race's roster the crowd's word, made by the real maths (`domain/crowd.py::crowd_of`), one label each; the
others (and the racer) have none. The hub and its client are tested in their own files.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

import pytest
from helpers import SNAPSHOT_CLOCK, connected, make_engine, wait_for, write_race_moment
from rich.cells import cell_len
from test_head_to_head_live import RACERS_OWN, card_of
from textual.pilot import Pilot

from wots_tui.annotators import Roster
from wots_tui.domain.board import CROWD
from wots_tui.domain.crowd import Crowd, CrowdView, Tally, crowd_of
from wots_tui.domain.notebook import Key
from wots_tui.sources.factory import SourceSpec
from wots_tui.ui.app import WotsApp
from wots_tui.ui.screens.driver_card import DriverCard
from wots_tui.ui.widgets.crowd_cell import crowd_cell, crowd_text, votes
from wots_tui.ui.widgets.driver_board import DriverBoard
from wots_tui.ui.widgets.session_header import CROWD_STALE, SessionHeader


def crowd(up: int, down: int, neutral: int = 0, tags: dict[str, int] | None = None) -> Crowd:
    """What a hub would publish of these votes (every voter settled: each weighs 1)."""
    published = crowd_of(Tally(up + down + neutral, up, down, neutral, float(up), float(down), float(neutral), tags or {}))
    assert published is not None
    return published


EXCELLENT = crowd(40, 1, tags={"clean": 30, "gives_space": 12, "fast": 9, "divebomber": 2})  # 2: not published
GOOD = crowd(23, 3)
NEUTRAL = crowd(5, 4, 3, tags={"slow": 3})
CAUTION = crowd(3, 9, 1, tags={"divebomber": 6, "blocker": 4})
AVOID = crowd(0, 60, tags={"wrecker": 45, "rejoins_unsafely": 20, "toxic": 18})
CROWDS = (EXCELLENT, GOOD, NEUTRAL, CAUTION, AVOID)


class FixedCrowd:
    """An annotator with the crowd's word on the first drivers of each roster (the racer left out), one Crowd each,
    as the crowd client's CrowdViews: all stale when `stale` (the hub did not answer)."""

    name = CROWD

    def __init__(self, crowds: Sequence[Crowd] = CROWDS, stale: bool = False) -> None:
        self.crowds = tuple(crowds)
        self.stale = stale
        self.version = 0
        self.known: dict[Key, CrowdView] = {}
        self._changed: Callable[[], None] = lambda: None

    def watch(self, changed: Callable[[], None], failed: Callable[[str], None]) -> None:
        self._changed = changed

    async def open(self) -> None:
        pass

    async def roster_changed(self, roster: Roster) -> None:
        others = [key for key in roster.keys if key != roster.player]
        self.known = {key: CrowdView(c, self.stale, SNAPSHOT_CLOCK) for key, c in zip(others, self.crowds, strict=False)}
        self._bump()

    def hub_answers(self) -> None:
        """The hub answered again: the same crowd data, no longer stale."""
        self.known = {key: CrowdView(view.crowd, False, SNAPSHOT_CLOCK) for key, view in self.known.items()}
        self._bump()

    def _bump(self) -> None:
        self.version += 1
        self._changed()

    def annotation(self, key: Key) -> CrowdView | None:
        return self.known.get(key)

    def key_of(self, published: Crowd) -> Key:
        return next(key for key, view in self.known.items() if view.crowd is published)

    async def close(self) -> None:
        pass


def crowd_app(folder: Path, annotator: FixedCrowd | None, clock: Callable[[], datetime] = lambda: SNAPSHOT_CLOCK) -> WotsApp:
    """The app on the scripted race's moment, with `annotator` beside the notebook (None: no crowd at all)."""
    spec = SourceSpec.of("file", path=write_race_moment(folder))
    return WotsApp(make_engine(spec, folder, clock, annotators=[annotator] if annotator else []))


async def crowd_joined(pilot: Pilot) -> None:
    await connected(pilot)
    await wait_for(pilot, lambda: any(row.crowd for row in pilot.app.live.query_one(DriverBoard).rows))
    await pilot.pause()


def board_line(pilot: Pilot, key: Key) -> str:
    """The driver's whole line on the live board, as drawn."""
    table = pilot.app.live.query_one(DriverBoard)
    index = next(i for i, row in enumerate(table.rows) if row.key == key)
    return table.render_line(1 + index - table._top).text


def crowd_of_cell(pilot: Pilot, key: Key) -> str:
    table = pilot.app.live.query_one(DriverBoard)
    row = next(row for row in table.rows if row.key == key)
    return next(column.cell(row) for column in table.columns if column.label == "Crowd")[0]


def card_crowd(card: DriverCard) -> str:
    return str(card.query_one("#card-crowd").render())


# the cell


def test_each_label_has_its_own_shape_and_the_voters_in_three_cells():
    cells = [crowd_cell(CrowdView(c, False, SNAPSHOT_CLOCK))[0] for c in CROWDS]
    assert cells == ["★  41", "▲  26", "●  12", "▼  13", "✕  60"]
    assert len({cell[0] for cell in cells}) == 5  # told apart by shape, not colour alone
    assert crowd_cell(None) == ("", None)
    assert [votes(n) for n in (3, 999, 1000, 12_345)] == ["3", "999", "1k", "12k"]


def test_a_stale_cell_is_marked_and_dimmed_and_keeps_the_labels_colour():
    fresh_text, fresh = crowd_cell(CrowdView(AVOID, False, SNAPSHOT_CLOCK))
    stale_text, stale = crowd_cell(CrowdView(AVOID, True, SNAPSHOT_CLOCK))
    assert stale_text == "✕~ 60" and fresh_text == "✕  60"
    assert stale is not None and fresh is not None
    assert stale.dim and not fresh.dim and stale.color == fresh.color


def test_the_cards_lines_break_between_phrases_never_inside_one():
    lines = crowd_text(CrowdView(NEUTRAL, False, SNAPSHOT_CLOCK), 50).plain.splitlines()
    assert lines == [
        "Crowd ● Neutral 3/5 (weighted 3.1)",
        "      12 voters: 5 up, 4 down, 3 neutral",
        "      medium confidence",
        "Crowd tags 🐢 Slow 3 (25%)",
    ]
    wide = crowd_text(CrowdView(EXCELLENT, False, SNAPSHOT_CLOCK), 64).plain.splitlines()
    assert wide[-2:] == ["Crowd tags ✨ Clean Racer 30 (73%)  ·  🤝 Gives Space 12 (29%)", "           ⚡ Fast 9 (22%)"]
    assert all(cell_len(line) <= 64 and not line.endswith("·") for line in wide)


# the live board


@pytest.mark.parametrize("size", [(100, 30), (120, 40), (160, 50)])
async def test_the_crowd_column_shows_beside_the_racers_own_columns(tmp_path: Path, size: tuple[int, int]):
    crowds = FixedCrowd()
    app = crowd_app(tmp_path, crowds)
    async with app.run_test(size=size) as pilot:
        await crowd_joined(pilot)
        table = app.live.query_one(DriverBoard)
        assert {"Crowd"} | RACERS_OWN <= set(table.shown_columns)
        assert crowd_of_cell(pilot, crowds.key_of(EXCELLENT)) == "★  41"
        assert crowd_of_cell(pilot, crowds.key_of(AVOID)) == "✕  60"
        assert " ✕  60 " in board_line(pilot, crowds.key_of(AVOID))


async def test_a_driver_the_crowd_has_nothing_on_has_an_empty_cell(tmp_path: Path):
    crowds = FixedCrowd()
    app = crowd_app(tmp_path, crowds)
    async with app.run_test(size=(160, 50)) as pilot:
        await crowd_joined(pilot)
        rows = app.live.query_one(DriverBoard).rows
        nobody = [row.key for row in rows if row.key not in crowds.known]
        assert len(nobody) == len(rows) - len(CROWDS)  # the racer among them
        assert all(crowd_of_cell(pilot, key) == "" for key in nobody)


async def test_at_80_columns_the_crowd_gives_way_and_the_racers_notes_and_tags_stay(tmp_path: Path):
    app = crowd_app(tmp_path, FixedCrowd())
    async with app.run_test(size=(80, 24)) as pilot:
        await crowd_joined(pilot)
        shown = set(app.live.query_one(DriverBoard).shown_columns)
        assert RACERS_OWN | {"Gap"} <= shown and "Crowd" not in shown


@pytest.mark.parametrize("crowds", [None, FixedCrowd(crowds=())], ids=["crowd off", "nobody known"])
async def test_no_crowd_data_no_column(tmp_path: Path, crowds: FixedCrowd | None):
    app = crowd_app(tmp_path, crowds)
    async with app.run_test(size=(160, 50)) as pilot:
        await connected(pilot)
        if crowds is not None:
            await wait_for(pilot, lambda: app.engine.board.versions.get(CROWD))
        assert "Crowd" not in app.live.query_one(DriverBoard).shown_columns


async def test_stale_crowd_data_is_marked_on_the_board(tmp_path: Path):
    crowds = FixedCrowd(stale=True)
    app = crowd_app(tmp_path, crowds)
    async with app.run_test(size=(160, 50)) as pilot:
        await crowd_joined(pilot)
        assert crowd_of_cell(pilot, crowds.key_of(GOOD)) == "▲~ 26"
        assert " ▲~ 26 " in board_line(pilot, crowds.key_of(GOOD))


def header(pilot: Pilot) -> str:
    return str(pilot.app.live.query_one(SessionHeader).render())


@pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_the_header_says_when_the_crowd_data_is_the_last_known_and_the_hub_answering_takes_it_off(
        tmp_path: Path, size: tuple[int, int]):
    crowds = FixedCrowd(stale=True)
    app = crowd_app(tmp_path, crowds)
    async with app.run_test(size=size) as pilot:
        await crowd_joined(pilot)
        assert CROWD_STALE in header(pilot).splitlines()[1]
        crowds.hub_answers()
        await wait_for(pilot, lambda: CROWD_STALE not in header(pilot))
        if "Crowd" in app.live.query_one(DriverBoard).shown_columns:
            key = crowds.key_of(GOOD)
            await wait_for(pilot, lambda: " ▲  26 " in board_line(pilot, key))


async def test_fresh_crowd_data_is_not_mentioned_in_the_header(tmp_path: Path):
    app = crowd_app(tmp_path, FixedCrowd())
    async with app.run_test(size=(160, 50)) as pilot:
        await crowd_joined(pilot)
        assert "crowd" not in header(pilot).lower()


# the card


async def test_the_card_says_what_the_crowd_thinks(tmp_path: Path):
    crowds = FixedCrowd()
    app = crowd_app(tmp_path, crowds)
    async with app.run_test(size=(160, 50)) as pilot:
        await crowd_joined(pilot)
        text = card_crowd(await card_of(pilot, crowds.key_of(EXCELLENT)))
        assert text.startswith("Crowd ★ Excellent 5/5 (weighted 4.6)  ·  41 voters: 40 up, 1 down  ·  high confidence\n")
        assert text.endswith("\nCrowd tags ✨ Clean Racer 30 (73%)  ·  🤝 Gives Space 12 (29%)  ·  ⚡ Fast 9 (22%)")
        assert "Divebomber" not in text  # two voters: not published
        assert "Last known" not in text
        await pilot.press("escape")
        good = card_crowd(await card_of(pilot, crowds.key_of(GOOD)))
        assert "Crowd ▲ Good 4/5 (weighted 4.2)  ·  26 voters: 23 up, 3 down  ·  high confidence" in good
        assert "Crowd tags: none chosen by 3 voters or more" in good


async def test_a_stale_card_says_it_is_the_last_known(tmp_path: Path):
    crowds = FixedCrowd(stale=True)
    app = crowd_app(tmp_path, crowds)
    async with app.run_test(size=(160, 50)) as pilot:
        await crowd_joined(pilot)
        text = card_crowd(await card_of(pilot, crowds.key_of(AVOID)))
        assert text.splitlines() == [
            "Last known, the hub did not answer  ·  as of 2026-11-20 19:30",
            "Crowd ✕ Avoid 1/5 (weighted 1.2)  ·  60 voters: 0 up, 60 down  ·  high confidence",
            "Crowd tags 💥 Wrecker 45 (75%)  ·  🚧 Unsafe Rejoin 20 (33%)  ·  🤬 Toxic Chat 18 (30%)",
        ]


async def test_the_card_of_a_driver_with_no_crowd_data_has_no_crowd_section(tmp_path: Path):
    crowds = FixedCrowd()
    app = crowd_app(tmp_path, crowds)
    async with app.run_test(size=(160, 50)) as pilot:
        await crowd_joined(pilot)
        nobody = next(row.key for row in app.engine.board.rows if row.key not in crowds.known and not row.is_player)
        card = await card_of(pilot, nobody)
        assert not card.query("#card-crowd")
        assert "Crowd" not in "\n".join(str(static.render()) for static in card.query("Static"))
