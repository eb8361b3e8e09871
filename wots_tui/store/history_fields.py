"""What each history table reads from the Data API's JSON, and how the API's conventions are made plain.

Every column names the API key it comes from (dotted into nested objects: `track.config_name`), the
DuckDB type of the API's value, and how it is made plain: positions counted from 1 (the API's count from
0), times in seconds (the API's are ten-thousandths), -1 ("none") stored as NULL. DuckDB does the reading
and the converting (`from_json`, `read_json`): the structures and SQL are built here from one list per
table, so what is read and what is written cannot drift apart. The tables themselves are made by
migration 5 (store/migrations.py); tests/test_history_store.py checks they have exactly these columns.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import orjson

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
    """A rank is 1 or more: a 0 (the seed scripts' "not looked up") or -1 is NULL."""
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

    def read(self, alias: str) -> str:
        """SQL for this column's value in the object `alias`, made plain."""
        return self.plain(".".join([alias, *(quoted(part) for part in self.path)]))


@dataclass(frozen=True, slots=True)
class Table:
    """A history table as written from a list of the API's objects (one row each)."""

    name: str
    cols: tuple[Col, ...]
    keys: tuple[str, ...]
    keep: tuple[str, ...] = ()  # columns whose stored value survives an incoming NULL

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.cols)


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def structure(cols: Iterable[Col], arrays: Iterable[tuple[str, object]] = ()) -> dict:
    """The `from_json` structure of an object holding these columns (and these arrays of objects)."""
    shape: dict = {}
    for col in cols:
        *parents, leaf = col.path
        level = shape
        for parent in parents:
            level = level.setdefault(parent, {})
        level[leaf] = col.type
    for key, element in arrays:
        shape[key] = [element]
    return shape


def sql_type(shape: object) -> str:
    """A `from_json` structure as a DuckDB type (what `read_json(columns=...)` takes)."""
    if isinstance(shape, dict):
        return "STRUCT(" + ", ".join(f"{quoted(k)} {sql_type(v)}" for k, v in shape.items()) + ")"
    if isinstance(shape, list):
        return sql_type(shape[0]) + "[]"
    return str(shape)


def structure_literal(shape: dict) -> str:
    """A structure as a SQL string literal (`from_json` wants a constant)."""
    return "'" + orjson.dumps(shape).decode().replace("'", "''") + "'"


def select_list(cols: Iterable[Col], alias: str) -> str:
    return ", ".join(f"{c.read(alias)} AS {quoted(c.name)}" for c in cols)


def upsert_sql(table: Table) -> str:
    """INSERT of a JSON array of the API's objects (the one parameter): one row per object with its keys,
    the last of equal keys winning; a row already stored is updated (its `keep` columns only by values)."""
    names = ", ".join(quoted(n) for n in table.names)
    by_name = {c.name: c for c in table.cols}
    keys = ", ".join(by_name[k].read("r") for k in table.keys)
    known = " AND ".join(f"{by_name[k].read('r')} IS NOT NULL" for k in table.keys)
    t = quoted(table.name)
    updates = ", ".join(
        f"{quoted(n)} = coalesce(excluded.{quoted(n)}, {t}.{quoted(n)})" if n in table.keep
        else f"{quoted(n)} = excluded.{quoted(n)}"
        for n in table.names if n not in table.keys
    )
    return f"""
        INSERT INTO {t} ({names})
        SELECT {select_list(table.cols, "r")}
        FROM (SELECT unnest(j) AS r, unnest(range(len(j))) AS i
              FROM (SELECT from_json(?, {structure_literal([structure(table.cols)])}) AS j))
        WHERE {known}
        QUALIFY row_number() OVER (PARTITION BY {keys} ORDER BY i DESC) = 1
        ON CONFLICT ({", ".join(quoted(k) for k in table.keys)}) DO UPDATE SET {updates}
    """


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
# a results row, as the API nests them: a driver's, or a team's with its drivers' rows inside
_DRIVER_ROW = structure(DRIVER_RESULT)
_RESULT_ROW = structure(DRIVER_RESULT + TEAM_RESULT, [("driver_results", _DRIVER_ROW)])
RESULTS_BODY = structure(
    SUBSESSION,
    [("car_classes", structure(SUBSESSION_CLASS)),
     ("session_results", structure(SIMSESSION, [("results", _RESULT_ROW)]))],
)

CAR_CLASSES = Table("car_classes", cols(
    ("car_class_id", INT), ("name", TEXT), ("short_name", TEXT), ("relative_speed", INT), ("rain_enabled", BOOL),
), keys=("car_class_id",))
CAR_CLASS_CARS = Table("car_class_cars", cols(
    ("car_class_id", INT), ("car_id", INT), ("car_dirpath", TEXT), ("rain_enabled", BOOL), ("retired", BOOL),
), keys=("car_class_id", "car_id"))

SERIES = Table("series", cols(
    ("series_id", INT), ("series_name", TEXT), ("series_short_name", TEXT), ("category_id", INT), ("category", TEXT),
    ("active", BOOL), ("official", BOOL), ("fixed_setup", BOOL), ("license_group", INT), ("logo", TEXT),
), keys=("series_id",))
SEASONS = Table("seasons", cols(
    ("season_id", INT), ("series_id", INT), ("season_name", TEXT), ("season_short_name", TEXT),
    ("season_year", INT), ("season_quarter", INT), ("active", BOOL), ("official", BOOL), ("driver_changes", BOOL),
    ("fixed_setup", BOOL), ("license_group", INT), ("has_supersessions", BOOL), ("car_switching", BOOL),
), keys=("season_id",))
SEASON_CAR_CLASSES = Table("season_car_classes", cols(
    ("season_id", INT), ("car_class_id", INT), ("short_name", TEXT), ("name", TEXT), ("relative_speed", INT),
), keys=("season_id", "car_class_id"))
RACE_WEEKS = Table("race_weeks", cols(
    ("season_id", INT), ("race_week_num", INT), ("track_id", INT, "track.track_id"),
    ("track_name", TEXT, "track.track_name"), ("track_config", TEXT, "track.config_name"),
), keys=("season_id", "race_week_num"))

STANDINGS_LISTS = Table("standings_lists", cols(
    ("season_id", INT), ("car_class_id", INT), ("division", INT), ("race_week_num", INT), ("season_name", TEXT),
    ("season_short_name", TEXT), ("series_id", INT), ("series_name", TEXT), ("customer_rank", INT, rank),
    ("rows", INT, "chunk_info.rows"), ("last_updated", TIME),
), keys=("season_id", "car_class_id", "division", "race_week_num"))
SEASON_STANDINGS = Table("season_standings", cols(
    ("season_id", INT), ("car_class_id", INT), ("cust_id", BIG), ("display_name", TEXT), ("rank", INT, rank),
    ("division", INT, unset), ("division_rank", INT, rank), ("weeks_counted", INT), ("starts", INT), ("wins", INT),
    ("top5", INT), ("top25_percent", INT), ("poles", INT), ("avg_start_position", REAL),
    ("avg_finish_position", REAL), ("avg_field_size", REAL), ("laps", INT), ("laps_led", INT), ("incidents", INT),
    ("points", INT), ("raw_points", REAL), ("week_dropped", BOOL), ("country_code", TEXT), ("club_id", INT, unset),
    ("club_name", TEXT), ("license_category_id", INT, "license.category_id"),
    ("license_level", INT, "license.license_level"), ("safety_rating", REAL, "license.safety_rating"),
    ("irating", INT, "license.irating", unset), ("license_group_name", TEXT, "license.group_name"),
), keys=("season_id", "car_class_id", "cust_id"), keep=("rank", "division_rank"))

MEMBERS = Table("members", cols(
    ("cust_id", BIG), ("display_name", TEXT), ("member_since", DAY), ("fetched_at", TIME),
), keys=("cust_id",), keep=("fetched_at",))
MEMBER_CHART = Table("member_chart", cols(
    ("cust_id", BIG), ("category_id", INT), ("chart_type", INT), ("day", DAY, "when"), ("value", REAL),
), keys=("cust_id", "category_id", "chart_type", "day"))
MEMBER_RECENT_RACES = Table("member_recent_races", cols(
    ("cust_id", BIG), ("subsession_id", BIG), ("session_start_time", TIME), ("season_id", INT),
    ("season_year", INT), ("season_quarter", INT), ("race_week_num", INT), ("series_id", INT),
    ("series_name", TEXT), ("car_id", INT), ("car_class_id", INT), ("track_id", INT, "track.track_id"),
    ("track_name", TEXT, "track.track_name"), ("license_level", INT), ("start_position", INT),
    ("finish_position", INT), ("qualifying_time", BIG, seconds), ("laps", INT), ("laps_led", INT),
    ("incidents", INT), ("points", INT), ("club_points", INT), ("strength_of_field", INT, unset),
    ("old_sub_level", INT, unset), ("new_sub_level", INT, unset), ("oldi_rating", INT, unset),
    ("newi_rating", INT, unset), ("drop_race", BOOL), ("winner_group_id", BIG), ("winner_name", TEXT),
), keys=("cust_id", "subsession_id"))

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
    ("cust_id", BIG), ("subsession_id", BIG), ("car_class_id", INT), ("car_class_name", TEXT), ("car_id", INT),
    ("car_name", TEXT), ("starting_position", INT, position), ("starting_position_in_class", INT, position),
    ("finish_position", INT, position), ("finish_position_in_class", INT, position), ("laps_complete", INT),
    ("laps_led", INT), ("incidents", INT), ("champ_points", INT), ("drop_race", BOOL),
), keys=("cust_id", "subsession_id"))
