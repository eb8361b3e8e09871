"""`wots-tui notebook export` and `import`: real files, a real DuckDB notebook on each side."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner

from wots_tui.cli import main
from wots_tui.domain.notebook import NoteRecord, Tag
from wots_tui.store import Database
from wots_tui.store.notebook import load_all, save_record
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
