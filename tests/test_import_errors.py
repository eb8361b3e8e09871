"""`wots-tui notebook import` on bad files: one line naming the file, the entry or line and what is wrong,
a non-zero exit, and nothing written (the notebook file's bytes are the same afterwards; a new one is not made).

Every file is tried twice, with --dry-run and without: both refuse it with the same line.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import noted

from wots_tui.cli import main
from wots_tui.store import Database
from wots_tui.store.notebook import save_record

HEADER = "custId,platform,name,customName,carNumber,seenCount,userRep,userNote,userTags,votedAt,updatedAt,lastMet"
GOOD_ROW = '1,iracing,Björn Eriksen,Bear,7,3,1,"says ""sorry"", always",clean,2026-11-20T19:30:00Z,2026-11-20T19:30:00Z,'
NEXT_ROW = "2,iracing,Aoife O'Brien,,,1,-1,,divebomber,,2026-11-20T19:30:00Z,"


def csv_bytes(*rows: str) -> bytes:
    return ("\n".join((HEADER, *rows)) + "\n").encode("utf-8")


def json_bytes(**entries: dict) -> bytes:
    return json.dumps({"count": len(entries), "entries": entries}, ensure_ascii=False).encode("utf-8")


GOOD = {"custId": 3, "name": "Émile Dubois", "userRep": 1, "updatedAt": "2026-11-20T19:30:00Z"}

BAD_FILES = {
    # name: (file name, bytes, what the line says after "<file>: ")
    "csv cut mid-row": (
        "cut.csv", csv_bytes(GOOD_ROW, NEXT_ROW)[:-30],
        "line 3: 9 of the 12 cells: the file is cut off mid-row"),
    "csv row short in the middle": (
        "short.csv", csv_bytes("5,iracing,Short Row", GOOD_ROW),
        "line 2: 3 of the 12 cells: a row cut short"),
    "csv cut inside a quoted note": (
        "quote.csv", csv_bytes(NEXT_ROW, GOOD_ROW).split(b"sorry")[0],
        'line 3: cut off inside a quoted cell (a " opened and never closed)'),
    "csv cut inside an accented letter": (
        "accent.csv", csv_bytes(NEXT_ROW, GOOD_ROW).split("ö".encode())[0] + "ö".encode()[:1],
        "cut off inside a character at byte "),
    "json cut inside an accented letter": (
        "accent.json", json_bytes(**{"3": GOOD}).split("É".encode())[0] + "É".encode()[:1],
        "cut off inside a character at byte 53 (line 1)"),
    "not utf-8 in the middle": (
        "latin1.csv", csv_bytes(GOOD_ROW).replace("ö".encode(), b"\xf6"),
        "not UTF-8 text (byte "),
    "json cut short": (
        "cut.json", json_bytes(**{"3": GOOD})[:-10],
        "cut off: the JSON ends at line 1 before it is complete"),
    "json not json": (
        "broken.json", b'{"entries": {"3": {"custId": 3,, "userRep": 1}}}',
        "not valid JSON at line 1, column "),
    "empty file": ("empty.csv", b"", "the file is empty"),
    "json a saved web page": (
        "page.json", b"<!DOCTYPE html>\n<html><body>502 Bad Gateway</body></html>\n",
        "a web page, not JSON: an error page saved in place of the data?"),
    "json with the seed scripts' trailing comma": (  # forgiven only for the Data API files that need it
        "comma.json", b'{"count": 0, "entries": {},}',
        "not valid JSON at line 1, column 27 (trailing comma is not allowed)"),
    "csv row with only a name": (
        "name.csv", b"custId,name,userNote\n,Only A Name,\n",
        "line 2: custId is missing"),
    "csv row with a custId and only a name": (
        "nothing.csv", b"custId,name\n9,Only A Name\n",
        "line 2: nothing written about Only A Name (9): no userRep, userNote, customName or userTags"),
    "json entry with nothing written": (
        "nothing.json", json_bytes(**{"9": {"custId": 9, "name": "Quiet", "seenCount": 2}}),
        "entry '9': nothing written about Quiet (9)"),
    "json entry without custId": (
        "nocust.json", json_bytes(**{"9": {"name": "Quiet", "userRep": 1}}),
        "entry '9': custId is missing"),
    "csv userRep out of range": (
        "rep.csv", b"custId,userRep\n9,2\n",
        "line 2: userRep must be -1, 0, 1 or null, not 2"),
    "csv userRep not a number": (
        "rep-word.csv", b"custId,userRep\n9,up\n",
        "line 2: userRep must be a whole number, not 'up'"),
    "json userRep a boolean": (
        "rep.json", json_bytes(**{"9": {"custId": 9, "userRep": True}}),
        "entry '9': userRep must be int, not bool"),
    "json tag with a bad colour": (
        "colour.json", json_bytes(**{"9": {"custId": 9, "userTags": [{"id": "late", "name": "Late", "color": "banana"}]}}),
        "entry '9': tag 'late' color must be #rrggbb, not 'banana'"),
    "json tag id with spaces": (
        "tagid.json", json_bytes(**{"9": {"custId": 9, "userTags": [{"id": "late braker"}]}}),
        "entry '9': a tag id must be one word, not 'late braker'"),
    "csv seenCount below zero": (
        "seen.csv", b"custId,userRep,seenCount\n9,1,-3\n",
        "line 2: seenCount must be 0 or more, not -3"),
    "csv custId zero": (
        "zero.csv", b"custId,userRep\n0,1\n",
        "line 2: custId must be a positive whole number, not 0"),
    "csv same driver twice": (
        "twice.csv", b"custId,userRep\n9,1\n8,0\n9,-1\n",
        "line 4: custId 9 is there twice (first in line 2)"),
    "csv column that is not a notebook field": (
        "column.csv", b"custId,userRep,comment\n9,1,hi\n",
        "line 1: column 'comment' is not a notebook column"),
    "csv more cells than columns": (
        "wide.csv", b"custId,userRep\n9,1,extra\n",
        "line 2: 3 cells, more than the 2 columns"),
    "csv without custId column": (
        "nocolumn.csv", b"name,userRep\nX,1\n",
        "line 1: not a notebook CSV: the first line must name the columns, custId among them"),
    "csv bad time": (
        "time.csv", b"custId,userRep,updatedAt\n9,1,yesterday\n",
        "line 2: updatedAt is not an ISO 8601 time: 'yesterday'"),
    "json unknown platform": (
        "platform.json", json_bytes(**{"9": {"custId": 9, "userRep": 1, "platform": "rfactor"}}),
        "entry '9': unknown platform 'rfactor' (known: iracing, ams2)"),
}


def import_(file: Path, db: Path, *flags: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, ["notebook", "import", str(file), "--db", str(db), *flags])


@pytest.fixture
def notebook_file(tmp_path: Path) -> Path:
    """A notebook with one entry, closed, so its bytes can be compared afterwards."""
    path = tmp_path / "ours.duckdb"
    db = Database(path)
    db.run(save_record, noted(1, "Björn Eriksen", rating=-1, note="ours"))
    db.close()
    return path


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_bad_file_is_one_line_and_writes_nothing(tmp_path: Path, notebook_file: Path, case: str):
    name, data, says = BAD_FILES[case]
    file = tmp_path / name
    file.write_bytes(data)
    before = notebook_file.read_bytes()
    lines = set()
    for flags in ((), ("--dry-run",), ("--verbose",)):
        result = import_(file, notebook_file, *flags)
        assert result.exit_code == 1, (flags, result.output)
        assert result.output.startswith(f"Error: {file}: {says}"), result.output
        assert result.output.endswith("; nothing was imported\n") and result.output.count("\n") == 1
        lines.add(result.output)
    assert len(lines) == 1  # the dry run and the real run refuse it alike
    assert notebook_file.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["ours.duckdb", name])  # no .wal, no partial


@pytest.mark.parametrize("case", ["csv cut mid-row", "json cut inside an accented letter", "csv row with only a name"])
def test_a_bad_file_never_makes_the_new_notebook_it_was_to_fill(tmp_path: Path, case: str):
    name, data, says = BAD_FILES[case]
    file = tmp_path / name
    file.write_bytes(data)
    target = tmp_path / "new" / "notebook.duckdb"
    result = import_(file, target)
    assert result.exit_code == 1 and says in result.output
    assert not target.parent.exists()


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_the_cut_off_byte_offset_is_where_the_letter_starts_in_the_file(tmp_path: Path, notebook_file: Path, bom: bytes):
    """Our CSV export starts with a byte-order mark: the offset counts it, as a hex editor would."""
    data = bom + csv_bytes(NEXT_ROW, GOOD_ROW)
    cut = data.index("ö".encode()) + 1
    file = tmp_path / "accent.csv"
    file.write_bytes(data[:cut])
    result = import_(file, notebook_file)
    assert f"cut off inside a character at byte {cut - 1} (line 3)" in result.output
    file.write_bytes(data.replace("ö".encode(), b"\xf6"))
    assert f"not UTF-8 text (byte {cut - 1}, line 3)" in import_(file, notebook_file).output
