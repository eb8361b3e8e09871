"""The documents the local API serves, built from the current Board and what the store answers.

WOTS's own fields come first and keep WOTS's names (its documentation:
tests/fixtures/wots/wots-local-api.txt); the live fields after
them are ours (position, class, iRating, license, ...), added as the contract allows, never renamed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from wots_tui.domain.board import Board, BoardRow
from wots_tui.domain.models import LinkState
from wots_tui.domain.notebook import Catalogue, Key, NotebookEntry
from wots_tui.domain.wots_shape import Json, entry_id, iso, tag_object, wots_driver


def in_session(board: Board) -> bool:
    """Connected with a roster: the sim's first moments (its map open, no session info yet) are not a session."""
    return board.link is LinkState.CONNECTED and board.facts is not None and bool(board.rows)


def status_document(board: Board, *, version: str, notebook_entries: int, drivers_seen: int, now: datetime) -> Json:
    return {
        "version": version,
        "connected": board.link is LinkState.CONNECTED,
        "inSession": in_session(board),
        "crowdsourcingEnabled": False,
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
    """Everyone in the session but the player, keyed by customer id, in running order."""
    if not in_session(board):
        return {"inSession": False, "drivers": {}}
    drivers = {entry_id(row.key): live_driver_object(row) for row in board.rows if not row.is_player}
    return {**_session_head(board), "drivers": drivers}


def live_row(board: Board, key: Key) -> BoardRow | None:
    """The driver's row while the board is in session."""
    return next((r for r in board.rows if r.key == key), None) if in_session(board) else None


def tags_document(catalogue: Catalogue, uses: Mapping[str, int]) -> Json:
    tags = [
        {**tag_object(tag), "hotkey": tag.hotkey, "order": tag.order, "builtin": tag.builtin, "uses": uses.get(tag.id, 0)}
        for tag in catalogue
    ]
    return {"count": len(tags), "tags": tags}


def live_driver_object(row: BoardRow) -> Json:
    """The WOTS driver object of a driver in the session, with the live fields after WOTS's own."""
    entry = row.notebook or NotebookEntry()
    licence = row.licence
    return {
        # times met as the live screen counts it: the notebook's sightings, plus meetings another notebook counted
        **wots_driver(row.key, row.name, row.car_number or None, entry.times_met, entry.rating, entry.note, entry.nickname, entry.tags),
        "platform": row.key[0],
        "carIdx": row.car_idx,
        "position": row.position,
        "classPosition": row.class_position,
        "class": row.car_class.name,
        "classColor": row.car_class.colour,
        "iRating": row.irating,
        "iRatingChange": row.irating_change,
        "license": licence.label if licence else None,
        "licenseColor": licence.colour if licence else None,
        "lap": row.lap,
        "lastLapTime": _milliseconds(row.last_lap),
        "bestLapTime": _milliseconds(row.best_lap),
        "onPitRoad": row.on_pit_road,
    }


def _session_head(board: Board) -> dict[str, Any]:
    facts = board.facts
    assert facts is not None
    return {
        "inSession": True,
        "sessionId": facts.session_id or None,
        "subsessionId": facts.subsession_id or None,
        "trackName": facts.track_name or None,
        "sessionType": facts.session_type or None,
    }


def _milliseconds(seconds: float | None) -> float | None:
    """Lap times as the sim times them (the SDK's float32 noise below a millisecond dropped)."""
    return None if seconds is None else round(seconds, 3)
