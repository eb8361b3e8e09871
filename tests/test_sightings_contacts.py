"""Contacts recorded with the sighting: each human's car-to-car contacts in a meeting, in a real DuckDB file,
written through the store's thread once per change, never for an AI car; and the upgrade of an older file."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import duckdb
from helpers import SNAPSHOT_CLOCK, until
from test_api_ams2 import ANA, AT, BRUNO, CAIO, CONTACTS, DRIVERS, ams2_engine, ams2_session

import wots_tui.annotators.notebook as annotator
from wots_tui.domain.contacts import Contact
from wots_tui.domain.sightings import MeetingContacts, Sighting
from wots_tui.engine import Engine
from wots_tui.store import Database
from wots_tui.store.migrations import LATEST, migrate
from wots_tui.store.sightings import record_contacts, record_sightings, sightings_of

MEETING = ams2_session().facts.meeting
HUMANS = (("ams2", ANA), ("ams2", BRUNO), ("ams2", CAIO))


async def counts(engine: Engine, meeting: str = MEETING) -> dict[int, int]:
    """Each human's contacts on their sighting of `meeting`, as the engine reads them back from the file."""
    found = {}
    for key in HUMANS:
        found.update((s.key[1], s.contacts) for s in await engine.sightings_of(key) if s.session_key == meeting)
    return found


def spy_on_contact_writes(monkeypatch) -> list[tuple[str, list]]:
    """Every contacts write the notebook annotator sends to the store, as (meeting, counts), in the store's order."""
    calls: list[tuple[str, list]] = []

    def recording(cursor, meeting, grown):  # type: ignore[no-untyped-def]
        calls.append((meeting, list(grown)))
        return record_contacts(cursor, meeting, grown)

    monkeypatch.setattr(annotator, "record_contacts", recording)
    return calls


async def test_a_meetings_contacts_are_recorded_with_each_sighting_and_read_back(tmp_path: Path):
    async with ams2_engine(tmp_path) as (engine, source):
        source.send(ams2_session())  # contacts already in the first snapshot: written with the sightings
        await until(lambda: engine.drivers_seen == 3)
        assert await counts(engine) == {ANA: 1, BRUNO: 2, CAIO: 0}  # the wall hit is not counted
        touch = Contact(4, AT + timedelta(seconds=99), 3, 0, lap=4, magnitude=300)  # Caio into Ana
        source.send(ams2_session((*CONTACTS, touch), tick=2))
        await until(lambda: engine.board.contacts[-1:] == (touch,))  # accepted: its write is queued, before any read now
        assert await counts(engine) == {ANA: 2, BRUNO: 2, CAIO: 1}
        bot = next(d for d in DRIVERS if d.is_ai)
        assert await engine.sightings_of(bot.key) == []
    database = Database(tmp_path / "notebook.duckdb")  # the file itself, opened again
    try:
        [sighting] = database.run(sightings_of, ("ams2", ANA))
        assert (sighting.session_key, sighting.contacts, sighting.track) == (MEETING, 2, "Interlagos")
        rows = database.run(lambda cursor: cursor.execute("SELECT driver_id, contacts FROM sightings ORDER BY driver_id").fetchall())
        assert rows == [(ANA, 2), (BRUNO, 2), (CAIO, 1)]  # no AI car, not even their contacts
    finally:
        database.close()


async def test_one_store_call_per_change_with_only_the_drivers_whose_count_grew(tmp_path: Path, monkeypatch):
    calls = spy_on_contact_writes(monkeypatch)
    async with ams2_engine(tmp_path) as (engine, source):
        hook = engine._notebook.contacts_changed
        entered: list[int] = []
        monkeypatch.setattr(engine._notebook, "contacts_changed", lambda snapshot, meeting: (entered.append(snapshot.tick), hook(snapshot, meeting)))
        source.send(ams2_session())
        await until(lambda: calls)
        for tick in range(2, 12):  # frames with the same contacts, each in a tuple of its own (as a source makes them)
            source.send(ams2_session(tuple(c for c in CONTACTS), tick=tick))
        grown = replace(CONTACTS[1], magnitude=700, reports=2)  # the AI car's report of the same touch: no new contact
        source.send(ams2_session((CONTACTS[0], grown, CONTACTS[2]), tick=12))
        touch = Contact(4, AT + timedelta(seconds=99), 1, 4, lap=4)  # Bruno and the other AI car
        source.send(ams2_session((*CONTACTS, touch), tick=13))
        await until(lambda: len(calls) == 2)
        assert calls == [(MEETING, [(("ams2", ANA), 1), (("ams2", BRUNO), 2)]), (MEETING, [(("ams2", BRUNO), 3)])]
        assert entered == [1, 13]  # the frames between never reached the notebook
        assert await counts(engine) == {ANA: 1, BRUNO: 3, CAIO: 0}


async def test_a_new_log_in_the_same_meeting_carries_the_counts_and_a_new_meeting_starts_again(tmp_path: Path):
    now = [SNAPSHOT_CLOCK]
    async with ams2_engine(tmp_path, clock=lambda: now[0]) as (engine, source):
        source.send(ams2_session())
        await until(lambda: engine.drivers_seen == 3)
        # the next session of the same meeting (iRacing's race after its qualifying): its contacts start again
        again = (Contact(1, AT + timedelta(minutes=20), 0, 1, lap=1),)
        source.send(ams2_session(again, session_id=2, tick=2))
        await until(lambda: engine.board.contacts == again)
        assert await counts(engine) == {ANA: 2, BRUNO: 3, CAIO: 0}
        now[0] = SNAPSHOT_CLOCK + timedelta(hours=1)
        other = "109775242847201392:1764690000"  # the server's next stage: a meeting of its own
        loaded = engine.board.notebook_version
        source.send(ams2_session((Contact(1, AT + timedelta(hours=1), 3, 0, lap=1),), meeting=other, session_id=3, tick=3))
        await until(lambda: engine.board.notebook_version > loaded)  # the new meeting's sightings are written
        assert await counts(engine, other) == {ANA: 1, BRUNO: 0, CAIO: 1}
        assert await counts(engine) == {ANA: 2, BRUNO: 3, CAIO: 0}  # the first meeting's stay as they were
        assert [s.session_key for s in await engine.sightings_of(("ams2", ANA))] == [other, MEETING]


def test_meeting_counts_skip_the_racer_and_the_ai_and_never_go_down():
    tracker = MeetingContacts()
    session = replace(ams2_session(), player_car_idx=0)  # Ana is the racer: she is never met
    assert tracker.update(session, MEETING) == [(("ams2", BRUNO), 2)]
    assert tracker.update(session, MEETING) == []
    left = replace(session, drivers=DRIVERS[2:])  # Bruno has left: he keeps his count
    assert tracker.update(replace(left, contacts=(*CONTACTS, Contact(4, AT + timedelta(seconds=99), 3, 1))), MEETING) == [
        (("ams2", CAIO), 1)
    ]
    assert dict(tracker.counts(MEETING)) == {("ams2", BRUNO): 2, ("ams2", CAIO): 1} and dict(tracker.counts("else")) == {}


def test_an_older_notebook_file_is_upgraded_with_no_contacts_on_its_sightings(tmp_path: Path):
    path = tmp_path / "v5.duckdb"
    connection = duckdb.connect(str(path))
    cursor = connection.cursor()
    assert migrate(cursor, up_to=5) == 5  # a file as schema 5 left it: sightings without contacts
    naive = SNAPSHOT_CLOCK.replace(tzinfo=None)
    cursor.execute("INSERT INTO sightings VALUES ('ams2', ?, 'lobby:1', ?, 1, NULL, 'Interlagos', 'Race', 'Ginetta', 'GT4', NULL)", [ANA, naive])
    cursor.execute("INSERT INTO met VALUES ('ams2', ?, 1, ?, 'lobby:1')", [ANA, naive])
    connection.close()

    database = Database(path)
    try:
        assert database.schema_version == LATEST == 7
        [old] = database.run(sightings_of, ("ams2", ANA))
        assert (old.session_key, old.track, old.car_class, old.contacts) == ("lobby:1", "Interlagos", "GT4", 0)
        database.run(record_contacts, "lobby:1", [(("ams2", ANA), 2)])
        database.run(record_contacts, "lobby:1", [(("ams2", ANA), 1)])  # an app started again mid-meeting counts from less
        database.run(record_sightings, [Sighting(("ams2", ANA), "lobby:2", SNAPSHOT_CLOCK + timedelta(days=1), contacts=3)])
        assert [(s.session_key, s.contacts) for s in database.run(sightings_of, ("ams2", ANA))] == [("lobby:2", 3), ("lobby:1", 2)]
    finally:
        database.close()
