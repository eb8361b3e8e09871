"""Sightings: one per driver per session the racer was in, from which "times met" and "last met" come,
with the car-to-car contacts that driver had there. AI cars are shown but never met: the notebook is for people."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType

from wots_tui.domain.contacts import car_contacts
from wots_tui.domain.models import SessionSnapshot
from wots_tui.domain.notebook import Key

NONE: Mapping[Key, int] = MappingProxyType({})


class AiCar(ValueError):
    """An AI car was to be rated, tagged or noted; the message is the one line to show the racer."""


def refuse_ai(key: Key, name: str = "", is_ai: bool = False) -> None:
    """Raise AiCar for an AI car: one the source marks (`is_ai`), or any id no person has (AI ids are negative)."""
    if is_ai or key[1] <= 0:
        raise AiCar(f"{name or 'That car'} is an AI car: the notebook is for people")


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
    contacts: int = 0  # car-to-car contacts with anyone in that meeting


def sightings_from(snapshot: SessionSnapshot, where: str, at: datetime, contacts: Mapping[Key, int] = NONE) -> list[Sighting]:
    """A sighting at meeting `where` (the source says what one meeting is) of everyone but the racer themself
    and the AI (never in the notebook), each with their `contacts` there so far."""
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
            contacts=contacts.get(driver.key, 0),
        )
        for driver in snapshot.drivers
        if driver.car_idx != snapshot.player_car_idx and not driver.is_ai
    ]


class MeetingContacts:
    """Each met driver's car-to-car contacts in the current meeting, as counts to record with their sightings.

    A meeting may hold several sessions (iRacing's practice, qualifying and race are one subsession), each
    with a contact log of its own: when the log starts again (its first contact is another one, or there is
    none), what was counted so far is carried. Counts only grow: a driver who left the roster keeps theirs.
    Not thread-safe: the engine's loop owns it.
    """

    def __init__(self) -> None:
        self.meeting = ""
        self._log: tuple[datetime, int] | None = None  # the current log's first contact: which log it is
        self._carried: dict[Key, int] = {}  # counted in the meeting's earlier logs
        self._counted: dict[Key, int] = {}  # the meeting's counts so far

    def counts(self, meeting: str) -> Mapping[Key, int]:
        """The counts so far in `meeting` (none for another meeting)."""
        return MappingProxyType(self._counted) if meeting == self.meeting else NONE

    def update(self, snapshot: SessionSnapshot, meeting: str) -> list[tuple[Key, int]]:
        """The drivers whose count grew with `snapshot`'s contacts, each with their count in `meeting` now.

        The racer's own car and the AI are never counted: they have no sighting.
        """
        if meeting != self.meeting:
            self.meeting, self._log, self._carried, self._counted = meeting, None, {}, {}
        contacts = snapshot.contacts
        log = (contacts[0].at, contacts[0].car_idx) if contacts else None
        if log != self._log:
            self._log, self._carried = log, dict(self._counted)
        met = {d.car_idx: d.key for d in snapshot.drivers if not d.is_ai and d.car_idx != snapshot.player_car_idx}
        grown = []
        for car_idx, count in car_contacts(contacts).items():
            key = met.get(car_idx)
            if key is None:
                continue
            total = self._carried.get(key, 0) + count
            if total > self._counted.get(key, 0):
                self._counted[key] = total
                grown.append((key, total))
        return grown
