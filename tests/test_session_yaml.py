"""Every session-info YAML fixture, wrapped in a real memory map and read through pyirsdk."""

from pathlib import Path

import pytest
from helpers import DAYTONA_YAML, YAMLS, wrap_session_text

from wots_tui.sources.fakesim.memmap import IrsdkFileWriter
from wots_tui.sources.fakesim.sim import VARIABLES
from wots_tui.sources.iracing import FileConnector, SimSession, read_once
from wots_tui.sources.session_info import parse_section_tolerantly, raw_section

# file -> racers expected in the roster (pace car and spectators left out)
RACERS = {
    "from_dumps/ArjandeV_data.bin.session.yaml": 1,
    "from_dumps/ArjandeV_mmap.txt.session.yaml": 25,
    "from_dumps/LandonPatmore_data.bin.session.yaml": 43,
    "from_dumps/byang223_data.bin.session.yaml": 1,
    "from_dumps/irsdkSharp_session.ibt.session.yaml": 2,
    "from_dumps/racedirector_sebring_team.session.yaml": 10,
    "node-irsdk__e482a41__sessioninfo-teams.yaml": 1,
    "node-irsdk__e482a41__sessioninfo.yaml": 1,
    "svappslab__SmokeTests_invalid_data.yaml": 11,  # starts with a UTF-8 BOM
    "svappslab__UnitTests_invalid-unescapedChars.yaml": 11,
    "svappslab__UnitTests_valid.yaml": 11,
}

# irdashies snippets (no UserID, so no roster identity): the DriverInfo values must come through intact
SNIPPET_NAMES = {
    "a_team_name_beginning_with_a_yaml_sequence_ind": ("TeamName", "- BLACKSUIT - Catteam Agency"),
    "names_beginning_with_a_yaml_mapping_indicator": ("UserName", "? ?"),
    "quotes_in_names": ("UserName", "Coolio O'Brien"),
    "the_anonymous_driver_name_from_irdashies_log": ("AbbrevName", "?? ?"),
    "not_consume_the_next_key_after_a_bare_mapping_indicat": ("AbbrevName", "Anonymous"),
    "malformed_yaml_with_trailing_commas": ("UserName", "test"),
    "empty_value_with_trailing_comma": ("UserID", 1195427),
}


def _open(path: Path) -> SimSession:
    ir = FileConnector(path).connect()
    assert ir is not None
    return SimSession(ir)


def test_every_yaml_fixture_is_covered():
    snippets = {p.relative_to(YAMLS).as_posix() for p in YAMLS.rglob("*.yaml") if p.parent.name == "edge_cases"}
    full = {p.relative_to(YAMLS).as_posix() for p in YAMLS.rglob("*.yaml")} - snippets
    assert full == set(RACERS)
    assert len(snippets) == 9


@pytest.mark.parametrize("name", sorted(RACERS))
def test_yaml_roster(name: str, tmp_path: Path):
    snapshot = read_once(wrap_session_text((YAMLS / name).read_bytes(), tmp_path / "map.bin"))
    assert snapshot is not None
    assert len(snapshot.drivers) == RACERS[name]
    assert all(d.name and d.driver_id > 0 for d in snapshot.drivers)


def test_team_name_with_hash_survives(tmp_path: Path):
    snapshot = read_once(wrap_session_text((YAMLS / "node-irsdk__e482a41__sessioninfo-teams.yaml").read_bytes(), tmp_path / "m.bin"))
    assert snapshot.drivers[0].team_name == "Team Antti Pihlaja #37"


@pytest.mark.parametrize("fragment", sorted(SNIPPET_NAMES))
def test_irdashies_snippets(fragment: str, tmp_path: Path):
    (path,) = YAMLS.glob(f"edge_cases/*{fragment}*.yaml")
    session = _open(wrap_session_text(path.read_bytes(), tmp_path / "m.bin"))
    key, value = SNIPPET_NAMES[fragment]
    assert session.section("DriverInfo")["Drivers"][0][key] == value
    assert session.read_snapshot() is not None


def test_newline_in_driver_setup_name_snippet(tmp_path: Path):
    (path,) = YAMLS.glob("edge_cases/*literal_newline*.yaml")
    session = _open(wrap_session_text(path.read_bytes(), tmp_path / "m.bin"))
    info = session.section("DriverInfo")  # pyirsdk raises ScannerError here; we re-parse tolerantly
    assert info["DriverCarIdx"] == 44
    assert info["DriverSetupName"] == r"setupRoot\folderA folderB\carSetupDir\setup_name.sto"
    assert session.read_snapshot().facts.track_name == "nurburgring combinedlong"


def _daytona_with(old: bytes, new: bytes) -> bytes:
    text = DAYTONA_YAML.read_bytes()
    assert old in text
    return text.replace(old, new, 1)


def test_newline_in_a_real_roster_keeps_all_drivers(tmp_path: Path, caplog: pytest.LogCaptureFixture):
    text = _daytona_with(b"DriverSetupName: baseline.sto", b"DriverSetupName: my\\setups\nbaseline.sto")
    snapshot = read_once(wrap_session_text(text, tmp_path / "m.bin"))
    assert len(snapshot.drivers) == 43
    assert "DriverInfo did not parse" in caplog.text


def test_utf8_mode_names_with_yaml_indicators(tmp_path: Path):
    """iRacing's UTF-8 session strings: pyirsdk quotes only DriverSetupName, so '? ?' names raise there."""
    text = _daytona_with(b"---\nWeekendInfo:\n", b"---\nWeekendInfo:\n Encoding: UTF8\n")
    text = text.replace(b"UserName: Lyden Lee", b"UserName: ? ?", 1)
    text = text.replace(b"UserName: Irving Ferrer", "UserName: Zoë Ødegaard".encode(), 1)
    snapshot = read_once(wrap_session_text(text, tmp_path / "m.bin"))
    names = {d.driver_id: d.name for d in snapshot.drivers}
    assert len(names) == 43
    assert names[378081] == "? ?"
    assert "Zoë Ødegaard" in names.values()


def test_a_roster_that_cannot_be_parsed_keeps_the_last_good_one(tmp_path: Path, caplog: pytest.LogCaptureFixture):
    path = tmp_path / "m.bin"
    writer = IrsdkFileWriter(path, VARIABLES)
    writer.write_session_info(DAYTONA_YAML.read_bytes())
    writer.write_tick({})
    session = _open(path)
    assert len(session.read_snapshot().drivers) == 43
    writer.write_session_info(b"---\nDriverInfo:\n Drivers:\n - CarIdx: [1\n   UserID: 5\n\n")
    assert len(session.read_snapshot().drivers) == 43
    assert "keeping the last good roster" in caplog.text
    writer.close()


def test_tolerant_parser_joins_broken_lines_and_quotes_values():
    text = "DriverInfo:\n Drivers:\n - CarIdx: 3\n   UserName: - Dash\n   TeamName: A #1, \"B\"\n   UserID: 7\n"
    parsed = parse_section_tolerantly(raw_section(text, "DriverInfo"), "DriverInfo")
    assert parsed["Drivers"][0] == {"CarIdx": 3, "UserName": "- Dash", "TeamName": 'A #1, "B"', "UserID": 7}
