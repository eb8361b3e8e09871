"""Contacts between cars: one per touch, however many times and by whichever cars the sim reported it.

An AMS2 server logs an Impact from one car, or from both with different magnitudes, and a wall hit
as an impact with no other car; `ContactLog` folds the reports of one pair within about a second
into one Contact. iRacing says nothing of who touched whom: `incident_contact` proposes the car
nearest the racer when their incident count rises by a car-contact amount.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime

INCIDENT_SECONDS = 2.0  # rises of iRacing's incident count this close together (sim time) are one incident
MERGE_SECONDS = 1.0  # reports of one pair this close together are one contact (AMS2 logs whole seconds)
CAR_CONTACT_INCIDENTS = 4  # iRacing's 4x: contact with another car (a 2x, on ovals too, is a loss of control)


@dataclass(frozen=True, slots=True)
class Contact:
    """One touch of a car with another car, or with the scenery (`other_idx` None)."""

    serial: int  # 1, 2, ... in the order contacts happened this session: what is new since a number
    at: datetime  # when (UTC)
    car_idx: int  # the car that reported it first
    other_idx: int | None  # the other car; None: a wall, a barrier, the scenery
    lap: int | None = None  # the lap being driven, 1-based, where known
    magnitude: int | None = None  # the strongest report, 0-1000 (AMS2); None where the sim does not say
    reports: int = 1  # reports folded into it: one car's, or both cars'

    def involves(self, car_idx: int) -> bool:
        return car_idx in (self.car_idx, self.other_idx)

    def other_than(self, car_idx: int) -> int | None:
        """The other car of a contact `car_idx` was in (None: the scenery, or `car_idx` was not in it)."""
        if car_idx == self.car_idx:
            return self.other_idx
        return self.car_idx if car_idx == self.other_idx else None


class ContactLog:
    """This session's contacts, folding repeated reports of one touch (not thread-safe: one source owns it)."""

    def __init__(self, merge_seconds: float = MERGE_SECONDS) -> None:
        self._merge_seconds = merge_seconds
        self._contacts: list[Contact] = []
        self._last_of_pair: dict[tuple[int, int | None], int] = {}  # pair -> index of its latest contact

    @property
    def contacts(self) -> tuple[Contact, ...]:
        return tuple(self._contacts)

    def clear(self) -> None:
        """A new session starts with no contacts (serials start again at 1)."""
        self._contacts.clear()
        self._last_of_pair.clear()

    def report(self, at: datetime, car_idx: int, other_idx: int | None, lap: int | None = None,
               magnitude: int | None = None) -> Contact:
        """Add one report; returns the contact it made or grew (a second report of a touch grows the first)."""
        pair = _pair(car_idx, other_idx)
        index = self._last_of_pair.get(pair)
        if index is not None:
            last = self._contacts[index]
            if abs((at - last.at).total_seconds()) <= self._merge_seconds:
                grown = replace(last, magnitude=_stronger(last.magnitude, magnitude), reports=last.reports + 1,
                                lap=last.lap if last.lap is not None else lap)
                self._contacts[index] = grown
                return grown
        contact = Contact(len(self._contacts) + 1, at, car_idx, other_idx, lap, magnitude)
        self._last_of_pair[pair] = len(self._contacts)
        self._contacts.append(contact)
        return contact


def _pair(car_idx: int, other_idx: int | None) -> tuple[int, int | None]:
    """One key for a pair however it was reported; a car and the scenery is a pair of its own."""
    if other_idx is None:
        return (car_idx, None)
    low, high = sorted((car_idx, other_idx))
    return (low, high)


def _stronger(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else max(a, b)


def car_contacts(contacts: Iterable[Contact]) -> dict[int, int]:
    """Car index -> how many car-to-car contacts it was in (wall hits are not counted here)."""
    counts: dict[int, int] = {}
    for contact in contacts:
        if contact.other_idx is None:
            continue
        for car in (contact.car_idx, contact.other_idx):
            counts[car] = counts.get(car, 0) + 1
    return counts


NEAREST_CAR = 0.01  # of a lap (50 m on a 5 km track): a car farther than this at the next read did not touch us


def incident_contact(rise: int, player_idx: int, lap_dist: Mapping[int, float]) -> int | None:
    """The car iRacing's incident rise most likely was a contact with: the nearest by lap distance, or None.

    `rise` is how many incident points the racer just took: 4x is a car contact, less is not (a 2x is a
    loss of control, on ovals as elsewhere). `lap_dist` is each car's fraction of the lap at that tick, the
    racer's own among them; distances wrap at the line. A car more than NEAREST_CAR away is no one's contact.
    """
    if rise < CAR_CONTACT_INCIDENTS or player_idx not in lap_dist:
        return None
    here = lap_dist[player_idx]
    nearest: tuple[float, int] | None = None
    for car_idx, where in lap_dist.items():
        if car_idx == player_idx or where < 0:
            continue
        apart = abs(where - here) % 1.0
        apart = min(apart, 1.0 - apart)
        if nearest is None or (apart, car_idx) < nearest:
            nearest = (apart, car_idx)
    return None if nearest is None or nearest[0] > NEAREST_CAR else nearest[1]


class IncidentRises:
    """The racer's incident points of one moment, added up before they are judged.

    iRacing counts only the worst of incidents in quick succession and raises the count as one grows worse:
    a loss of control (2x) that turns into a car contact (4x) comes as +2, then +2 a moment later.
    """

    def __init__(self, window: float = INCIDENT_SECONDS) -> None:
        self._window = window
        self._since: float | None = None  # sim time of the first rise of this moment
        self._points = 0

    def add(self, rise: int, at: float) -> int:
        """A rise of `rise` points at sim time `at`; the points of this moment so far."""
        if self._since is None or not 0 <= at - self._since <= self._window:
            self._since, self._points = at, 0
        self._points += rise
        return self._points

    def spend(self) -> None:
        """The moment was judged (a contact found) or a new session began: the next rise starts afresh."""
        self._since, self._points = None, 0
