"""Sightings: one per driver per session the racer was in, from which "times met" and "last met" come."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from wots_tui.domain.models import SessionSnapshot
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


def sightings_from(snapshot: SessionSnapshot, where: str, at: datetime) -> list[Sighting]:
    """A sighting at meeting `where` (the source says what one meeting is) of everyone but the racer themself
    and the AI (never in the notebook)."""
    facts = snapshot.facts
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
        if driver.car_idx != snapshot.player_car_idx and not driver.is_ai
    ]
