"""What a saved Data API file holds, recognised by its shape (never by its name), and its JSON read.

Racers have two kinds of files: bodies as the API answers (results/get, search answers and their chunk
arrays, past seasons, standings headers and chunks, car classes, chart data, recent races, member info)
and what the seed's scripts wrote (iRacing-API-Scripts: arrays of those bodies, some ending in `,]`,
and their own standings rows). Anything else is refused in one line that says what it is.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable
from enum import Enum

import orjson


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


def read_json(data: bytes) -> object:
    """The JSON value in a file's bytes (a byte-order mark is dropped; trailing commas are forgiven, as DuckDB
    forgives them: the seed scripts end their arrays with `,]`).

    Raises ShapeError naming the line and column (or byte) where it is wrong or where it was cut off.
    """
    body = data.removeprefix(codecs.BOM_UTF8)
    mark = len(data) - len(body)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        at = error.start + mark
        if error.reason == "unexpected end of data" and error.end == len(body):
            raise ShapeError(f"cut off inside a character at byte {at}") from None
        line = data[:at].count(b"\n") + 1
        raise ShapeError(f"not UTF-8 text (byte {at}, line {line}): save it as UTF-8") from None
    if not text.strip():
        raise ShapeError("the file is empty")
    return _loads(text)


_MAX_TRAILING_COMMAS = 100


def _loads(text: str) -> object:
    """orjson's reading, forgiving trailing commas; positions are said in the text as it was."""
    removed: list[int] = []  # where commas were dropped, in the text as it was
    current = text
    while True:
        try:
            return orjson.loads(current)
        except orjson.JSONDecodeError as error:
            at = _original(error.pos, removed)
            if error.msg.startswith("trailing comma") and len(removed) < _MAX_TRAILING_COMMAS:
                removed.append(at)
                current = current[: error.pos] + current[error.pos + 1 :]
                continue
            if text.lstrip().startswith("<"):
                raise ShapeError("a web page, not JSON: an error page saved instead of the API's answer?") from None
            line, column = text.count("\n", 0, at) + 1, at - text.rfind("\n", 0, at)
            if at >= len(text.rstrip()):
                raise ShapeError(f"cut off: the JSON ends at line {line} before it is complete") from None
            raise ShapeError(f"not valid JSON at line {line}, column {column} ({error.msg})") from None


def _original(pos: int, removed: list[int]) -> int:
    for at in sorted(removed):
        if at <= pos:
            pos += 1
    return pos


def recognise(value: object) -> Kind:
    """What a parsed file holds; ShapeError for what is not data wots-tui can store."""
    if isinstance(value, dict):
        return _object_kind(value)
    if isinstance(value, list):
        return _array_kind(value)
    raise ShapeError(f"a lone {type(value).__name__} value, not a Data API answer")


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
    if not value:
        raise ShapeError("an empty array: nothing to import")
    if all(isinstance(item, list) for item in value):
        if all(all(isinstance(row, dict) and _is_search_row(row) for row in item) for item in value):
            return Kind.SEARCH_CHUNKS
        raise ShapeError("an array of arrays that are not search rows")
    if all(isinstance(item, dict) for item in value):
        for kind, fits in _ARRAYS:
            if all(fits(item) for item in value):
                return kind
        raise ShapeError(f"an array of objects wots-tui does not know (the first one's keys: {_keys(value[0])})")
    raise ShapeError("an array of mixed values, not a Data API answer")


def _keys(value: dict, shown: int = 6) -> str:
    keys = list(value)
    return ", ".join(keys[:shown]) + (", ..." if len(keys) > shown else "") if keys else "none"


def is_results(v: dict) -> bool:
    """A results/get body."""
    return "subsession_id" in v and isinstance(v.get("session_results"), list)


def _is_past_seasons(v: dict) -> bool:
    return isinstance(v.get("series"), dict) and isinstance(v["series"].get("seasons"), list)


def _is_search_row(v: dict) -> bool:
    return "subsession_id" in v and "start_time" in v and "session_results" not in v


def _is_search_answer(v: dict) -> bool:
    return isinstance(v.get("data"), dict) and "chunk_info" in v["data"] and "type" in v


def _is_standings_header(v: dict) -> bool:
    return "chunk_info" in v and "season_id" in v and "car_class_id" in v


def _is_standing_row(v: dict) -> bool:
    return "cust_id" in v and "rank" in v and "weeks_counted" in v


def _is_car_class(v: dict) -> bool:
    return "car_class_id" in v and ("cars_in_class" in v or "short_name" in v) and "subsession_id" not in v


Fits = Callable[[dict], bool]
_OBJECTS: tuple[tuple[Kind, Fits], ...] = (
    (Kind.RESULTS, is_results),
    (Kind.SEARCH_ANSWER, _is_search_answer),
    (Kind.PAST_SEASONS, _is_past_seasons),
    (Kind.STANDINGS_HEADER, _is_standings_header),
    (Kind.CHART, lambda v: "chart_type" in v and isinstance(v.get("data"), list)),
    (Kind.RECENT_RACES, lambda v: isinstance(v.get("races"), list) and "cust_id" in v),
    (Kind.MEMBER, lambda v: "cust_id" in v and "member_since" in v),
)
_ARRAYS: tuple[tuple[Kind, Fits], ...] = (
    (Kind.RESULTS_LIST, is_results),
    (Kind.PAST_SEASONS_LIST, _is_past_seasons),
    (Kind.SEED_STANDINGS, lambda v: isinstance(v.get("season_driver_data"), dict)),
    (Kind.SEARCH_ROWS, _is_search_row),
    (Kind.STANDINGS_ROWS, _is_standing_row),
    (Kind.CAR_CLASSES, _is_car_class),
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
