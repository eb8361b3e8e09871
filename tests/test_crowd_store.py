"""The crowd's tables in the notebook file: the outgoing queue as the notebook's difference from what a hub
acknowledged, refusals, withdrawals, the cache of the hub's answers, the upgrade, and the voter token file."""

from __future__ import annotations

import os
import stat
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from wots_tui.annotators.voter_token import VoterTokenError, VoterTokens
from wots_tui.domain.crowd import Tally, crowd_of
from wots_tui.domain.notebook import NoteRecord
from wots_tui.store import Database
from wots_tui.store import crowd as store
from wots_tui.store.migrations import LATEST, migrate
from wots_tui.store.notebook import delete_records, load_record, save_records
from wots_tui.store.tags import save_tags

HUB, OTHER_HUB = "http://127.0.0.1:5830", "https://hub.example.org"
AT = datetime(2026, 12, 2, 18, 0, tzinfo=UTC)
STEAM = 76561197960287930


def entry(driver_id: int, platform: str = "iracing", at: datetime = AT, **fields: object) -> NoteRecord:
    return NoteRecord((platform, driver_id), name=f"Driver {driver_id}", updated_at=at, **fields)  # type: ignore[arg-type]


@pytest.fixture
def db(tmp_path: Path):
    database = Database(tmp_path / "notebook.duckdb")
    yield database
    database.close()


def queued(db: Database, hub: str = HUB) -> store.Outgoing:
    return db.run(store.outgoing, hub, 100)


def test_only_rated_entries_are_votes_and_only_their_built_in_tags_travel(db: Database):
    from wots_tui.domain.notebook import Tag

    db.run(save_tags, [Tag("late_braker", "Late braker", "🐢", "mine", "#123456")])
    db.run(save_records, [
        entry(1, rating=1, tag_ids=("clean", "late_braker"), note="my secret", nickname="Slowpoke", subsession_id=81552310),
        entry(2, note="noted, never rated", tag_ids=("clean",)),
        entry(STEAM, "ams2", rating=-1, session_id=42, at=AT - timedelta(hours=1)),
    ])
    votes = queued(db).votes
    assert [(v.platform, v.driver_id, v.rep, v.tag_ids, v.session_id) for v in votes] == [
        ("ams2", STEAM, -1, (), 42),  # the oldest edit first
        ("iracing", 1, 1, ("clean",), 81552310),  # the racer's own tag stays home
    ]
    assert votes[1].cast_at == AT


def test_what_the_hub_took_waits_no_more_until_the_rating_or_a_built_in_tag_changes(db: Database):
    db.run(save_records, [entry(1, rating=1), entry(2, rating=0, tag_ids=("clean",))])
    db.run(store.acknowledge, HUB, queued(db).votes, [])
    assert not queued(db)
    assert len(queued(db, OTHER_HUB).votes) == 2  # each hub has its own acknowledgements
    db.run(save_records, [entry(1, rating=1, note="a new note")])
    assert not queued(db)  # a note is never a vote: nothing to send
    db.run(save_records, [entry(1, rating=-1, note="a new note"), entry(2, rating=0, tag_ids=("clean", "divebomber"))])
    assert [(v.driver_id, v.rep, v.tag_ids) for v in queued(db).votes] == [(1, -1, ()), (2, 0, ("clean", "divebomber"))]


def test_an_entry_edited_while_its_vote_was_on_the_way_waits_again(db: Database):
    db.run(save_records, [entry(1, rating=1)])
    sent = queued(db).votes
    db.run(save_records, [entry(1, rating=-1, at=AT + timedelta(seconds=5))])  # edited before the hub answered
    db.run(store.acknowledge, HUB, sent, [])
    assert [(v.driver_id, v.rep) for v in queued(db).votes] == [(1, -1)]


def test_a_refused_vote_is_not_sent_again_until_its_entry_changes(db: Database):
    db.run(save_records, [entry(1, rating=1), entry(2, rating=1)])
    db.run(store.acknowledge, HUB, queued(db).votes, [store.Refusal(("iracing", 1), "self-vote", "you cannot rate yourself")])
    assert not queued(db)
    assert db.run(store.refusals, HUB) == [store.Refusal(("iracing", 1), "self-vote", "you cannot rate yourself")]
    db.run(save_records, [entry(1, rating=0)])
    assert [v.driver_id for v in queued(db).votes] == [1]
    db.run(store.acknowledge, HUB, queued(db).votes, [])
    assert db.run(store.refusals, HUB) == []  # taken now: the refusal is gone


def test_a_refused_vote_waits_again_once_its_entry_is_edited_even_to_the_same_rating(db: Database):
    db.run(save_records, [entry(1, rating=1)])
    db.run(store.acknowledge, HUB, queued(db).votes, [store.Refusal(("iracing", 1), "session-cap", "too many")])
    db.run(save_records, [entry(1, note="unrated now", at=AT + timedelta(minutes=1))])
    assert not queued(db)
    db.run(save_records, [entry(1, rating=1, at=AT + timedelta(minutes=2))])  # rated again, later: a new vote
    assert [v.driver_id for v in queued(db).votes] == [1]


def test_an_acknowledged_vote_whose_entry_is_unrated_or_deleted_is_withdrawn(db: Database):
    db.run(save_records, [entry(1, rating=1), entry(2, rating=1), entry(3, rating=1)])
    db.run(store.acknowledge, HUB, queued(db).votes, [])
    db.run(save_records, [entry(1, note="rating cleared")])
    db.run(delete_records, [("iracing", 2)])
    assert queued(db).withdrawals == (("iracing", 1), ("iracing", 2))
    db.run(store.withdrawn, HUB, ("iracing", 1))
    db.run(store.withdrawn, HUB, ("iracing", 2))
    assert not queued(db)


def test_the_queue_survives_closing_the_file(tmp_path: Path):
    first = Database(tmp_path / "n.duckdb")
    first.run(save_records, [entry(1, rating=1), entry(2, rating=-1)])
    first.run(store.acknowledge, HUB, first.run(store.outgoing, HUB, 1).votes, [])
    first.close()
    again = Database(tmp_path / "n.duckdb")
    try:
        assert [v.driver_id for v in again.run(store.outgoing, HUB, 100).votes] == [2]
    finally:
        again.close()


def test_the_cache_keeps_what_the_hub_said_and_forgets_who_it_no_longer_publishes(db: Database):
    crowd = crowd_of(Tally(4, 3, 1, 0, 3.0, 1.0, 0.0, {"clean": 3}))
    assert crowd is not None
    db.run(store.remember, HUB, [("iracing", 1), ("iracing", 2)], {("iracing", 1): crowd, ("iracing", 2): crowd}, AT)
    assert db.run(store.cached, HUB, [("iracing", 1), ("iracing", 2), ("iracing", 3)]) == {
        ("iracing", 1): (crowd, AT), ("iracing", 2): (crowd, AT)}
    later = AT + timedelta(hours=1)
    db.run(store.remember, HUB, [("iracing", 2)], {}, later)  # fewer voters now: the hub says nothing of them
    assert set(db.run(store.cached, HUB, [("iracing", 1), ("iracing", 2)])) == {("iracing", 1)}
    assert db.run(store.cached, OTHER_HUB, [("iracing", 1)]) == {}


def test_a_cache_row_this_version_cannot_read_is_left_out(db: Database):
    db.run(lambda c: c.execute("INSERT INTO crowd_cache VALUES (?, 'iracing', 1, '{\"score\": 3}', '{}', now()::TIMESTAMP)", [HUB]))
    assert db.run(store.cached, HUB, [("iracing", 1)]) == {}


def test_noted_drivers_come_in_key_order_a_batch_at_a_time(db: Database):
    db.run(save_records, [entry(3, note="x"), entry(1, rating=1), entry(STEAM, "ams2", note="y")])
    assert db.run(store.noted_drivers, None, 2) == [("ams2", STEAM), ("iracing", 1)]
    assert db.run(store.noted_drivers, ("iracing", 1), 2) == [("iracing", 3)]


def test_a_file_of_schema_6_gets_the_crowd_tables_with_its_notes_intact(tmp_path: Path):
    path = tmp_path / "old.duckdb"
    connection = duckdb.connect(str(path))
    migrate(connection, up_to=6)
    save_records(connection, [entry(1, rating=1, note="kept")])
    connection.close()
    db = Database(path)
    try:
        assert db.schema_version == LATEST >= 7
        assert db.run(load_record, ("iracing", 1)).note == "kept"
        assert [v.driver_id for v in db.run(store.outgoing, HUB, 100).votes] == [1]  # an old rating is a vote too
    finally:
        db.close()


# the voter token file


def test_voter_tokens_are_kept_per_hub_in_a_private_file_replaced_whole(tmp_path: Path):
    tokens = VoterTokens(tmp_path / "data" / "crowd-voter.json")
    assert tokens.get(HUB) is None
    tokens.put(HUB, "17.s3cret-one")
    tokens.put(OTHER_HUB, "3.s3cret-two")
    assert (tokens.get(HUB), tokens.get(OTHER_HUB)) == ("17.s3cret-one", "3.s3cret-two")
    if sys.platform != "win32":
        assert stat.S_IMODE(tokens.path.stat().st_mode) == 0o600
    assert "s3cret" not in repr(tokens)
    tokens.forget(HUB)
    assert tokens.get(HUB) is None and tokens.get(OTHER_HUB) == "3.s3cret-two"
    assert [p.name for p in tokens.path.parent.iterdir()] == ["crowd-voter.json"]  # no temporary file left


def test_a_damaged_token_file_is_replaced_by_the_next_registration(tmp_path: Path):
    path = tmp_path / "crowd-voter.json"
    path.write_text("not json", encoding="utf-8")
    tokens = VoterTokens(path)
    assert tokens.get(HUB) is None
    tokens.put(HUB, "1.x")
    assert tokens.get(HUB) == "1.x"


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="root (or Windows) writes a read-only folder")
def test_a_token_that_cannot_be_saved_is_one_line_without_the_token(tmp_path: Path):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(VoterTokenError) as caught:
            VoterTokens(folder / "crowd-voter.json").put(HUB, "17.s3cret")
    finally:
        folder.chmod(0o700)
    assert "crowd voter token" in str(caught.value) and "s3cret" not in str(caught.value) and "\n" not in str(caught.value)


def test_the_queue_of_a_few_edited_drivers_looks_at_those_alone(db: Database):
    db.run(save_records, [entry(1, rating=1), entry(2, rating=1), entry(3, rating=1)])
    db.run(store.acknowledge, HUB, db.run(store.outgoing, HUB, 100, [("iracing", 3)]).votes, [])
    keyed = db.run(store.outgoing, HUB, 100, [("iracing", 2), ("iracing", 3), ("ams2", 2)])
    assert [v.driver_id for v in keyed.votes] == [2]  # 1 waits too, but was not asked about; 3 is acknowledged
    db.run(delete_records, [("iracing", 3)])
    assert db.run(store.outgoing, HUB, 100, [("iracing", 3)]) == store.Outgoing((), (("iracing", 3),))
    assert [v.driver_id for v in queued(db).votes] == [1, 2]
