"""`wots-tui crowd sync`, the real command in a subprocess, against the real hub on a real PostgreSQL (skipped with
the reason where PostgreSQL cannot run)."""

from __future__ import annotations

import asyncio
import json
import socket
import stat
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import orjson

from tests.helpers import command_env, store_history
from tests.postgres import RunningHub
from wots_tui.domain.notebook import NoteRecord
from wots_tui.store import Database
from wots_tui.store.career import racer
from wots_tui.store.notebook import save_records

AT = datetime(2026, 12, 2, 18, 0, tzinfo=UTC)
LIKED, SHY = 111_111, 222_222


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


class Machine:
    """A racer's machine: a home folder of their own (data, config, logs), a notebook file in it."""

    def __init__(self, home: Path) -> None:
        home.mkdir(exist_ok=True)
        self.home = home
        self.db = home / "notebook.duckdb"
        self.env = command_env(home)

    @property
    def token_file(self) -> Path:
        return self.home / "data" / "wots-tui" / "crowd-voter.json"

    def note(self, *records: NoteRecord) -> None:
        database = Database(self.db)
        try:
            database.run(save_records, list(records))
        finally:
            database.close()

    async def run(self, *args: str, **env: str) -> Run:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "wots_tui", *args, cwd=self.home, env={**self.env, **env},
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), timeout=120)
        return Run(process.returncode or 0, out.decode("utf-8"), err.decode("utf-8"))

    async def sync(self, url: str) -> Run:
        return await self.run("crowd", "sync", "--db", str(self.db), "--crowd-url", url)

    def query(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.db), read_only=True) as connection:
            return connection.execute(sql).fetchall()

    def log(self) -> str:
        path = self.home / "state" / "wots-tui" / "log" / "wots-tui.log"
        return path.read_text(encoding="utf-8") if path.exists() else ""


def rated(driver_id: int, rating: int, *tags: str, note: str = "") -> NoteRecord:
    return NoteRecord(("iracing", driver_id), name=f"Driver {driver_id}", rating=rating, tag_ids=tags, note=note,
                      nickname="Secret Nick", updated_at=AT)


async def test_three_racers_sync_and_the_third_pulls_the_crowd_they_made(hub: RunningHub, tmp_path: Path):
    machines = [Machine(tmp_path / f"racer{n}") for n in range(3)]
    for n, machine in enumerate(machines):
        machine.note(rated(LIKED, 1, "clean", note="a private note"), *([rated(SHY, -1)] if n == 0 else []))
    first = await machines[0].sync(hub.url)
    assert (first.code, first.out) == (0, "pushed 2 votes, refused 0, pulled crowd data for 0 drivers\n"), first.err
    again = await machines[0].sync(hub.url)
    assert again.out == "pushed 0 votes, refused 0, pulled crowd data for 0 drivers\n"  # nothing new to send
    await machines[1].sync(hub.url)
    third = await machines[2].sync(hub.url)
    assert third.out == "pushed 1 vote, refused 0, pulled crowd data for 1 driver\n", third.err
    [(rep, tags)] = machines[2].query(
        f"SELECT crowd_rep, crowd_tags FROM crowd_cache WHERE driver_id = {LIKED}")
    assert json.loads(rep)["total"] == 3 and [t["id"] for t in json.loads(tags)["overall"]] == ["clean"]
    assert machines[2].query(f"SELECT count(*) FROM crowd_cache WHERE driver_id = {SHY}") == [(0,)]  # one voter: nothing

    token = json.loads(machines[0].token_file.read_text(encoding="utf-8"))["voters"][hub.url]
    if sys.platform != "win32":
        assert stat.S_IMODE(machines[0].token_file.stat().st_mode) == 0o600
    secret = token.split(".", 1)[1]
    for machine in machines:
        for said in (first.out, first.err, third.out, third.err, machine.log()):
            assert secret not in said


async def test_a_vote_about_yourself_is_refused_with_why_and_not_sent_again(hub: RunningHub, tmp_path: Path):
    machine = Machine(tmp_path / "racer")
    database = Database(machine.db)
    try:
        store_history(database)  # the racer's own fetched history: their cust id is sent when they register
        me = database.run(racer)
    finally:
        database.close()
    assert me is not None and me.chosen
    machine.note(rated(me.cust_id, 1), rated(LIKED, 1))
    run = await machine.sync(hub.url)
    assert run.code == 0, run.err
    assert run.out == f"pushed 1 vote, refused 1 (1 self-vote: iracing:{me.cust_id} is one of your own ids), " \
                      "pulled crowd data for 0 drivers\n"
    again = await machine.sync(hub.url)
    assert again.out.startswith("pushed 0 votes, refused 0"), again.out  # not retried until the entry changes


async def test_an_imported_notebook_is_shared_like_any_other(hub: RunningHub, tmp_path: Path):
    machine = Machine(tmp_path / "racer")
    exported = tmp_path / "wots-notebook.json"
    exported.write_bytes(orjson.dumps({"entries": {
        str(LIKED): {"custId": LIKED, "name": "Imported Driver", "userRep": -1, "userTags": ["divebomber"],
                     "userNote": "from WOTS", "updatedAt": "2026-11-30T20:00:00Z"},
    }}))
    imported = await machine.run("notebook", "import", str(exported), "--db", str(machine.db))
    assert imported.code == 0, imported.err
    run = await machine.sync(hub.url)
    assert run.out.startswith("pushed 1 vote,"), (run.out, run.err)


async def test_a_hub_that_is_away_is_one_line_exit_1_and_the_votes_still_wait(hub: RunningHub, tmp_path: Path):
    machine = Machine(tmp_path / "racer")
    machine.note(rated(LIKED, 1), rated(SHY, 0))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    away = await machine.sync(closed)
    assert away.code == 1 and away.out == ""
    assert away.err.count("\n") == 1 and "cannot be reached" in away.err and "nothing was lost" in away.err, away.err
    assert "Traceback" not in away.err
    back = await machine.sync(hub.url)  # the same votes, to a hub that answers
    assert back.out.startswith("pushed 2 votes,"), back.out


async def test_sync_without_a_hub_or_with_a_bad_address_says_so_in_one_line(tmp_path: Path):
    machine = Machine(tmp_path / "racer")
    machine.note(rated(LIKED, 1))
    none = await machine.run("crowd", "sync", "--db", str(machine.db))
    assert none.code == 2 and "needs a hub: --crowd-url" in none.err
    bad = await machine.run("crowd", "sync", "--db", str(machine.db), WOTS_CROWD_URL="ftp://hub.example.org")
    assert bad.code == 1 and "WOTS_CROWD_URL must be an http:// or https:// address" in bad.err, bad.err
    assert bad.err.count("\n") == 1
    secret = await machine.run("crowd", "sync", "--db", str(machine.db), WOTS_CROWD_URL="hub:pa55word@host")
    assert "pa55word" not in secret.err and secret.code == 1
    missing = await machine.run("crowd", "sync", "--db", str(tmp_path / "nope.duckdb"), "--crowd-url", "http://127.0.0.1:1")
    assert missing.code == 1 and "no notebook there" in missing.err and not (tmp_path / "nope.duckdb").exists()


def test_crowd_url_is_read_from_config_toml_the_environment_and_the_flag_in_that_order(tmp_path: Path):
    from wots_tui.config import ConfigError, load_settings

    config = tmp_path / "config.toml"
    config.write_text('crowd_url = "https://hub.example.org/"\n', encoding="utf-8")
    assert load_settings(config, environ={}).crowd_url == "https://hub.example.org"
    assert load_settings(config, environ={"WOTS_CROWD_URL": "http://127.0.0.1:5830"}).crowd_url == "http://127.0.0.1:5830"
    assert load_settings(config, environ={"WOTS_CROWD_URL": ""}).crowd_url == ""  # an empty variable: crowd off
    assert load_settings(config, environ={}, crowd_url="http://10.0.0.2:5830").crowd_url == "http://10.0.0.2:5830"
    config.write_text("crowd_url = 5830\n", encoding="utf-8")
    try:
        load_settings(config, environ={})
    except ConfigError as error:
        assert str(error).endswith("crowd_url must be an http:// or https:// address, as https://hub.example.org:5830, not 5830")
    else:
        raise AssertionError("a number was taken as a hub's address")
    assert "hub.example.org" not in repr(load_settings(environ={"WOTS_CROWD_URL": "https://hub.example.org"}))
