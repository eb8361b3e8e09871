"""`wots-tui notebook export` and `import`: real files, a real DuckDB notebook on each side."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import in_session, make_engine, write_race_moment

from wots_tui.cli import main
from wots_tui.domain.notebook import NoteRecord, Tag
from wots_tui.domain.sightings import Sighting
from wots_tui.sources.factory import SourceSpec
from wots_tui.store import Database
from wots_tui.store.notebook import load_all, load_record, save_record
from wots_tui.store.sightings import record_sightings
from wots_tui.store.tags import load_tags, save_tags

T0 = datetime(2026, 11, 20, 19, 30, tzinfo=UTC)


def fill(path: Path) -> None:
    db = Database(path)
    db.run(save_tags, [Tag("mine_late_braker", "Late Braker", "🦥", "mine", "#123456", None, 50)])
    db.run(save_record, NoteRecord(("iracing", 1), name="Björn Eriksen", nickname="Bear", rating=1, note='says "sorry", always',
                                   tag_ids=("clean", "mine_late_braker"), voted_at=T0, updated_at=T0, subsession_id=81552310))
    db.run(save_record, NoteRecord(("iracing", 2), name="Aoife O'Brien", rating=-1, tag_ids=("divebomber",), updated_at=T0))
    db.close()


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_export_json_is_the_wots_notebook_shape(tmp_path: Path):
    fill(tmp_path / "a.duckdb")
    result = run("notebook", "export", "--db", str(tmp_path / "a.duckdb"))
    document = json.loads(result.output)
    assert document["count"] == 2
    entry = document["entries"]["1"]
    assert {"custId", "name", "customName", "carNumber", "seenCount", "userRep", "userNote", "userTags", "crowdRep",
            "crowdTags", "votedAt", "sessionId", "subsessionId"} <= entry.keys()
    assert (entry["customName"], entry["userRep"], entry["subsessionId"]) == ("Bear", 1, 81552310)
    assert [t["id"] for t in entry["userTags"]] == ["clean", "mine_late_braker"]


def test_export_then_import_elsewhere_brings_everything(tmp_path: Path):
    fill(tmp_path / "a.duckdb")
    for fmt in ("json", "csv"):
        out = tmp_path / f"notebook.{fmt}"
        run("--db", str(tmp_path / "a.duckdb"), "notebook", "export", "--format", fmt, "--out", str(out))
        target = tmp_path / f"b-{fmt}.duckdb"
        result = run("notebook", "import", str(out), "--db", str(target))
        assert "2 entries: added 2, updated 0, kept 0" in result.output and "; 1 new tag;" in result.output
        db = Database(target)
        records, tags = db.run(load_all), db.run(load_tags)
        db.close()
        by_id = {r.key[1]: r for r in records}
        assert by_id[1].note == 'says "sorry", always' and by_id[1].tag_ids == ("clean", "mine_late_braker")
        assert "mine_late_braker" in {t.id for t in tags}
        again = run("notebook", "import", str(out), "--db", str(target))
        assert "added 0, updated 0, kept 2" in again.output


def test_dry_run_prints_the_changes_and_writes_nothing(tmp_path: Path):
    fill(tmp_path / "a.duckdb")
    newer = {"entries": {"2": {"custId": 2, "name": "Aoife O'Brien", "userRep": 1, "userNote": "apologised, fair",
                               "updatedAt": (T0 + timedelta(days=1)).isoformat()},
                         "3": {"custId": 3, "name": "New Person", "userNote": "new in GT4", "updatedAt": T0.isoformat()}}}
    file = tmp_path / "theirs.json"
    file.write_text(json.dumps(newer), encoding="utf-8")
    result = run("notebook", "import", str(file), "--dry-run", "--db", str(tmp_path / "a.duckdb"))
    assert "update           2  Aoife O'Brien: rating -1 -> 1" in result.output
    assert "add              3  New Person" in result.output and "would add 1, would update 1" in result.output
    db = Database(tmp_path / "a.duckdb")
    assert {r.key[1]: r.rating for r in db.run(load_all)} == {1: 1, 2: -1}
    db.close()
    done = run("notebook", "import", str(file), "--db", str(tmp_path / "a.duckdb"))
    assert done.output.strip().splitlines() == [
        f"{file.name}: 2 entries: added 1, updated 1, kept 0 (ours as new or newer); 0 new tags"]
    db = Database(tmp_path / "a.duckdb")
    assert {r.key[1]: r.rating for r in db.run(load_all)} == {1: 1, 2: 1, 3: None}
    db.close()
    again = run("notebook", "import", str(file), "--verbose", "--db", str(tmp_path / "a.duckdb"))
    assert "added 0, updated 0, kept 2" in again.output and "add " not in again.output


def test_a_truncated_or_wrong_file_is_one_line_and_writes_nothing(tmp_path: Path):
    fill(tmp_path / "a.duckdb")
    good = tmp_path / "good.json"
    run("notebook", "export", "--out", str(good), "--db", str(tmp_path / "a.duckdb"))
    truncated = tmp_path / "truncated.json"
    truncated.write_bytes(good.read_bytes()[:-40])
    wrong = tmp_path / "wrong.json"
    document = json.loads(good.read_text(encoding="utf-8"))
    document["entries"]["9"] = {"custId": "nine"}
    wrong.write_text(json.dumps(document), encoding="utf-8")
    target = tmp_path / "b.duckdb"
    for file, says in ((truncated, "cut off: the JSON ends at line"), (wrong, "entry '9': custId must be int")):
        result = CliRunner().invoke(main, ["notebook", "import", str(file), "--db", str(target)])
        assert result.exit_code == 1
        assert says in result.output and "nothing was imported" in result.output
        assert len(result.output.strip().splitlines()) == 1
    db = Database(target)
    assert db.run(load_all) == []
    db.close()


def exported(db: Path, fmt: str = "json") -> dict:
    """The notebook as `notebook export` writes it, entries by id (CSV read back through the importer's reader)."""
    result = run("notebook", "export", "--db", str(db), "--format", fmt)
    if fmt == "json":
        return json.loads(result.output)["entries"]
    return {row["custId"]: row for row in csv.DictReader(io.StringIO(result.output.removeprefix("\ufeff")))}


def test_csv_export_starts_with_a_byte_order_mark_for_excel_and_imports_back(tmp_path: Path):
    fill(tmp_path / "a.duckdb")
    out = tmp_path / "notebook.csv"
    result = run("notebook", "export", "--format", "csv", "--out", str(out), "--db", str(tmp_path / "a.duckdb"))
    assert result.output == f"exported 2 entries to {out}\n"
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfcustId,") and "Björn Eriksen".encode() in data
    assert run("notebook", "export", "--format", "csv", "--db", str(tmp_path / "a.duckdb")).stdout_bytes == data
    imported = run("notebook", "import", str(out), "--db", str(tmp_path / "b.duckdb"))
    assert "added 2" in imported.output
    db = Database(tmp_path / "b.duckdb")
    assert {r.name for r in db.run(load_all)} == {"Björn Eriksen", "Aoife O'Brien"}
    db.close()


def test_counts_are_said_in_words_that_agree(tmp_path: Path):
    db = Database(tmp_path / "a.duckdb")
    db.run(save_record, NoteRecord(("iracing", 1), name="Only One", rating=1, updated_at=T0))
    db.close()
    out = tmp_path / "one.json"
    assert run("notebook", "export", "--out", str(out), "--db", str(tmp_path / "a.duckdb")).output == f"exported 1 entry to {out}\n"
    again = run("notebook", "import", str(out), "--db", str(tmp_path / "a.duckdb"))
    assert again.output == "one.json: 1 entry: added 0, updated 0, kept 1 (ours as new or newer); 0 new tags\n"


def test_entries_without_a_time_take_the_imports_and_never_replace_ours(tmp_path: Path):
    target = tmp_path / "a.duckdb"
    db = Database(target)
    db.run(save_record, NoteRecord(("iracing", 2), name="Ours", note="ours, kept", updated_at=T0))
    db.close()
    wots = tmp_path / "wots.json"
    wots.write_text(json.dumps({"count": 2, "entries": {
        "1": {"custId": 1, "name": "Max", "userRep": 1, "userNote": "WOTS never wrote when", "votedAt": None},
        "2": {"custId": 2, "name": "Ours", "userNote": "theirs, undated", "votedAt": None},
    }}), encoding="utf-8")
    no_times = tmp_path / "no-times.csv"
    no_times.write_text("custId,name,userRep\n3,Csv Person,-1\n", encoding="utf-8")
    before = datetime.now(UTC)
    took = "; 0 new tags; 1 without updatedAt or votedAt {} the import's time"
    for file, summary in (
        (wots, "wots.json: 2 entries: {} 1, {} 0, kept 1 (ours as new or newer)" + took),
        (no_times, "no-times.csv: 1 entry: {} 1, {} 0, kept 0 (ours as new or newer)" + took),
    ):
        dry = run("notebook", "import", str(file), "--dry-run", "--db", str(target))
        assert dry.output.splitlines()[-1] == summary.format("would add", "would update", "would take")
        done = run("notebook", "import", str(file), "--db", str(target))
        assert done.output == summary.format("added", "updated", "took") + "\n"
    db = Database(target)
    by_id = {r.key[1]: r for r in db.run(load_all)}
    db.close()
    assert by_id[2].note == "ours, kept" and by_id[2].updated_at == T0
    for added in (by_id[1], by_id[3]):
        assert added.updated_at is not None and added.updated_at >= before.replace(microsecond=0)
        assert added.voted_at == added.updated_at  # rated, without a time: rated when it came in
    assert exported(target)["3"]["votedAt"] is not None


def entry_in(path: Path, key: tuple[str, int]) -> NoteRecord | None:
    db = Database(path)
    try:
        return db.run(load_record, key)
    finally:
        db.close()


async def met_in_a_session(folder: Path) -> tuple[str, int]:
    """A notebook that met the race's field (the real source on a race moment) and noted one of them, who it
    had also met once a week before, elsewhere; returns that driver."""
    engine = make_engine(SourceSpec.of("file", path=write_race_moment(folder)), folder, clock=lambda: T0)
    await engine.start()
    await in_session(engine)
    key = next(row.key for row in engine.board.rows if not row.is_player)
    await engine.edit(key, note="clean at the hairpin")
    engine.database.run(record_sightings, [Sighting(key, "subsession:1", T0 - timedelta(days=7))])
    await engine.stop()
    record = entry_in(folder / "notebook.duckdb", key)
    assert record is not None and record.seen_count == 2 and record.last_met == T0
    return key


async def meet_again_in_the_same_session(folder: Path) -> None:
    """The app runs again on the same race moment: the same session as the last meeting, an hour on."""
    engine = make_engine(SourceSpec.of("file", path=write_race_moment(folder)), folder, clock=lambda: T0 + timedelta(hours=1))
    await engine.start()
    await in_session(engine)
    await engine.stop()


@pytest.mark.parametrize("fmt", ["json", "csv"])
async def test_times_and_last_met_survive_export_and_import_without_counting_a_meeting_twice(tmp_path: Path, fmt: str):
    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir()
    key = await met_in_a_session(here)
    ours = exported(here / "notebook.duckdb", fmt)[str(key[1])]
    assert ours["lastMetIn"].startswith("subsession:") and str(ours["seenCount"]) == "2"
    out = tmp_path / f"notebook.{fmt}"
    run("notebook", "export", "--format", fmt, "--out", str(out), "--db", str(here / "notebook.duckdb"))
    target = there / "notebook.duckdb"
    assert "added 1" in run("notebook", "import", str(out), "--db", str(target)).output
    assert exported(target, fmt)[str(key[1])] == ours  # the whole entry comes back as it went, lastMet and all
    await meet_again_in_the_same_session(there)
    record = entry_in(target, key)
    assert record is not None and (record.seen_count, record.last_met) == (2, T0)  # not counted twice
    db = Database(target)
    db.run(record_sightings, [Sighting(key, "subsession:99", T0 + timedelta(days=1))])  # a new session
    db.close()
    record = entry_in(target, key)
    assert record is not None
    assert (record.seen_count, record.last_met, record.last_met_in) == (3, T0 + timedelta(days=1), "subsession:99")
    again = run("notebook", "import", str(out), "--db", str(target))  # the same file once more changes nothing
    assert "added 0, updated 0, kept 1" in again.output
    assert entry_in(target, key).seen_count == 3


def test_an_entry_met_without_its_meeting_named_is_taken_as_met_where_it_was_noted(tmp_path: Path):
    """WOTS's own files (and the API's /api/notebook) carry lastMet without lastMetIn."""
    file = tmp_path / "api.json"
    file.write_text(json.dumps({"entries": {"5": {
        "custId": 5, "name": "Api Person", "userRep": 1, "seenCount": 4, "subsessionId": 81552310,
        "updatedAt": "2026-11-20T19:30:00Z", "lastMet": "2026-11-20T20:00:00Z"}}}), encoding="utf-8")
    target = tmp_path / "b.duckdb"
    run("notebook", "import", str(file), "--db", str(target))
    db = Database(target)
    db.run(record_sightings, [Sighting(("iracing", 5), "subsession:81552310", T0 + timedelta(hours=2))])
    (record,) = db.run(load_all)
    db.close()
    assert (record.seen_count, record.last_met_in) == (4, "subsession:81552310")
    assert record.last_met == datetime(2026, 11, 20, 20, 0, tzinfo=UTC)


def test_a_csv_saved_by_excel_imports(tmp_path: Path):
    """A byte-order mark, CRLF line ends, a note over two lines, and semicolons where a comma is the decimal mark."""
    file = tmp_path / "excel.csv"
    file.write_bytes("\ufeffcustId;name;userNote;userRep;updatedAt\r\n"
                     '5;Jörg;"line one\r\nline two";1;2026-11-20T19:30:00Z\r\n6;Ana;"a; b";-1;2026-11-20T19:30:00Z\r\n'
                     .encode("utf-8"))
    result = run("notebook", "import", str(file), "--db", str(tmp_path / "n.duckdb"))
    assert result.output.startswith("excel.csv: 2 entries: added 2")
    db = Database(tmp_path / "n.duckdb")
    assert {r.name: (r.note, r.rating) for r in db.run(load_all)} == {"Jörg": ("line one\r\nline two", 1), "Ana": ("a; b", -1)}
    db.close()
