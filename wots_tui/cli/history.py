"""`wots-tui fetch`, `login` and `logout`: the racer's iRacing history, and the login that reaches it.

Progress goes to stderr (rich, which Textual already brings) and the summary to stdout, so a fetch can be
piped. Every failure is one line and exit code 1; an interrupted fetch keeps every race it stored.
"""

from __future__ import annotations

import asyncio
import sys
import webbrowser
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Self

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from wots_tui.cli.options import DB, open_database, settings_from
from wots_tui.config import Settings, token_file
from wots_tui.domain.history_windows import WindowError, parse_day, parse_quarters
from wots_tui.logs import log_file, setup_logging
from wots_tui.store import Database, StoreError
from wots_tui.store.database import schema_of
from wots_tui.store.migrations import LATEST
from wots_tui.webapi.auth import login_in_browser
from wots_tui.webapi.client import DataApi
from wots_tui.webapi.credentials import CredentialSource, Prompt
from wots_tui.webapi.fetch import FetchOptions, FetchSummary
from wots_tui.webapi.fetch_run import ask_first, credential_source, fetch_history, oauth_session, one_line
from wots_tui.webapi.tokens import TokenFile


def _prompt(question: str, secret: bool) -> str:
    return click.prompt(question, hide_input=secret, err=True)


class StageProgress:
    """A command's stages as rich progress bars on stderr, one bar per stage; lines said above them, and a
    wait (the rate limit, a retry) shown on the stage's own line until it moves on."""

    def __init__(self, console: Console) -> None:
        self._bars = Progress(
            TextColumn("{task.description:<28}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[waiting]}", style="yellow"),
            console=console,
            disable=not console.is_terminal,  # piped or logged: the summary says it all
        )
        self._task: TaskID | None = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self._bars.stop()

    def stage(self, name: str, total: int | None = None) -> None:
        self._bars.start()  # at the first stage: the login's questions come before any bar
        self._task = self._bars.add_task(name, total=total if total is not None else 1, waiting="")

    def ask(self, question: str, secret: bool) -> str:
        """A question for the racer (a login in the middle of a fetch), the bars out of the way meanwhile."""
        self._bars.stop()
        try:
            return click.prompt(question, hide_input=secret, err=True)
        finally:
            if self._task is not None:
                self._bars.start()

    def advance(self, done: int = 1) -> None:
        if self._task is not None:
            self._bars.update(self._task, advance=done, waiting="")

    def say(self, line: str) -> None:
        self._bars.console.print(line, markup=False, highlight=False)

    def wait(self, why: str) -> None:
        """A wait, on the stage's line while the bars show (said as a line when they do not)."""
        if self._bars.disable or self._task is None:
            self.say(why)
        else:
            self._bars.update(self._task, waiting=why)


def _credentials(settings: Settings, ask: Prompt = _prompt) -> CredentialSource:
    """Credentials from where the app looks for them (`credential_source`), asked for at a terminal."""
    return credential_source(settings, ask if sys.stdin.isatty() else None)


def _asked_first(settings: Settings, ask: Prompt = _prompt) -> CredentialSource:
    """The credentials, with whatever the coming login needs asked now: a question asked once the fetch runs
    (inside its event loop) would not stop at Ctrl-C."""
    credentials = _credentials(settings, ask)
    ask_first(credentials)
    return credentials


def _options(seasons: str | None, since: str | None, cust_id: int | None, hosted: bool, dry_run: bool) -> FetchOptions:
    if seasons and since:
        raise click.UsageError("choose one: --seasons or --since")
    try:
        quarters = tuple(parse_quarters(seasons)) if seasons else ()
        since_day = parse_day(since) if since else None
    except WindowError as error:
        raise click.UsageError(str(error)) from None
    return FetchOptions(quarters, since_day, cust_id, hosted, dry_run)


@click.command()
@click.option("--seasons", metavar="RANGE", help="Only these quarters: 2025Q1..2026Q4, or one, 2022Q2.")
@click.option("--since", metavar="DAY", help="Only races that finished on or after this day (2025-03-01).")
@click.option("--cust-id", type=click.IntRange(min=1), metavar="N", help="Another driver's races, with your login.")
@click.option("--hosted", is_flag=True, help="Hosted and league races too.")
@click.option("--dry-run", is_flag=True, help="Log in and search, say what would be downloaded, write nothing.")
@DB
@click.pass_context
def fetch(
    ctx: click.Context,
    seasons: str | None,
    since: str | None,
    cust_id: int | None,
    hosted: bool,
    dry_run: bool,
    db: Path | None,
) -> None:
    """Download your iRacing race history into the notebook file: every race once, then only what is new.

    Logs in with the iRacing OAuth client (IRACING_USERNAME, IRACING_PASSWORD, IRACING_CLIENT_ID,
    IRACING_CLIENT_SECRET, a .env file here, [iracing] in config.toml, or asked), or with the tokens of
    `wots-tui login --browser`.
    """
    options = _options(seasons, since, cust_id, hosted, dry_run)
    settings = settings_from(ctx, db=str(db) if db else None)
    setup_logging(settings.log_level)
    database = None if dry_run and not _current_notebook(settings) else open_database(settings, create=True)
    progress = StageProgress(Console(stderr=True))
    try:
        with _said_in_one_line(FETCH_STOPPED):
            credentials = _asked_first(settings, progress.ask)
            summary = asyncio.run(_fetch(settings, database, options, progress, credentials))
    finally:
        if database is not None:
            database.close()
    for line in summary.lines():
        click.echo(line)


def _current_notebook(settings: Settings) -> bool:
    """Whether the notebook exists at this wots-tui's schema: a dry run neither makes nor upgrades one (its
    races then count as not stored: an older file holds none)."""
    try:
        return schema_of(settings.database_path()) == LATEST
    except StoreError as error:
        raise click.ClickException(str(error)) from None


async def _fetch(
    settings: Settings,
    database: Database | None,
    options: FetchOptions,
    progress: StageProgress,
    credentials: CredentialSource,
) -> FetchSummary:
    with progress:
        return await fetch_history(settings, database, options, progress, credentials)


FETCH_STOPPED = "stopped: every race downloaded so far is kept; run the same command again to go on"


@contextmanager
def _said_in_one_line(stopped: str) -> Iterator[None]:
    """Each failure of what runs inside as one line (the traceback of a fault of ours goes to the log);
    Ctrl-C says `stopped` and exits 130."""
    try:
        yield
    except (click.ClickException, click.exceptions.Exit, click.Abort):
        raise
    except Exception as error:  # noqa: BLE001  # one_line logs its traceback
        raise click.ClickException(one_line(error, log_file())) from None
    except KeyboardInterrupt:
        click.echo(stopped, err=True)
        sys.exit(130)


@click.command()
@click.option("--browser", is_flag=True, help="Log in on iRacing's own page in your browser (PKCE), for clients registered that way.")
@click.option("--port", type=click.IntRange(0, 65535), default=0, help="The loopback port the browser comes back to (0: any free one).")
@click.pass_context
def login(ctx: click.Context, browser: bool, port: int) -> None:
    """Log in to the iRacing Data API once and keep the tokens (in the data folder, readable only by you)."""
    settings = settings_from(ctx)
    setup_logging(settings.log_level)
    with _said_in_one_line("stopped: not logged in"):
        credentials = _credentials(settings) if browser else _asked_first(settings)
        member = asyncio.run(_login(settings, credentials, browser, port))
    click.echo(f"logged in to iRacing as {member['display_name']} ({member['cust_id']}); tokens kept in {token_file()}")


async def _login(settings: Settings, credentials: CredentialSource, browser: bool, port: int) -> dict[str, Any]:
    if browser:
        client_id, client_secret = credentials.client(need_secret=False)
        await login_in_browser(
            oauth_url=settings.oauth_url,
            client_id=client_id,
            client_secret=client_secret,
            token_file=TokenFile(token_file()),
            open_url=_open_in_browser,
            port=port,
        )
    async with oauth_session(settings, credentials) as session, DataApi(settings.data_api_url, session) as api:
        return await api.get("member/info")


def _open_in_browser(url: str) -> None:
    click.echo(f"opening iRacing's login page in your browser; if it does not open, visit:\n{url}", err=True)
    webbrowser.open(url)


@click.command()
def logout() -> None:
    """Forget the iRacing tokens (the next fetch logs in again)."""
    path = token_file()
    if TokenFile(path).remove():
        click.echo(f"logged out: removed {path}")
    else:
        click.echo(f"not logged in (no {path})")
