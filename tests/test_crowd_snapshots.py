"""SVG snapshots of the crowd on screen: the live board and the driver card, with the crowd's word fresh and stale
(plain `def`: snap_compare runs its own loop). The crowd data comes from test_crowd_screens.py's FixedCrowd."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_crowd_screens import AVOID, EXCELLENT, FixedCrowd, crowd_app, crowd_joined
from test_head_to_head_live import card_of
from textual.pilot import Pilot

from wots_tui.domain.crowd import Crowd

by_size = pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=lambda s: f"{s[0]}x{s[1]}")
by_freshness = pytest.mark.parametrize("stale", [False, True], ids=["fresh", "stale"])


@by_size
@by_freshness
def test_live_screen_with_crowd(snap_compare, tmp_path: Path, size: tuple[int, int], stale: bool):
    """The crowd beside the racer's own word on the same driver (the racer rated and tagged the one the crowd
    says to avoid)."""
    crowds = FixedCrowd(stale=stale)

    async def noted_too(pilot: Pilot) -> None:
        await crowd_joined(pilot)
        await pilot.app.engine.edit(crowds.key_of(AVOID), rating=-1, tag_ids=("wrecker",), note="punted me at La Source")
        await pilot.pause()

    assert snap_compare(crowd_app(tmp_path, crowds), terminal_size=size, run_before=noted_too)


@by_size
@pytest.mark.parametrize(("stale", "whose"), [(False, EXCELLENT), (True, AVOID)], ids=["fresh", "stale"])
def test_driver_card_with_crowd(snap_compare, tmp_path: Path, size: tuple[int, int], stale: bool, whose: Crowd):
    crowds = FixedCrowd(stale=stale)

    async def open_card(pilot: Pilot) -> None:
        await crowd_joined(pilot)
        await card_of(pilot, crowds.key_of(whose))

    assert snap_compare(crowd_app(tmp_path, crowds), terminal_size=size, run_before=open_card)
