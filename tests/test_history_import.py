"""`wots-tui import`: every real fixture body and the seed scripts' shapes go in; bad files write nothing.

Files are written as a racer has them: the API's body bytes (aydsko's wrappers unwrapped, their byte-order
marks kept), or what iRacing-API-Scripts writes (arrays ending in `,]`). Every check reads the real file.
"""

from __future__ import annotations

import hashlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import orjson
import pytest
from click.testing import CliRunner
from fakes.iracing_data import (
    CAR_CLASSES,
    FIXTURES,
    LEAGUE_RACE,
    MEMBER_INFO,
    OFFICIAL_RACE,
    PAST_SEASONS,
    SEARCH_HOSTED_ROW,
    SEARCH_SERIES_ROW,
    STANDINGS_HEADER,
    STANDINGS_ROWS,
    TEAM_RACE,
    WEATHER_RACE,
    fixture,
    many_races,
)

from wots_tui.cli.imports import import_command
from wots_tui.store import Database
from wots_tui.store.history import get_mark
from wots_tui.webapi import importer
from wots_tui.webapi.importer import ImportReport, import_files
from wots_tui.webapi.shapes import Kind

RACES = (OFFICIAL_RACE, TEAM_RACE, WEATHER_RACE, LEAGUE_RACE)
BOM = b"\xef\xbb\xbf"
HISTORY_TABLES = (
    "subsessions", "subsession_classes", "simsessions", "driver_results", "team_results", "car_classes",
    "car_class_cars", "series", "seasons", "season_car_classes", "race_weeks", "standings_lists",
    "season_standings", "members", "member_chart", "member_recent_races", "found_races", "member_races",
)


def body_bytes(name: str) -> bytes:
    """The API's body as the file `name` holds it: aydsko's `content` (with the wrapper's mark), else as it is."""
    raw = (FIXTURES / name).read_bytes()
    if not name.startswith("aydsko/"):
        return raw
    content = orjson.loads(raw.removeprefix(BOM))["content"]
    data = content.encode() if isinstance(content, str) else orjson.dumps(content, option=orjson.OPT_INDENT_2)
    return (BOM if raw.startswith(BOM) else b"") + data


def write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def seed_array(items: list, indent: bool = False) -> bytes:
    """An array as the seed's Go scripts write one: "[" + item + "," ... + "," + "]"."""
    option = orjson.OPT_INDENT_2 if indent else 0
    return b"[" + b"".join(orjson.dumps(item, option=option) + b",\n" for item in items) + b"]"


def fingerprint(db: Database) -> dict[str, tuple[int, str]]:
    """Each history table's row count and a digest of all its rows, in key order."""
    def take(cursor):
        found = {}
        for table in HISTORY_TABLES:
            table_rows = cursor.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()
            found[table] = (len(table_rows), hashlib.sha256(repr(table_rows).encode()).hexdigest())
        return found
    return db.run(take)


def count(db: Database, table: str) -> int:
    return db.run(lambda c: c.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def by_name(report: ImportReport) -> dict[str, object]:
    return {f.path.name: f for f in report.files}


@pytest.fixture
def db(tmp_path: Path):
    database = Database(tmp_path / "n.duckdb")
    yield database
    database.close()


def test_every_real_fixture_body_imports_or_is_refused_in_one_line_and_again_changes_nothing(
    tmp_path: Path, db: Database
):
    files = [write(tmp_path, f"{p.parent.name}-{p.name}", body_bytes(f"{p.parent.name}/{p.name}"))
             for p in sorted(FIXTURES.rglob("*.json"))]
    assert any(f.read_bytes().startswith(BOM) for f in files)
    report = import_files(db, files)
    got = {f.path.name: (f.kind, f.error, f.note) for f in report.files}
    kinds = {name: kind for name, (kind, error, note) in got.items() if error is None and note is None}
    assert kinds == {
        "allymurray-carclass.get.json": Kind.CAR_CLASSES,
        "allymurray-member.get_var2.json": Kind.MEMBERS,
        "allymurray-member.info.json": Kind.MEMBER,
        "allymurray-series.past_seasons.json": Kind.PAST_SEASONS,
        "allymurray-stats.member_recent_races.json": Kind.RECENT_RACES,
        "aydsko-GetCarClassesSuccessfulAsync__2.json": Kind.CAR_CLASSES,
        "aydsko-GetMemberChartDataSuccessfulAsync__2.json": Kind.CHART,
        "aydsko-GetMemberRecentRacesSucceedsAsync__2.json": Kind.RECENT_RACES,
        "aydsko-GetMyInfoSucceedsAsync__2.json": Kind.MEMBER,
        "aydsko-GetPastSeasonsForSeriesSuccessfulAsync__2.json": Kind.PAST_SEASONS,
        "aydsko-GetSeasonDriverStandingsSuccessfulAsync__2.json": Kind.STANDINGS_HEADER,
        "aydsko-GetSeasonDriverStandingsSuccessfulAsync__3.json": Kind.STANDINGS_ROWS,
        "aydsko-GetSubSessionResultForLeagueSuccessfulAsync__2.json": Kind.RESULTS,
        "aydsko-GetSubSessionResultForTeamSuccessfulAsync__2.json": Kind.RESULTS,
        "aydsko-GetSubSessionResultSuccessfulAsync__2.json": Kind.RESULTS,
        "aydsko-GetSubSessionResultWithWeatherSuccessfulAsync__2.json": Kind.RESULTS,
        "aydsko-SearchHostedResultsSuccessfulAsync__2.json": Kind.SEARCH_ROWS,
        "aydsko-SearchOfficialResultsSuccessfulAsync__2.json": Kind.SEARCH_ROWS,
    }
    refused = {name: error for name, (_, error, _) in got.items() if error}
    assert {name for name, error in refused.items() if error.startswith("a link to the data, not the data")} == {
        "aydsko-GetPastSeasonsForSeriesSuccessfulAsync__1.json", "aydsko-GetSeasonDriverStandingsSuccessfulAsync__1.json",
        "aydsko-GetSubSessionResultSuccessfulAsync__1.json"}
    assert refused["aydsko-GetMemberInfoDuringMaintenanceThrowsAsync__1.json"].startswith(
        "an error answer from the API (Site Maintenance; The site is currently undergoing maintenance")
    assert refused["aydsko-ResponseUnauthorized__1.json"] == "an error answer from the API (Unauthorized), not data"
    assert refused["aydsko-ResponseUnknown504__1.json"].startswith("a web page, not JSON")
    assert len(refused) == 7 and all("\n" not in error for error in refused.values())
    assert {name for name, (_, _, note) in got.items() if note} == {
        "aydsko-SearchHostedResultsSuccessfulAsync__1.json", "aydsko-SearchOfficialResultsSuccessfulAsync__1.json"}
    team = fixture(TEAM_RACE)
    assert report.written["races"] == 4 and count(db, "races") == 4
    assert report.written["driver results"] == count(db, "driver_results") == 38 + 80 + 66 + sum(
        len(row.get("driver_results") or []) for s in team["session_results"] for row in s["results"])
    assert report.written["standings"] == count(db, "season_standings") == len(fixture(STANDINGS_ROWS))
    before = fingerprint(db)
    assert all(n for table, (n, _) in before.items() if table != "member_races")  # no real search by member
    chart = fixture("aydsko/GetMemberChartDataSuccessfulAsync__2.json")["data"]
    assert count(db, "member_chart") == len(chart) == 104

    again = import_files(db, files)
    assert fingerprint(db) == before
    assert [(f.kind, f.error) for f in again.files] == [(f.kind, f.error) for f in report.files]


def test_the_seed_scripts_outputs_import(tmp_path: Path, db: Database):
    subsessions = write(tmp_path, "1-subsessions-output.json", seed_array([fixture(n) for n in RACES], indent=True))
    assert subsessions.read_bytes().rstrip().endswith(b",\n]")
    series_rows, hosted_rows = fixture(SEARCH_SERIES_ROW), fixture(SEARCH_HOSTED_ROW)
    searches = write(tmp_path, "300752-search-series-output.json", seed_array([series_rows[:200], series_rows[200:]]))
    past = fixture(PAST_SEASONS)
    other = {**past, "series_id": 999, "series": {**past["series"], "series_id": 999, "seasons": past["series"]["seasons"][:2]}}
    seasons = write(tmp_path, "past-seasons-output.json", orjson.dumps([past, other]))
    header, chunk = fixture(STANDINGS_HEADER), fixture(STANDINGS_ROWS)
    seed_rows = [{"season_name": header["season_name"], "overall_rank": row["rank"] + 3, "season_id": header["season_id"],
                  "car_class_id": header["car_class_id"], "division": row["division"] + 1, "season_driver_data": row,
                  "division_rank": row["rank"]} for row in chunk[:20]]
    standings = write(tmp_path, "standings-output.json", orjson.dumps(seed_rows))
    classes = write(tmp_path, "car-classes.json", orjson.dumps(
        [{"car_class_id": c["car_class_id"], "short_name": c["short_name"]} for c in fixture(CAR_CLASSES)]))

    report = by_name(import_files(db, [subsessions, searches, seasons, standings, classes]))
    assert [(r.kind, r.error) for r in report.values()] == [
        (Kind.RESULTS_LIST, None), (Kind.SEARCH_CHUNKS, None), (Kind.PAST_SEASONS_LIST, None),
        (Kind.SEED_STANDINGS, None), (Kind.CAR_CLASSES, None)]
    assert count(db, "races") == 4 and report["1-subsessions-output.json"].written["races"] == 4
    assert count(db, "found_races") == len(series_rows) and len(hosted_rows) > 0
    assert count(db, "series") == 2 and count(db, "seasons") == len(past["series"]["seasons"])
    row = chunk[5]
    assert db.run(lambda c: c.execute(
        "SELECT rank, division_rank, division FROM season_standings WHERE cust_id = ?", [row["cust_id"]]).fetchall()
    ) == [(row["rank"] + 3, row["rank"], row["division"])]  # the row's division, the API's, not the seed's + 1
    assert count(db, "car_classes") == len(fixture(CAR_CLASSES))


def test_bad_files_are_named_with_where_they_are_wrong_write_nothing_and_the_others_go_in(
    tmp_path: Path, db: Database
):
    team = body_bytes(TEAM_RACE)
    lines = team.splitlines(keepends=True)
    broken = b"".join(lines[:2]) + lines[2].replace(b":", b":x", 1) + b"".join(lines[3:])
    files = [
        write(tmp_path, "cut.json", team[: len(team) // 2]),
        write(tmp_path, "broken.json", broken),
        write(tmp_path, "notes.json", b"my races, to import later\n"),
        write(tmp_path, "unknown.json", b'{"car_id": 1, "wheels": 4}'),
        write(tmp_path, "link.json", body_bytes("aydsko/GetSubSessionResultSuccessfulAsync__1.json")),
        write(tmp_path, "empty-array.json", b"[]\n"),
        write(tmp_path, "empty.json", b""),
        write(tmp_path, "accent.json", BOM + b'{"display_name":\n "' + "É".encode()[:1]),
        write(tmp_path, "latin1.json", b'{"display_name": "Ren\xe9"}'),
        write(tmp_path, "null.json", b"null\n"),
        write(tmp_path, "number.json", b"42"),
        write(tmp_path, "text.json", b'"my races"'),
        write(tmp_path, "odd-item.json", seed_array([fixture(OFFICIAL_RACE), fixture(LEAGUE_RACE),
                                                     {"subsession_id": 1, "what": "not results"}])),
        write(tmp_path, "number-item.json", orjson.dumps([fixture(OFFICIAL_RACE), 7])),
        write(tmp_path, "good.json", body_bytes(OFFICIAL_RACE)),
    ]
    report = by_name(import_files(db, files))
    errors = {name: r.error for name, r in report.items()}
    cut_line = team[: len(team) // 2].count(b"\n") + 1
    column = lines[2].index(b":") + 2  # the x, 1-based
    assert errors == {
        "accent.json": "cut off inside a character at byte 22 (line 2)",  # counted in the file, its mark too
        "latin1.json": "not UTF-8 text (byte 21, line 1): save it as UTF-8",
        "null.json": "the file holds only null, not a Data API answer",
        "number.json": "the file holds only a number, not a Data API answer",
        "text.json": "the file holds only text, not a Data API answer",
        "odd-item.json": "item 3 of the array is not a race's results (its keys: subsession_id, what)",
        "number-item.json": "item 2 of the array is not a race's results (it is a number)",
        "cut.json": f"cut off: the JSON ends at line {cut_line} before it is complete",
        "broken.json": f"not valid JSON at line 3, column {column} (unexpected character, expected a JSON value)",
        "notes.json": "not valid JSON at line 1, column 1 (unexpected character, expected a JSON value)",
        "unknown.json": "not a Data API answer wots-tui knows (its keys: car_id, wheels)",
        "link.json": "a link to the data, not the data: the API answers with a link first; save what it points to",
        "empty-array.json": "an empty array: nothing to import",
        "empty.json": "the file is empty",
        "good.json": None,
    }
    assert count(db, "races") == 1 and count(db, "team_results") == 0  # the team race was cut: none of it
    assert db.run(lambda c: c.execute("SELECT subsession_id FROM races").fetchall()) == [(fixture(OFFICIAL_RACE)["subsession_id"],)]


def test_a_race_that_cannot_be_stored_takes_no_other_file_of_its_batch_with_it(tmp_path: Path, db: Database):
    twice = fixture(WEATHER_RACE)
    main = next(s for s in twice["session_results"] if s["simsession_number"] == 0)
    main["results"].append(main["results"][0])  # one driver twice in one session
    files = [write(tmp_path, "a.json", body_bytes(OFFICIAL_RACE)), write(tmp_path, "twice.json", orjson.dumps(twice)),
             write(tmp_path, "c.json", body_bytes(LEAGUE_RACE))]
    report = by_name(import_files(db, files))
    assert report["twice.json"].error.startswith("a race's results that could not be stored (Constraint Error")
    assert (report["a.json"].error, report["c.json"].error) == (None, None)
    assert count(db, "races") == 2
    assert db.run(lambda c: c.execute("SELECT count(*) FROM subsessions WHERE subsession_id = ?",
                                      [twice["subsession_id"]]).fetchone()) == (0,)


def test_a_member_get_body_stores_the_members_it_lists(tmp_path: Path, db: Database):
    members = write(tmp_path, "members.json", body_bytes("allymurray/member.get_var2.json"))
    assert by_name(import_files(db, [members]))["members.json"].written["members"] == 1
    assert db.run(lambda c: c.execute("SELECT cust_id, display_name, member_since::VARCHAR FROM members").fetchall()) == [
        (926270, "Alistair Murray", "2023-07-31")]
    assert db.run(get_mark, "racer") is None  # members looked up are not whose history it is


def test_an_imported_member_info_is_the_racer_whose_history_it_is(tmp_path: Path, db: Database):
    member = write(tmp_path, "member.json", body_bytes(MEMBER_INFO))
    import_files(db, [member])
    assert db.run(get_mark, "racer") == str(fixture(MEMBER_INFO)["cust_id"])


def test_standings_rows_need_their_list(tmp_path: Path, db: Database):
    rows = write(tmp_path, "rows.json", body_bytes(STANDINGS_ROWS))
    alone = by_name(import_files(db, [rows]))["rows.json"]
    assert alone.error.startswith("standings rows without their list: import them with the standings answer")
    assert count(db, "season_standings") == 0
    header = write(tmp_path, "header.json", body_bytes(STANDINGS_HEADER))
    together = by_name(import_files(db, [rows, header]))  # the header may come after its rows
    assert together["rows.json"].written["standings"] == count(db, "season_standings") == len(fixture(STANDINGS_ROWS))


def test_names_duckdb_would_take_as_patterns_and_trailing_commas_anywhere_still_import(tmp_path: Path, db: Database):
    official, weather = (orjson.dumps(fixture(n)) for n in (OFFICIAL_RACE, WEATHER_RACE))
    files = [
        write(tmp_path, "races [2024] *.json", body_bytes(LEAGUE_RACE)),
        write(tmp_path, "commas.json", b"[" + official + b",\n" + weather[:-1] + b',"session_splits": [],},\n]'),
        write(tmp_path, "commas-then-bad.json", b'[{"a": [1,2,],},\n {"b": 2 3}]'),
    ]
    report = by_name(import_files(db, files))
    assert report["races [2024] *.json"].written["races"] == 1
    assert report["commas.json"].written["races"] == 2
    assert report["commas-then-bad.json"].error == (  # said where it is in the file, commas and all
        "not valid JSON at line 2, column 10 (unexpected character, expected ',' or '}')")
    assert count(db, "races") == 3


def test_an_import_gives_the_store_its_own_memory_limit_back(tmp_path: Path, db: Database):
    setting = "SELECT current_setting('memory_limit'), current_setting('preserve_insertion_order')"
    before = db.run(lambda c: c.execute(setting).fetchone())
    import_files(db, [write(tmp_path, "r.json", body_bytes(TEAM_RACE))])
    assert db.run(lambda c: c.execute(setting).fetchone()) == before


def test_the_command_says_a_line_per_file_and_a_summary_and_exits_1_for_a_bad_file(tmp_path: Path):
    good = write(tmp_path, "team.json", body_bytes(TEAM_RACE))
    link = write(tmp_path, "link.json", body_bytes("aydsko/GetSubSessionResultSuccessfulAsync__1.json"))
    answer = write(tmp_path, "answer.json", body_bytes("aydsko/SearchOfficialResultsSuccessfulAsync__1.json"))
    notebook = tmp_path / "new" / "history.duckdb"
    result = CliRunner().invoke(import_command, [str(good), str(link), str(answer), "--db", str(notebook)])
    assert result.exit_code == 1, result.output
    team = fixture(TEAM_RACE)
    drivers = sum(len(row.get("driver_results") or []) for s in team["session_results"] for row in s["results"])
    assert sorted(result.stderr.splitlines()) == sorted([  # a line as each file is done (results in batches)
        f"{good}: a race's results (1 race, {drivers} driver results)",
        (f"{link}: a link to the data, not the data: the API answers with a link first; save what it points to; "
         "nothing was imported from it"),
        f"{answer}: skipped, a search answer: its 333 rows are in the chunk files it lists; import those",
    ])
    assert result.stdout == (f"imported 1 of 3 files: 1 race, {drivers} driver results; 1 skipped; "
                             f"1 file not imported (said above); a new notebook at {notebook}\n")
    again = CliRunner().invoke(import_command, [str(good), "--db", str(notebook)])
    assert again.exit_code == 0 and again.stdout.startswith("imported 1 of 1 file: 1 race")
    database = Database(notebook)
    assert count(database, "races") == 1
    database.close()


def test_a_race_a_later_file_brings_too_is_said_to_be_written_from_that_file(tmp_path: Path):
    official, team = fixture(OFFICIAL_RACE), fixture(TEAM_RACE)
    both = write(tmp_path, "both.json", seed_array([official, team]))
    again = write(tmp_path, "team-again.json", orjson.dumps({**team, "series_name": "Corrected"}))
    alone = write(tmp_path, "team-alone.json", orjson.dumps(team))
    notebook = tmp_path / "n.duckdb"
    result = CliRunner().invoke(import_command, [str(both), str(again), "--db", str(notebook)])
    earlier = CliRunner().invoke(import_command, [str(alone), str(again), "--db", str(notebook)])
    assert (result.exit_code, earlier.exit_code) == (0, 0), result.output + earlier.output
    drivers = sum(len(s["results"]) for s in official["session_results"])
    assert result.stderr.splitlines()[0] == (
        f"{both}: races' results (1 race, {drivers} driver results; 1 race also in {again}, written from there)")
    assert earlier.stderr.splitlines()[0] == f"{alone}: a race's results (1 race also in {again}, written from there)"
    database = Database(notebook)
    assert database.run(lambda c: c.execute("SELECT series_name FROM subsessions WHERE subsession_id = ?",
                                            [team["subsession_id"]]).fetchall()) == [("Corrected",)]
    database.close()


def test_a_large_seed_file_is_read_item_by_item_and_still_goes_in_whole_or_not_at_all(
    tmp_path: Path, db: Database, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(importer, "LARGE_FILE", 1)  # every array is large: read by DuckDB, item by item
    monkeypatch.setattr(importer, "LARGE_BATCH", 2)  # and written two races at a time, in one transaction
    bodies = [fixture(n) for n in RACES]
    seed = write(tmp_path, "1-subsessions-output.json", seed_array(bodies, indent=True))
    cut = write(tmp_path, "cut.json", seed.read_bytes()[: -len(orjson.dumps(bodies[-1])) // 2])
    odd = write(tmp_path, "odd.json", seed_array([*bodies[:3], {"subsession_id": 1, "what": "not results"}]))
    report = by_name(import_files(db, [cut, odd]))
    assert report["cut.json"].error == "cut off: the JSON ends before it is complete"
    assert report["odd.json"].error == "item 4 of the array is not a race's results (its keys: subsession_id, what)"
    assert count(db, "races") == 0  # the races before the bad item were written, and rolled back with it

    first = by_name(import_files(db, [seed]))["1-subsessions-output.json"]
    assert (first.kind, first.error, first.written["races"]) == (Kind.RESULTS_LIST, None, 4)
    before = fingerprint(db)
    assert before["driver_results"][0] == first.written["driver results"] == count(db, "driver_results")
    import_files(db, [seed])
    assert fingerprint(db) == before


class Importing:
    """`wots-tui import` in its own process, as a racer runs it: its stderr lines and its log read as they come."""

    def __init__(self, home: Path, files: list[Path], db: Path) -> None:
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("WOTS_")}, "HOME": str(home),
               "XDG_STATE_HOME": str(home / "state"), "XDG_DATA_HOME": str(home / "data"),
               "XDG_CONFIG_HOME": str(home / "config")}
        self.log_file = home / "state" / "wots-tui" / "log" / "wots-tui.log"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "wots_tui", "import", *map(str, files), "--db", str(db)], env=env, cwd=home,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8")
        self.err: list[str] = []
        self._reader = threading.Thread(target=lambda: self.err.extend(self.process.stderr), daemon=True)  # type: ignore[arg-type]
        self._reader.start()

    def wait_until(self, ready) -> None:
        """Until `ready()`; the import must still be running (else it finished before the test could stop it)."""
        while not ready():
            assert self.process.poll() is None, "".join(self.err)
            time.sleep(0.01)

    def log(self) -> str:
        return self.log_file.read_text(encoding="utf-8") if self.log_file.exists() else ""

    def stop(self) -> tuple[int, str, str]:
        self.process.send_signal(signal.SIGINT)
        code = self.process.wait(timeout=120)  # its summary, if it printed one, fits in the pipe
        self._reader.join()
        return code, self.process.stdout.read(), "".join(self.err)  # type: ignore[union-attr]


@pytest.mark.skipif(sys.platform == "win32", reason="Ctrl-C is sent as SIGINT, which Windows does not have")
@pytest.mark.parametrize("moment", ["reading the results files", "writing their races"])
def test_ctrl_c_says_in_one_line_what_was_imported_whole_and_the_rest_wrote_nothing(tmp_path: Path, moment: str):
    folder = tmp_path / "saved"
    folder.mkdir()
    member = write(folder, "member.json", body_bytes(MEMBER_INFO))  # stored on its own, first
    races = {write(folder, f"{race.subsession_id}.json", orjson.dumps(race.body())): race.subsession_id
             for race in many_races(300)}
    notebook = tmp_path / "n.duckdb"
    run = Importing(tmp_path, [member, *races], notebook)
    if moment == "reading the results files":
        run.wait_until(lambda: any(line.startswith(f"{member}: a member") for line in run.err))
    else:
        run.wait_until(lambda: "import: writing the races of 300 results files together" in run.log())
    code, out, err = run.stop()

    assert (code, out) == (130, ""), err
    *lines, last = err.splitlines()
    assert "Traceback" not in err
    said_imported = {Path(line.split(": a race's results")[0]) for line in lines if ": a race's results (1 race" in line}
    stopped = re.fullmatch(r"stopped: (\d+) of 301 files imported whole \(each said above\); (.+) wrote nothing"
                           r"(, nor did the (\d+) files not begun)?; run the same command again to import the rest", last)
    assert stopped, last
    assert int(stopped[1]) == 1 + len(said_imported) < 301  # the member and the races said, not all of them
    database = duckdb.connect(str(notebook), read_only=True)
    try:
        assert database.execute("SELECT count(*) FROM members").fetchone() == (1,)
        stored = {row[0] for row in database.execute("SELECT subsession_id FROM races").fetchall()}
    finally:
        database.close()
    assert stored == {races[path] for path in said_imported}  # the rest wrote nothing, none of a race
