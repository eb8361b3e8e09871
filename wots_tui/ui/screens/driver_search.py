"""Find a driver in the racing history by name or iRacing id, for the head-to-head with them.

Everyone in the imported results is found, not only the notebook's drivers. The results follow the typing
(a search waits for a pause in it, and a newer one cancels it); Enter opens the head-to-head with the
driver under the cursor. The racer is found too, and told they are not their own rival.
"""

from __future__ import annotations

import asyncio
from typing import ClassVar

from rich.markup import escape
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Input, Static

from wots_tui.domain.races import KnownDriver
from wots_tui.ui.screens.race_result import DIM, HISTORY_KEYS, NO_HISTORY, HistoryScreen, day
from wots_tui.ui.widgets.footer import FittingFooter
from wots_tui.ui.widgets.row_table import Cell, Column, RowTable

TYPING_PAUSE = 0.1  # seconds a search waits for the next keystroke before it asks the store
TITLE = "[b]Head-to-head[/b] with a driver you raced: type a name or an iRacing id · ↑ ↓ choose · Enter opens"
ASK = "Type a name (or part of one) or an iRacing id: everyone in your imported results is found."


def found_columns(racer_id: int | None) -> tuple[Column[KnownDriver], ...]:
    def name(driver: KnownDriver) -> Cell:
        return (f"{driver.name} (you)", DIM) if driver.cust_id == racer_id else (driver.name, None)

    return (
        Column("Driver", 0, name),
        Column("iRacing id", 10, lambda d: (str(d.cust_id), DIM), right=True),
        Column("Races", 5, lambda d: (f"{d.races:,}", None), right=True),
        Column("Last race", 10, lambda d: (day(d.last_race_at), None)),
    )


class DriverSearchScreen(HistoryScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter", "open_rival", "Head-to-head", tooltip="head-to-head with the driver under the cursor"
        ),
        Binding("down", "move(1)", "Next", show=False, tooltip="the next driver found"),
        Binding("up", "move(-1)", "Previous", show=False, tooltip="the driver before"),
        *HISTORY_KEYS,
    ]
    FOOTER_RANK = ("help", "app.quit", "app.back", "open_rival")

    def __init__(self) -> None:
        super().__init__()
        self.searches_shown = 0  # answers shown (tests wait on it)

    def compose(self) -> ComposeResult:
        yield Static(TITLE, classes="history-title")
        yield Input(placeholder="a name or an iRacing id", id="search-text")
        racer = self.engine.history.racer
        yield RowTable(
            found_columns(racer.cust_id if racer else None), key=lambda d: d.cust_id, id="search-found"
        )
        yield Static(classes="history-hint")
        yield FittingFooter(self.FOOTER_RANK)

    def on_mount(self) -> None:
        self.show_hint(ASK if self.engine.history.racer is not None else NO_HISTORY)
        self.query_one(Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        self._find(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_open_rival()

    @work(exclusive=True, group="history-search", exit_on_error=False)
    async def _find(self, text: str) -> None:
        """The drivers `text` finds, once the typing pauses (a newer search cancels this one as it waits)."""
        await asyncio.sleep(TYPING_PAUSE)
        found = await self.engine.history.find_drivers(text)
        self.query_one(RowTable).show(found, cursor=0)
        if self.engine.history.racer is None:
            self.show_hint(NO_HISTORY)
        elif not text.strip():
            self.show_hint(ASK)
        else:
            self.show_hint(
                None if found else f"Nobody in your racing history matches “{escape(text.strip())}”."
            )
        self.searches_shown += 1

    def action_move(self, step: int) -> None:
        self.query_one(RowTable).action_cursor(step)

    def action_open_rival(self) -> None:
        driver = self.query_one(RowTable).cursor_row
        if driver is not None:
            self.open_rivalry(driver.cust_id)
