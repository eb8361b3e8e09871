"""What the fake iRacing serves, built from the real bodies in tests/fixtures/dataapi/ (provenance in its README).

The member is Adrian Clark, cust_id 341554: the real member/info body is his, and he is rank 45, the real
standings' `customer_rank` (the rank of whoever is logged in). No driver appears in more than one of the real
results bodies, and he in none, so he takes one real driver's seat in each (`SEATS`: every row of that driver,
practice to race, becomes his; nothing else changes): 9th overall and 2nd in the Kia class of the official
multiclass race, a driver of the team "Lor Event's by Hyperion eSports" in the team race, 5th in the weather
race, 6th in the league race. member/info's member_since moves to the start of his first race's month, so a
first fetch searches from there.

Rows of results/search_series and search_hosted have the keys of the real rows (row 0 of each fixture), with
the values of the race they stand for; a search for a driver adds the driver's own fields (go-iracing's
ResultsSearchSeriesResp lists them: positions, laps, incidents, class, car, points). Past seasons, season
standings, recent races and chart data are built the same way, from the real bodies' shapes: see each function.
`Race.varied` makes more races from a real one (new subsession ids and dates, all else shared), for benches.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "dataapi"

MEMBER_ID = 341554
MEMBER_NAME = "Adrian Clark"

OFFICIAL_RACE = "aydsko/GetSubSessionResultSuccessfulAsync__2.json"
TEAM_RACE = "aydsko/GetSubSessionResultForTeamSuccessfulAsync__2.json"
WEATHER_RACE = "aydsko/GetSubSessionResultWithWeatherSuccessfulAsync__2.json"
LEAGUE_RACE = "aydsko/GetSubSessionResultForLeagueSuccessfulAsync__2.json"
# each results body, and the real driver whose seat the member takes in it
SEATS = {OFFICIAL_RACE: 665129, TEAM_RACE: 511748, WEATHER_RACE: 650220, LEAGUE_RACE: 529881}
OFFICIAL_RACES = (OFFICIAL_RACE, TEAM_RACE, WEATHER_RACE)

SEARCH_SERIES_ROW = "aydsko/SearchOfficialResultsSuccessfulAsync__2.json"
SEARCH_HOSTED_ROW = "aydsko/SearchHostedResultsSuccessfulAsync__2.json"
MEMBER_INFO = "aydsko/GetMyInfoSucceedsAsync__2.json"
MEMBERS = "allymurray/member.get_var2.json"
PAST_SEASONS = "aydsko/GetPastSeasonsForSeriesSuccessfulAsync__2.json"
STANDINGS_HEADER = "aydsko/GetSeasonDriverStandingsSuccessfulAsync__2.json"
STANDINGS_ROWS = "aydsko/GetSeasonDriverStandingsSuccessfulAsync__3.json"
CAR_CLASSES = "aydsko/GetCarClassesSuccessfulAsync__2.json"
RECENT_RACES = "aydsko/GetMemberRecentRacesSucceedsAsync__2.json"
CHART = "aydsko/GetMemberChartDataSuccessfulAsync__2.json"  # the member's road iRating (category 2, type 1)
MAINTENANCE = "aydsko/GetMemberInfoDuringMaintenanceThrowsAsync__1.json"
UNAUTHORIZED = "aydsko/ResponseUnauthorized__1.json"
FORBIDDEN = "aydsko/ResponseForbidden__1.json"
GATEWAY_TIMEOUT = "aydsko/ResponseUnknown504__1.json"

MAIN_EVENT = 0  # simsession_number of a race's main event
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


@functools.cache
def _fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes().removeprefix(b"\xef\xbb\xbf")


def fixture(name: str) -> Any:
    """The API's body in tests/fixtures/dataapi/`name` (for aydsko/ files, the wrapper's `content`), parsed anew."""
    data = orjson.loads(_fixture_bytes(name))
    return data["content"] if name.startswith("aydsko/") else data


def fixture_status(name: str) -> int:
    """The HTTP status an aydsko/ wrapper recorded (200 when it names none)."""
    return orjson.loads(_fixture_bytes(name)).get("statuscode", 200)


def timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(TIME_FORMAT)


def parse_time(text: str) -> datetime:
    """An ISO-8601 time as the API writes and takes them ("2022-04-01T15:45Z", seconds and fractions optional)."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# --- the races ---------------------------------------------------------------------------------------------


def entries(body: dict, simsession: int = MAIN_EVENT) -> Iterator[tuple[dict, dict | None]]:
    """Each driver's row of one simsession, with the team row it sits under (None in a solo race)."""
    for session in body["session_results"]:
        if session["simsession_number"] != simsession:
            continue
        for row in session["results"]:
            if "driver_results" in row:  # a team's row (a team that never drove has none)
                for driver in row["driver_results"] or []:
                    yield driver, row
            else:
                yield row, None


def _seat(body: dict, stand_in: int) -> dict:
    """`body` with the member in `stand_in`'s seat, in every simsession."""
    for session in body["session_results"]:
        for row in session["results"]:
            for driver in [row, *(row.get("driver_results") or [])]:
                if driver.get("cust_id") == stand_in:
                    driver["cust_id"], driver["display_name"] = MEMBER_ID, MEMBER_NAME
    return body


def with_drivers(body: dict, seats: dict[int, tuple[int, str]]) -> dict:
    """A copy of a results body with other drivers in real drivers' seats: stand-in id -> (cust_id, name)."""
    body = orjson.loads(orjson.dumps(body))
    for session in body["session_results"]:
        for row in session["results"]:
            for driver in [row, *(row.get("driver_results") or [])]:
                if driver.get("cust_id") in seats:
                    driver["cust_id"], driver["display_name"] = seats[driver["cust_id"]]
    return body


@functools.cache
def seated(name: str) -> dict:
    """The real results body `name` with the member seated (one shared copy: never change it)."""
    return _seat(fixture(name), SEATS[name])


@dataclass(frozen=True)
class Race:
    """One subsession the fake serves: a seated real body (`source`), under its own ids and times."""

    source: str
    subsession_id: int
    session_id: int
    start: datetime
    end: datetime

    @classmethod
    def real(cls, source: str) -> Race:
        body = seated(source)
        start, end = parse_time(body["start_time"]), parse_time(body["end_time"])
        return cls(source, body["subsession_id"], body["session_id"], start, end)

    def varied(self, subsession_id: int, session_id: int, start: datetime) -> Race:
        return Race(self.source, subsession_id, session_id, start, start + (self.end - self.start))

    @property
    def template(self) -> dict:
        return seated(self.source)

    @property
    def official(self) -> bool:
        return bool(self.template["official_session"])

    def body(self) -> dict:
        """The results/get body: the template's, with this race's ids and times (nested rows are shared)."""
        body = self.template
        old = body["subsession_id"]
        if old == self.subsession_id and body["start_time"] == timestamp(self.start):
            return body

        def renumbered(subsession_id: int) -> int:
            return self.subsession_id if subsession_id == old else subsession_id

        varied = {
            **body,
            "subsession_id": self.subsession_id,
            "session_id": self.session_id,
            "start_time": timestamp(self.start),
            "end_time": timestamp(self.end),
            "associated_subsession_ids": [renumbered(i) for i in body["associated_subsession_ids"]],
            "race_summary": {**body["race_summary"], "subsession_id": self.subsession_id},
        }
        if "session_splits" in body:
            varied["session_splits"] = [
                {**split, "subsession_id": renumbered(split["subsession_id"])}
                for split in body["session_splits"]
            ]
        return varied

    def entry(self, cust_id: int) -> tuple[dict, dict | None] | None:
        """The driver's main-event row (and team row), None if they did not race it."""
        return _entry_index(self.source).get(cust_id)

    def winner(self) -> dict:
        return _winner(self.source)


@functools.cache
def _entry_index(source: str) -> dict[int, tuple[dict, dict | None]]:
    return {driver["cust_id"]: (driver, team) for driver, team in entries(seated(source))}


@functools.cache
def _winner(source: str) -> dict:
    main = next(s for s in seated(source)["session_results"] if s["simsession_number"] == MAIN_EVENT)
    return next(row for row in main["results"] if row["finish_position"] == 0)


@functools.cache
def _best_lap(source: str) -> int:
    laps = [
        driver["best_lap_time"] for driver, _team in entries(seated(source)) if driver["best_lap_time"] > 0
    ]
    return min(laps, default=-1)


def real_races() -> list[Race]:
    """The four real races, the member in each."""
    return [Race.real(name) for name in (*OFFICIAL_RACES, LEAGUE_RACE)]


def many_races(count: int, first_subsession: int = 90_000_000) -> list[Race]:
    """`count` official races varied from the three real ones in turn, each kept inside its real race's
    quarter (so its season fields stay true), numbered in order of start time."""
    templates = [Race.real(name) for name in OFFICIAL_RACES]
    per_template = -(-count // len(templates))
    planned = []
    for n in range(count):
        race = templates[n % len(templates)]
        quarter = _quarter_start(race.start)
        step = timedelta(days=88) / per_template
        planned.append((quarter + step * (n // len(templates)) + timedelta(hours=1), race))
    planned.sort(key=lambda plan: plan[0])
    return [
        race.varied(first_subsession + n, 2 * first_subsession + n, start)
        for n, (start, race) in enumerate(planned)
    ]


def _quarter_start(moment: datetime) -> datetime:
    return datetime(moment.year, 3 * ((moment.month - 1) // 3) + 1, 1, tzinfo=UTC)


# --- search rows -------------------------------------------------------------------------------------------

# the driver fields of a search row for a driver, and the results row field each comes from
DRIVER_FIELDS = {
    "cust_id": "cust_id",
    "starting_position": "starting_position",
    "starting_position_in_class": "starting_position_in_class",
    "finish_position": "finish_position",
    "finish_position_in_class": "finish_position_in_class",
    "laps_complete": "laps_complete",
    "laps_led": "laps_lead",
    "incidents": "incidents",
    "car_class_id": "car_class_id",
    "car_class_name": "car_class_name",
    "car_class_short_name": "car_class_short_name",
    "car_id": "car_id",
    "car_name": "car_name",
    "champ_points": "champ_points",
    "drop_race": "drop_race",
}


def search_row(race: Race, template: dict, cust_id: int | None) -> dict:
    """A search_series or search_hosted row for `race` with `template`'s keys; a driver's fields for `cust_id`."""
    body = race.body()
    winner = race.winner()
    made = {
        "track": {key: body["track"].get(key) for key in template["track"]},
        "winner_group_id": winner.get("team_id") or winner["cust_id"],
        "winner_name": winner["display_name"],
        "winner_ai": winner.get("ai", False),
        "num_drivers": body.get("num_drivers", sum(1 for _ in entries(body))),
        "created": body["start_time"],
        "host": {"cust_id": body.get("host_id"), "display_name": _name_of(body.get("host_id"))},
        "cars": _cars(race, template),
        "event_best_lap_time": body.get("event_best_lap_time", _best_lap(race.source)),
    }
    row = {key: made[key] if key in made else body.get(key, template[key]) for key in template}
    if cust_id is not None and (entry := race.entry(cust_id)):
        driver, _team = entry
        row |= {field: driver.get(source) for field, source in DRIVER_FIELDS.items()}
    return row


def _cars(race: Race, template: dict) -> list[dict]:
    if "cars" not in template:
        return []
    keys = template["cars"][0]
    cars = {}
    for driver, _team in entries(race.template):
        car = {key: driver.get(key) for key in keys}
        car["car_name_abbreviated"] = driver.get("car_name_abbreviated") or driver.get("car_name")
        cars[driver["car_id"]] = car
    return list(cars.values())


@functools.cache
def _names() -> dict[int, str]:
    return {
        d["cust_id"]: d["display_name"]
        for name in SEATS
        for s in (0, -1, -2)
        for d, _ in entries(seated(name), s)
    }


def _name_of(cust_id: int | None) -> str:
    return _names().get(cust_id, "") if cust_id else ""


# --- the other bodies --------------------------------------------------------------------------------------


def member_info(races: Iterable[Race]) -> dict:
    """The real member/info body, member_since moved to the first day of his first race's month."""
    first = min(race.start for race in races)
    return fixture(MEMBER_INFO) | {"member_since": date(first.year, first.month, 1).isoformat()}


def members(cust_ids: list[int], races: list[Race]) -> dict:
    """member/get: the real body's shape; a member for each id that raced here (the real member's keys, their
    name, and member_since the first day of their first race's month), no one for an id that did not."""
    real = fixture(MEMBERS)
    template = real["members"][0]
    found = []
    for cust_id in cust_ids:
        theirs = [race for race in races if race.entry(cust_id)]
        if theirs:
            first = min(race.start for race in theirs)
            name = theirs[0].entry(cust_id)[0]["display_name"]  # type: ignore[index]
            since = date(first.year, first.month, 1).isoformat()
            found.append(template | {"cust_id": cust_id, "display_name": name, "member_since": since})
    return real | {"cust_ids": cust_ids, "members": found}


def past_seasons(series_id: int, races: list[Race]) -> dict | None:
    """series/past_seasons for a series raced: the real body's shape (series 260's), with the series and one
    season per season raced, its classes and the weeks raced. The real body itself for series 260; None for
    a series not raced."""
    real = fixture(PAST_SEASONS)
    raced = [race for race in races if race.official and race.template["series_id"] == series_id]
    if not raced:
        return real if real["series_id"] == series_id else None
    body = raced[0].template
    series_template = real["series"]
    season_template = series_template["seasons"][0]
    seasons: dict[int, dict] = {}
    for race in sorted(raced, key=lambda r: r.start, reverse=True):
        b = race.template
        season = seasons.setdefault(
            b["season_id"],
            season_template
            | {key: b[key] for key in season_template if key in b and key != "car_classes"}
            | {"active": False, "car_classes": _season_classes(b, season_template), "race_weeks": []},
        )
        weeks = {week["race_week_num"] for week in season["race_weeks"]}
        if b["race_week_num"] not in weeks:
            track = {key: b["track"].get(key) for key in season_template["race_weeks"][0]["track"]}
            season["race_weeks"].append(
                {"season_id": b["season_id"], "race_week_num": b["race_week_num"], "track": track}
            )
    for season in seasons.values():
        season["race_weeks"].sort(key=lambda week: week["race_week_num"])
    series = series_template | {
        "series_id": series_id,
        "series_name": body["series_name"],
        "series_short_name": body["series_short_name"],
        "category_id": body["license_category_id"],
        "category": body["license_category"].lower(),
        "logo": body.get("series_logo"),
        "allowed_licenses": body.get("allowed_licenses", series_template["allowed_licenses"]),
        "seasons": list(seasons.values()),
    }
    return {"success": True, "series": series, "series_id": series_id}


def _season_classes(body: dict, season_template: dict) -> list[dict]:
    speeds = {c["car_class_id"]: c["relative_speed"] for c in car_classes()}
    keys = season_template["car_classes"][0]
    return [
        {key: c.get(key) for key in keys} | {"relative_speed": speeds.get(c["car_class_id"])}
        for c in body["car_classes"]
    ]


@functools.cache
def car_classes() -> list[dict]:
    """carclass/get: the real body (shared: never change it)."""
    return fixture(CAR_CLASSES)


def standings(
    season_id: int, car_class_id: int, races: list[Race], *, division: int | None, week: int | None
):
    """stats/season_driver_standings: the real header and its 211 real rows, for any season and class.

    The header takes the season's and series' names from a race of that season when there is one;
    `customer_rank` is the member's rank (45) when his row is among those served. A division's list holds that
    division's rows ranked within it, as the real one does (its `customer_rank` is his rank in the division).
    Returns (header without chunk_info, rows).
    """
    header = fixture(STANDINGS_HEADER)
    rows = fixture(STANDINGS_ROWS)
    if division is not None:
        ranked = sorted((row for row in rows if row["division"] == division), key=lambda row: row["rank"])
        rows = [{**row, "rank": place} for place, row in enumerate(ranked, 1)]
    race = next((r for r in races if r.template["season_id"] == season_id), None)
    names = {}
    if race:
        names = {
            key: race.template[key]
            for key in ("season_name", "season_short_name", "series_id", "series_name")
        }
    member = next((row for row in rows if row["cust_id"] == MEMBER_ID), None)
    header |= names | {
        "season_id": season_id,
        "car_class_id": car_class_id,
        "race_week_num": -1 if week is None else week,
        "division": -1 if division is None else division,
        "customer_rank": member["rank"] if member else 0,
    }
    del header["chunk_info"]
    return header, rows


CHART_VALUES = {1: "newi_rating", 2: "new_ttrating", 3: "new_sub_level"}  # chart_type -> the results field


def chart_data(cust_id: int, category_id: int, chart_type: int, races: list[Race]) -> dict:
    """member/chart_data: the real body for the chart it is (the member's road iRating); any other in its shape,
    one point per day of official races in the category, the value of the results field the chart is about."""
    real = fixture(CHART)
    if (cust_id, category_id, chart_type) == (real["cust_id"], real["category_id"], real["chart_type"]):
        return real
    points: dict[str, int] = {}
    for race in sorted(races, key=lambda r: r.start):
        entry = race.entry(cust_id)
        if entry and race.official and race.template["license_category_id"] == category_id:
            value = entry[0].get(CHART_VALUES.get(chart_type, ""), -1)
            if value is not None and value >= 0:
                points[race.start.date().isoformat()] = value
    return {
        "blackout": False,
        "category_id": category_id,
        "chart_type": chart_type,
        "data": [{"when": when, "value": value} for when, value in points.items()],
        "success": True,
        "cust_id": cust_id,
    }


def recent_races(cust_id: int, races: list[Race]) -> dict:
    """stats/member_recent_races: the driver's last 10 races, each with the real body's keys (race 0's).

    Positions are 1-based here: the 20 real recent races in the fixtures never show a 0, where a results
    body's winner is 0 (an inference; the reference leaves it open).
    """
    template = fixture(RECENT_RACES)["races"][0]
    theirs = [race for race in sorted(races, key=lambda r: r.start, reverse=True) if race.entry(cust_id)][:10]
    return {"races": [_recent(race, cust_id, template) for race in theirs], "cust_id": cust_id}


def _recent(race: Race, cust_id: int, template: dict) -> dict:
    body = race.body()
    driver, _team = race.entry(cust_id)
    winner = race.winner()
    made = {
        "livery": {key: driver["livery"].get(key) for key in template["livery"]},
        "license_level": driver.get("new_license_level"),
        "session_start_time": body["start_time"],
        "winner_group_id": winner.get("team_id") or winner["cust_id"],
        "winner_name": winner["display_name"],
        "winner_helmet": winner.get("helmet", template["winner_helmet"]),
        "winner_license_level": winner.get("new_license_level", template["winner_license_level"]),
        "start_position": driver["starting_position"] + 1,
        "finish_position": driver["finish_position"] + 1,
        "qualifying_time": max(driver.get("qual_lap_time", 0), 0),
        "laps": driver["laps_complete"],
        "laps_led": driver["laps_lead"],
        "points": driver["champ_points"],
        "strength_of_field": body["event_strength_of_field"],
        "track": {key: body["track"].get(key) for key in template["track"]},
    }
    return {
        key: made[key] if key in made else driver[key] if key in driver else body.get(key, template[key])
        for key in template
    }
