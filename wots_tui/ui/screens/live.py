"""The live drivers screen: everyone in the session, one row each, with one-key actions."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Static

from wots_tui.domain.board import Board, SortOrder, filter_rows, sort_rows, waiting_board
from wots_tui.domain.models import CarClass, LinkState
from wots_tui.domain.notebook import Key
from wots_tui.ui.screens.base import SCREEN_KEYS
from wots_tui.ui.screens.driver_actions import DRIVER_KEYS, DriverActions
from wots_tui.ui.widgets.driver_board import DriverBoard
from wots_tui.ui.widgets.session_header import SessionHeader, Statuses

WAITING_HINT = (
    "Start iRacing and join a session: this screen fills in by itself.\n"
    "No sim at hand? Run `wots-tui demo`, or `wots-tui --irsdk-file DUMP` to read a captured session."
)


class LiveScreen(DriverActions):
    BINDINGS = [
        *DRIVER_KEYS,
        Binding("f", "cycle_filter", "Class"),
        Binding("s", "cycle_sort", "Sort"),
        *SCREEN_KEYS,
        Binding("question_mark", "app.push_screen('help')", "Help", key_display="?"),
        Binding("q", "app.quit", "Quit"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.board: Board = waiting_board(0, "starting")
        self.class_filter: CarClass | None = None
        self.sort = SortOrder.POSITION
        self.statuses: Statuses = ()  # how the services beside the engine are, for the header

    def compose(self) -> ComposeResult:
        yield SessionHeader(id="session-header")
        yield Static(WAITING_HINT, id="waiting")
        yield DriverBoard(id="drivers")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DriverBoard).focus()
        self._render_board()

    def on_screen_resume(self) -> None:
        self._render_board()  # what came while another screen was on top

    def show_board(self, board: Board) -> None:
        """Keep the newest Board; draw it only while this screen is the one on top."""
        self.board = board
        if self.class_filter is not None and self.class_filter not in board.classes:
            self.class_filter = None
        if self.is_current:
            self._render_board()

    def show_statuses(self, statuses: Statuses) -> None:
        self.statuses = statuses
        if self.is_mounted:
            self._render_board()

    def selected(self, quiet: bool = False) -> tuple[Key, str] | None:
        row = self.query_one(DriverBoard).cursor_row
        if row is None:
            return None
        if row.is_player:
            if not quiet:
                self.notify("That is you: the notebook is about the others", severity="warning", timeout=2)
            return None
        return row.key, row.name

    def action_cycle_filter(self) -> None:
        choices: list[CarClass | None] = [None, *self.board.classes]
        self.class_filter = choices[(choices.index(self.class_filter) + 1) % len(choices)]
        self._render_board()

    def action_cycle_sort(self) -> None:
        self.sort = self.sort.next()
        self._render_board()

    def _render_board(self) -> None:
        waiting = self.board.link is LinkState.WAITING
        rows = sort_rows(filter_rows(self.board.rows, self.class_filter), self.sort)
        self.query_one("#waiting").display = waiting
        drivers = self.query_one(DriverBoard)
        drivers.display = not waiting
        self.query_one(SessionHeader).show(self.board, self.class_filter, self.sort, len(rows), self.statuses)
        drivers.show(rows)
