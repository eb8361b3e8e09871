"""Searching the notebook where it lives: a real DuckDB file, a page at a time, as the notebook screen asks."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from helpers import SNAPSHOT_CLOCK
from helpers import noted as rec

from wots_tui.domain.notebook import (
    Catalogue,
    NotebookQuery,
    NotebookSort,
    NoteRecord,
    RatingFilter,
    search_terms,
)
from wots_tui.domain.sightings import Sighting
from wots_tui.store import Database
from wots_tui.store.notebook import load_batch, save_records, search_page
from wots_tui.store.sightings import record_sightings

T0 = SNAPSHOT_CLOCK



@pytest.fixture
def db(tmp_path: Path):
    database = Database(tmp_path / "n.duckdb")
    database.run(save_records, [
        rec(1, "Björn Eriksen", rating=1, tag_ids=("clean",)),
        rec(2, "Aoife O'Brien", rating=-1, note="Divebombed me at Eau Rouge", tag_ids=("divebomber",)),
        rec(3, "Zoë Kowalczyk", nickname="Zed", rating=0),
        rec(4, "Émile Dubois", note="quick in sector 2", met_elsewhere=2, updated_at=T0 - timedelta(days=1)),
        rec(5, "Jörg Schröder", note="100% clean_ish", updated_at=T0 - timedelta(days=20)),
    ])
    met = [(1, 0, 3), (2, 3, 1), (3, 9, 7)]  # driver, days ago, times
    database.run(record_sightings, [
        Sighting(("iracing", d), f"subsession:{d}-{k}", T0 - timedelta(days=ago + k)) for d, ago, times in met for k in range(times)
    ])
    yield database
    database.close()


def ids(db: Database, offset: int = 0, limit: int = 100, **query) -> list[int]:
    q = NotebookQuery(**query)
    return [r.key[1] for r in db.run(search_page, q, search_terms(q.text, Catalogue()), offset, limit).records]


def test_search_reads_names_nicknames_notes_and_tag_names(db: Database):
    assert ids(db, text="eau rouge") == [2]
    assert ids(db, text="zed") == [3]
    assert ids(db, text="clean racer") == [1]  # a tag's name
    assert ids(db, text="o'brien DIVEBOMB") == [2]  # every word must match, case folded
    assert sorted(ids(db, text="")) == [1, 2, 3, 4, 5]


@pytest.mark.parametrize("typed", ["schroder", "schroe", "SCHRÖDER", "jorg schr"])
def test_accents_fold_as_racers_type(db: Database, typed: str):
    assert ids(db, text=typed) == [5]


def test_like_wildcards_are_plain_characters(db: Database):
    assert ids(db, text="100%") == [5] and ids(db, text="clean_ish") == [5] and ids(db, text="%") == [5]


def test_filters_and_sorts(db: Database):
    assert ids(db, rating=RatingFilter.DOWN) == [2]
    assert ids(db, rating=RatingFilter.UNRATED) == [4, 5]
    assert ids(db, tag_id="clean") == [1]
    assert ids(db, sort=NotebookSort.LAST_MET) == [1, 4, 2, 3, 5]  # never met: when it was written
    assert ids(db, sort=NotebookSort.TIMES_MET) == [3, 1, 4, 2, 5]  # 7, 3, 0 + 2 met elsewhere, 1, 0
    assert ids(db, sort=NotebookSort.NAME) == [2, 1, 4, 5, 3]


def test_pages_come_with_the_whole_count(db: Database):
    q = NotebookQuery(sort=NotebookSort.NAME)
    first = db.run(search_page, q, [], 0, 2)
    second = db.run(search_page, q, [], 2, 2)
    past = db.run(search_page, q, [], 10, 2)
    assert (first.total, second.total, past.total) == (5, 5, 5)
    assert [r.key[1] for r in first.records + second.records] == [2, 1, 4, 5]
    assert past.records == () and first.records[1].tag_ids == ("clean",) and first.records[1].times_met == 3


def test_an_edit_is_found_at_once_and_an_emptied_record_leaves(db: Database):
    db.run(save_records, [rec(1, "Björn Eriksen", note="great in sector 1")])
    assert ids(db, text="sector") == [1, 4]
    db.run(save_records, [NoteRecord(("iracing", 4), updated_at=T0)])
    assert ids(db, text="sector") == [1]


def test_a_driver_who_changes_name_is_found_by_the_new_one(db: Database):
    db.run(record_sightings, [Sighting(("iracing", 3), "subsession:new", T0, name="Zoe Nowak")])
    assert ids(db, text="nowak") == [3] and ids(db, text="kowalczyk") == []


def test_the_whole_notebook_in_batches(db: Database):
    first = db.run(load_batch, None, 3)
    rest = db.run(load_batch, first[-1].key, 3)
    assert [r.key[1] for r in first + rest] == [1, 2, 3, 4, 5] and db.run(load_batch, rest[-1].key, 3) == []


def test_a_driver_noted_after_being_met_keeps_the_meetings(db: Database):
    db.run(record_sightings, [Sighting(("iracing", 6), f"subsession:6-{k}", T0 - timedelta(days=k), name="Late Note") for k in range(9)])
    db.run(save_records, [rec(6, "Late Note", note="noted at last")])
    assert ids(db, sort=NotebookSort.TIMES_MET)[0] == 6
    [found] = db.run(search_page, NotebookQuery(text="at last"), search_terms("at last", Catalogue()), 0, 10).records
    assert (found.times_met, found.last_met) == (9, T0)
