"""Sightings: one per driver per session the racer was in, from which "times met" and "last met" come."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from wots_tui.domain.models import SessionFacts, SessionSnapshot
from wots_tui.domain.notebook import Key


@dataclass(frozen=True, slots=True)
class Sighting:
    key: Key
    session_key: str
    seen_at: datetime
    name: str = ""
    car_number: str | None = None
    session_id: int | None = None
    subsession_id: int | None = None
    track: str = ""
    session_type: str = ""
    car: str = ""
    car_class: str = ""
    irating: int | None = None


def session_key(facts: SessionFacts, at: datetime) -> str:
    """What counts as one meeting: an iRacing subsession (practice, qualifying and race together).

    Offline and test sessions have no subsession id; each track on each day counts once.
    """
    if facts.subsession_id:
        return f"subsession:{facts.subsession_id}"
    if facts.session_id:
        return f"session:{facts.session_id}"
    return f"offline:{at.date().isoformat()}:{facts.track_name}"


def sightings_from(snapshot: SessionSnapshot, at: datetime) -> list[Sighting]:
    """A sighting of everyone in the roster but the racer themself."""
    facts = snapshot.facts
    where = session_key(facts, at)
    return [
        Sighting(
            key=driver.key,
            session_key=where,
            seen_at=at,
            name=driver.name,
            car_number=driver.car_number or None,
            session_id=facts.session_id or None,
            subsession_id=facts.subsession_id or None,
            track=facts.track_name,
            session_type=facts.session_type,
            car=driver.car_name,
            car_class=driver.car_class.name,
            irating=driver.irating or None,
        )
        for driver in snapshot.drivers
        if driver.car_idx != snapshot.player_car_idx
    ]
