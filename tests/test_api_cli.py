"""`wots-tui serve` as a racer runs it, in its own process; and the API settings."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from wots_tui.config import ConfigError, load_settings


def serve(tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WOTS_")}
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        env[name] = str(tmp_path / name.lower())
    command = [sys.executable, "-m", "wots_tui", "serve", "--db", str(tmp_path / "notebook.duckdb"), *args]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def test_serve_demo_serves_the_moving_race_with_no_terminal_and_stops_on_ctrl_c(tmp_path: Path):
    process = serve(tmp_path, "--demo", "--port", "0")
    try:
        line = process.stdout.readline()
        match = re.fullmatch(r"Serving the local API on (http://localhost:\d+) for demo; Ctrl-C to stop"
                             r" \(a new notebook at .+\)\n", line)  # the test's --db did not exist
        assert match, line
        with httpx.Client(base_url=match[1], timeout=5) as client:
            for _ in range(100):
                drivers = client.get("/api/drivers").json()
                if drivers["inSession"]:
                    break
                time.sleep(0.05)
            assert len(drivers["drivers"]) >= 59, drivers
            assert drivers["trackName"] == "Circuit de Spa-Francorchamps"
            assert client.get("/api/status").json()["connected"] is True
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=15)
    finally:
        process.kill()
    assert (process.returncode, out, err) == (0, "stopped\n", "")
    assert (tmp_path / "xdg_state_home" / "wots-tui" / "log" / "wots-tui.log").exists()  # logs go to the file


def test_serve_on_a_taken_port_says_so_in_one_line(tmp_path: Path):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        process = serve(tmp_path, "--demo", "--port", str(port))
        out, err = process.communicate(timeout=30)
    assert process.returncode == 1 and out == ""
    assert err == f"Error: Port {port} is in use by another program; choose another with --port or WOTS_PORT\n"


def test_serve_takes_one_source(tmp_path: Path):
    process = serve(tmp_path, "--demo", "--irsdk-file", str(tmp_path / "x.irsdk"))
    _, err = process.communicate(timeout=30)
    assert process.returncode == 2 and "choose one source: --demo or --irsdk-file" in err


def test_port_and_origins_come_from_config_environment_and_flags(tmp_path: Path):
    config = tmp_path / "config.toml"
    config.write_text('port = 6000\ncors_origins = ["http://localhost:3000/", "null"]\n', encoding="utf-8")
    assert load_settings(config, environ={}).port == 6000
    assert load_settings(config, environ={}).cors_origins == ("http://localhost:3000", "null")
    from_env = load_settings(config, environ={"WOTS_PORT": "6100", "WOTS_CORS_ORIGINS": "http://a.test, http://b.test"})
    assert (from_env.port, from_env.cors_origins) == (6100, ("http://a.test", "http://b.test"))
    assert load_settings(config, environ={"WOTS_PORT": "6100"}, port=6200).port == 6200
    assert load_settings(tmp_path / "none.toml", environ={}).port == 5820


@pytest.mark.parametrize(
    ("environ", "says"),
    [
        ({"WOTS_PORT": "http"}, "WOTS_PORT must be a whole number between 1 and 65535 (0 picks a free one), not 'http'"),
        ({"WOTS_PORT": "70000"}, "WOTS_PORT must be a whole number between 1 and 65535 (0 picks a free one), not 70000"),
        ({"WOTS_PORT": "-1"}, "WOTS_PORT must be a whole number between 1 and 65535 (0 picks a free one), not '-1'"),
    ],
)
def test_a_bad_port_is_one_line(tmp_path: Path, environ: dict[str, str], says: str):
    with pytest.raises(ConfigError, match=re.escape(says)):
        load_settings(tmp_path / "none.toml", environ=environ)


def test_origins_that_are_not_a_list_of_text_are_refused(tmp_path: Path):
    config = tmp_path / "config.toml"
    config.write_text("cors_origins = [1, 2]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="cors_origins must be a list of text"):
        load_settings(config, environ={})
