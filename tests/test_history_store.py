"""The history tables: real Data API bodies stored with the API's conventions made plain, the views, upgrades.

Every body is a real one from tests/fixtures/dataapi (through tests/fakes/iracing_data.py, which unwraps
aydsko's files); positions, times and "none" are checked against the raw body they came from.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from fakes.iracing_data import (
    CAR_CLASSES,
    LEAGUE_RACE,
    MEMBER_INFO,
    OFFICIAL_RACE,
    PAST_SEASONS,
    RECENT_RACES,
    SEARCH_HOSTED_ROW,
    SEARCH_SERIES_ROW,
    STANDINGS_HEADER,
    STANDINGS_ROWS,
    TEAM_RACE,
    WEATHER_RACE,
    fixture,
)

from wots_tui.store import Database
from wots_tui.store import history as h
from wots_tui.store import history_fields as f
from wots_tui.store.migrations import LATEST, migrate
from wots_tui.store.notebook import load_all


def store_one(cursor: duckdb.DuckDBPyConnection, body: dict) -> int:
    """One results body stored, as the fetch stores its batches; its driver rows (all sessions)."""
    return h.store_result_bodies(cursor, [body]).drivers


RACES = (OFFICIAL_RACE, TEAM_RACE, WEATHER_RACE, LEAGUE_RACE)
RACES_COLUMNS = ["subsession_id", "session_id", "start_time", "end_time", "season_id", "season_year", "season_quarter", "series_id", "series_name", "track_name", "track_config", "license_category", "official", "event_strength_of_field", "num_drivers"]
RACE_RESULTS_COLUMNS = ["subsession_id", "cust_id", "display_name", "team_id", "team_name", "car_class_id", "car_class_name", "car_name", "starting_position", "starting_position_in_class", "finish_position", "finish_position_in_class", "laps_complete", "laps_lead", "incidents", "champ_points", "oldi_rating", "newi_rating", "old_sub_level", "new_sub_level", "reason_out", "best_lap_time", "average_lap"]


@pytest.fixture
def db(tmp_path: Path):
    database = Database(tmp_path / "n.duckdb")
    yield database
    database.close()


def rows(db: Database, sql: str, *params: object) -> list[tuple]:
    return db.run(lambda c: c.execute(sql, list(params)).fetchall())


def plain_position(value: int) -> int | None:
    return None if value == -1 else value + 1


def plain_time(value: int) -> float | None:
    return None if value == -1 else value / 10000


def none_for(value: int) -> int | None:
    return None if value == -1 else value


def drivers_of(body: dict, simsession: int) -> list[tuple[dict, dict | None]]:
    """Each driver's raw row of one session, with their team's row (None in a solo race)."""
    [session] = [s for s in body["session_results"] if s["simsession_number"] == simsession]
    found = []
    for row in session["results"]:
        if "cust_id" in row:
            found.append((row, None))
        else:
            found += [(driver, row) for driver in row.get("driver_results") or []]
    return found


def test_the_tables_have_exactly_the_columns_the_store_writes(db: Database):
    tables = [t for t in vars(f).values() if isinstance(t, f.Table)]
    assert len(tables) == 18
    for table in tables:
        found = rows(db, "SELECT column_name FROM duckdb_columns() WHERE table_name = ?", table.name)
        assert {name for (name,) in found} == set(table.names), table.name


def test_the_views_have_exactly_the_columns_the_issue_names_each_with_a_comment(db: Database):
    for view, named in (("races", RACES_COLUMNS), ("race_results", RACE_RESULTS_COLUMNS)):
        found = rows(db, "SELECT column_name, comment FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index",
                     view)
        assert [name for name, _ in found] == named
        assert all(comment for _, comment in found), view
        assert rows(db, "SELECT comment FROM duckdb_views() WHERE view_name = ?", view)[0][0]


def test_a_race_is_stored_with_1_based_positions_times_in_seconds_and_none_as_null(db: Database):
    body = fixture(OFFICIAL_RACE)
    raw = {d["cust_id"]: d for d, _ in drivers_of(body, 0)}
    assert db.run(store_one, body) == sum(len(drivers_of(body, s["simsession_number"]))
                                                for s in body["session_results"])
    stored = rows(db, "SELECT cust_id, starting_position, starting_position_in_class, finish_position, "
                      "finish_position_in_class, best_lap_time, average_lap, oldi_rating, newi_rating, old_sub_level, "
                      "new_sub_level, team_id, laps_lead, incidents, reason_out FROM race_results")
    assert len(stored) == len(raw) == body["num_drivers"]
    for (cust_id, start, start_class, finish, finish_class, best, average, old_ir, new_ir, old_sr, new_sr, team,
         laps_lead, incidents, reason_out) in stored:
        d = raw[cust_id]
        assert (start, start_class, finish, finish_class) == tuple(plain_position(d[k]) for k in (
            "starting_position", "starting_position_in_class", "finish_position", "finish_position_in_class"))
        assert (best, average) == (plain_time(d["best_lap_time"]), plain_time(d["average_lap"]))
        assert (old_ir, new_ir, old_sr, new_sr) == tuple(none_for(d[k]) for k in (
            "oldi_rating", "newi_rating", "old_sub_level", "new_sub_level"))
        assert (team, laps_lead, incidents, reason_out) == (None, d["laps_lead"], d["incidents"], d["reason_out"])
    winner = next(d for d in raw.values() if d["finish_position"] == 0)
    assert rows(db, "SELECT cust_id FROM race_results WHERE finish_position = 1") == [(winner["cust_id"],)]
    assert any(d["best_lap_time"] == -1 for d in raw.values())  # so the NULL above was really checked
    [race] = rows(db, "SELECT * FROM races")
    track = body["track"]
    assert race == (body["subsession_id"], body["session_id"], datetime(2022, 4, 4, 1, 30), datetime(2022, 4, 4, 2, 14, 23),
                    body["season_id"], body["season_year"], body["season_quarter"], body["series_id"],
                    body["series_name"], track["track_name"], track["config_name"], body["license_category"],
                    body["official_session"], body["event_strength_of_field"], body["num_drivers"])


def test_every_session_of_a_race_is_kept_and_the_main_event_marked(db: Database):
    body = fixture(TEAM_RACE)
    db.run(store_one, body)
    assert rows(db, "SELECT simsession_number, simsession_name, main_event FROM simsessions ORDER BY 1") == [
        (s["simsession_number"], s["simsession_name"], s["simsession_number"] == 0) for s in body["session_results"]
    ]
    for session in body["session_results"]:
        number = session["simsession_number"]
        assert rows(db, "SELECT count(*) FROM driver_results WHERE simsession_number = ?", number) == [
            (len(drivers_of(body, number)),)
        ]
    practice_starts = rows(db, "SELECT DISTINCT starting_position FROM driver_results WHERE simsession_number = -2")
    assert practice_starts == [(None,)]  # the API's -1 in practice


def test_in_a_team_race_every_driver_is_under_their_team_and_the_team_keeps_its_own_row(db: Database):
    body = fixture(TEAM_RACE)
    db.run(store_one, body)
    race = drivers_of(body, 0)
    assert len(race) > len({team["team_id"] for _, team in race})  # teams of several drivers
    stored = {cust_id: (team_id, team_name, finish) for cust_id, team_id, team_name, finish in rows(
        db, "SELECT cust_id, team_id, team_name, finish_position FROM race_results")}
    assert stored == {d["cust_id"]: (team["team_id"], team["display_name"], d["finish_position"] + 1) for d, team in race}
    [main] = [s for s in body["session_results"] if s["simsession_number"] == 0]
    teams = rows(db, "SELECT team_id, team_name, finish_position, laps_complete FROM team_results "
                     "WHERE simsession_number = 0 ORDER BY finish_position")
    assert teams == sorted(((t["team_id"], t["display_name"], t["finish_position"] + 1, t["laps_complete"])
                            for t in main["results"]), key=lambda t: t[2])
    assert any("'" in name or "," in name for _, name, _, _ in teams)  # names with quotes and commas came through


def test_storing_a_race_again_replaces_it(db: Database):
    body = fixture(WEATHER_RACE)
    first = db.run(store_one, body)
    changed = copy.deepcopy(body)
    main = next(s for s in changed["session_results"] if s["simsession_number"] == 0)
    gone = main["results"].pop()
    main["results"][0]["incidents"] = 99
    assert db.run(store_one, changed) == first - 1
    assert rows(db, "SELECT count(*) FROM subsessions") == [(1,)]
    assert rows(db, "SELECT count(*) FROM race_results WHERE cust_id = ?", gone["cust_id"]) == [(0,)]
    assert rows(db, "SELECT incidents FROM race_results WHERE cust_id = ?", main["results"][0]["cust_id"]) == [(99,)]
    assert db.run(h.known_subsessions, [body["subsession_id"], 1]) == {body["subsession_id"]}


def test_past_seasons_store_the_series_its_seasons_classes_and_weeks(db: Database):
    body = fixture(PAST_SEASONS)
    seasons = body["series"]["seasons"]
    assert db.run(h.store_past_seasons, body) == len(seasons)
    assert rows(db, "SELECT series_id, series_name FROM series") == [(body["series_id"], body["series"]["series_name"])]
    assert rows(db, "SELECT count(*), count(DISTINCT series_id) FROM seasons") == [(len(seasons), 1)]
    assert rows(db, "SELECT count(*) FROM season_car_classes") == [(sum(len(s["car_classes"]) for s in seasons),)]
    assert rows(db, "SELECT count(*) FROM race_weeks") == [(sum(len(s["race_weeks"]) for s in seasons),)]


def test_a_division_list_gives_division_ranks_and_the_whole_list_the_overall_rank(db: Database):
    header, chunk = fixture(STANDINGS_HEADER), fixture(STANDINGS_ROWS)
    assert header["division"] != -1  # the real list is one division's
    assert db.run(h.store_standings, header, chunk) == len(chunk)
    key = (header["season_id"], header["car_class_id"])
    row = chunk[10]
    assert rows(db, "SELECT rank, division_rank, division, weeks_counted, irating FROM season_standings "
                    "WHERE season_id = ? AND car_class_id = ? AND cust_id = ?", *key, row["cust_id"]) == [
        (None, row["rank"], row["division"], row["weeks_counted"], row["license"]["irating"])
    ]
    overall = [{**r, "rank": r["rank"] + 100} for r in chunk]  # the same drivers lower in a list of all divisions
    db.run(h.store_standings, {**header, "division": -1}, overall)
    assert rows(db, "SELECT rank, division_rank FROM season_standings WHERE cust_id = ?", row["cust_id"]) == [
        (row["rank"] + 100, row["rank"])
    ]
    assert rows(db, "SELECT division, customer_rank, rows FROM standings_lists ORDER BY division") == [
        (-1, header["customer_rank"], 211), (header["division"], header["customer_rank"], 211)
    ]
    db.run(h.store_standings, {**header, "division": -1, "race_week_num": 3}, overall)  # one week's: not the season's
    assert rows(db, "SELECT count(*) FROM season_standings") == [(len(chunk),)]


def test_member_chart_recent_races_and_car_classes(db: Database):
    member = fixture(MEMBER_INFO)
    fetched = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    db.run(h.store_member, member, fetched)
    db.run(h.store_member, member)  # an import after the fetch: when it was fetched stays known
    assert rows(db, "SELECT * FROM members") == [
        (member["cust_id"], member["display_name"], datetime.fromisoformat(member["member_since"]).date(),
         fetched.replace(tzinfo=None))
    ]
    chart = {"blackout": False, "category_id": 5, "chart_type": 1, "cust_id": member["cust_id"], "success": True,
             "data": [{"when": "2025-01-02", "value": 1500}, {"when": "2025-01-09", "value": 1544}]}
    assert db.run(h.store_chart, chart) == 2
    assert rows(db, "SELECT day::VARCHAR, value FROM member_chart ORDER BY day") == [("2025-01-02", 1500), ("2025-01-09", 1544)]
    recent = fixture(RECENT_RACES)
    assert db.run(h.store_recent_races, recent) == len(recent["races"])
    first = recent["races"][0]
    assert rows(db, "SELECT cust_id, finish_position, track_name FROM member_recent_races WHERE subsession_id = ?",
                first["subsession_id"]) == [(recent["cust_id"], first["finish_position"], first["track"]["track_name"])]
    classes = fixture(CAR_CLASSES)
    assert db.run(h.store_car_classes, classes) == len(classes)
    assert rows(db, "SELECT count(*) FROM car_class_cars") == [(sum(len(c["cars_in_class"]) for c in classes),)]


def test_search_rows_list_the_races_and_who_ran_them(db: Database):
    series_rows, hosted_rows = fixture(SEARCH_SERIES_ROW), fixture(SEARCH_HOSTED_ROW)
    assert db.run(h.store_search_rows, series_rows) == len(series_rows)
    assert rows(db, "SELECT count(*) FROM member_races") == [(0,)]  # a search by series names no driver
    ran = [{**r, "cust_id": 42, "finish_position": 0, "car_class_id": 7} for r in hosted_rows[:3]]
    db.run(h.store_search_rows, ran)
    db.run(h.store_search_rows, hosted_rows[3:5], 42)  # rows of a search for 42 that do not say so
    assert rows(db, "SELECT count(*), min(finish_position) FROM member_races WHERE cust_id = 42") == [(5, 1)]
    first = hosted_rows[0]
    assert rows(db, "SELECT host_cust_id, session_name FROM found_races WHERE subsession_id = ?",
                first["subsession_id"]) == [(first["host"]["cust_id"], first["session_name"])]


def test_what_a_member_raced_comes_from_searches_results_and_recent_races(db: Database):
    body = fixture(OFFICIAL_RACE)
    driver, _ = drivers_of(body, 0)[0]
    db.run(store_one, body)
    db.run(store_one, fixture(LEAGUE_RACE))  # not a season: no standings, no past seasons
    found = fixture(SEARCH_SERIES_ROW)[0]
    db.run(h.store_search_rows, [{**found, "car_class_id": 77}], driver["cust_id"])
    assert db.run(h.series_raced, driver["cust_id"]) == sorted({body["series_id"], found["series_id"]})
    assert db.run(h.season_classes_raced, driver["cust_id"]) == sorted(
        {(body["season_id"], driver["car_class_id"]), (found["season_id"], 77)})
    assert db.run(h.series_raced, 1) == []


def test_fetch_marks_are_kept_by_name(db: Database):
    assert db.run(h.get_mark, "newest:series") is None
    db.run(h.set_mark, "newest:series", "2025-01-01T00:00Z")
    db.run(h.set_mark, "newest:series", "2025-02-01T00:00Z")
    assert db.run(h.get_mark, "newest:series") == "2025-02-01T00:00Z"


def test_a_schema_4_notebook_is_upgraded_and_keeps_its_entries(tmp_path: Path):
    path = tmp_path / "v4.duckdb"
    connection = duckdb.connect(str(path))
    assert migrate(connection.cursor(), up_to=4) == 4  # a file as schema 4 left it, with an entry in it
    connection.execute(
        "INSERT INTO notebook (platform, driver_id, nickname, rep, note, updated_at, search_text) "
        "VALUES ('iracing', 123456, 'Mad Max', 1, 'late brakes', '2026-11-20 19:30:00', 'mad max late brakes')"
    )
    connection.execute("INSERT INTO drivers VALUES ('iracing', 123456, 'Max Verstäppen', '1', '2026-11-20 19:30:00')")
    connection.close()

    db = Database(path)
    assert db.schema_version == LATEST >= 5
    [entry] = db.run(load_all)
    assert (entry.key, entry.name, entry.nickname, entry.rating, entry.note) == (
        ("iracing", 123456), "Max Verstäppen", "Mad Max", 1, "late brakes")
    db.run(store_one, fixture(OFFICIAL_RACE))  # the new tables work
    assert rows(db, "SELECT count(*) FROM races") == [(1,)]
    db.close()


def test_many_bodies_go_in_at_once_and_a_race_given_twice_is_the_last_given(db: Database):
    official, weather = fixture(OFFICIAL_RACE), fixture(WEATHER_RACE)
    again = copy.deepcopy(official)
    driver, _ = drivers_of(again, 0)[0]
    driver["incidents"] = 17
    stored = db.run(h.store_result_bodies, [official, weather, again])
    assert stored.ids == {official["subsession_id"], weather["subsession_id"]}
    assert stored.drivers == count_rows(db, "driver_results")
    assert rows(db, "SELECT incidents FROM race_results WHERE cust_id = ?", driver["cust_id"]) == [(17,)]


def count_rows(db: Database, table: str) -> int:
    return rows(db, f"SELECT count(*) FROM {table}")[0][0]
