"""The iRacing source on real memory-map dumps, read through the real pyirsdk."""

from pathlib import Path

import pytest
from helpers import DAYTONA, MEMMAPS

from wots_tui.domain.board import build_board
from wots_tui.sources.iracing import read_once

# file -> (racers, player car_idx or None when the player is a spectator, a racer's name, track)
EXPECTED = {
    "LandonPatmore_iracing-live-telemetry__data.bin": (43, 41, "Lyden Lee", "Daytona International Speedway"),
    "ArjandeV_iracing-overlay__mmap.txt.bin": (25, 6, "Patrick Charlton", "Autódromo José Carlos Pace"),
    "ArjandeV_iracing-overlay__data.bin": (1, 0, "Arjan de Vreede", "Watkins Glen"),
    "byang223_pyirsdk__data.bin": (1, 0, "Bryan Yang", "Centripetal Circuit"),
    "irsdkSharp__tests_testdata_session.ibt.bin": (2, None, "Michael Simmons", "Long Beach"),
}


def test_every_dump_is_covered():
    assert {p.name for p in MEMMAPS.iterdir()} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_dump_roster(name: str):
    racers, player, someone, track = EXPECTED[name]
    snapshot = read_once(MEMMAPS / name)
    assert snapshot is not None
    assert len(snapshot.drivers) == racers
    assert someone in {d.name for d in snapshot.drivers}
    assert snapshot.facts.track_name == track
    assert all(d.driver_id > 0 for d in snapshot.drivers)
    assert "Pace Car" not in {d.name for d in snapshot.drivers}
    board = build_board(snapshot, 1)
    players = [r for r in board.rows if r.is_player]
    if player is None:
        assert players == []  # the user is spectating (car 63, IsSpectator=1): not a racer
    else:
        assert [r.car_idx for r in players] == [player]


def test_daytona_has_all_43_racers_with_live_positions():
    board = build_board(read_once(DAYTONA), 1)
    assert len(board.rows) == 43
    positions = [r.position for r in board.rows if r.position]
    assert positions == sorted(positions) and len(set(positions)) == len(positions)
    assert [c.name for c in board.classes] == ["Hosted All Cars"]
    lee = next(r for r in board.rows if r.name == "Lyden Lee")
    assert (lee.irating, lee.licence.label, lee.car_number) == (5207, "A 3.72", "00")


def test_old_sdk_dump_without_car_positions_still_shows_a_roster():
    """The 2015 Interlagos replay has no CarIdxPosition/ClassPosition/F2Time/PlayerCarIdx."""
    snapshot = read_once(MEMMAPS / "ArjandeV_iracing-overlay__mmap.txt.bin")
    board = build_board(snapshot, 1)
    assert snapshot.facts.session_type == "Race"
    assert len(board.rows) == 25
    # cool-down: three cars still in the world get positions derived from their laps; the rest are blank
    assert [(r.position, r.class_position) for r in board.rows[:4]] == [(1, 1), (2, 2), (3, 3), (None, None)]
    assert [r.name for r in board.rows[:3]] == ["Chris J Morris", "Daniel J Wood", "Alex Greenland"]
    assert [r.gap_seconds for r in board.rows[:3]] == [0.0, None, None]  # no F2Time in this SDK
    assert board.rows[1].is_player  # DriverCarIdx, as this SDK has no PlayerCarIdx
    charlton = next(r for r in board.rows if r.name == "Patrick Charlton")
    assert charlton.licence is not None  # from LicLevel/LicSubLevel: this SDK has no LicString


def test_a_file_that_is_not_a_memory_map_is_not_read(tmp_path: Path):
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\x00" * 50)
    assert read_once(junk) is None
    assert read_once(tmp_path / "missing.bin") is None
