"""The notebook in memory: search as the racer types, filters, sorts, merges and the WOTS shape."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from wots_tui.domain.notebook import (
    BUILTIN_TAGS,
    MergeAction,
    Notebook,
    NotebookQuery,
    NotebookSort,
    NoteRecord,
    RatingFilter,
    merge_plan,
    toggled,
)
from wots_tui.domain.notebook_csv import from_csv, to_csv
from wots_tui.domain.wots_shape import ShapeError, notebook_document, records_from_document

T0 = datetime(2026, 11, 20, 19, 30, tzinfo=UTC)


def rec(driver_id: int, name: str, **fields) -> NoteRecord:
    return NoteRecord(("iracing", driver_id), name=name, **{"updated_at": T0, **fields})


@pytest.fixture
def notebook() -> Notebook:
    return Notebook([
        rec(1, "Björn Eriksen", rating=1, tag_ids=("clean",), times_met=3, last_met=T0),
        rec(2, "Aoife O'Brien", rating=-1, note="Divebombed me at Eau Rouge", tag_ids=("divebomber",), times_met=1, last_met=T0 - timedelta(days=3)),
        rec(3, "Zoë Kowalczyk", nickname="Zed", rating=0, times_met=7, last_met=T0 - timedelta(days=9)),
        rec(4, "Émile Dubois", note="quick in sector 2", met_elsewhere=2, updated_at=T0 - timedelta(days=1)),
    ])


def test_search_reads_names_nicknames_notes_and_tag_names(notebook: Notebook):
    def names(text: str) -> list[str]:
        return sorted(r.name for r in notebook.search(NotebookQuery(text=text)))

    assert names("eau rouge") == ["Aoife O'Brien"]
    assert names("zed") == ["Zoë Kowalczyk"]
    assert names("clean racer") == ["Björn Eriksen"]  # a tag's name
    assert names("o'brien divebomb") == ["Aoife O'Brien"]  # every word must match
    assert names("") == sorted(r.name for r in notebook.records())


def test_typing_narrows_and_deleting_widens_again(notebook: Notebook):
    assert len(notebook.search(NotebookQuery(text="e"))) == 4
    assert [r.name for r in notebook.search(NotebookQuery(text="em"))] == ["Émile Dubois"]
    assert len(notebook.search(NotebookQuery(text="e"))) == 4


def test_filters_and_sorts(notebook: Notebook):
    def ids(**query) -> list[int]:
        return [r.key[1] for r in notebook.search(NotebookQuery(**query))]

    assert ids(rating=RatingFilter.DOWN) == [2]
    assert ids(rating=RatingFilter.UNRATED) == [4]
    assert ids(tag_id="clean") == [1]
    assert ids(sort=NotebookSort.LAST_MET) == [1, 4, 2, 3]  # never met: when it was written
    assert ids(sort=NotebookSort.TIMES_MET) == [3, 1, 4, 2]
    assert ids(sort=NotebookSort.NAME) == [2, 1, 4, 3]


def test_an_edit_is_found_at_once_and_an_emptied_record_leaves(notebook: Notebook):
    notebook.search(NotebookQuery(text="sector"))
    notebook.put(notebook.get(("iracing", 1)).edited(T0, note="great in sector 1"))
    assert {r.key[1] for r in notebook.search(NotebookQuery(text="sector"))} == {1, 4}
    notebook.put(NoteRecord(("iracing", 4), updated_at=T0))
    assert ("iracing", 4) not in notebook


def test_live_entry_shows_icons_and_times_met(notebook: Notebook):
    entry = notebook.entry(("iracing", 4), times_met=1)
    assert entry.times_met == 3  # once here, twice in the notebook it was imported from
    assert notebook.entry(("iracing", 1), 3).tags == ("✨",)
    assert notebook.entry(("iracing", 99), 0) is None
    assert notebook.entry(("iracing", 99), 2).times_met == 2


def test_toggling_keeps_catalogue_order():
    tags = toggled(("fast",), "clean", BUILTIN_TAGS)
    assert tags == ("clean", "fast")
    assert toggled(tags, "fast", BUILTIN_TAGS) == ("clean",)


def test_merge_adds_takes_newer_edits_and_keeps_ours_on_ties():
    ours = {r.key: r for r in [rec(1, "A", note="ours"), rec(2, "B", note="ours", times_met=4)]}
    theirs = [
        rec(1, "A", note="theirs").edited(T0 - timedelta(days=1), note="older"),
        rec(2, "B").edited(T0 + timedelta(days=1), note="newer"),
        rec(3, "C", note="new to us", met_elsewhere=5),
    ]
    plan = {s.incoming.key[1]: s for s in merge_plan(ours, theirs)}
    assert plan[1].action is MergeAction.KEEP
    assert plan[2].action is MergeAction.UPDATE and plan[2].result.note == "newer" and plan[2].result.times_met == 4
    assert plan[3].action is MergeAction.ADD and plan[3].result.seen_count == 5


def test_the_wots_notebook_shape_round_trips():
    records = [
        rec(123456, "Max Verstappen", nickname="Mad Max", rating=1, note="Clean racer", tag_ids=("clean",),
            voted_at=T0, session_id=12345, subsession_id=67890123, car_number="1", times_met=5),
        rec(7, "No Notes", tag_ids=("fast", "friend")),
    ]
    document = notebook_document(records, BUILTIN_TAGS)
    entry = document["entries"]["123456"]
    assert entry["votedAt"] == "2026-11-20T19:30:00Z" and entry["userTags"][0]["color"] == "#4ade80"
    back, tags = records_from_document(document)
    by_id = {r.key[1]: r for r in back}
    assert by_id[123456].note == "Clean racer" and by_id[123456].met_elsewhere == 5
    assert by_id[7].tag_ids == ("fast", "friend") and {t.id for t in tags} == {"clean", "fast", "friend"}
    csv_back, _ = records_from_document(from_csv(to_csv(document["entries"].values())))
    assert {r.key: (r.note, r.tag_ids, r.rating) for r in csv_back} == {r.key: (r.note, r.tag_ids, r.rating) for r in back}


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], 'expected an object with "entries"'),
        ({"entries": {"1": {"name": "x"}}}, "entry '1': custId is missing"),
        ({"entries": {"1": {"custId": "12"}}}, "entry '1': custId must be int, not str"),
        ({"entries": {"1": {"custId": 1, "userRep": 5}}}, "userRep must be -1, 0, 1 or null"),
        ({"entries": {"1": {"custId": 1, "votedAt": "yesterday"}}}, "votedAt is not an ISO 8601 time"),
        ({"entries": {"1": {"custId": 1, "userTags": [3]}}}, "a userTags item must be a tag object"),
    ],
)
def test_a_wrong_document_says_where_in_one_line(document, message):
    with pytest.raises(ShapeError, match=message) as caught:
        records_from_document(document)
    assert "\n" not in str(caught.value)
