"""The notebook file: round trips, migrations, sightings, the lock message, and edits surviving kill -9."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from wots_tui.domain.notebook import BUILTIN_TAGS, Catalogue, NotebookQuery, NoteRecord, Tag, search_terms
from wots_tui.domain.sightings import Sighting
from wots_tui.store import Database, StoreError, StoreLocked
from wots_tui.store.migrations import LATEST, migrate
from wots_tui.store.notebook import delete_record, load_all, save_record, search_page
from wots_tui.store.sightings import count_drivers_seen, record_sightings, sightings_of
from wots_tui.store.tags import delete_tag, load_tags, save_tags

T0 = datetime(2026, 11, 20, 19, 30, tzinfo=UTC)


def record(driver_id: int = 123456, **changes) -> NoteRecord:
    base = NoteRecord(("iracing", driver_id), name="Max Verstäppen", car_number="1", nickname="Mad Max", rating=1,
                      note='Clean, "gives space", leaves room', tag_ids=("clean", "gives_space"), voted_at=T0,
                      updated_at=T0, session_id=12345, subsession_id=67890123)
    return base.edited(changes.pop("at", T0), **changes) if changes else base


def test_a_record_comes_back_as_it_was_written(tmp_path: Path):
    db = Database(tmp_path / "n.duckdb")
    db.run(save_record, record())
    db.close()
    db = Database(tmp_path / "n.duckdb")
    [back] = db.run(load_all)
    assert back == record()
    db.close()


def test_saving_replaces_fields_and_tags_and_an_empty_record_is_deleted(tmp_path: Path):
    db = Database(tmp_path / "n.duckdb")
    db.run(save_record, record())
    later = T0 + timedelta(hours=1)
    db.run(save_record, record(rating=-1, tag_ids=("divebomber",), note="", at=later))
    [back] = db.run(load_all)
    assert (back.rating, back.tag_ids, back.note, back.voted_at) == (-1, ("divebomber",), "", later)
    db.run(save_record, NoteRecord(("iracing", 123456), updated_at=later))
    assert db.run(load_all) == []
    db.close()


def test_delete_keeps_the_drivers_sightings(tmp_path: Path):
    db = Database(tmp_path / "n.duckdb")
    db.run(save_record, record())
    db.run(record_sightings, [Sighting(("iracing", 123456), "subsession:1", T0, name="Max")])
    db.run(delete_record, ("iracing", 123456))
    assert db.run(load_all) == []
    assert len(db.run(sightings_of, ("iracing", 123456))) == 1
    db.close()


def test_sightings_count_once_per_session_and_feed_times_met(tmp_path: Path):
    db = Database(tmp_path / "n.duckdb")
    db.run(save_record, record())
    me, other = ("iracing", 123456), ("iracing", 7)
    first = [Sighting(me, "subsession:1", T0, name="Max V", car_number="33", irating=4000), Sighting(other, "subsession:1", T0)]
    met, seen = db.run(record_sightings, first)
    assert met[me][0] == 1 and seen == 2
    met, _ = db.run(record_sightings, first)  # the same session again: still once
    assert met[me][0] == 1
    met, _ = db.run(record_sightings, [Sighting(me, "subsession:2", T0 + timedelta(days=7), name="Max V")])
    assert met[me] == (2, T0 + timedelta(days=7))
    [back] = db.run(load_all)
    assert (back.times_met, back.last_met, back.name, back.car_number) == (2, T0 + timedelta(days=7), "Max V", "33")
    assert [s.session_key for s in db.run(sightings_of, me)] == ["subsession:2", "subsession:1"]
    db.close()


def test_built_in_tags_arrive_and_the_racers_own_are_kept(tmp_path: Path):
    db = Database(tmp_path / "n.duckdb")
    assert [t.id for t in db.run(load_tags)] == [t.id for t in BUILTIN_TAGS]
    mine = Tag("mine_late_braker", "Late Braker", "🦥", "mine", "#123456", 4, 99)
    taken_from = next(t for t in BUILTIN_TAGS if t.hotkey == 4)
    db.run(save_tags, [mine, Tag(**{**{f: getattr(taken_from, f) for f in taken_from.__slots__}, "hotkey": None})])
    db.run(save_record, record(tag_ids=("clean", "mine_late_braker")))
    db.close()
    db = Database(tmp_path / "n.duckdb")  # reopening re-installs nothing over the racer's changes
    tags = {t.id: t for t in db.run(load_tags)}
    assert tags["mine_late_braker"].hotkey == 4 and tags[taken_from.id].hotkey is None
    assert db.run(delete_tag, "mine_late_braker") == 1
    [back] = db.run(load_all)
    assert back.tag_ids == ("clean",)
    assert db.run(delete_tag, "clean") == 1  # a built-in comes off the drivers but stays in the catalogue
    assert "clean" in {t.id for t in db.run(load_tags)}
    db.close()


def test_an_old_file_is_upgraded_with_its_notes_intact(tmp_path: Path):
    path = tmp_path / "old.duckdb"
    connection = duckdb.connect(str(path))
    cursor = connection.cursor()
    assert migrate(cursor, up_to=1) == 1  # a file as the first schema left it, without sightings
    save_record_v1 = record()
    cursor.execute("INSERT INTO drivers VALUES ('iracing', 123456, 'Max Verstäppen', '1', ?)", [T0.replace(tzinfo=None)])
    cursor.execute(
        "INSERT INTO notebook VALUES ('iracing', 123456, 'Mad Max', 1, ?, ?, ?, 12345, 67890123, 0)",
        [save_record_v1.note, T0.replace(tzinfo=None), T0.replace(tzinfo=None)],
    )
    cursor.execute("INSERT INTO driver_tags VALUES ('iracing', 123456, 'clean', ?), ('iracing', 123456, 'gives_space', ?)", [T0.replace(tzinfo=None)] * 2)
    connection.close()

    db = Database(path)
    assert db.schema_version == LATEST
    [back] = db.run(load_all)
    assert back == save_record_v1
    db.run(record_sightings, [Sighting(("iracing", 123456), "subsession:1", T0)])  # the new table works
    assert db.run(count_drivers_seen) == 1
    db.close()


def test_schema_3_gives_old_entries_their_search_text_and_met_summary(tmp_path: Path):
    path = tmp_path / "v2.duckdb"
    connection = duckdb.connect(str(path))
    cursor = connection.cursor()
    assert migrate(cursor, up_to=2) == 2
    naive = T0.replace(tzinfo=None)
    cursor.execute("INSERT INTO drivers VALUES ('iracing', 1, 'Jörg Þórsson', NULL, ?)", [naive])
    cursor.execute("INSERT INTO notebook VALUES ('iracing', 1, 'Thor', 1, 'late brakes', ?, ?, NULL, NULL, 0)", [naive, naive])
    cursor.execute(
        "INSERT INTO sightings VALUES ('iracing', 1, 'subsession:1', ?, NULL, 1, '', '', '', '', NULL), "
        "('iracing', 1, 'subsession:2', ?, NULL, 2, '', '', '', '', NULL), ('iracing', 9, 'subsession:2', ?, NULL, 2, '', '', '', '', NULL)",
        [naive, naive + timedelta(days=1), naive + timedelta(days=1)],
    )
    connection.close()

    db = Database(path)
    assert db.schema_version == LATEST
    [back] = db.run(load_all)
    assert (back.times_met, back.last_met) == (2, T0 + timedelta(days=1))
    assert db.run(count_drivers_seen) == 2
    q = NotebookQuery(text="thorsson jorg")
    assert [r.key for r in db.run(search_page, q, search_terms(q.text, Catalogue()), 0, 10).records] == [("iracing", 1)]
    db.close()


def test_schema_4_remembers_where_each_driver_was_last_met(tmp_path: Path):
    path = tmp_path / "v3.duckdb"
    connection = duckdb.connect(str(path))
    cursor = connection.cursor()
    assert migrate(cursor, up_to=3) == 3  # a file as schema 3 left it: a met summary without where
    naive = T0.replace(tzinfo=None)
    connection.execute(
        "INSERT INTO notebook (platform, driver_id, rep, updated_at, times_met, last_met) VALUES ('iracing', 1, 1, ?, 2, ?)",
        [naive, naive + timedelta(days=1)],
    )
    connection.execute(
        "INSERT INTO sightings VALUES ('iracing', 1, 'subsession:1', ?, NULL, 1, '', '', '', '', NULL), "
        "('iracing', 1, 'subsession:2', ?, NULL, 2, '', '', '', '', NULL)",
        [naive + timedelta(days=1), naive],
    )
    connection.execute("INSERT INTO met VALUES ('iracing', 1, 2, ?)", [naive + timedelta(days=1)])
    connection.close()

    db = Database(path)
    assert db.schema_version == LATEST
    [back] = db.run(load_all)
    assert (back.times_met, back.last_met, back.last_met_in) == (2, T0 + timedelta(days=1), "subsession:1")
    db.run(record_sightings, [Sighting(("iracing", 1), "subsession:3", T0 - timedelta(days=1))])  # older: not the last
    assert db.run(load_all)[0].last_met_in == "subsession:1"
    db.run(record_sightings, [Sighting(("iracing", 1), "subsession:4", T0 + timedelta(days=2))])
    [back] = db.run(load_all)
    assert (back.times_met, back.last_met, back.last_met_in) == (4, T0 + timedelta(days=2), "subsession:4")
    db.close()


def test_a_file_from_a_newer_version_is_refused_in_one_line(tmp_path: Path):
    path = tmp_path / "new.duckdb"
    Database(path).close()
    connection = duckdb.connect(str(path))
    connection.execute("INSERT INTO schema_version VALUES (?, now()::TIMESTAMP)", [LATEST + 1])
    connection.close()
    with pytest.raises(StoreError, match=f"newer wots-tui .schema {LATEST + 1}") as caught:
        Database(path)
    assert "\n" not in str(caught.value)


def test_a_second_process_on_the_same_file_gets_one_line_naming_the_holder(tmp_path: Path):
    path = tmp_path / "n.duckdb"
    holder = Database(path)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "wots_tui", "--db", str(path), "notebook", "export"],
            check=False, capture_output=True, text=True, timeout=60, encoding="utf-8",
        )
    finally:
        holder.close()
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert f"PID {os.getpid()}" in lines[0] and str(path) in lines[0] and "Traceback" not in result.stderr


def test_the_lock_error_is_a_store_locked_in_process_too(tmp_path: Path):
    path = tmp_path / "n.duckdb"
    code = f"from pathlib import Path; from wots_tui.store import Database; import time; db = Database(Path({str(path)!r})); print('open', flush=True); time.sleep(30)"
    other = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert other.stdout.readline().strip() == "open", other.stderr.read()
        with pytest.raises(StoreLocked, match=f"PID {other.pid}"):
            Database(path)
    finally:
        other.kill()
        other.wait()


WRITER = textwrap.dedent(
    """
    import sys
    from datetime import UTC, datetime
    from pathlib import Path
    from wots_tui.domain.notebook import NoteRecord
    from wots_tui.store import Database
    from wots_tui.store.notebook import save_record

    db = Database(Path(sys.argv[1]))
    for i in range(100000):
        record = NoteRecord(("iracing", i % 50), name=f"driver {i % 50}", note=f"edit {i}", rating=i % 3 - 1,
                            updated_at=datetime.now(UTC))
        db.run(save_record, record)
        print(i, flush=True)  # acknowledged: committed before this line is written
    """
)


def test_acknowledged_edits_survive_kill_9(tmp_path: Path):
    path = tmp_path / "n.duckdb"
    rng = random.Random(4)
    for round_ in range(4):
        writer = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True)
        deadline = time.monotonic() + rng.uniform(0.8, 2.0)
        acked = -1
        while time.monotonic() < deadline:
            line = writer.stdout.readline()
            if not line:
                break
            acked = int(line)
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait()
        assert acked >= 0, "the writer acknowledged nothing"
        db = Database(path)
        notes = {r.key[1]: r.note for r in db.run(load_all)}
        db.close()
        # every acknowledged edit is there: each driver holds its last acknowledged edit or a later one
        for driver in range(50):
            last_acked = max((i for i in range(acked + 1) if i % 50 == driver), default=None)
            if last_acked is not None:
                assert int(notes[driver].split()[1]) >= last_acked, f"round {round_}: lost edit {last_acked}"
