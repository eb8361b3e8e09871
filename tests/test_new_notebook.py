"""A --db that does not exist: the app, `serve` and `notebook import` make it and say so; `notebook export`
and `import --dry-run` refuse in one line and make nothing. The default notebook is made silently (and logged).
Notices told before the app listens wait for it."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from helpers import make_app, make_engine, wait_for, write_race_moment

from wots_tui.cli import app_engine, main
from wots_tui.config import data_dir, load_settings, log_dir
from wots_tui.engine import Notice
from wots_tui.sources.factory import SourceSpec
from wots_tui.ui.app import WotsApp

ENTRY = {"entries": {"7": {"custId": 7, "name": "Moved Along", "userRep": 1, "updatedAt": "2026-11-20T19:30:00Z"}}}


def run(*args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args), env=env)


def logged() -> str:
    path = log_dir() / "wots-tui.log"
    return path.read_text(encoding="utf-8") if path.exists() else ""


def test_export_of_a_notebook_that_is_not_there_refuses_and_makes_nothing(tmp_path: Path):
    typo = tmp_path / "Racing" / "notebok.duckdb"
    for args, env in ((["notebook", "export", "--db", str(typo)], None),
                      (["--db", str(typo), "notebook", "export", "--format", "csv"], None),
                      (["notebook", "export"], {"WOTS_DB": str(typo)})):
        result = run(*args, env=env)
        assert result.exit_code == 1
        assert result.output == f"Error: {typo}: no notebook there (check --db or WOTS_DB); nothing was created\n"
    assert not typo.parent.exists()


def test_a_dry_run_into_a_notebook_that_is_not_there_refuses_and_makes_nothing(tmp_path: Path):
    file = tmp_path / "theirs.json"
    file.write_text(json.dumps(ENTRY), encoding="utf-8")
    typo = tmp_path / "Racing" / "notebok.duckdb"
    result = run("notebook", "import", str(file), "--dry-run", "--db", str(typo))
    assert (result.exit_code, result.output) == (1, f"Error: {typo}: no notebook there (check --db or WOTS_DB); nothing was created\n")
    assert not typo.parent.exists()


def test_importing_into_a_new_machine_makes_the_notebook_and_says_so(tmp_path: Path):
    file = tmp_path / "theirs.json"
    file.write_text(json.dumps(ENTRY), encoding="utf-8")
    target = tmp_path / "new machine" / "notebook.duckdb"
    result = run("notebook", "import", str(file), "--db", str(target))
    assert result.exit_code == 0
    assert result.output == (f"theirs.json: 1 entry: added 1, updated 0, kept 0 (ours as new or newer); 0 new tags; "
                             f"a new notebook at {target}\n")
    assert target.exists() and f"created a new notebook at {target}" in logged()
    again = run("notebook", "import", str(file), "--db", str(target))
    assert "new notebook" not in again.output
    assert json.loads(run("notebook", "export", "--db", str(target)).output)["count"] == 1


def test_the_default_notebook_is_made_silently_on_first_use_and_logged():
    default = data_dir() / "notebook.duckdb"
    assert not default.exists()
    result = run("notebook", "export")
    assert result.exit_code == 0 and json.loads(result.output) == {"count": 0, "entries": {}}
    assert default.exists() and f"created a new notebook at {default}" in logged()


def test_serve_on_a_new_notebook_says_so_on_its_line(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("WOTS_")}
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        env[name] = str(tmp_path / name.lower())
    target = tmp_path / "streaming pc" / "notebook.duckdb"
    lines = []
    for _ in range(2):  # made the first time, opened the second
        process = subprocess.Popen(
            [sys.executable, "-m", "wots_tui", "serve", "--demo", "--port", "0", "--db", str(target)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, encoding="utf-8",
        )
        try:
            lines.append(process.stdout.readline())
            process.send_signal(signal.SIGINT)
            process.communicate(timeout=15)
        finally:
            process.kill()
    served = r"Serving the local API on http://localhost:\d+ for demo; Ctrl-C to stop"
    assert re.fullmatch(served + re.escape(f" (a new notebook at {target})") + "\n", lines[0]), lines[0]
    assert re.fullmatch(served + "\n", lines[1]), lines[1]
    log = (tmp_path / "xdg_state_home" / "wots-tui" / "log" / "wots-tui.log").read_text(encoding="utf-8")
    assert log.count(f"created a new notebook at {target}") == 1


async def test_the_app_on_a_new_notebook_tells_the_racer_on_screen(tmp_path: Path):
    target = tmp_path / "new machine" / "notebook.duckdb"
    spec = SourceSpec.of("file", path=write_race_moment(tmp_path))
    app = WotsApp(app_engine(spec, load_settings(db=str(target), port="0")))
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: any("new, empty notebook" in n.message for n in app._notifications))
        (notice,) = [n for n in app._notifications if "new, empty notebook" in n.message]
        assert (notice.title, notice.message) == ("New notebook", f"{target} did not exist: this is a new, empty notebook")
    assert f"created a new notebook at {target}" in logged()


async def test_the_app_on_a_notebook_that_is_there_says_nothing_of_it(tmp_path: Path):
    target = tmp_path / "notebook.duckdb"
    spec = SourceSpec.of("file", path=write_race_moment(tmp_path))
    app_engine(spec, load_settings(db=str(target), port="0")).database.close()  # made once
    app = WotsApp(app_engine(spec, load_settings(db=str(target), port="0")))
    async with app.run_test() as pilot:
        await pilot.pause()
        assert not [n for n in app._notifications if "notebook" in n.message]


def test_notices_told_before_anyone_listens_go_to_the_first_listener_only(tmp_path: Path):
    engine = make_engine(SourceSpec.of("demo"), tmp_path)
    early = Notice("told early", "Early", "information")
    engine.tell(early)
    first: list[Notice] = []
    second: list[Notice] = []
    engine.subscribe(lambda board: None)  # a listener of Boards alone hears no notices
    engine.subscribe(lambda board: None, first.append)
    engine.subscribe(lambda board: None, second.append)
    later = Notice("told later")
    engine.tell(later)
    assert (first, second) == ([early, later], [later])
    engine.database.close()


async def test_a_notice_told_before_the_app_is_up_shows_on_screen(tmp_path: Path):
    app = make_app(SourceSpec.of("file", path=write_race_moment(tmp_path)), tmp_path)
    app.engine.tell(Notice("Told before the app was up", "Early", "information"))
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: any(n.message == "Told before the app was up" for n in app._notifications))
