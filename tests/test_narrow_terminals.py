"""The live screen on any terminal: which columns stay, how text and tags are cut, a header that never wraps."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import connected, make_app, write_race_moment
from rich.cells import cell_len
from textual.widgets._footer import FooterKey

from wots_tui.domain.notebook import BUILTIN_TAGS, Catalogue
from wots_tui.domain.tag_order import warnings_first
from wots_tui.sources.factory import SourceSpec
from wots_tui.ui.screens.live import LiveScreen
from wots_tui.ui.widgets.driver_board import COLUMNS, NARROWING, DriverBoard
from wots_tui.ui.widgets.footer import FittingFooter
from wots_tui.ui.widgets.row_table import ellipsis, layout
from wots_tui.ui.widgets.session_header import Fact, SessionHeader, drivers_shown, fit_line
from wots_tui.ui.widgets.tag_icons import fit_icons, icons_of

RACERS_OWN = {"P", "Driver", "Class", "R", "Tags", "Met", "Note"}
WIDTHS = [60, 80, 100, 120, 160, 200]


def labels(width: int, hidden: frozenset[str] = frozenset()) -> list[str]:
    return [COLUMNS[slot.index].label for slot in layout(COLUMNS, width, hidden, NARROWING, 16)]


@pytest.mark.parametrize("width", WIDTHS)
def test_the_racers_own_columns_stay_at_every_width_and_the_line_fits(width: int):
    slots = layout(COLUMNS, width, frozenset(), NARROWING, 16)
    assert RACERS_OWN <= set(labels(width))
    assert slots[-1].x + slots[-1].width <= width  # nothing drawn past the edge
    assert slots[-1].width >= 16 or width < 80  # the note keeps room to be read


def test_lap_times_go_before_race_facts_and_everything_shows_when_wide():
    assert labels(160, frozenset({"Nick"})) == [c.label for c in COLUMNS if c.label != "Nick"]
    # no racing history, so no H2H (tests/test_head_to_head_live.py has the layouts with it)
    at_120 = labels(120, frozenset({"Nick", "CP", "H2H", "Crowd"}))
    assert "Best" not in at_120 and {"Last", "Gap", "Lap", "iR"} <= set(at_120)
    at_100 = labels(100, frozenset({"Nick", "CP", "H2H", "Crowd"}))
    assert "Last" not in at_100 and "Gap" in at_100
    assert labels(80, frozenset({"Nick", "CP"})).index("Note") == len(labels(80, frozenset({"Nick", "CP"}))) - 1


def test_a_nickname_never_costs_the_gap():
    for width in (80, 100, 120, 160):
        assert "Gap" in labels(width), width
    assert "Nick" in labels(100, frozenset({"Crowd"}))  # from 100 columns both show


def test_hidden_columns_give_their_room_to_the_note():
    with_nick = layout(COLUMNS, 160, frozenset(), NARROWING, 16)[-1].width
    without = layout(COLUMNS, 160, frozenset({"Nick", "CP"}), NARROWING, 16)[-1].width
    assert without == with_nick + 11 + 4


def test_text_too_long_ends_in_an_ellipsis_of_the_cells_width():
    assert ellipsis("Maximilian Østergaard-Johansson", 12) == "Maximilian …"
    assert cell_len(ellipsis("Þórsson 🏁🏁🏁", 10)) == 10


def test_tags_show_as_many_icons_as_fit_then_how_many_more():
    assert fit_icons("✨🤝💣🧱🛑⚡🐢", 8) == "✨🤝💣+4"
    assert fit_icons("✨🤝💣🧱", 8) == "✨🤝💣🧱"  # four fit exactly: no +N
    assert fit_icons("✨🤝💣🧱🛑", 8) == "✨🤝💣+2"
    assert icons_of("⚠️🏳️‍🌈x") == ["⚠️", "🏳️‍🌈", "x"]  # an icon keeps its variation selector and joined parts


def test_conduct_tags_come_first_and_keep_their_order():
    catalogue = Catalogue()
    chosen = [catalogue.get(t) for t in ("clean", "fast", "wrecker", "friend", "toxic")]
    assert [t.id for t in warnings_first(chosen)] == ["wrecker", "toxic", "clean", "fast", "friend"]
    assert {t.category for t in BUILTIN_TAGS if t.id in ("wrecker", "toxic")} == {"conduct"}


def test_a_header_line_drops_whole_facts_least_important_first():
    facts = [Fact("Circuit de Spa-Francorchamps", keep=9), Fact("Grand Prix Pits", keep=1, lead="  "),
             Fact("Race", keep=8), Fact("racing", keep=4, lead=" · "), Fact("0:04:07", keep=7, lead=" · ")]
    assert fit_line(facts, 200).plain == "Circuit de Spa-Francorchamps  Grand Prix Pits  │  Race · racing · 0:04:07"
    assert fit_line(facts, 50).plain == "Circuit de Spa-Francorchamps  │  Race · 0:04:07"
    assert fit_line(facts, 20).plain == "Circuit de Spa-Fran…"  # alone and too long: cut, never wrapped


def test_the_count_says_the_others_and_you():
    assert drivers_shown(61, True) == "60 drivers + you"
    assert drivers_shown(1, False) == "1 driver"
    assert drivers_shown(12, False) == "12 drivers"


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (120, 40), (160, 50)])
async def test_every_row_shows_the_racers_notes_at_every_width(tmp_path: Path, size: tuple[int, int]):
    app = make_app(SourceSpec.of("file", path=write_race_moment(tmp_path)), tmp_path)
    async with app.run_test(size=size) as pilot:
        await connected(pilot)
        await pilot.press("down", "minus", "7", "8", "1", "3", "4", "n")
        app.screen.query_one("TextArea").insert("Wrecked me at Eau Rouge, no apology")
        await pilot.press("ctrl+s")
        await pilot.pause(0.3)
        table = app.live.query_one(DriverBoard)
        assert RACERS_OWN <= set(table.shown_columns)
        line = table.render_line(2).text  # the second driver, under the header line
        assert cell_len(line) == size[0]
        assert "▼" in line and "💥🤬" in line and "Wrecked" in line  # the conduct tags first, whatever fits
        header = app.live.query_one(SessionHeader)
        for text in str(header.render()).splitlines():
            assert cell_len(text) <= size[0] - 2
        footer = [key.action for key in app.live.query_one(FittingFooter).query(FooterKey)]
        assert {"app.push_screen('help')", "app.quit", "rate(1)", "rate(-1)", "card", "note"} <= set(footer)
        ranked = [a for a in LiveScreen.FOOTER_RANK if a in footer]
        assert ranked == list(LiveScreen.FOOTER_RANK[:len(ranked)])  # none shown while a more important one is not
        assert size[0] < 160 or set(LiveScreen.FOOTER_RANK) <= set(footer)


async def test_the_header_says_how_many_others_are_shown(tmp_path: Path):
    app = make_app(SourceSpec.of("file", path=write_race_moment(tmp_path)), tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await connected(pilot)
        assert "59 drivers + you" in str(app.live.query_one(SessionHeader).render())
