"""The live drivers screen: everyone in the session, one row each, with one-key actions; the contact prompt;
a server's admin actions (message, kick) behind their confirmations."""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from dataclasses import replace

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from wots_tui.domain.admin import AdminError, Ban
from wots_tui.domain.board import Board, SortOrder, filter_rows, sort_rows, waiting_board
from wots_tui.domain.models import CarClass, LinkState
from wots_tui.domain.notebook import Key
from wots_tui.domain.wording import sentence
from wots_tui.ui.screens.admin import KickModal, MessageModal
from wots_tui.ui.screens.base import SCREEN_KEYS
from wots_tui.ui.screens.driver_actions import DRIVER_KEYS, DriverActions
from wots_tui.ui.widgets.contact_prompt import ContactPrompt, NewContacts
from wots_tui.ui.widgets.driver_board import DriverBoard
from wots_tui.ui.widgets.footer import FittingFooter
from wots_tui.ui.widgets.session_header import SessionHeader, on_server

log = logging.getLogger(__name__)

ANSWER_KEYS = (  # before the driver keys: while the prompt shows, + and - answer it (check_action), else they rate
    Binding("plus,equals_sign", "answer_prompt(1)", "▲", key_display="+", show=False,
            tooltip="rate the driver you touched up ▲"),
    Binding("minus", "answer_prompt(-1)", "▼", show=False, tooltip="rate the driver you touched down ▼"),
)
ADMIN_KEYS = (
    Binding("M", "message", "Message", key_display="M", tooltip="message the driver (server admins)"),
    Binding("K", "kick", "Kick", key_display="K", tooltip="kick the driver (server admins)"),
)


def waiting_text(message: str, hint: str) -> str:
    """What the waiting screen says: why there is nothing to show (a file that is not a memory map, say), then
    what the racer can do (the source's hint)."""
    return f"{sentence(message)}\n\n{hint}" if message else hint


class LiveScreen(DriverActions):
    BINDINGS = [
        *ANSWER_KEYS,
        *DRIVER_KEYS,
        *ADMIN_KEYS,
        Binding("escape", "dismiss_prompt", "Dismiss", show=False, tooltip="dismiss the contact prompt"),
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
    # (M and K, an admin's on a server, are not ranked: the footer shows them after these, where they fit)

    def __init__(self) -> None:
        super().__init__()
        self.board: Board = waiting_board(0, "starting")
        self.class_filter: CarClass | None = None
        self.sort = SortOrder.POSITION
        self._anchor: Key | None = None  # the driver the cursor was on when a class filter came on
        self._contacts = NewContacts()
        self._admin_shown: bool | None = None  # whether M and K are in the footer now

    def compose(self) -> ComposeResult:
        yield SessionHeader(id="session-header")
        yield Static(id="waiting")
        yield DriverBoard(id="drivers")
        yield ContactPrompt(id="contact-prompt")
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
        offer = self._contacts.offer(board)
        if self.is_mounted and (offer is not None or self._contacts.new_session):
            prompt = self.query_one(ContactPrompt)
            if offer is not None:
                prompt.show_offer(offer)
            else:
                prompt.withdraw()  # a driver of the session before is not the one to rate now
        if self.is_current:
            self._render_board()

    def services_started(self) -> None:
        """The services beside the engine started (or could not): the header says how they are."""
        if self.is_mounted:
            self._render_board()

    def selected(self, quiet: bool = False) -> tuple[Key, str] | None:
        row = self.query_one(DriverBoard).cursor_row
        if row is None:
            return None
        refusal = ("That is you: the notebook is about the others" if row.is_player
                   else f"{row.name} is an AI car: the notebook is for people" if row.is_ai else None)
        if refusal is not None:
            if not quiet:
                self.notify(refusal, severity="warning", timeout=2)
            return None
        return row.key, row.name

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """+ and - answer the contact prompt only while it shows; Esc dismisses it only then (else Esc is free)."""
        if action in ("answer_prompt", "dismiss_prompt"):
            return self.is_mounted and self.query_one(ContactPrompt).offered is not None
        return True

    def palette_hides(self) -> frozenset[str]:
        """M and K are left out of the palette while admin actions cannot be done."""
        return frozenset({"message", "kick"}) if self.engine.admin_refusal is not None else frozenset()

    async def action_answer_prompt(self, rating: int) -> None:
        """Rate the driver the contact prompt names (not the cursor's), and close it."""
        prompt = self.query_one(ContactPrompt)
        offered = prompt.offered
        if offered is None:
            return
        prompt.withdraw()
        await self.rate(offered.key, offered.name, rating)

    def action_dismiss_prompt(self) -> None:
        self.query_one(ContactPrompt).withdraw()

    # a server's admin actions: refused in one line before any confirmation opens; sent in a worker

    def action_message(self) -> None:
        if (target := self._admin_target("messaged")) is None:
            return
        (key, name), ref_id = target

        def send(message: str | None) -> None:
            if message is not None:
                self._run_admin(self.engine.send_chat(message, key, ref_id), name)

        self.app.push_screen(MessageModal(name, ref_id), send)

    def action_message_all(self) -> None:
        """A chat line to everyone on the server (the palette's "Message all drivers")."""
        if (refusal := self.engine.admin_refusal) is not None:
            self.notify(refusal, severity="warning", timeout=4)
            return

        def send(message: str | None) -> None:
            if message is not None:
                self._run_admin(self.engine.send_chat(message, None), "All drivers")

        self.app.push_screen(MessageModal(None, None), send)

    def action_kick(self) -> None:
        if (target := self._admin_target("kicked")) is None:
            return
        (key, name), ref_id = target

        def kick(ban: Ban | None) -> None:
            if ban is not None:
                self._run_admin(self.engine.kick(key, ban, ref_id), name)

        self.app.push_screen(KickModal(name, ref_id), kick)

    def _admin_target(self, done: str) -> tuple[tuple[Key, str], int] | None:
        """The key and name of the driver under the cursor and their server id (the confirmation shows the exact
        request, and the engine sends to that id or refuses), when an admin action may be `done` to them
        (kicked, messaged). Else None, said in one line: the login has no admin access, the racer's own row,
        an AI car, a driver who left."""
        if (refusal := self.engine.admin_refusal) is not None:
            self.notify(refusal, severity="warning", timeout=4)
            return None
        row = self.query_one(DriverBoard).cursor_row
        if row is None:
            self.notify("No driver under the cursor", severity="warning", timeout=3)
            return None
        if row.is_player:
            self.notify("That is you: pick another driver's row", severity="warning", timeout=3)
            return None
        try:  # the engine's own refusals: an AI car, a driver no longer in the session
            ref_id = self.engine.admin_target(row.key, done)
        except AdminError as error:
            self.notify(str(error), severity="warning", timeout=4)
            return None
        return (row.key, row.name), ref_id

    def _run_admin(self, action: Awaitable[str], who: str) -> None:
        """Send it in a worker (the UI never waits on the server); the server's answer, or why not, in one line
        that names `who` it was for."""

        async def run() -> None:
            try:
                answer = await action
            except AdminError as error:
                self.notify(f"{who}: {error}", severity="error", timeout=6)
            except Exception:  # any other fault is one line here and its details in the log
                log.exception("an admin action for %s failed", who)
                self.notify(f"{who}: the server's answer could not be read; the log says why", severity="error",
                            timeout=6)
            else:
                self.notify(f"{who}: {answer}", timeout=4)

        self.run_worker(run(), group="admin", exit_on_error=False)

    def _show_admin_keys(self) -> None:
        """M and K in the footer only while admin actions can be done (the refusal can change: a login)."""
        shown = self.engine.admin_refusal is None
        if shown == self._admin_shown:
            return
        self._admin_shown = shown
        for binding in ADMIN_KEYS:
            self._bindings.key_to_bindings[binding.key] = [replace(binding, show=shown)]
        self.refresh_bindings()

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
        """The next sort; by iRating only where someone has one (an AMS2 server has none)."""
        self.sort = self.sort.next()
        if self.sort is SortOrder.IRATING and not any(row.irating for row in self.board.rows):
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
        header.show(board, self.class_filter, self.sort, len(rows), self.engine.statuses, player_shown, self._admin_note(),
                    sum(row.is_ai for row in rows))
        self._show_admin_keys()
        cursor = None
        if cursor_on is not None:
            keys = [row.key for row in rows]
            player = next((row.key for row in rows if row.is_player), None)
            cursor = next((keys.index(k) for k in (cursor_on, player) if k in keys), 0)
        drivers.show_board(rows, len(board.classes), cursor)

    def _admin_note(self) -> str:
        """Why a server's admin actions are off, for the header: only on a server (an AMS2 session), where
        the racer may expect them; elsewhere there are none to miss."""
        return (self.engine.admin_refusal or "") if on_server(self.board) else ""
