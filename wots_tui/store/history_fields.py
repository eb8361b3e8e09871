"""What each history table reads from the Data API's JSON, and how the API's conventions are made plain.

Every column names the API key it comes from (dotted into nested objects: `track.config_name`), the
DuckDB type of the API's value, and how it is made plain: positions counted from 1 (the API's count from
0), times in seconds (the API's are ten-thousandths), -1 ("none") stored as NULL.

Python only picks each row's values out of the parsed JSON, in the table's order (`Table.row`), and hands
the rows to DuckDB as JSON arrays of arrays; DuckDB types them and makes them plain in SQL built here from
the same list (`insert_sql`, `upsert_sql`), so what is read and what is written cannot drift apart. The
tables themselves are made by migration 5 (store/history_schema.py); tests/test_history_store.py checks
they have exactly these columns.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Plain = Callable[[str], str]  # SQL of the API's value -> SQL of ours


def as_is(value: str) -> str:
    return value


def position(value: str) -> str:
    """The API counts positions from 0 and says -1 for none; ours count from 1, NULL for none."""
    return f"nullif({value}, -1) + 1"


def seconds(value: str) -> str:
    """The API's times are in 1/10,000 s, -1 for none; ours in seconds, NULL for none."""
    return f"nullif({value}, -1) / 10000"


def unset(value: str) -> str:
    """The API's -1 for "none" (no rating, no division, no strength of field) as NULL."""
    return f"nullif({value}, -1)"


def rank(value: str) -> str:
    """A rank is 1 or more: a 0 (the seed scripts' "not looked up", a list without the member) is NULL."""
    return f"CASE WHEN {value} > 0 THEN {value} END"


@dataclass(frozen=True, slots=True)
class Col:
    name: str  # our column
    type: str  # the DuckDB type of the API's value
    key: str = ""  # the API's key, dotted into nested objects; the column's name when empty
    plain: Plain = as_is

    @property
    def path(self) -> tuple[str, ...]:
        return tuple((self.key or self.name).split("."))


@dataclass(frozen=True, slots=True)
class Table:
    """A history table whose rows are made each from one of the API's objects: first the values the writer
    gives beside it (`given`: the race and session a result is of), then those read from the object."""

    name: str
    cols: tuple[Col, ...]
    keys: tuple[str, ...]
    given: tuple[Col, ...] = ()
    keep: tuple[str, ...] = ()  # columns whose stored value survives an incoming NULL
    _pick: Callable[[dict], tuple] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_pick", _picker(self.cols))

    @property
    def columns(self) -> tuple[Col, ...]:
        """Every column, in the order of a row's values: given, then plain keys, then nested ones."""
        return self.given + _plain_first(self.cols)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def row(self, obj: dict, *given: Any) -> tuple:
        """The values of one row: `given`, then the object's (None where it has no such key)."""
        return given + self._pick(obj)


def _plain_first(cols: tuple[Col, ...]) -> tuple[Col, ...]:
    return tuple(c for c in cols if len(c.path) == 1) + tuple(c for c in cols if len(c.path) > 1)


def _picker(cols: tuple[Col, ...]) -> Callable[[dict], tuple]:
    """A function taking the columns' values out of an object, plain keys first (picking is much of the time
    an import takes: one C call for an object with every key, as the API's are; `get` by `get` otherwise)."""
    ordered = _plain_first(cols)
    keys = [c.path[0] for c in ordered if len(c.path) == 1]
    nested = [(c.path[0], c.path[1:]) for c in ordered if len(c.path) > 1]
    every = operator.itemgetter(*keys, *keys[:1]) if keys else None  # a key twice: always a tuple back

    def pick(obj: dict) -> tuple:
        try:
            plain = every(obj)[:-1] if every else ()
        except KeyError:
            plain = tuple([obj.get(k) for k in keys])
        if not nested:
            return plain
        found = []
        for first, rest in nested:
            inner = obj.get(first)
            for part in rest:
                inner = inner.get(part) if isinstance(inner, dict) else None
            found.append(inner)
        return plain + tuple(found)

    return pick


def objects(value: object) -> list[dict]:
    """The objects in a list the API gives (none when it gives no list)."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# Rows reach DuckDB as a JSON array of rows, each row an array of values, v[i] read as text and cast
# (TRY_CAST: a value of the wrong type is NULL, never a failed import), from a file or from JSON text.
FILE_ROWS = "read_json(?, columns = {'v': 'VARCHAR[]'}, records = false, format = 'array')"
TEXT_ROWS = """(SELECT unnest(from_json(?, '[["VARCHAR"]]')) AS v)"""
_NUMBERED_TEXT_ROWS = """(SELECT unnest(j) AS v, unnest(range(len(j))) AS i FROM (SELECT from_json(?, '[["VARCHAR"]]') AS j))"""


def _value(table: Table, col: Col) -> str:
    return col.plain(f"TRY_CAST(v[{table.columns.index(col) + 1}] AS {col.type})")


def _values(table: Table) -> str:
    return ", ".join(f"{_value(table, c)} AS {quoted(c.name)}" for c in table.columns)


def insert_sql(table: Table, source: str) -> str:
    """INSERT of the rows in `source` (FILE_ROWS or TEXT_ROWS, whose one parameter is the file or the text)."""
    names = ", ".join(quoted(n) for n in table.names)
    return f"INSERT INTO {quoted(table.name)} ({names}) SELECT {_values(table)} FROM {source}"


def upsert_sql(table: Table) -> str:
    """INSERT of JSON text of rows (the one parameter), the last of equal keys winning, a row already stored
    updated (its `keep` columns only by values, not by NULLs); rows without their keys are left out."""
    by_name = {c.name: c for c in table.columns}
    keys = ", ".join(_value(table, by_name[k]) for k in table.keys)
    known = " AND ".join(f"{_value(table, by_name[k])} IS NOT NULL" for k in table.keys)
    t = quoted(table.name)
    updates = ", ".join(
        f"{quoted(n)} = coalesce(excluded.{quoted(n)}, {t}.{quoted(n)})" if n in table.keep
        else f"{quoted(n)} = excluded.{quoted(n)}"
        for n in table.names if n not in table.keys
    )
    return f"""{insert_sql(table, _NUMBERED_TEXT_ROWS)}
        WHERE {known}
        QUALIFY row_number() OVER (PARTITION BY {keys} ORDER BY i DESC) = 1
        ON CONFLICT ({", ".join(quoted(k) for k in table.keys)}) DO UPDATE SET {updates}"""


def cols(*specs: tuple) -> tuple[Col, ...]:
    """Columns from (name, type[, key][, plain]) tuples: the tables below read as a list."""
    made = []
    for spec in specs:
        name, type_, *rest = spec
        key = next((r for r in rest if isinstance(r, str)), "")
        plain = next((r for r in rest if callable(r)), as_is)
        made.append(Col(name, type_, key, plain))
    return tuple(made)


INT, BIG, TEXT, BOOL, REAL, TIME, DAY = "INTEGER", "BIGINT", "VARCHAR", "BOOLEAN", "DOUBLE", "TIMESTAMP", "DATE"

# results/get: the race (one subsession)
SUBSESSION = cols(
    ("subsession_id", BIG), ("session_id", BIG), ("start_time", TIME), ("end_time", TIME),
    ("season_id", INT), ("season_name", TEXT), ("season_short_name", TEXT), ("season_year", INT),
    ("season_quarter", INT), ("series_id", INT), ("series_name", TEXT), ("series_short_name", TEXT),
    ("race_week_num", INT), ("event_type", INT), ("event_type_name", TEXT), ("official", BOOL, "official_session"),
    ("license_category_id", INT), ("license_category", TEXT), ("track_id", INT, "track.track_id"),
    ("track_name", TEXT, "track.track_name"), ("track_config", TEXT, "track.config_name"),
    ("corners_per_lap", INT), ("event_strength_of_field", INT, unset), ("num_drivers", INT),
    ("event_laps_complete", INT, unset), ("event_average_lap", BIG, seconds), ("event_best_lap_time", BIG, seconds),
    ("num_cautions", INT, unset), ("num_caution_laps", INT, unset), ("num_lead_changes", INT, unset),
    ("driver_changes", BOOL), ("private_session_id", INT, unset), ("session_name", TEXT), ("league_id", INT),
    ("league_name", TEXT), ("league_season_id", INT), ("league_season_name", TEXT),
)
# results/get car_classes[]: the classes of that race
SUBSESSION_CLASS = cols(
    ("car_class_id", INT), ("short_name", TEXT), ("name", TEXT), ("strength_of_field", INT, unset), ("num_entries", INT),
)
# results/get session_results[]: practice, qualifying, heats, race
SIMSESSION = cols(
    ("simsession_number", INT), ("simsession_name", TEXT), ("simsession_type", INT), ("simsession_type_name", TEXT),
    ("simsession_subtype", INT),
)
# what a driver's row and a team's row share
_RESULT = cols(
    ("car_class_id", INT), ("car_class_name", TEXT), ("car_class_short_name", TEXT), ("car_id", INT),
    ("car_name", TEXT), ("car_number", TEXT, "livery.car_number"), ("position", INT, position),
    ("finish_position", INT, position), ("finish_position_in_class", INT, position),
    ("starting_position", INT, position), ("starting_position_in_class", INT, position), ("laps_complete", INT),
    ("laps_lead", INT), ("interval", BIG, seconds), ("class_interval", BIG, seconds), ("average_lap", BIG, seconds),
    ("best_lap_time", BIG, seconds), ("best_lap_num", INT, unset), ("qual_lap_time", BIG, seconds),
    ("incidents", INT), ("reason_out", TEXT), ("reason_out_id", INT), ("champ_points", INT),
    ("aggregate_champ_points", INT), ("drop_race", BOOL), ("club_points", INT), ("weight_penalty_kg", INT, unset),
)
TEAM_RESULT = cols(("team_id", BIG), ("team_name", TEXT, "display_name")) + _RESULT
DRIVER_RESULT = cols(("cust_id", BIG), ("display_name", TEXT)) + _RESULT + cols(
    ("opt_laps_complete", INT), ("best_nlaps_time", BIG, seconds), ("best_nlaps_num", INT, unset),
    ("best_qual_lap_time", BIG, seconds), ("best_qual_lap_num", INT, unset), ("oldi_rating", INT, unset),
    ("newi_rating", INT, unset), ("old_sub_level", INT, unset), ("new_sub_level", INT, unset),
    ("old_license_level", INT, unset), ("new_license_level", INT, unset), ("old_cpi", REAL, unset),
    ("new_cpi", REAL, unset), ("old_ttrating", INT, unset), ("new_ttrating", INT, unset), ("division", INT, unset),
    ("division_name", TEXT), ("club_id", INT, unset), ("club_name", TEXT), ("country_code", TEXT),
    ("max_pct_fuel_fill", INT, unset), ("league_points", INT), ("league_agg_points", INT), ("ai", BOOL),
)


_RACE, _SESSION = cols(("subsession_id", BIG)), cols(("subsession_id", BIG), ("simsession_number", INT))
SUBSESSIONS = Table("subsessions", SUBSESSION, keys=("subsession_id",))
SUBSESSION_CLASSES = Table("subsession_classes", SUBSESSION_CLASS, keys=("subsession_id", "car_class_id"),
                           given=_RACE)
SIMSESSIONS = Table("simsessions", SIMSESSION, keys=("subsession_id", "simsession_number"),
                    given=_RACE + cols(("main_event", BOOL)))
TEAM_RESULTS = Table("team_results", TEAM_RESULT, keys=("subsession_id", "simsession_number", "team_id"),
                     given=_SESSION)
DRIVER_RESULTS = Table("driver_results", DRIVER_RESULT, keys=("subsession_id", "simsession_number", "cust_id"),
                       given=_SESSION + cols(("team_id", BIG), ("team_name", TEXT)))

CAR_CLASSES = Table("car_classes", cols(
    ("car_class_id", INT), ("name", TEXT), ("short_name", TEXT), ("relative_speed", INT), ("rain_enabled", BOOL),
), keys=("car_class_id",))
CAR_CLASS_CARS = Table("car_class_cars", cols(
    ("car_id", INT), ("car_dirpath", TEXT), ("rain_enabled", BOOL), ("retired", BOOL),
), keys=("car_class_id", "car_id"), given=cols(("car_class_id", INT)))

SERIES = Table("series", cols(
    ("series_id", INT), ("series_name", TEXT), ("series_short_name", TEXT), ("category_id", INT), ("category", TEXT),
    ("active", BOOL), ("official", BOOL), ("fixed_setup", BOOL), ("license_group", INT), ("logo", TEXT),
), keys=("series_id",))
SEASONS = Table("seasons", cols(
    ("season_id", INT), ("season_name", TEXT), ("season_short_name", TEXT), ("season_year", INT),
    ("season_quarter", INT), ("active", BOOL), ("official", BOOL), ("driver_changes", BOOL), ("fixed_setup", BOOL),
    ("license_group", INT), ("has_supersessions", BOOL), ("car_switching", BOOL),
), keys=("season_id",), given=cols(("series_id", INT)))
SEASON_CAR_CLASSES = Table("season_car_classes", cols(
    ("car_class_id", INT), ("short_name", TEXT), ("name", TEXT), ("relative_speed", INT),
), keys=("season_id", "car_class_id"), given=cols(("season_id", INT)))
RACE_WEEKS = Table("race_weeks", cols(
    ("race_week_num", INT), ("track_id", INT, "track.track_id"), ("track_name", TEXT, "track.track_name"),
    ("track_config", TEXT, "track.config_name"),
), keys=("season_id", "race_week_num"), given=cols(("season_id", INT)))

STANDINGS_LISTS = Table("standings_lists", cols(
    ("season_id", INT), ("car_class_id", INT), ("season_name", TEXT), ("season_short_name", TEXT),
    ("series_id", INT), ("series_name", TEXT), ("customer_rank", INT, rank), ("rows", INT, "chunk_info.rows"),
    ("last_updated", TIME),
), keys=("season_id", "car_class_id", "division", "race_week_num"),
    given=cols(("division", INT), ("race_week_num", INT)))
SEASON_STANDINGS = Table("season_standings", cols(
    ("cust_id", BIG), ("display_name", TEXT), ("division", INT, unset), ("weeks_counted", INT), ("starts", INT),
    ("wins", INT), ("top5", INT), ("top25_percent", INT), ("poles", INT), ("avg_start_position", REAL),
    ("avg_finish_position", REAL), ("avg_field_size", REAL), ("laps", INT), ("laps_led", INT), ("incidents", INT),
    ("points", INT), ("raw_points", REAL), ("week_dropped", BOOL), ("country_code", TEXT), ("club_id", INT, unset),
    ("club_name", TEXT), ("license_category_id", INT, "license.category_id"),
    ("license_level", INT, "license.license_level"), ("safety_rating", REAL, "license.safety_rating"),
    ("irating", INT, "license.irating", unset), ("license_group_name", TEXT, "license.group_name"),
), keys=("season_id", "car_class_id", "cust_id"), keep=("rank", "division_rank"),
    given=cols(("season_id", INT), ("car_class_id", INT), ("rank", INT, rank), ("division_rank", INT, rank)))

MEMBERS = Table("members", cols(
    ("cust_id", BIG), ("display_name", TEXT), ("member_since", DAY),
), keys=("cust_id",), keep=("fetched_at",), given=cols(("fetched_at", TIME)))
MEMBER_CHART = Table("member_chart", cols(
    ("day", DAY, "when"), ("value", REAL),
), keys=("cust_id", "category_id", "chart_type", "day"),
    given=cols(("cust_id", BIG), ("category_id", INT), ("chart_type", INT)))
MEMBER_RECENT_RACES = Table("member_recent_races", cols(
    ("subsession_id", BIG), ("session_start_time", TIME), ("season_id", INT), ("season_year", INT),
    ("season_quarter", INT), ("race_week_num", INT), ("series_id", INT), ("series_name", TEXT), ("car_id", INT),
    ("car_class_id", INT), ("track_id", INT, "track.track_id"), ("track_name", TEXT, "track.track_name"),
    ("license_level", INT), ("start_position", INT), ("finish_position", INT), ("qualifying_time", BIG, seconds),
    ("laps", INT), ("laps_led", INT), ("incidents", INT), ("points", INT), ("club_points", INT),
    ("strength_of_field", INT, unset), ("old_sub_level", INT, unset), ("new_sub_level", INT, unset),
    ("oldi_rating", INT, unset), ("newi_rating", INT, unset), ("drop_race", BOOL), ("winner_group_id", BIG),
    ("winner_name", TEXT),
), keys=("cust_id", "subsession_id"), given=cols(("cust_id", BIG)))

FOUND_RACES = Table("found_races", cols(
    ("subsession_id", BIG), ("session_id", BIG), ("start_time", TIME), ("end_time", TIME), ("season_id", INT),
    ("season_year", INT), ("season_quarter", INT), ("race_week_num", INT), ("series_id", INT),
    ("series_name", TEXT), ("series_short_name", TEXT), ("event_type", INT), ("event_type_name", TEXT),
    ("official", BOOL, "official_session"), ("license_category_id", INT), ("track_id", INT, "track.track_id"),
    ("track_name", TEXT, "track.track_name"), ("track_config", TEXT, "track.config_name"), ("num_drivers", INT),
    ("event_strength_of_field", INT, unset), ("event_laps_complete", INT, unset),
    ("event_average_lap", BIG, seconds), ("event_best_lap_time", BIG, seconds), ("num_cautions", INT, unset),
    ("num_caution_laps", INT, unset), ("num_lead_changes", INT, unset), ("driver_changes", BOOL),
    ("winner_group_id", BIG), ("winner_name", TEXT), ("session_name", TEXT), ("private_session_id", INT, unset),
    ("league_id", INT), ("host_cust_id", BIG, "host.cust_id"), ("host_name", TEXT, "host.display_name"),
), keys=("subsession_id",))
MEMBER_RACES = Table("member_races", cols(
    ("subsession_id", BIG), ("car_class_id", INT), ("car_class_name", TEXT), ("car_id", INT), ("car_name", TEXT),
    ("starting_position", INT, position), ("starting_position_in_class", INT, position),
    ("finish_position", INT, position), ("finish_position_in_class", INT, position), ("laps_complete", INT),
    ("laps_led", INT), ("incidents", INT), ("champ_points", INT), ("drop_race", BOOL),
), keys=("cust_id", "subsession_id"), given=cols(("cust_id", BIG)))
