"""The racer's career from their racing history: seasons, years and the whole, per licence category.

Pure Python: the figures are computed in SQL (store/career.py) into these values, which the stats
screen shows, sorts and filters. Positions are 1-based and in class; a season is one series' season in
one car class (hosted and league races: the series' or the league's season by quarter).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

# The API's licence categories (license_category_id): iRatings follow them.
CATEGORIES: dict[int, str] = {1: "Oval", 2: "Road", 3: "Dirt Oval", 4: "Dirt Road", 5: "Sports Car", 6: "Formula Car"}


def category_name(category_id: int) -> str:
    return CATEGORIES.get(category_id, "Other")


@dataclass(frozen=True, slots=True)
class Racer:
    """Whose history it is: the member the history was fetched (or member/info imported) for."""

    cust_id: int
    name: str
    races: int  # main events of theirs stored
    fetched_at: datetime | None  # the last fetch; None when only imported
    chosen: bool = True  # False: no fetch or member/info says; the driver in most races was taken


@dataclass(frozen=True, slots=True)
class Tally:
    """The figures of a set of races (a season, a year, the career), in class."""

    starts: int
    wins: int
    top5: int
    poles: int
    laps: int
    laps_led: int
    avg_start: float | None
    avg_finish: float | None
    incidents_per_race: float | None
    irating_change: int | None  # the sum of each race's change
    sr_change: float | None  # the sum of each race's change within its licence class
    points: int | None  # the standings' points when fetched, else the races' championship points


@dataclass(frozen=True, slots=True)
class SeasonKey:
    """What a season row stands for: enough to list its races."""

    category_id: int
    season_id: int  # 0 hosted and league races
    series_id: int  # a league's races: minus the league's id
    car_class_id: int
    year: int
    quarter: int
    league_season_id: int = 0


@dataclass(frozen=True, slots=True)
class SeasonRow:
    key: SeasonKey
    series_name: str
    season_name: str
    car_class_name: str
    tally: Tally
    division: int | None  # 1-based (Division 1), from the standings or the latest race
    rank: int | None  # overall in the season's standings
    division_rank: int | None
    weeks_counted: int | None  # the standings' weeks counted, else the weeks raced
    last_race: datetime | None

    @property
    def label(self) -> str:
        return f"{self.key.year} S{self.key.quarter}"


@dataclass(frozen=True, slots=True)
class YearRow:
    year: int
    tally: Tally


@dataclass(frozen=True, slots=True)
class CategoryCareer:
    """One licence category's table: its seasons newest first, its years newest first, and the career."""

    category_id: int
    seasons: tuple[SeasonRow, ...]
    years: tuple[YearRow, ...]
    career: Tally

    @property
    def name(self) -> str:
        return category_name(self.category_id)


@dataclass(frozen=True, slots=True)
class Career:
    categories: tuple[CategoryCareer, ...]  # road first, then the others by races

    def category(self, category_id: int) -> CategoryCareer | None:
        return next((c for c in self.categories if c.category_id == category_id), None)


@dataclass(frozen=True, slots=True)
class CareerFilter:
    """What the stats screen narrows the career to; None is everything."""

    year: int | None = None
    series_id: int | None = None


EVERYTHING = CareerFilter()


@dataclass(frozen=True, slots=True)
class SeriesChoice:
    """A series the racer raced, for the series picker."""

    series_id: int
    name: str
    races: int


@dataclass(frozen=True, slots=True)
class ChartPoint:
    day: date
    value: float


@dataclass(frozen=True, slots=True)
class RatingChart:
    """One category's iRating and safety rating over time."""

    category_id: int
    irating: tuple[ChartPoint, ...]
    safety_rating: tuple[ChartPoint, ...]
    from_chart_data: bool  # False: drawn from the imported race results


def thinned(points: Sequence[ChartPoint], buckets: int) -> tuple[ChartPoint, ...]:
    """The same line in at most 2 x `buckets` points: each run of points' lowest and highest, in date order.

    A chart has a column or two of dots per cell: 10,000 races over a plot 150 cells wide would be drawn
    point by point for nothing (plotext took a second a frame).
    """
    if len(points) <= 2 * buckets:
        return tuple(points)
    kept: list[ChartPoint] = []
    for bucket in range(buckets):
        run = points[len(points) * bucket // buckets : len(points) * (bucket + 1) // buckets]
        low, high = min(run, key=lambda p: p.value), max(run, key=lambda p: p.value)
        kept.extend(sorted({low, high}, key=lambda p: p.day))
    return tuple(kept)


# -- sorting ------------------------------------------------------------------------------------------------

# column key -> (its header, what it sorts by); the stats table shows them in this order
SeasonValue = Callable[[SeasonRow], Any]
SEASON_COLUMNS: dict[str, tuple[str, SeasonValue]] = {
    "season": ("Season", lambda r: (r.key.year, r.key.quarter)),
    "series": ("Series", lambda r: r.series_name.casefold()),
    "class": ("Class", lambda r: r.car_class_name.casefold()),
    "starts": ("Starts", lambda r: r.tally.starts),
    "wins": ("Wins", lambda r: r.tally.wins),
    "top5": ("Top 5", lambda r: r.tally.top5),
    "poles": ("Poles", lambda r: r.tally.poles),
    "laps": ("Laps", lambda r: r.tally.laps),
    "led": ("Led", lambda r: r.tally.laps_led),
    "start": ("Avg st", lambda r: r.tally.avg_start),
    "finish": ("Avg fin", lambda r: r.tally.avg_finish),
    "inc": ("Inc/race", lambda r: r.tally.incidents_per_race),
    "ir": ("iR ±", lambda r: r.tally.irating_change),
    "sr": ("SR ±", lambda r: r.tally.sr_change),
    "points": ("Points", lambda r: r.tally.points),
    "division": ("Div", lambda r: r.division),
    "rank": ("Rank", lambda r: r.rank),
    "division_rank": ("Div rank", lambda r: r.division_rank),
    "weeks": ("Weeks", lambda r: r.weeks_counted),
}


def sort_seasons(rows: Iterable[SeasonRow], column: str, descending: bool) -> list[SeasonRow]:
    """Rows by one column; rows without a value go last either way, ties newest first."""
    value = SEASON_COLUMNS[column][1]
    newest = sorted(rows, key=lambda r: (r.key.year, r.key.quarter, r.last_race or datetime.min), reverse=True)
    known = [r for r in newest if value(r) is not None]
    unknown = [r for r in newest if value(r) is None]
    return sorted(known, key=value, reverse=descending) + unknown
