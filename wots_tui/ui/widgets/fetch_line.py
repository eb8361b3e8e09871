"""One line on the stats screen for `wots-tui fetch` run from the app: its progress, then what it brought.

`start()` runs the fetch into the app's own notebook in a worker on the app's loop (the store writes on its
own thread), so the screen stays usable. The line shows the stage, how far it got and any wait (the rate
limit, a retry); then the summary, or the failure in the command's own words. When no saved login will do
and credentials are missing, the login dialog asks for them first. The Data API's client, OAuth and the
fetch load only when a fetch starts: the app does not pay for them at start-up.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from textual.content import Content
from textual.message import Message
from textual.widgets import Static
from textual.worker import Worker

from wots_tui.config import ConfigError, Settings, load_settings
from wots_tui.logs import log_file
from wots_tui.ui.screens.login import Answers, LoginScreen

if TYPE_CHECKING:
    from wots_tui.webapi.fetch import FetchSummary

log = logging.getLogger(__name__)

NOT_LOGGED_IN = "stopped: not logged in"
RUNNING, DONE, FAILED = STATES = ("-running", "-done", "-failed")  # the line's classes (styles/fetch.tcss)
ALREADY_RUNNING = "Your racing history is being fetched already: its line shows how far it got."


class FetchLine(Static):
    """The fetch of the racer's history, and its one line. Posts `Finished` when a fetch ends, after the
    history was read anew (`engine.history.reload()`)."""

    class Finished(Message):
        """A fetch ended: its summary, or None when it failed or the login was cancelled."""

        def __init__(self, summary: FetchSummary | None) -> None:
            super().__init__()
            self.summary = summary

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self._worker: Worker[None] | None = None
        self._stage = ""
        self._done = 0
        self._total: int | None = None
        self._waiting = ""
        self.line = ""  # what it shows

    @property
    def running(self) -> bool:
        return self._worker is not None and not self._worker.is_finished

    def start(self) -> None:
        """Fetch the racer's history; while one fetch runs, a second only says so."""
        if self.running:
            self.notify(ALREADY_RUNNING, title="Fetch")
            return
        self._worker = self.run_worker(self._fetch(), name="fetch", group="fetch", exclusive=True)

    async def _fetch(self) -> None:
        from wots_tui.webapi.fetch_run import login_questions  # the Data API's client and OAuth load here

        summary = None
        ran = False  # a fetch that failed may have stored races before it stopped: the history is read anew
        try:
            settings = load_settings()  # as the command reads them: config.toml, then WOTS_* variables
            questions = login_questions(settings)
            typed = await self.app.push_screen_wait(LoginScreen(questions)) if questions else {}
            if typed is None:
                self._show(NOT_LOGGED_IN, FAILED)
            else:
                ran = True
                summary = await self._fetched(settings, typed)
        except Exception as error:  # noqa: BLE001  # said in one line; a fault of ours logged with its traceback
            self._failed(error)
        if ran:
            try:
                await self.app.engine.history.reload()  # type: ignore[attr-defined]
            except Exception as error:  # noqa: BLE001
                self._failed(error)
        self.post_message(self.Finished(summary))

    async def _fetched(self, settings: Settings, typed: Answers) -> FetchSummary:
        """The fetch into the app's notebook, logging in with what the login dialog was told if it must."""
        from wots_tui.webapi.fetch import FetchOptions
        from wots_tui.webapi.fetch_run import credential_source, fetch_history

        self.stage("Logging in to iRacing")  # the first call logs in, unless a saved token will do
        credentials = credential_source(settings, lambda question, _: typed.get(question, ""))
        database = self.app.engine.database  # type: ignore[attr-defined]
        summary = await fetch_history(settings, database, FetchOptions(), self, credentials)
        self._show(" · ".join(summary.lines()), DONE)
        return summary

    def _failed(self, error: Exception) -> None:
        from wots_tui.webapi.fetch_run import one_line

        line = str(error) if isinstance(error, ConfigError) else one_line(error, log_file())
        self._show(line, FAILED)
        log.info("the fetch from the app stopped: %s", line)

    # -- the fetch's progress (webapi/fetch_run.py::FetchProgress) --------------------------------------

    def stage(self, name: str, total: int | None = None) -> None:
        self._stage, self._done, self._total, self._waiting = name, 0, total, ""
        self._show_progress()

    def advance(self, done: int = 1) -> None:
        self._done += done
        self._waiting = ""
        self._show_progress()

    def say(self, line: str) -> None:
        """A line of the fetch's (a wait for another wots-tui's login): on the stage's line until it moves."""
        self.wait(line)

    def wait(self, why: str) -> None:
        self._waiting = why
        self._show_progress()

    # -- drawing ------------------------------------------------------------------------------------------

    def _show_progress(self) -> None:
        count = f" {self._done:,}/{self._total:,}" if self._total is not None else ""
        waiting = f" · {self._waiting}" if self._waiting else ""
        self._show(f"{self._stage}{count}…{waiting}", RUNNING)

    def _show(self, line: str, state: str) -> None:
        self.line = line
        self.remove_class(*STATES).add_class(state)
        self.update(Content(line))
        self.tooltip = line  # the whole line, where the terminal is too narrow for it
