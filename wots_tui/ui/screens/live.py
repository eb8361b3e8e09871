"""The live drivers screen: everyone in the session, one row each, with one-key actions."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from wots_tui.domain.board import Board, SortOrder, filter_rows, sort_rows, waiting_board
from wots_tui.domain.models import CarClass, LinkState
from wots_tui.domain.notebook import Key
from wots_tui.ui.screens.base import SCREEN_KEYS
from wots_tui.ui.screens.driver_actions import DRIVER_KEYS, DriverActions
from wots_tui.ui.widgets.driver_board import DriverBoard
from wots_tui.ui.widgets.footer import FittingFooter
from wots_tui.ui.widgets.session_header import SessionHeader, Statuses


def waiting_text(message: str, hint: str) -> str:
    """What the waiting screen says: why there is nothing to show (a file that is not a memory map, say), then
    what the racer can do (the source's hint)."""
    return f"{message[:1].upper()}{message[1:]}\n\n{hint}" if message else hint


class LiveScreen(DriverActions):
    BINDINGS = [
        *DRIVER_KEYS,
        Binding("f", "cycle_filter", "Class",
                tooltip="show one class, yours first, then all again"),
        Binding("s", "cycle_sort", "Sort", tooltip="sort by position, by class, by iRating"),
        *SCREEN_KEYS,
        Binding("question_mark", "app.push_screen('help')", "Help", key_display="?",
                tooltip="help: every key of this screen"),
        Binding("q", "app.quit", "Quit", tooltip="quit wots-tui (asks while a session is live)"),
    ]
    FOOTER_RANK = ("app.push_screen('help')", "app.quit", "rate(1)", "rate(-1)", "rate(0)", "card", "note",
                   "app.show('notebook')", "cycle_filter", "app.show('tags')", "nickname", "cycle_sort")

    def __init__(self) -> None:
        super().__init__()
        self.board: Board = waiting_board(0, "starting")
        self.class_filter: CarClass | None = None
        self.sort = SortOrder.POSITION
        self.statuses: Statuses = ()  # how the services beside the engine are, for the header
        self._anchor: Key | None = None  # the driver the cursor was on when a class filter came on

    def compose(self) -> ComposeResult:
        yield SessionHeader(id="session-header")
        yield Static(id="waiting")
        yield DriverBoard(id="drivers")
        yield FittingFooter(self.FOOTER_RANK)

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

    def selected_tags(self) -> frozenset[str]:
        row = self.query_one(DriverBoard).cursor_row
        return frozenset(tag.id for tag in row.notebook.tags) if row is not None and row.notebook else frozenset()

    def action_cycle_filter(self) -> None:
        """All classes, then the racer's own class, then the others; the cursor comes back to its driver."""
        drivers = self.query_one(DriverBoard)
        if self.class_filter is None and drivers.cursor_row is not None:
            self._anchor = drivers.cursor_row.key
        own = next((row.car_class for row in self.board.rows if row.is_player), None)
        choices: list[CarClass | None] = [None, *sorted(self.board.classes, key=lambda c: c != own)]
        self.class_filter = choices[(choices.index(self.class_filter) + 1) % len(choices)]
        self._render_board(cursor_on=self._anchor)

    def action_cycle_sort(self) -> None:
        self.sort = self.sort.next()
        self._render_board()

    def _render_board(self, cursor_on: Key | None = None) -> None:
        """Draw the Board as filtered and sorted; `cursor_on`: put the cursor on that driver (else the racer,
        else the top) rather than keep it where it is."""
        board = self.board
        waiting = board.link is LinkState.WAITING
        rows = sort_rows(filter_rows(board.rows, self.class_filter), self.sort)
        hint = self.query_one("#waiting", Static)
        hint.display = waiting
        if waiting:
            hint.update(waiting_text(board.link_message, self.engine.hint))
        drivers = self.query_one(DriverBoard)
        drivers.display = not waiting
        player_shown = any(row.is_player for row in rows)
        header = self.query_one(SessionHeader)
        header.show(board, self.class_filter, self.sort, len(rows), self.statuses, player_shown)
        cursor = None
        if cursor_on is not None:
            keys = [row.key for row in rows]
            player = next((row.key for row in rows if row.is_player), None)
            cursor = next((keys.index(k) for k in (cursor_on, player) if k in keys), 0)
        drivers.show_board(rows, len(board.classes), cursor)
