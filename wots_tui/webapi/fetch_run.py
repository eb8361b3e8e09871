"""One fetch of the racer's history, as `wots-tui fetch` and the app's stats screen both run it.

The credentials, the login and the Data API client are built from Settings the same way for both; what the
coming login needs is asked before the fetch starts (the command at its prompt, the app in its login dialog);
and each failure is the same one line in the terminal and on the screen.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from wots_tui.config import Settings, config_dir, token_file
from wots_tui.store import Database
from wots_tui.webapi.auth import OAuthSession
from wots_tui.webapi.client import DataApi
from wots_tui.webapi.credentials import CredentialSource, Prompt
from wots_tui.webapi.errors import WebApiError
from wots_tui.webapi.fetch import FetchOptions, FetchSummary, HistoryFetch, Progress
from wots_tui.webapi.tokens import TokenFile

log = logging.getLogger(__name__)

LOGIN_AHEAD = 120.0  # seconds: a token expiring sooner than this is as good as expired for the coming run


class FetchProgress(Progress, Protocol):
    """The fetch's progress, and the waits of its client (the rate limit, a retry) as they happen."""

    def wait(self, why: str) -> None: ...


@dataclass(frozen=True, slots=True)
class Question:
    """What the login must ask the racer ("iRacing password"), and whether the answer is a secret."""

    text: str
    secret: bool


def credential_source(settings: Settings, ask: Prompt | None) -> CredentialSource:
    """Credentials from IRACING_* variables, a .env in the working folder, config.toml's [iracing], else
    `ask` (None: no one can answer, and a missing value is one line naming what to set)."""
    return CredentialSource(
        environ=os.environ,
        dotenv=Path.cwd() / ".env",
        login=settings.iracing,
        prompt=ask,
        config_file=config_dir() / "config.toml",
    )


def oauth_session(
    settings: Settings, credentials: CredentialSource, on_wait: Callable[[str], None] | None = None
) -> OAuthSession:
    return OAuthSession(
        oauth_url=settings.oauth_url, token_file=TokenFile(token_file()), credentials=credentials, on_wait=on_wait
    )


def ask_first(credentials: CredentialSource) -> None:
    """Whatever the coming login needs of `credentials`, asked now: nothing while the token file holds a
    valid token (or a browser login's, whose refresh needs no secret), the client for a refresh, the account
    too for a full login. A question asked once the fetch runs would come in the middle of its progress."""
    tokens, now = TokenFile(token_file()).load(), time.time()
    if tokens is not None and (tokens.access_usable(now, LOGIN_AHEAD) or not tokens.confidential):
        return
    credentials.client()
    if tokens is None or not tokens.refresh_usable(now, LOGIN_AHEAD):
        credentials.account()


def login_questions(settings: Settings) -> list[Question]:
    """The questions the coming login would ask, in order: none when the token file will do, or when every
    value it needs is configured. Nothing is asked: each question is only noted."""
    noted: list[Question] = []

    def note(text: str, secret: bool) -> str:
        noted.append(Question(text, secret))
        return "noted"  # an answer, so the next value is looked for too

    ask_first(credential_source(settings, note))
    return noted


async def fetch_history(
    settings: Settings,
    database: Database | None,
    options: FetchOptions,
    progress: FetchProgress,
    credentials: CredentialSource,
) -> FetchSummary:
    """One fetch into `database` (None: a dry run before any notebook exists), logging in as it must."""
    async with (
        oauth_session(settings, credentials, progress.say) as session,
        DataApi(settings.data_api_url, session, on_wait=progress.wait) as api,
    ):
        summary = await HistoryFetch(api, database, options, progress).run()
    log.info("fetch done: %s; %d logins, %d refreshes", summary, session.logins, session.refreshes)
    return summary


def one_line(error: Exception, log_path: Path) -> str:
    """A failure as the racer reads it: the Data API's and the login's own line, else (a fault of ours) a
    line pointing at the log, where its traceback goes."""
    if isinstance(error, WebApiError):
        return str(error)
    log.error("failed unexpectedly", exc_info=error)
    return f"it failed unexpectedly ({type(error).__name__}); the log says why: {log_path}"
