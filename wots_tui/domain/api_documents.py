"""The documents the local API serves, built from the current Board and what the store answers.

WOTS's own fields come first and keep WOTS's names (its documentation:
tests/fixtures/wots/wots-local-api.txt); the live fields after
them are ours (position, class, iRating, license, ...), added as the contract allows, never renamed.
Every driver object carries `headToHead`: the racer's imported races with them, or null, and `crowdStale` beside
WOTS's `crowdRep` and `crowdTags` (filled from a crowd hub when the racer shares votes with one). Every live one
carries `platform`, `isAi` and `contacts` (this session's car-to-car contacts); an AI car is never keyed
by an id: its `custId` is null and `drivers` keys it `ai:<carIdx>`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from wots_tui.domain.board import Board, BoardRow
from wots_tui.domain.contacts import Contact
from wots_tui.domain.crowd import CrowdView, crowd_objects
from wots_tui.domain.models import LinkState, Platform
from wots_tui.domain.notebook import Catalogue, Key, NotebookEntry, NoteRecord
from wots_tui.domain.races import HeadToHead, KnownDriver
from wots_tui.domain.wots_shape import (
    Json,
    api_ids,
    driver_object,
    entry_id,
    iso,
    notebook_object,
    tag_object,
    wots_driver,
)


def in_session(board: Board) -> bool:
    """Connected with a roster: the sim's first moments (its map open, no session info yet) are not a session."""
    return board.link is LinkState.CONNECTED and board.facts is not None and bool(board.rows)


def status_document(
    board: Board, *, version: str, notebook_entries: int, drivers_seen: int, now: datetime, crowdsourcing: bool = False
) -> Json:
    return {
        "version": version,
        "connected": board.link is LinkState.CONNECTED,
        "inSession": in_session(board),
        "crowdsourcingEnabled": crowdsourcing,
        "stats": {"totalDriversSeen": drivers_seen, "notebookEntries": notebook_entries},
        "timestamp": iso(now),
    }


def session_document(board: Board) -> Json:
    if not in_session(board):
        return {"inSession": False}
    facts = board.facts
    assert facts is not None
    return {
        **_session_head(board),
        "trackConfig": facts.track_config or None,
        "sessionName": facts.session_name or None,
        "sessionState": facts.session_state or None,
        "official": facts.official,
        "driverCount": sum(1 for row in board.rows if not row.is_player),
        "strengthOfField": dict(board.sof),
    }


def drivers_document(board: Board) -> Json:
    """Everyone in the session but the player, keyed by customer id (AI cars by car), in running order."""
    if not in_session(board):
        return {"inSession": False, "drivers": {}}
    contacts = contact_objects(board)
    drivers = {live_id(row): live_driver_object(row, contacts) for row in board.rows if not row.is_player}
    return {**_session_head(board), "drivers": drivers}


def live_id(row: BoardRow) -> str:
    """A live driver's key in `drivers`: the customer id as the notebook keys it, or `ai:<carIdx>` for an AI car,
    which has no person's id (so it can never take a human's place in the map)."""
    return f"ai:{row.car_idx}" if row.is_ai else entry_id(row.key)


def contact_objects(board: Board) -> dict[int, list[Json]]:
    """Each car's car-to-car contacts this session as the API says them, oldest first, by car index."""
    by_car: dict[int, list[Json]] = {}
    if not board.contacts:  # most sessions, most of the time: no rows to index
        return by_car
    rows = {row.car_idx: row for row in board.rows}
    for contact in board.contacts:
        if contact.other_idx is None:  # the scenery: not a contact with anyone
            continue
        for car, other in ((contact.car_idx, contact.other_idx), (contact.other_idx, contact.car_idx)):
            by_car.setdefault(car, []).append(_contact_object(contact, rows.get(other)))
    return by_car


def _contact_object(contact: Contact, other: BoardRow | None) -> Json:
    """One contact from one car's side; `other` is the other car's row (None: it has left the session)."""
    cust_id, steam_id = api_ids(other.key, other.is_ai) if other is not None else (None, None)
    return {
        "at": iso(contact.at),
        "lap": contact.lap,
        "magnitude": contact.magnitude,
        "withCustId": cust_id,
        "withSteamId": steam_id,
        "withName": other.name if other is not None else "",
        "withIsAi": other is not None and other.is_ai,
    }


def live_row(board: Board, key: Key) -> BoardRow | None:
    """The driver's row while the board is in session."""
    return next((r for r in board.rows if r.key == key), None) if in_session(board) else None


def tags_document(catalogue: Catalogue, uses: Mapping[str, int]) -> Json:
    tags = [
        {**tag_object(tag), "hotkey": tag.hotkey, "order": tag.order, "builtin": tag.builtin, "uses": uses.get(tag.id, 0)}
        for tag in catalogue
    ]
    return {"count": len(tags), "tags": tags}


def live_driver_object(row: BoardRow, contacts: Mapping[int, list[Json]]) -> Json:
    """The WOTS driver object of a driver in the session, with the live fields after WOTS's own.

    `contacts` is `contact_objects` of the row's Board."""
    entry = row.notebook or NotebookEntry()
    licence = row.licence
    return {
        # times met as the live screen counts it: the notebook's sightings, plus meetings another notebook counted
        **wots_driver(row.key, row.name, row.car_number or None, entry.times_met, entry.rating, entry.note, entry.nickname,
                      entry.tags, row.is_ai),
        "platform": row.key[0],
        "isAi": row.is_ai,
        "carIdx": row.car_idx,
        "position": row.position,
        "classPosition": row.class_position,
        "class": row.car_class.name,
        "classColor": row.car_class.colour,
        "iRating": row.irating or None,  # none known (an AMS2 server has no iRating)
        "iRatingChange": row.irating_change,
        "license": licence.label if licence else None,
        "licenseColor": licence.colour if licence else None,
        "lap": row.lap,
        "lastLapTime": _milliseconds(row.last_lap),
        "bestLapTime": _milliseconds(row.best_lap),
        "onPitRoad": row.on_pit_road,
        "contacts": contacts.get(row.car_idx, []),
        "headToHead": head_to_head_object(row.head_to_head),
        **crowd_fields(row.crowd),
    }


def noted_driver_object(
    record: NoteRecord, catalogue: Catalogue, head_to_head: HeadToHead | None, crowd: CrowdView | None = None
) -> Json:
    """A driver not in the session, from the notebook (and what a crowd hub last said of them)."""
    return {**driver_object(record, catalogue), "headToHead": head_to_head_object(head_to_head), **crowd_fields(crowd)}


def raced_driver_object(known: KnownDriver, head_to_head: HeadToHead | None, crowd: CrowdView | None = None) -> Json:
    """A driver known only from the imported races: their name and head-to-head, the notebook's fields empty."""
    key = (Platform.IRACING.value, known.cust_id)  # the imported races are iRacing's
    return {**wots_driver(key, known.name, None, 0, None, "", "", ()), "headToHead": head_to_head_object(head_to_head),
            **crowd_fields(crowd)}


def notebook_entries(
    records: Iterable[NoteRecord],
    catalogue: Catalogue,
    head_to_heads: Mapping[Key, HeadToHead],
    crowds: Mapping[Key, CrowdView] | None = None,
) -> Json:
    """A batch of /api/notebook's entries, each with its head-to-head (`head_to_heads`: those raced, by key) and
    what a crowd hub last said of them (`crowds`, by key)."""
    crowds = crowds or {}
    return {
        entry_id(r.key): {**notebook_object(r, catalogue), "headToHead": head_to_head_object(head_to_heads.get(r.key)),
                          **crowd_fields(crowds.get(r.key))}
        for r in records
    }


def crowd_fields(view: CrowdView | None) -> Json:
    """WOTS's `crowdRep` and `crowdTags` (null when the crowd has nothing to say, or is off), and ours, `crowdStale`:
    true when it is the last known data (the hub did not answer, or was not asked: a driver out of the session)."""
    rep, tags = crowd_objects(view.crowd if view is not None else None)
    return {"crowdRep": rep, "crowdTags": tags, "crowdStale": view is not None and view.stale}


def head_to_head_object(head_to_head: HeadToHead | None) -> Json | None:
    if head_to_head is None:
        return None
    return {
        "races": head_to_head.races,
        "ahead": head_to_head.ahead,
        "behind": head_to_head.behind,
        "lastRaceAt": iso(head_to_head.last_race_at),
        "lastSubsessionId": head_to_head.last_subsession_id,
    }


def _session_head(board: Board) -> dict[str, Any]:
    facts = board.facts
    assert facts is not None
    on_ams2 = board.rows[0].key[0] == Platform.AMS2.value if board.rows else False
    return {
        "inSession": True,
        "sessionId": facts.session_id or None,
        **({"lobbyId": str(facts.session_id)} if on_ams2 and facts.session_id else {}),  # 18 digits: a string too
        "subsessionId": facts.subsession_id or None,
        "trackName": facts.track_name or None,
        "sessionType": facts.session_type or None,
    }


def _milliseconds(seconds: float | None) -> float | None:
    """Lap times as the sim times them (the SDK's float32 noise below a millisecond dropped)."""
    return None if seconds is None else round(seconds, 3)
