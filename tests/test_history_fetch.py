"""`wots-tui fetch` end to end: the real command in a subprocess against the fake iRacing over real sockets.

The fake (tests/fakes/iracing_server.py) serves the real fixture bodies with the member seated in each race;
the command logs in with the password_limited grant, finds his races, downloads each, and writes the notebook
file; the test then reads the file with DuckDB as a power user would, through the `races` and `race_results`
views.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from fakes import iracing_data as data
from fakes.iracing_server import (
    BROKEN_LINK,
    CLIENT_ID,
    CLIENT_SECRET,
    MAINTENANCE,
    PASSWORD,
    USERNAME,
    FakeIRacing,
)

from tests.helpers import command_env
from wots_tui.store.migrations import migrate
from wots_tui.webapi.auth import mask

POSIX_ONLY = pytest.mark.skipif(sys.platform == "win32", reason="the fetch is interrupted with SIGINT (POSIX)")


@dataclass
class Run:
    code: int
    out: str
    err: str


class Racer:
    """A racer's machine: a home folder of their own, the fake's addresses, their credentials in the environment."""

    def __init__(self, home: Path, fake: FakeIRacing, password: str = PASSWORD) -> None:
        self.home = home
        self.db = home / "notebook.duckdb"
        self.env = {
            **command_env(home, drop=("IRACING_", "WOTS_")),
            "WOTS_OAUTH_URL": fake.oauth_url,
            "WOTS_DATA_API_URL": fake.data_api_url,
            "IRACING_USERNAME": USERNAME,
            "IRACING_PASSWORD": password,
            "IRACING_CLIENT_ID": CLIENT_ID,
            "IRACING_CLIENT_SECRET": CLIENT_SECRET,
        }
        self.outputs: list[str] = []

    @property
    def token_file(self) -> Path:
        return self.home / "data" / "wots-tui" / "iracing-token.json"

    async def start(self, command: str, *args: str) -> asyncio.subprocess.Process:
        notebook = ("--db", str(self.db)) if command == "fetch" else ()
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "wots_tui", command, *args, *notebook,
            cwd=self.home, env=self.env, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )

    async def finish(self, process: asyncio.subprocess.Process) -> Run:
        out, err = await asyncio.wait_for(process.communicate(), timeout=120)
        run = Run(process.returncode or 0, out.decode("utf-8"), err.decode("utf-8"))
        self.outputs += [run.out, run.err]
        return run

    async def run(self, *args: str) -> Run:
        return await self.finish(await self.start(*args))

    def log(self) -> str:
        path = self.home / "state" / "wots-tui" / "log" / "wots-tui.log"
        return path.read_text(encoding="utf-8") if path.exists() else ""

    def query(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.db), read_only=True) as connection:
            return connection.execute(sql).fetchall()


@asynccontextmanager
async def racer_against(tmp_path: Path, **fake_options: object) -> AsyncIterator[tuple[Racer, FakeIRacing]]:
    async with FakeIRacing(**fake_options) as fake:  # type: ignore[arg-type]
        yield Racer(tmp_path, fake), fake


async def test_a_first_fetch_stores_every_race_with_its_drivers_under_their_classes_and_teams(tmp_path: Path) -> None:
    async with racer_against(tmp_path) as (racer, fake):
        run = await racer.run("fetch")
    assert run.code == 0, run.err
    assert f"{data.MEMBER_NAME} ({data.MEMBER_ID}): 3 races found, 3 new" in run.out
    official = {race.subsession_id: race for race in fake.races if race.source in data.OFFICIAL_RACES}
    stored = dict(racer.query("SELECT subsession_id, num_drivers FROM races"))
    assert set(stored) == set(official)
    for subsession_id, race in official.items():
        body = race.body()
        main = next(s for s in body["session_results"] if s["simsession_number"] == data.MAIN_EVENT)
        expected = sorted(
            (driver["cust_id"], driver["finish_position"] + 1, driver["finish_position_in_class"] + 1,
             driver["car_class_id"], team["team_id"] if team else None)
            for driver, team in data.entries(body)
        )
        rows = racer.query(
            "SELECT cust_id, finish_position, finish_position_in_class, car_class_id, team_id FROM race_results "
            f"WHERE subsession_id = {subsession_id} ORDER BY ALL"
        )
        assert rows == expected, subsession_id
        assert len(rows) >= len(main["results"])
    (member_place,) = racer.query(
        "SELECT finish_position, finish_position_in_class, car_class_name FROM race_results r "
        f"JOIN races USING (subsession_id) WHERE r.cust_id = {data.MEMBER_ID} AND races.num_drivers = 19"
    )
    assert member_place[:2] == (9, 2)
    charts = dict(racer.query("SELECT chart_type, count(*) FROM member_chart WHERE category_id = 2 GROUP BY ALL"))
    assert charts[1] == len(data.fixture(data.CHART)["data"])  # the real road iRating chart, every point
    assert set(charts) == {1, 3}
    assert racer.query("SELECT value FROM fetch_marks WHERE name = 'racer'") == [(str(data.MEMBER_ID),)]
    assert fake.oauth.logins == 1


async def test_a_second_fetch_asks_for_no_race_again_and_does_not_log_in_again(tmp_path: Path) -> None:
    async with racer_against(tmp_path) as (racer, fake):
        first = await racer.run("fetch")
        asked_before = len(fake.requests)
        second = await racer.run("fetch")
        asked = [request.endpoint for request in fake.requests[asked_before:]]
    assert first.code == second.code == 0, second.err
    assert "results/get" not in asked
    assert {"series/past_seasons", "stats/season_driver_standings", "carclass/get"}.isdisjoint(asked)
    assert "0 new" in second.out
    assert (fake.oauth.logins, fake.oauth.refreshes) == (1, 0)


async def test_an_expired_access_token_is_refreshed_once_not_logged_in_again(tmp_path: Path) -> None:
    async with racer_against(tmp_path) as (racer, fake):
        assert (await racer.run("fetch")).code == 0
        fake.oauth.expire_access_tokens()
        again = await racer.run("fetch")
    assert again.code == 0, again.err
    assert (fake.oauth.logins, fake.oauth.refreshes) == (1, 1)


@POSIX_ONLY
async def test_an_interrupted_fetch_goes_on_where_it_stopped(tmp_path: Path) -> None:
    async with racer_against(tmp_path, races=24, latency=0.15) as (racer, fake):
        process = await racer.start("fetch")
        while "stored " not in racer.log():  # a first batch of races is committed: now stop it
            await asyncio.sleep(0.05)
            assert process.returncode is None, (await process.stderr.read()).decode()  # type: ignore[union-attr]
        process.send_signal(signal.SIGINT)
        stopped = await racer.finish(process)
        kept = {row[0] for row in racer.query("SELECT subsession_id FROM races")}
        fake.latency = 0.0
        asked_before = len(fake.asked("results/get"))
        resumed = await racer.run("fetch")
        asked_again = {int(r.params["subsession_id"]) for r in fake.asked("results/get")[asked_before:]}
    assert stopped.code == 130 and "run the same command again to go on" in stopped.err
    assert "Traceback" not in stopped.err
    assert kept, "the races downloaded before Ctrl-C were committed"
    assert len(kept) < len(fake.races), "stopped before the end"
    assert resumed.code == 0, resumed.err
    assert not asked_again & kept
    assert {row[0] for row in racer.query("SELECT subsession_id FROM races")} == {r.subsession_id for r in fake.races}


async def test_wrong_credentials_are_one_line_and_nothing_is_kept(tmp_path: Path) -> None:
    async with FakeIRacing() as fake:
        racer = Racer(tmp_path, fake, password="not the password")
        run = await racer.run("fetch")
    assert run.code == 1
    assert run.err.count("\n") == 1 and run.err.startswith("Error: iRacing refused the username or password")
    assert not racer.token_file.exists()


async def test_maintenance_stops_the_fetch_with_iracings_own_words(tmp_path: Path) -> None:
    async with racer_against(tmp_path) as (racer, fake):
        fake.inject("member/info", MAINTENANCE)
        run = await racer.run("fetch")
    assert run.code == 1
    assert "maintenance" in run.err.lower() and "Traceback" not in run.err


async def test_a_race_behind_a_broken_link_is_said_and_fetched_by_the_next_run(tmp_path: Path) -> None:
    async with racer_against(tmp_path) as (racer, fake):
        fake.inject("results/get", BROKEN_LINK)
        first = await racer.run("fetch")
        stored_first = racer.query("SELECT count(*) FROM races")
        asked_before = len(fake.asked("results/get"))
        second = await racer.run("fetch")
        asked_again = fake.asked("results/get")[asked_before:]
    assert first.code == 0, first.err
    assert "race results not fetched: 1 (the first: results/get" in first.out
    assert "the next fetch tries again" in first.out
    assert stored_first == [(2,)]
    assert second.code == 0 and len(asked_again) == 1 and "not fetched" not in second.out
    assert racer.query("SELECT count(*) FROM races") == [(3,)]


async def test_a_dry_run_leaves_an_older_notebook_as_it_was(tmp_path: Path) -> None:
    connection = duckdb.connect(str(tmp_path / "notebook.duckdb"))
    assert migrate(connection.cursor(), up_to=4) == 4
    connection.close()
    async with racer_against(tmp_path) as (racer, _):
        run = await racer.run("fetch", "--dry-run")
    assert run.code == 0, run.err
    assert "3 races found, 3 not stored yet" in run.out
    assert racer.query("SELECT max(version) FROM schema_version") == [(4,)]


async def test_a_dry_run_says_what_it_would_fetch_and_writes_nothing(tmp_path: Path) -> None:
    async with racer_against(tmp_path) as (racer, fake):
        run = await racer.run("fetch", "--dry-run")
    assert run.code == 0, run.err
    assert "3 races found, 3 not stored yet" in run.out and "nothing was written" in run.out
    assert not fake.asked("results/get")
    assert not racer.db.exists()


async def test_seasons_search_by_quarter_and_a_bad_range_is_one_line(tmp_path: Path) -> None:
    async with racer_against(tmp_path) as (racer, fake):
        bad = await racer.run("fetch", "--seasons", "2024Q5")
        first = fake.races[0].template
        quarter = (first["season_year"], first["season_quarter"])
        run = await racer.run("fetch", "--seasons", f"{quarter[0]}Q{quarter[1]}")
        searches = fake.asked("results/search_series")
    assert bad.code == 2 and "write a quarter as 2025Q1" in bad.err
    assert run.code == 0, run.err
    assert searches and all(r.params["season_year"] == str(quarter[0]) for r in searches)


async def test_logout_removes_the_token_file_and_login_says_who(tmp_path: Path) -> None:
    async with racer_against(tmp_path) as (racer, _):
        login = await racer.run("login")
        mode = racer.token_file.stat().st_mode & 0o777
        logout = await racer.run("logout")
        again = await racer.run("logout")
    assert login.code == 0, login.err
    assert f"logged in to iRacing as {data.MEMBER_NAME} ({data.MEMBER_ID})" in login.out
    assert mode == 0o600 or sys.platform == "win32"  # Windows has no such mode bits: the folder is the user's
    assert "logged out" in logout.out and not racer.token_file.exists()
    assert "not logged in" in again.out


async def test_no_secret_is_written_or_printed_anywhere_but_the_token_file(tmp_path: Path) -> None:
    async with racer_against(tmp_path) as (racer, fake):
        assert (await racer.run("fetch")).code == 0
        fake.oauth.expire_access_tokens()
        assert (await racer.run("fetch", "--hosted")).code == 0
        tokens = list(fake.oauth.issued)
    secrets = {
        PASSWORD, CLIENT_SECRET, mask(PASSWORD, USERNAME), mask(CLIENT_SECRET, CLIENT_ID), *tokens,
    }
    assert len(tokens) >= 3
    for path in tmp_path.rglob("*"):
        if path.is_file() and path != racer.token_file:
            content = path.read_bytes()
            for secret in secrets:
                assert secret.encode() not in content, f"a secret in {path}"
    for output in racer.outputs:
        for secret in secrets:
            assert secret not in output


def standings_chunks_read(fake: FakeIRacing) -> int:
    return sum(1 for request in fake.file_requests if "/standings/season-driver/" in request.key)


async def test_the_members_standing_is_read_from_the_one_chunk_their_rank_is_in_with_their_division_rank(
    tmp_path: Path,
) -> None:
    rows = data.fixture(data.STANDINGS_ROWS)
    member = next(row for row in rows if row["cust_id"] == data.MEMBER_ID)
    in_division = sorted(row["rank"] for row in rows if row["division"] == member["division"])
    async with racer_against(tmp_path, chunk_size=20) as (racer, fake):
        run = await racer.run("fetch")
        read = standings_chunks_read(fake)
    assert run.code == 0, run.err
    standings = racer.query(
        f"SELECT season_id, rank, division, division_rank FROM season_standings WHERE cust_id = {data.MEMBER_ID}"
    )
    assert len(standings) == 3  # a season and class per official race
    assert {row[1:] for row in standings} == {(member["rank"], member["division"], in_division.index(member["rank"]) + 1)}
    assert read == 2 * len(standings)  # of 11 chunks: one in the overall list, one in the division's


async def test_another_drivers_races_are_fetched_with_the_racers_login(tmp_path: Path) -> None:
    official = next(race for race in data.real_races() if race.source == data.WEATHER_RACE)  # 2024: not our first month
    other = next(d for d, _ in data.entries(official.body()) if d["cust_id"] != data.MEMBER_ID)
    async with racer_against(tmp_path, chunk_size=20) as (racer, fake):
        run = await racer.run("fetch", "--cust-id", str(other["cust_id"]))
        searches = fake.asked("results/search_series")
        searched = {r.params.get("cust_id") for r in searches}
        unknown = await racer.run("fetch", "--cust-id", "1")
        read = standings_chunks_read(fake)
    assert run.code == 0, run.err
    assert f"{other['display_name']} ({other['cust_id']}): 1 race found, 1 new" in run.out
    assert searched == {str(other["cust_id"])}
    # the history is theirs: the stats screen shows their career
    assert racer.query("SELECT value FROM fetch_marks WHERE name = 'racer'")[0] == (str(other["cust_id"]),)
    assert racer.query("SELECT subsession_id FROM race_results WHERE cust_id = " + str(other["cust_id"])) == [
        (official.subsession_id,)
    ]
    assert read == 11  # not the logged-in member: every chunk of the list is read to find them
    first_day = official.start.replace(day=1).strftime("%Y-%m-%dT00:00Z")
    assert searches[0].params["finish_range_begin"] == first_day  # their member_since (member/get), not ours
    assert unknown.code == 1 and "iRacing knows no member 1 (--cust-id)" in unknown.err


@POSIX_ONLY
async def test_in_a_terminal_the_password_is_asked_before_any_bar_and_never_shown(tmp_path: Path) -> None:
    """A racer without IRACING_PASSWORD set: the question comes first (Ctrl-C there stops at once), the
    answer is not echoed, then the stages' bars and the summary."""
    import pty  # a real terminal for the command; POSIX only, as tests may be

    async with racer_against(tmp_path) as (racer, fake):
        del racer.env["IRACING_PASSWORD"]
        leader, follower = pty.openpty()
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "wots_tui", "fetch", "--db", str(racer.db),
            cwd=racer.home, env=racer.env, stdin=follower, stdout=follower, stderr=follower,
        )
        os.close(follower)
        screen = b""

        async def until(text: bytes) -> None:
            nonlocal screen
            while text not in screen:
                screen += await asyncio.wait_for(asyncio.to_thread(os.read, leader, 4096), timeout=30)

        await until(b"iRacing password")
        asked_at = len(screen)
        os.write(leader, PASSWORD.encode() + b"\r")
        await until(b"races found")
        await asyncio.wait_for(process.wait(), timeout=30)
        os.close(leader)
    shown = screen.decode("utf-8", "replace")
    assert process.returncode == 0, shown
    assert "Finding races" not in shown[:asked_at]  # no bar before the question
    assert PASSWORD not in shown
    assert "Downloading race results" in shown[asked_at:] and fake.oauth.logins == 1


@POSIX_ONLY
async def test_ctrl_c_during_a_login_says_it_is_not_logged_in(tmp_path: Path) -> None:
    async with racer_against(tmp_path) as (racer, fake):
        fake.oauth.delay = 30.0  # iRacing slow to answer the login
        process = await racer.start("login")
        while not fake.oauth.bodies:
            await asyncio.sleep(0.05)
        process.send_signal(signal.SIGINT)
        stopped = await racer.finish(process)
    assert stopped.code == 130 and stopped.err == "stopped: not logged in\n"
    assert not racer.token_file.exists()
