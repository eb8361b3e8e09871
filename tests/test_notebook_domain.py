"""The notebook's rules: folding for search, the catalogue, live entries, merges and the WOTS shape."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from helpers import SNAPSHOT_CLOCK
from helpers import noted as rec

from wots_tui.domain.notebook import (
    BUILTIN_TAGS,
    Catalogue,
    MergeAction,
    Tag,
    entry_of,
    fold,
    merge_plan,
    search_terms,
    search_text,
    toggled,
)
from wots_tui.domain.notebook_csv import from_csv, to_csv
from wots_tui.domain.wots_shape import ShapeError, notebook_document, records_from_document

T0 = SNAPSHOT_CLOCK



def test_folding_finds_names_as_racers_type_them():
    text = search_text(rec(1, "Jörg Schröder", nickname="Þór", note="Ødegaard's teammate, Weiß"))
    for typed in ("schroder", "schroe", "schröder", "jorg", "thor", "odegaard", "weiss"):
        assert all(word in text for word in fold(typed).split()), typed
    assert "schroe" not in search_text(rec(2, "Schroder"))  # only an umlaut gives the German spelling


def test_search_terms_carry_the_tags_named_by_each_word():
    terms = dict(search_terms("Clean DIVE eau", Catalogue()))
    assert terms["clean"] == ("clean",) and terms["dive"] == ("divebomber",) and terms["eau"] == ()


def test_live_entry_shows_tags_and_times_met():
    catalogue = Catalogue()
    entry = entry_of(rec(4, "Émile", tag_ids=("fast", "clean"), met_elsewhere=2), catalogue, times_met=1)
    assert entry.times_met == 3  # once here, twice in the notebook it was imported from
    assert entry.icons == ("⚡", "✨") and entry.tags[0].name == "Fast"
    assert entry_of(None, catalogue, 0) is None
    assert entry_of(None, catalogue, 2).times_met == 2


def test_the_catalogue_changes_into_a_new_one():
    catalogue = Catalogue()
    mine = Tag("mine_late", "Late Braker", "🦥", "mine", "#123456", None, 99)
    changed = catalogue.changed([mine, replace(catalogue.get("clean"), hotkey=None)])
    assert changed.tags[-1] is mine and changed.get("clean").hotkey is None and catalogue.get("clean").hotkey == 1
    assert changed.for_hotkey(1) is None and changed.without("mine_late").get("mine_late") is None


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
    document = notebook_document(records, Catalogue())
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
