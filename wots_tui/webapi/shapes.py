"""What a saved Data API file holds, recognised by its shape (never by its name) once its JSON is read
(domain/json_text.py, forgiving the seed's trailing commas).

Racers have two kinds of files: bodies as the API answers (results/get, search answers and their chunk
arrays, past seasons, standings headers and chunks, car classes, chart data, recent races, member info)
and what the seed's scripts wrote (iRacing-API-Scripts: arrays of those bodies, some ending in `,]`,
and their own standings rows). Anything else is refused in one line that says what it is.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum

from wots_tui.domain.json_text import json_name


class ShapeError(ValueError):
    """A file that cannot be imported; the message is one line for the racer (without the file's name)."""


class Kind(Enum):
    RESULTS = "a race's results"  # results/get
    RESULTS_LIST = "races' results"  # an array of results/get bodies (the seed's 1-subsessions-output.json)
    SEARCH_ANSWER = "a search answer"  # results/search_series|search_hosted: its rows are in its chunks
    SEARCH_ROWS = "search rows"  # a chunk of those rows
    SEARCH_CHUNKS = "search rows in chunks"  # an array of chunks (the seed's <cust>-search-series-output.json)
    PAST_SEASONS = "a series' past seasons"  # series/past_seasons
    PAST_SEASONS_LIST = "series' past seasons"  # an array of them (the seed's past-seasons-output.json)
    STANDINGS_HEADER = "a standings list"  # stats/season_driver_standings: the header and its chunk_info
    STANDINGS_ROWS = "standings rows"  # a chunk of that list's rows
    SEED_STANDINGS = "standings (the seed's)"  # the seed's standings-output.json rows
    CAR_CLASSES = "car classes"  # carclass/get, or the seed's car-classes file
    CHART = "rating history"  # member/chart_data
    RECENT_RACES = "recent races"  # stats/member_recent_races
    MEMBER = "a member"  # member/info
    MEMBERS = "members"  # member/get: the members asked for, by cust_id


def recognise(value: object) -> Kind:
    """What a parsed file holds; ShapeError for what is not data wots-tui can store."""
    if isinstance(value, dict):
        return _object_kind(value)
    if isinstance(value, list):
        return _array_kind(value)
    raise ShapeError(f"the file holds only {json_name(value)}, not a Data API answer")


def _object_kind(value: dict) -> Kind:
    if "link" in value and set(value) <= {"link", "expires"}:
        raise ShapeError("a link to the data, not the data: the API answers with a link first; save what it points to")
    if "error" in value and len(value) <= 3:
        said = "; ".join(str(value[k]) for k in ("error", "note", "message") if value.get(k))
        raise ShapeError(f"an error answer from the API ({said}), not data")
    for kind, fits in _OBJECTS:
        if fits(value):
            return kind
    raise ShapeError(f"not a Data API answer wots-tui knows (its keys: {_keys(value)})")


def _array_kind(value: list) -> Kind:
    """The kind every item fits; else the first item unlike the first one is named."""
    if not value:
        raise ShapeError("an empty array: nothing to import")
    for kind, _, fits in _ARRAYS:
        if all(fits(item) for item in value):
            return kind
    first = value[0]
    for _, item_name, fits in _ARRAYS:
        if fits(first):
            number, item = next((n, item) for n, item in enumerate(value, start=1) if not fits(item))
            raise unlike_item(number, item_name, item)
    if isinstance(first, dict):
        raise ShapeError(f"an array of objects wots-tui does not know (the first one's keys: {_keys(first)})")
    raise ShapeError(f"an array whose first item is {json_name(first)}, not a Data API answer")


def unlike_item(number: int, item_name: str, item: object) -> ShapeError:
    """The error for item `number` (from 1) of an array, which is not `item_name` as the array's items are."""
    what = f"its keys: {_keys(item)}" if isinstance(item, dict) else f"it is {json_name(item)}"
    return ShapeError(f"item {number} of the array is not {item_name} ({what})")


def _keys(value: dict, shown: int = 6) -> str:
    keys = list(value)
    return ", ".join(keys[:shown]) + (", ..." if len(keys) > shown else "") if keys else "none"


def is_results(v: object) -> bool:
    """A results/get body."""
    return isinstance(v, dict) and "subsession_id" in v and isinstance(v.get("session_results"), list)


def _is_past_seasons(v: object) -> bool:
    return isinstance(v, dict) and isinstance(v.get("series"), dict) and isinstance(v["series"].get("seasons"), list)


def _is_search_row(v: object) -> bool:
    return isinstance(v, dict) and "subsession_id" in v and "start_time" in v and "session_results" not in v


def _is_search_answer(v: dict) -> bool:
    return isinstance(v.get("data"), dict) and "chunk_info" in v["data"] and "type" in v


def _is_standings_header(v: dict) -> bool:
    return "chunk_info" in v and "season_id" in v and "car_class_id" in v


def _is_standing_row(v: object) -> bool:
    return isinstance(v, dict) and "cust_id" in v and "rank" in v and "weeks_counted" in v


def _is_car_class(v: object) -> bool:
    return isinstance(v, dict) and "car_class_id" in v and ("cars_in_class" in v or "short_name" in v) and "subsession_id" not in v


def _is_search_chunk(v: object) -> bool:
    return isinstance(v, list) and all(_is_search_row(row) for row in v)


def _is_seed_standing(v: object) -> bool:
    return isinstance(v, dict) and isinstance(v.get("season_driver_data"), dict)


Fits = Callable[[dict], bool]
_OBJECTS: tuple[tuple[Kind, Fits], ...] = (
    (Kind.RESULTS, is_results),
    (Kind.SEARCH_ANSWER, _is_search_answer),
    (Kind.PAST_SEASONS, _is_past_seasons),
    (Kind.STANDINGS_HEADER, _is_standings_header),
    (Kind.CHART, lambda v: "chart_type" in v and isinstance(v.get("data"), list)),
    (Kind.RECENT_RACES, lambda v: isinstance(v.get("races"), list) and "cust_id" in v),
    (Kind.MEMBER, lambda v: "cust_id" in v and "member_since" in v),
    (Kind.MEMBERS, lambda v: "cust_ids" in v and isinstance(v.get("members"), list)),
)
# what an array holds, what one of its items is, and the test each item passes
_ARRAYS: tuple[tuple[Kind, str, Callable[[object], bool]], ...] = (
    (Kind.RESULTS_LIST, Kind.RESULTS.value, is_results),
    (Kind.PAST_SEASONS_LIST, Kind.PAST_SEASONS.value, _is_past_seasons),
    (Kind.SEED_STANDINGS, "a standings row (the seed's)", _is_seed_standing),
    (Kind.SEARCH_ROWS, "a search row", _is_search_row),
    (Kind.STANDINGS_ROWS, "a standings row", _is_standing_row),
    (Kind.CAR_CLASSES, "a car class", _is_car_class),
    (Kind.SEARCH_CHUNKS, "a chunk of search rows", _is_search_chunk),
)


def seed_standing_rows(value: list[dict]) -> list[dict]:
    """The seed's standings rows as standings rows carrying their season, class and both ranks.

    The seed's own `division` is the API's + 1 on one pass and the API's on another, so the row's
    (`season_driver_data.division`, the API's) is the one kept.
    """
    return [
        {**item["season_driver_data"], "season_id": item.get("season_id"), "car_class_id": item.get("car_class_id"),
         "rank": item.get("overall_rank"), "division_rank": item.get("division_rank")}
        for item in value
    ]


def search_answer_rows(value: dict) -> int:
    """How many rows a search answer's chunks hold (the answer itself holds none)."""
    rows = (value["data"].get("chunk_info") or {}).get("rows")
    return rows if isinstance(rows, int) else 0
