"""`wots-tui hub` as a league runs it, in its own process, on a real PostgreSQL."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.postgres import PostgresServer

PASSWORD = "Not-The-Pa55word"


def hub(tmp_path: Path, *args: str, url: str | None = None) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WOTS_", "PG"))}
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        env[name] = str(tmp_path / name.lower())
    if url is not None:
        env["WOTS_HUB_DATABASE_URL"] = url
    command = [sys.executable, "-m", "wots_tui", "hub", *args]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def refused(tmp_path: Path, *args: str, url: str | None = None) -> str:
    """What the hub said on stderr when it would not start (it must exit 1, say one line and print nothing)."""
    process = hub(tmp_path, *args, url=url)
    out, err = process.communicate(timeout=60)
    assert (process.returncode, out, err.count("\n")) == (1, "", 1), (process.returncode, out, err)
    assert "Traceback" not in err and PASSWORD not in err
    return err


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.skipif(sys.platform == "win32", reason="Ctrl-C is sent as SIGINT")
def test_the_hub_says_where_it_listens_without_the_password_serves_and_stops_on_ctrl_c(
        tmp_path: Path, pg_dsn: str, postgres: PostgresServer):
    process = hub(tmp_path, "--port", "0", url=pg_dsn)
    try:
        line = process.stdout.readline()
        match = re.fullmatch(r"The crowd hub listens on (http://127\.0\.0\.1:\d+) \(database (\S+)\); Ctrl-C to stop\n",
                             line)
        assert match, (line, process.stderr.read() if process.poll() is not None else "")
        assert match[2] == (pg_dsn.replace(f":{postgres.password}@", ":***@") if postgres.password else pg_dsn)
        health = httpx.get(f"{match[1]}/v1/health", timeout=10)
        assert (health.status_code, health.json()["status"]) == (200, "ok")
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    finally:
        process.kill()
    assert (process.returncode, out, err) == (0, "stopped\n", "")
    logged = (tmp_path / "xdg_state_home" / "wots-tui" / "log" / "wots-tui.log").read_text(encoding="utf-8")
    assert "starting the hub on postgresql://" in logged  # logs go to the file
    assert not postgres.password or postgres.password not in logged + line


def test_no_database_url_is_one_line(tmp_path: Path):
    assert refused(tmp_path) == ("Error: the hub needs a database: --database-url postgresql://USER:PASSWORD@HOST/DB "
                                 "(or WOTS_HUB_DATABASE_URL)\n")


def test_a_url_that_is_not_postgresql_is_one_line(tmp_path: Path):
    assert refused(tmp_path, "--database-url", f"mysql://hub:{PASSWORD}@localhost/hub") == (
        "Error: the database URL must start with postgresql://, not mysql:\n")
    assert refused(tmp_path, url=f"postgresql://hub:{PASSWORD}@localhost:port/hub") == (
        "Error: the database URL postgresql://hub:***@localhost:port/hub is not a valid URL\n")


def test_an_unreachable_database_is_one_line_without_the_password(tmp_path: Path):
    err = refused(tmp_path, url=f"postgresql://hub:{PASSWORD}@127.0.0.1:{free_port()}/hub")
    assert err.startswith("Error: the hub's database cannot be reached: ")


def test_a_wrong_password_is_one_line_without_it(tmp_path: Path, pg_dsn: str, postgres: PostgresServer):
    if not postgres.password:
        pytest.skip("this PostgreSQL takes no password")
    err = refused(tmp_path, url=pg_dsn.replace(f":{postgres.password}@", f":{PASSWORD}@"))
    assert err.startswith("Error: the hub's database refused the login: password authentication failed for user")


def test_a_taken_port_is_one_line(tmp_path: Path, pg_dsn: str):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        err = refused(tmp_path, "--port", str(port), url=pg_dsn)
    assert err == f"Error: port {port} is in use by another program; choose another with --port\n"
