"""Fetching the racing history from inside the app: the real app, the real fetch, the fake iRacing over real
HTTP (tests/fakes/iracing_server.py) on the test's own loop.

The fetch line sits on a small screen of its own over the real app (`r` fetches, `x` proves the screen still
answers keys); the app's notebook file is read back through its own store. The command's wording of each
failure is checked against the real command's (a subprocess, as tests/test_history_fetch.py runs it).
"""

from __future__ import annotations

import html
import logging
import os
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import ClassVar

import pytest
from fakes import iracing_data as data
from fakes.iracing_server import CLIENT_ID, CLIENT_SECRET, MAINTENANCE, PASSWORD, USERNAME, FakeIRacing
from helpers import make_app, make_engine, wait_for, write_race_moment
from test_history_fetch import Racer
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input, Label, Static

from wots_tui.config import token_file
from wots_tui.sources.factory import SourceSpec
from wots_tui.ui.app import WotsApp
from wots_tui.ui.screens.help import HelpScreen
from wots_tui.ui.screens.login import LoginScreen
from wots_tui.ui.widgets.fetch_line import ALREADY_RUNNING, NOT_LOGGED_IN, FetchLine
from wots_tui.ui.widgets.footer import FittingFooter
from wots_tui.webapi.auth import mask
from wots_tui.webapi.fetch import FetchSummary

SNAPSHOTS = Path(__file__).resolve().parent.parent / "snapshots" / Path(__file__).stem
by_size = pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=lambda s: f"{s[0]}x{s[1]}")
SECRETS = {PASSWORD, CLIENT_SECRET, mask(PASSWORD, USERNAME), mask(CLIENT_SECRET, CLIENT_ID)}


class FetchScreen(Screen):
    """A stand-in for the stats screen, so these tests and snapshots follow the fetch line alone: the line,
    `r` to fetch, and `x`, a key that only counts."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("r", "fetch", "Fetch"), Binding("x", "poke", "Poke")]

    def __init__(self) -> None:
        super().__init__()
        self.finished: list[FetchSummary | None] = []
        self.pokes = 0

    def compose(self) -> ComposeResult:
        yield Static("Season stats", id="stand-in")
        yield FetchLine(id="fetch-line")
        yield FittingFooter()

    @property
    def line(self) -> FetchLine:
        return self.query_one(FetchLine)

    def action_fetch(self) -> None:
        self.line.start()

    def action_poke(self) -> None:
        self.pokes += 1

    def on_fetch_line_finished(self, message: FetchLine.Finished) -> None:
        self.finished.append(message.summary)


@pytest.fixture
def machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The racer's machine as the app sees it: no IRACING_* or WOTS_* variables, no .env in the working folder
    (the data and config folders are the test run's own: conftest.py)."""
    for name in [n for n in os.environ if n.startswith(("IRACING_", "WOTS_"))]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def configure(monkeypatch: pytest.MonkeyPatch, racer: Racer, *without: str) -> None:
    """The app's environment as the command's: the fake's addresses and the credentials, less `without`."""
    for name, value in racer.env.items():
        if name.startswith(("IRACING_", "WOTS_")) and name not in without:
            monkeypatch.setenv(name, value)


def fetch_app(folder: Path) -> WotsApp:
    return make_app(SourceSpec.of("file", path=write_race_moment(folder)), folder)


@asynccontextmanager
async def on_fetch_screen(folder: Path) -> AsyncIterator[tuple[Pilot, FetchScreen]]:
    app = fetch_app(folder)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = FetchScreen()
        await app.push_screen(screen)
        await pilot.pause()
        yield pilot, screen


async def fetched(pilot: Pilot, screen: FetchScreen) -> FetchSummary | None:
    await wait_for(pilot, lambda: screen.finished, tries=1500)
    (summary,) = screen.finished
    return summary


def stored_races(app: WotsApp) -> set[int]:
    rows = app.engine.database.run(lambda cursor: cursor.execute("SELECT subsession_id FROM races").fetchall())
    return {row[0] for row in rows}


def official_races(fake: FakeIRacing) -> set[int]:
    return {race.subsession_id for race in fake.races if race.source in data.OFFICIAL_RACES}


async def test_a_fetch_from_the_app_stores_the_races_and_reads_the_history_anew(machine: Path, monkeypatch) -> None:
    async with FakeIRacing() as fake:
        configure(monkeypatch, Racer(machine, fake))
        async with on_fetch_screen(machine) as (pilot, screen):
            assert pilot.app.engine.history.racer is None
            await pilot.press("r")
            summary = await fetched(pilot, screen)
            assert not isinstance(pilot.app.screen, LoginScreen)  # every credential was in the environment
            racer = pilot.app.engine.history.racer
            stored = stored_races(pilot.app)
            line = screen.line
    assert summary is not None and summary.races_new == 3
    assert stored == official_races(fake)
    assert racer is not None and racer.cust_id == data.MEMBER_ID  # the history was read again: the stats follow
    assert line.line.startswith(f"{data.MEMBER_NAME} ({data.MEMBER_ID}): 3 races found, 3 new")
    assert line.has_class("-done")
    assert fake.oauth.logins == 1


async def test_a_second_fetch_logs_in_with_the_saved_token_and_asks_nothing(machine: Path, monkeypatch) -> None:
    async with FakeIRacing() as fake:
        racer = Racer(machine, fake)
        configure(monkeypatch, racer)
        async with on_fetch_screen(machine) as (pilot, screen):
            await pilot.press("r")
            await fetched(pilot, screen)
            for name in ("IRACING_USERNAME", "IRACING_PASSWORD", "IRACING_CLIENT_ID", "IRACING_CLIENT_SECRET"):
                monkeypatch.delenv(name)  # gone from the environment: the token file is enough
            screen.finished.clear()
            await pilot.press("r")
            summary = await fetched(pilot, screen)
            line = screen.line
    assert summary is not None and summary.races_new == 0
    assert " 0 new " in line.line
    assert (fake.oauth.logins, fake.oauth.refreshes) == (1, 0)


async def test_without_credentials_the_login_dialog_asks_and_the_fetch_logs_in_with_what_was_typed(
    machine: Path, monkeypatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with FakeIRacing() as fake:
        racer = Racer(machine, fake)
        configure(monkeypatch, racer, "IRACING_USERNAME", "IRACING_PASSWORD", "IRACING_CLIENT_ID", "IRACING_CLIENT_SECRET")
        async with on_fetch_screen(machine) as (pilot, screen):
            await pilot.press("r")
            await wait_for(pilot, lambda: isinstance(pilot.app.screen, LoginScreen))
            dialog = pilot.app.screen
            asked = [(question.text, question.secret) for question in dialog.questions]
            masked = [field.password for field in dialog.query(Input)]
            for answer in (CLIENT_ID, CLIENT_SECRET, USERNAME, PASSWORD):
                await pilot.press(*answer, "enter")  # Enter goes on to the next field, and logs in at the last
            summary = await fetched(pilot, screen)
            stored = stored_races(pilot.app)
            told = [notification.message for notification in pilot.app._notifications]
            shown = screen.line.line
    assert asked == [
        ("iRacing OAuth client id", False),
        ("iRacing OAuth client secret", True),
        ("iRacing username (email)", False),
        ("iRacing password", True),
    ]
    assert masked == [False, True, False, True]
    assert summary is not None, shown
    assert stored == official_races(fake)
    assert fake.oauth.logins == 1
    assert token_file().exists()
    assert token_file().stat().st_mode & 0o777 == 0o600 or sys.platform == "win32"
    home = token_file().parent.parent  # the test run's platform folders (conftest.py)
    for path in [*machine.rglob("*"), *home.rglob("*")]:
        if path.is_file() and path != token_file():
            content = path.read_bytes()
            assert not [secret for secret in SECRETS if secret.encode() in content], f"a secret in {path}"
    for said in (caplog.text, *told, shown):
        assert not [secret for secret in SECRETS if secret in said]


async def test_the_dialog_asks_only_what_is_not_configured_and_escape_fetches_nothing(machine: Path, monkeypatch) -> None:
    async with FakeIRacing() as fake:
        configure(monkeypatch, Racer(machine, fake), "IRACING_USERNAME", "IRACING_PASSWORD")
        async with on_fetch_screen(machine) as (pilot, screen):
            await pilot.press("r")
            await wait_for(pilot, lambda: isinstance(pilot.app.screen, LoginScreen))
            asked = [question.text for question in pilot.app.screen.questions]
            await pilot.press(*USERNAME, "escape")
            summary = await fetched(pilot, screen)
            on_top, line = pilot.app.screen, screen.line
            stored = stored_races(pilot.app)
    assert asked == ["iRacing username (email)", "iRacing password"]  # the client is in the environment
    assert summary is None and on_top is screen
    assert line.line == NOT_LOGGED_IN and line.has_class("-failed")
    assert not fake.requests and not fake.oauth.bodies  # nothing was asked of iRacing
    assert stored == set() and not token_file().exists()


async def test_a_field_left_empty_is_where_enter_goes_and_what_ctrl_s_names(machine: Path, monkeypatch) -> None:
    async with FakeIRacing() as fake:
        configure(monkeypatch, Racer(machine, fake), "IRACING_USERNAME", "IRACING_PASSWORD")
        async with on_fetch_screen(machine) as (pilot, screen):
            await pilot.press("r")
            await wait_for(pilot, lambda: isinstance(pilot.app.screen, LoginScreen))
            dialog = pilot.app.screen
            await pilot.press("tab", *PASSWORD, "enter")  # the username left empty
            back_to_the_username = dialog.focused is dialog.query(Input).first()
            await pilot.press("ctrl+s")
            missing = dialog.query_one("#login-missing", Label)
            said = (str(missing.content), missing.display, pilot.app.screen is dialog)
            await pilot.press(*USERNAME, "enter")
            summary = await fetched(pilot, screen)
    assert back_to_the_username
    assert said == ("iRacing username (email): needed to log in", True, True)
    assert summary is not None and fake.oauth.logins == 1


async def test_while_a_fetch_runs_the_screen_answers_keys_and_a_second_r_says_it_is_running(
    machine: Path, monkeypatch
) -> None:
    async with FakeIRacing() as fake:
        configure(monkeypatch, Racer(machine, fake))
        fake.oauth.delay = 2.0  # the login's answer is slow: the fetch is surely running meanwhile
        async with on_fetch_screen(machine) as (pilot, screen):
            await pilot.press("r")
            await wait_for(pilot, lambda: fake.oauth.bodies)
            await pilot.press("x", "r")
            shown, pokes = screen.line.line, screen.pokes
            told = [notification.message for notification in pilot.app._notifications]
            summary = await fetched(pilot, screen)
    assert shown == "Logging in to iRacing…" and pokes == 1
    assert told.count(ALREADY_RUNNING) == 1
    assert summary is not None
    assert len(fake.oauth.bodies) == 1 and len(fake.asked("member/info")) == 1  # one fetch, not two


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


FAILURES = {
    "maintenance": lambda fake, racer: fake.inject("member/info", MAINTENANCE, times=2),
    "login rate limit": lambda fake, racer: fake.oauth.fail_next("rate_limited", "rate_limited"),
    "wrong password": lambda fake, racer: racer.env.update(IRACING_PASSWORD="not the password"),
    "no network": lambda fake, racer: racer.env.update(WOTS_OAUTH_URL=f"http://127.0.0.1:{closed_port()}/oauth2"),
}


@pytest.mark.parametrize("failure", FAILURES)
async def test_a_failure_is_the_commands_own_line_and_the_screen_stays_usable(
    machine: Path, monkeypatch, failure: str
) -> None:
    async with FakeIRacing() as fake:
        racer = Racer(machine / "command", fake)
        racer.home.mkdir()
        FAILURES[failure](fake, racer)
        configure(monkeypatch, racer)
        async with on_fetch_screen(machine) as (pilot, screen):
            await pilot.press("r")
            summary = await fetched(pilot, screen)
            await pilot.press("x")
            pokes, on_top, line = screen.pokes, pilot.app.screen, screen.line
        command = await racer.run("fetch")
    expected = {
        "maintenance": "iRacing says: The site is currently undergoing maintenance. Please try your request later.",
        "login rate limit": "iRacing refused the login: too many logins in the last hour",
        "wrong password": "iRacing refused the username or password",
        "no network": "cannot reach iRacing's login server",
    }[failure]
    assert summary is None and line.has_class("-failed")
    assert line.line.startswith(expected)
    assert command.code == 1 and command.err == f"Error: {line.line}\n"  # word for word
    assert pokes == 1 and on_top is screen


async def test_on_the_stats_screen_a_failure_is_its_line_and_the_keys_still_work(machine: Path, monkeypatch) -> None:
    async with FakeIRacing() as fake:
        configure(monkeypatch, Racer(machine, fake))
        fake.inject("member/info", MAINTENANCE)
        app = WotsApp(make_engine(SourceSpec.of("file", path=write_race_moment(machine)), machine), start="stats")
        async with app.run_test(size=(120, 30)) as pilot:
            stats = app.stats_screen
            await wait_for(pilot, lambda: app.screen is stats and stats.loads_shown)
            line = stats.query_one(FetchLine)
            await pilot.press("r")
            await wait_for(pilot, lambda: line.has_class("-failed"), tries=1500)
            await pilot.press("question_mark")
            helped = isinstance(app.screen, HelpScreen)
    assert line.line.startswith("iRacing says: The site is currently undergoing maintenance")
    assert helped  # the stats screen's own key, answered after the failure


def test_the_app_loads_no_data_api_client_until_a_fetch_starts() -> None:
    """The fetch line and the login dialog import the client, OAuth and the fetch only when a fetch starts."""
    from test_layers import loaded_by

    assert "httpx" not in loaded_by("wots_tui.ui.widgets.fetch_line")


# -- snapshots ------------------------------------------------------------------------------------------------


def svg_text(name: str) -> str:
    """A snapshot's SVG with its character references read (the spaces are &#160; in it)."""
    return html.unescape((SNAPSHOTS / f"{name}.svg").read_text(encoding="utf-8")).replace("\xa0", " ")


async def login_dialog_open(pilot: Pilot) -> FetchScreen:
    screen = FetchScreen()
    await pilot.app.push_screen(screen)
    await pilot.press("r")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, LoginScreen))
    await pilot.pause()
    return screen


@by_size
def test_login_dialog(snap_compare, machine: Path, size: tuple[int, int]) -> None:
    assert snap_compare(fetch_app(machine), terminal_size=size, run_before=login_dialog_open)


@by_size
def test_login_dialog_with_a_password_typed(snap_compare, machine: Path, size: tuple[int, int]) -> None:
    async def typed(pilot: Pilot) -> None:
        await login_dialog_open(pilot)
        await pilot.press(*CLIENT_ID, "enter", *CLIENT_SECRET, "enter", *USERNAME, "enter", *PASSWORD)
        await pilot.pause()

    assert snap_compare(fetch_app(machine), terminal_size=size, run_before=typed)
    shown = svg_text(f"test_login_dialog_with_a_password_typed[{size[0]}x{size[1]}]")
    assert "Log in to iRacing" in shown and USERNAME in shown  # the username shows; the secrets do not
    for secret in SECRETS | {"p@ss", "client/secret"}:
        assert secret not in shown


@by_size
def test_progress_line(snap_compare, machine: Path, size: tuple[int, int]) -> None:
    async def waiting(pilot: Pilot) -> None:
        screen = FetchScreen()
        await pilot.app.push_screen(screen)
        screen.line.stage("Downloading race results", 1200)
        screen.line.advance(340)
        screen.line.wait("rate limit: waiting 12 s")
        await pilot.pause()

    assert snap_compare(fetch_app(machine), terminal_size=size, run_before=waiting)


@by_size
def test_error_line(snap_compare, machine: Path, monkeypatch, size: tuple[int, int]) -> None:
    async def maintenance(pilot: Pilot) -> None:
        async with FakeIRacing() as fake:
            configure(monkeypatch, Racer(machine, fake))
            fake.inject("member/info", MAINTENANCE)
            screen = FetchScreen()
            await pilot.app.push_screen(screen)
            await pilot.press("r")
            await wait_for(pilot, lambda: screen.finished, tries=1500)
        await pilot.pause()

    assert snap_compare(fetch_app(machine), terminal_size=size, run_before=maintenance)
