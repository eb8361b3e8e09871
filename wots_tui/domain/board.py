"""The Board: one immutable row per driver, joining live state with what the racer knows.

The engine builds a new Board from each SessionSnapshot and what its annotators know of the roster
(the notebook, the head-to-head history, the crowd); the live screen and the HTTP API read it. Values are kept
as they are shown (gaps to a tenth, rating changes whole), so a row whose display did not change
compares equal and is not redrawn.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType
from typing import Any, NamedTuple

from wots_tui.domain.contacts import Contact, car_contacts
from wots_tui.domain.crowd import CrowdView
from wots_tui.domain.models import (
    CarClass,
    CarState,
    Cycling,
    Driver,
    Licence,
    LinkState,
    SessionFacts,
    SessionSnapshot,
)
from wots_tui.domain.notebook import Key, NotebookEntry
from wots_tui.domain.races import HeadToHead
from wots_tui.domain.ratings import Entrant, irating_changes, strength_of_field

NOTEBOOK = "notebook"  # the annotator whose data the live screen's own columns show
HISTORY = "history"  # the annotator of head-to-head from the racing history
CROWD = "crowd"  # the annotator of crowd reputation from a hub
FLAG_OUT = frozenset({"checkered", "cool down"})  # session states after the leader has taken the flag
EMPTY: Mapping[Any, Any] = MappingProxyType({})


class BoardRow(NamedTuple):
    """One driver on the Board. A named tuple, not a dataclass: 60 are made five times a second and
    compared as often, and a tuple is made and compared in C."""

    key: tuple[str, int]
    car_idx: int
    is_player: bool
    position: int | None
    class_position: int | None
    car_number: str
    name: str
    car_class: CarClass
    licence: Licence | None
    irating: int
    irating_change: int | None  # estimated, whole points
    lap: int | None
    gap_seconds: float | None  # to the class leader (race, to a tenth) or the class's best lap (other sessions)
    gap_laps: int  # whole laps behind the class leader; 0 when on the same lap
    last_lap: float | None
    best_lap: float | None
    on_pit_road: bool
    annotations: Mapping[str, Any] = EMPTY  # annotator name -> what it knows of this driver; never mutated
    is_ai: bool = False  # an AI car: shown and marked, never rated or noted
    contacts: int = 0  # car-to-car contacts this session
    sector: int | None = None  # the sector the car is in, 1-3, where the sim says
    status: str = ""  # "FIN", "DNF", "DSQ", "RET" where the sim says; "" while the car runs

    @property
    def notebook(self) -> NotebookEntry | None:
        return self.annotations.get(NOTEBOOK)

    @property
    def head_to_head(self) -> HeadToHead | None:
        """The racer's races with this driver, when they raced before."""
        return self.annotations.get(HISTORY)

    @property
    def crowd(self) -> CrowdView | None:
        """What the crowd thinks of this driver, when the racer shares votes with a hub and it has something to say."""
        return self.annotations.get(CROWD)


class SortOrder(str, Cycling):
    POSITION = "position"
    CLASS = "class"
    IRATING = "iRating"



@dataclass(frozen=True, slots=True)
class Board:
    version: int
    link: LinkState
    link_message: str = ""
    facts: SessionFacts | None = None
    rows: tuple[BoardRow, ...] = ()
    classes: tuple[CarClass, ...] = ()  # fastest first
    sof: Mapping[str, int] = field(default_factory=dict)  # class name -> SOF
    versions: Mapping[str, int] = field(default_factory=lambda: EMPTY)  # annotator name -> the version of its data this Board shows
    contacts: tuple[Contact, ...] = ()  # this session's contacts, oldest first (car indexes as in the rows)

    @property
    def notebook_version(self) -> int:
        """Bumps with every notebook or tag change."""
        return self.versions.get(NOTEBOOK, 0)


def waiting_board(version: int, message: str, versions: Mapping[str, int] = EMPTY) -> Board:
    return Board(version=version, link=LinkState.WAITING, link_message=message, versions=versions)


def build_board(
    snapshot: SessionSnapshot,
    version: int,
    annotations: Mapping[Key, Mapping[str, Any]] = EMPTY,
    link_message: str = "",
    versions: Mapping[str, int] = EMPTY,
    link: LinkState = LinkState.CONNECTED,
) -> Board:
    """Join one snapshot with what the annotators know of each driver into a Board, rows in overall order.

    `link` is STALE when the snapshot is the last one a source read before it lost its sim; `link_message`
    then says why."""
    drivers = snapshot.drivers
    cars = snapshot.cars
    overall = _overall_positions(drivers, cars, snapshot.facts.is_race)
    by_class = _class_positions(drivers, cars, overall)
    leaders = _class_leaders(drivers, by_class)
    class_best = _class_best_laps(drivers, cars)
    changes = _irating_changes(drivers, by_class) if snapshot.facts.is_race and snapshot.facts.official else {}
    flag_out = snapshot.facts.session_state in FLAG_OUT
    contacts = car_contacts(snapshot.contacts) if snapshot.contacts else EMPTY  # a few, counted: cheaper than hashed

    rows = []
    for driver in drivers:
        car = cars.get(driver.car_idx) or CarState(driver.car_idx)
        gap_seconds, gap_laps = _gap(driver, car, cars, leaders, class_best, snapshot.facts.is_race, flag_out)
        rows.append(
            BoardRow(
                key=driver.key,
                car_idx=driver.car_idx,
                is_player=driver.car_idx == snapshot.player_car_idx,
                position=overall.get(driver.car_idx),
                class_position=by_class.get(driver.car_idx),
                car_number=driver.car_number,
                name=driver.name,
                car_class=driver.car_class,
                licence=driver.licence,
                irating=driver.irating,
                irating_change=changes.get(driver.car_idx),
                lap=car.lap,
                gap_seconds=gap_seconds,
                gap_laps=gap_laps,
                last_lap=car.last_lap,
                best_lap=car.best_lap,
                on_pit_road=car.on_pit_road,
                annotations=annotations.get(driver.key, EMPTY),
                is_ai=driver.is_ai,
                contacts=contacts.get(driver.car_idx, 0),
                sector=car.sector,
                status=car.status,
            )
        )
    rows.sort(key=_position_key)
    classes = _classes_fastest_first(rows)
    field_sof = _sof_by_class(drivers)
    sof = {c.name: field_sof[c.class_id] for c in classes if c.class_id in field_sof}
    return Board(
        version=version,
        link=link,
        link_message=link_message,
        facts=snapshot.facts,
        rows=tuple(rows),
        classes=classes,
        sof=sof,
        versions=versions,
        contacts=snapshot.contacts,
    )


@lru_cache(maxsize=8)
def _sof_by_class(drivers: tuple[Driver, ...]) -> Mapping[int, int]:
    """SOF per class id: it depends on the roster alone, so a race computes it once per roster."""
    iratings: dict[int, list[int]] = {}
    for d in drivers:
        iratings.setdefault(d.car_class.class_id, []).append(d.irating)
    return MappingProxyType({c: v for c, ratings in iratings.items() if (v := strength_of_field(ratings)) is not None})


def _position_key(row: BoardRow) -> tuple[int, int, int]:
    return (row.position is None, row.position or 0, row.car_idx)


def sort_rows(rows: Iterable[BoardRow], order: SortOrder) -> list[BoardRow]:
    if order is SortOrder.CLASS:
        class_rank = {c: i for i, c in enumerate(_classes_fastest_first(rows))}
        return sorted(
            rows,
            key=lambda r: (class_rank.get(r.car_class, 0), r.class_position is None, r.class_position or 0, r.car_idx),
        )
    if order is SortOrder.IRATING:
        return sorted(rows, key=lambda r: (-r.irating, r.car_idx))
    return sorted(rows, key=_position_key)


def filter_rows(rows: Iterable[BoardRow], car_class: CarClass | None) -> list[BoardRow]:
    return [r for r in rows if car_class is None or r.car_class == car_class]


def _overall_positions(drivers: Sequence[Driver], cars: Mapping[int, CarState], is_race: bool) -> dict[int, int]:
    """Positions from telemetry when the sim gives them; derived from race progress when it cannot (old SDKs)."""
    given = {d.car_idx: p for d in drivers if (car := cars.get(d.car_idx)) is not None and (p := car.position)}
    if given or not is_race:
        return given
    progress = [(car.progress, d.car_idx) for d in drivers if (car := cars.get(d.car_idx)) and car.progress is not None]
    progress.sort(key=lambda pc: (-pc[0], pc[1]))
    return {car_idx: rank for rank, (_, car_idx) in enumerate(progress, start=1)}


def _class_positions(
    drivers: Sequence[Driver], cars: Mapping[int, CarState], overall: Mapping[int, int]
) -> dict[int, int]:
    given = {d.car_idx: p for d in drivers if (car := cars.get(d.car_idx)) and (p := car.class_position)}
    if given:
        return given
    ranked: dict[int, list[tuple[int, int]]] = {}
    for d in drivers:
        if d.car_idx in overall:
            ranked.setdefault(d.car_class.class_id, []).append((overall[d.car_idx], d.car_idx))
    result = {}
    for entries in ranked.values():
        for rank, (_, car_idx) in enumerate(sorted(entries), start=1):
            result[car_idx] = rank
    return result


def _class_leaders(drivers: Sequence[Driver], by_class: Mapping[int, int]) -> dict[int, int]:
    """Class id -> the car index of its leader. (Classes are keyed by id here: hashing CarClass costs.)"""
    return {d.car_class.class_id: d.car_idx for d in drivers if by_class.get(d.car_idx) == 1}


def _class_best_laps(drivers: Sequence[Driver], cars: Mapping[int, CarState]) -> dict[int, float]:
    best: dict[int, float] = {}
    for d in drivers:
        car = cars.get(d.car_idx)
        if car and car.best_lap and car.best_lap > 0:
            class_id = d.car_class.class_id
            current = best.get(class_id)
            best[class_id] = car.best_lap if current is None else min(current, car.best_lap)
    return best


def _gap(
    driver: Driver,
    car: CarState,
    cars: Mapping[int, CarState],
    leaders: Mapping[int, int],
    class_best: Mapping[int, float],
    is_race: bool,
    flag_out: bool = False,
) -> tuple[float | None, int]:
    """Seconds or whole laps behind the class leader (race), or behind the class's best lap (other sessions).

    A finished car keeps its gap: the sim freezes its time behind the leader (F2Time) at its finish, and
    once the flag is out (`flag_out`) lap gaps count the winner at the line, not round its cool-down lap.
    """
    if not is_race:
        best = class_best.get(driver.car_class.class_id)
        if best is None or not car.best_lap or car.best_lap <= 0:
            return None, 0
        return car.best_lap - best, 0  # changes only when a lap ends
    leader_idx = leaders.get(driver.car_class.class_id)
    if leader_idx is None:
        return None, 0
    if leader_idx == driver.car_idx:
        return 0.0, 0
    leader = cars.get(leader_idx)
    if leader is None:
        return None, 0
    ahead = _race_distance(leader, flag_out, leader.position == 1)
    behind = _race_distance(car, flag_out, False)
    if ahead is not None and behind is not None:
        laps = math.floor(ahead - behind)
        if laps >= 1:
            return None, laps
    if leader.gap_to_leader is None or car.gap_to_leader is None:
        return None, 0
    return round(max(0.0, car.gap_to_leader - leader.gap_to_leader), 1), 0


def _race_distance(car: CarState, flag_out: bool, is_winner: bool) -> float | None:
    """Laps round the race, for lap gaps. After the flag the winner and the cars back in the garage count at
    the line they last crossed: the winner drives on round its cool-down lap, a car out of the world has no
    progress but keeps its laps."""
    if flag_out and (is_winner or car.progress is None):
        return None if car.laps_completed is None else float(car.laps_completed)
    return car.progress


def _irating_changes(drivers: Sequence[Driver], by_class: Mapping[int, int]) -> dict[int, int]:
    per_class: dict[int, list[Driver]] = {}
    for d in drivers:
        if d.car_idx in by_class and d.irating > 0:
            per_class.setdefault(d.car_class.class_id, []).append(d)
    result = {}
    for members in per_class.values():
        members.sort(key=lambda d: by_class[d.car_idx])
        for d, change in zip(members, _changes_in_order(tuple(d.irating for d in members))):
            result[d.car_idx] = change
    return result


@lru_cache(maxsize=64)
def _changes_in_order(iratings: tuple[int, ...]) -> tuple[int, ...]:
    """Whole-point changes of a class running in this order: the same until someone in it changes place."""
    return tuple(round(c) for c in irating_changes([Entrant(ir, rank) for rank, ir in enumerate(iratings, start=1)]))


def _classes_fastest_first(rows: Iterable[BoardRow]) -> tuple[CarClass, ...]:
    """Classes in the order their best-placed car runs, so the fastest class comes first."""
    best: dict[int, tuple[int, int, CarClass]] = {}
    for row in rows:
        rank = (row.position or 10_000, row.car_idx, row.car_class)
        class_id = row.car_class.class_id
        if class_id not in best or rank[:2] < best[class_id][:2]:
            best[class_id] = rank
    return tuple(rank[2] for rank in sorted(best.values(), key=lambda r: r[:2]))
