"""SVG snapshots of the notebook and tags screens, their filter pickers and their help, at 80x24 and 160x50,
on a fixed race moment and a fixed clock (plain `def`: snap_compare runs its own loop)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from helpers import SNAPSHOT_CLOCK, connected, make_app, wait_for, write_race_moment
from textual.pilot import Pilot
from textual.widgets import OptionList

from wots_tui.sources.factory import SourceSpec
from wots_tui.ui.screens.help import HelpScreen
from wots_tui.ui.screens.notebook import NotebookScreen
from wots_tui.ui.screens.pickers import Picker
from wots_tui.ui.screens.tags import TagsScreen

by_size = pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=lambda s: f"{s[0]}x{s[1]}")

# Four drivers as a racer notes them: a rating, tags and a note on each, a nickname on one.
NOTES = (
    dict(rating=1, tag_ids=("clean", "fast"), note="Clean in the Bus Stop, gives room", nickname="Bjorn"),
    dict(rating=-1, tag_ids=("divebomber", "wrecker"), note="Divebombed me at La Source, lap 2"),
    dict(rating=0, tag_ids=("gives_space",), note="Quick on the Kemmel straight"),
    dict(rating=-1, tag_ids=("clean", "toxic"), note="Fine on track, rude in chat"),
)


def run(tmp_path: Path, size: tuple[int, int], steps: Callable[[Pilot], Awaitable[None]], snap_compare) -> bool:  # type: ignore[no-untyped-def]  # noqa: E501
    """The app at `size` after `steps`, toasts gone, against its snapshot."""
    spec = SourceSpec.of("file", path=write_race_moment(tmp_path))
    app = make_app(spec, tmp_path, clock=lambda: SNAPSHOT_CLOCK)

    async def then_quiet(pilot: Pilot) -> None:
        await steps(pilot)
        await pilot.pause()
        pilot.app.clear_notifications()
        await pilot.pause()

    return snap_compare(app, terminal_size=size, run_before=then_quiet)


async def noted(pilot: Pilot) -> None:
    await connected(pilot)
    others = [row for row in pilot.app.live.board.rows if not row.is_player]
    for row, fields in zip(others[1:], NOTES):
        await pilot.app.engine.edit(row.key, **fields)
    await wait_for(pilot, lambda: pilot.app.engine.entry_count == len(NOTES))


async def notebook(pilot: Pilot, *keys: str) -> None:
    """On the notebook screen after `keys`, once the search they asked for is shown."""
    await pilot.press("f2")
    screen = pilot.app.screen
    assert isinstance(screen, NotebookScreen)
    await wait_for(pilot, lambda: screen.searches_shown)
    if keys:
        await notebook_keys(pilot, *keys)


@by_size
def test_notebook_with_entries(snap_compare, tmp_path: Path, size: tuple[int, int]):
    async def steps(pilot: Pilot) -> None:
        await noted(pilot)
        await notebook(pilot)

    assert run(tmp_path, size, steps, snap_compare)


@by_size
def test_notebook_filtered_by_tag_and_rating(snap_compare, tmp_path: Path, size: tuple[int, int]):
    async def steps(pilot: Pilot) -> None:
        await noted(pilot)
        await notebook(pilot, "t", "1")  # Clean Racer
        await notebook_keys(pilot, "r", "minus")  # and rated down

    assert run(tmp_path, size, steps, snap_compare)


@by_size
def test_notebook_empty(snap_compare, tmp_path: Path, size: tuple[int, int]):
    async def steps(pilot: Pilot) -> None:
        await connected(pilot)
        await notebook(pilot)

    assert run(tmp_path, size, steps, snap_compare)


@by_size
def test_notebook_no_match(snap_compare, tmp_path: Path, size: tuple[int, int]):
    async def steps(pilot: Pilot) -> None:
        await noted(pilot)
        await notebook(pilot, "t", "2")  # Gives Space
        await notebook_keys(pilot, "r", "plus")  # and rated up: nobody

    assert run(tmp_path, size, steps, snap_compare)


@by_size
def test_rating_picker(snap_compare, tmp_path: Path, size: tuple[int, int]):
    async def steps(pilot: Pilot) -> None:
        await noted(pilot)
        await notebook(pilot)
        await pilot.press("r", "down")
        assert isinstance(pilot.app.screen, Picker)

    assert run(tmp_path, size, steps, snap_compare)


@by_size
def test_tag_picker(snap_compare, tmp_path: Path, size: tuple[int, int]):
    async def steps(pilot: Pilot) -> None:
        await noted(pilot)
        await notebook(pilot)
        await pilot.press("t")
        picker = pilot.app.screen
        assert isinstance(picker, Picker)
        clean = picker.query_one(OptionList).get_option_at_index(1)
        await wait_for(pilot, lambda: "2 entries" in str(clean.prompt))

    assert run(tmp_path, size, steps, snap_compare)


@by_size
def test_tags_screen(snap_compare, tmp_path: Path, size: tuple[int, int]):
    async def steps(pilot: Pilot) -> None:
        await noted(pilot)
        await pilot.press("f3", "down", "down")
        tags = pilot.app.screen
        assert isinstance(tags, TagsScreen)
        await wait_for(pilot, lambda: tags._uses)

    assert run(tmp_path, size, steps, snap_compare)


@by_size
def test_help_on_the_notebook(snap_compare, tmp_path: Path, size: tuple[int, int]):
    async def steps(pilot: Pilot) -> None:
        await noted(pilot)
        await notebook(pilot)
        await pilot.press("question_mark")
        assert isinstance(pilot.app.screen, HelpScreen)

    assert run(tmp_path, size, steps, snap_compare)


@by_size
def test_help_on_the_tags_screen(snap_compare, tmp_path: Path, size: tuple[int, int]):
    async def steps(pilot: Pilot) -> None:
        await connected(pilot)
        await pilot.press("f3", "question_mark")
        assert isinstance(pilot.app.screen, HelpScreen)

    assert run(tmp_path, size, steps, snap_compare)


async def notebook_keys(pilot: Pilot, *keys: str) -> None:
    """`keys` on the notebook screen, once the search they asked for is shown."""
    screen = pilot.app.notebook_screen
    shown = screen.searches_shown
    await pilot.press(*keys)
    await wait_for(pilot, lambda: screen.searches_shown > shown)
