"""The confirmations of a server's admin actions (AMS2): a chat message, a kick. Each says exactly what it
will send before anything is sent; Escape sends nothing.

They only ask: the live screen sends what they return, through the engine.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from wots_tui.domain.admin import BANS, MAX_CHAT, Ban, chat_request, kick_request

NOTHING_SENT = Binding("escape", "cancel", "Cancel", key_display="esc", tooltip="close it: nothing is sent")
Answer = TypeVar("Answer")


class Confirmation(ModalScreen[Answer], Generic[Answer]):
    """What both confirmations share: Esc sends nothing, and an answer is given once (a second Enter that
    arrives while the first closes the dialog must not close the screen under it)."""

    def answer(self, value: Answer | None) -> None:
        if self.is_current:
            self.dismiss(value)

    def action_cancel(self) -> None:
        self.answer(None)


def _request_line(request: str) -> Text:
    return Text.assemble(("sends  ", "dim"), (request, "bold"))


class MessageModal(Confirmation[str | None]):
    """One chat line to a driver (`ref_id`) or to everyone on the server (None); Enter sends, Esc cancels.
    Returns the message, stripped, or None."""

    BINDINGS = [NOTHING_SENT]

    def __init__(self, to: str | None, ref_id: int | None) -> None:
        super().__init__()
        self.to = to
        self.ref_id = ref_id

    def compose(self) -> ComposeResult:
        with Vertical(id="admin-box", classes="dialog"):
            title = Text.assemble("Message to ", (self.to, "bold") if self.to else ("all drivers", "bold"))
            yield Label(title, classes="dialog-title")
            yield Input(max_length=MAX_CHAT, placeholder="what to say in the server's chat", id="admin-message")
            yield Static(_request_line(self._request()), id="admin-request")
            yield Label(self._keys(), id="admin-keys", classes="dialog-keys")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @property
    def message(self) -> str:
        return self.query_one(Input).value.strip()

    def _request(self) -> str:
        return chat_request(self.message if self.is_mounted else "", self.ref_id)

    def _keys(self) -> str:
        typed = len(self.query_one(Input).value) if self.is_mounted else 0
        return f"Enter send · Esc cancel · {typed}/{MAX_CHAT} characters"

    def on_input_changed(self, event: Input.Changed) -> None:
        self.query_one("#admin-request", Static).update(_request_line(self._request()))
        self.query_one("#admin-keys", Label).update(self._keys())

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if not self.message:
            self.notify("Type the message first: an empty line is not sent", severity="warning", timeout=3)
            return
        self.answer(self.message)


class KickModal(Confirmation[Ban | None]):
    """Kick one driver, with a temporary ban chosen with ← → (none by default); y or Enter kicks, Esc cancels.
    There is no text field, so `y` always confirms. Returns the ban chosen, or None."""

    BINDINGS = [
        Binding("y,enter", "confirm", "Kick", key_display="y", tooltip="kick them, with the ban chosen"),
        Binding("left", "ban(-1)", "Shorter ban", key_display="←", tooltip="a shorter ban"),
        Binding("right", "ban(1)", "Longer ban", key_display="→", tooltip="a longer ban"),
        NOTHING_SENT,
    ]

    def __init__(self, name: str, ref_id: int) -> None:
        super().__init__()
        self.driver_name = name
        self.ref_id = ref_id
        self.ban = BANS[0]

    def compose(self) -> ComposeResult:
        with Vertical(id="admin-box", classes="dialog"):
            yield Label(Text.assemble("Kick ", (self.driver_name, "bold"), " from the server?"), classes="dialog-title")
            yield Static(self._choices(), id="admin-bans")
            yield Static(_request_line(kick_request(self.ref_id, self.ban)), id="admin-request")
            yield Label("y or Enter kick · ← → ban · Esc cancel", classes="dialog-keys")

    def _choices(self) -> Text:
        """Each ban, the chosen one marked ● (not by colour alone)."""
        text = Text("ban  ", style="dim")
        for ban in BANS:
            chosen = ban == self.ban
            text.append(f"{'●' if chosen else '○'} {ban.words}", style="bold" if chosen else "")
            text.append("   ")
        text.rstrip()
        return text

    def action_ban(self, step: int) -> None:
        self.ban = BANS[max(0, min(len(BANS) - 1, BANS.index(self.ban) + step))]
        self.query_one("#admin-bans", Static).update(self._choices())
        self.query_one("#admin-request", Static).update(_request_line(kick_request(self.ref_id, self.ban)))

    def action_confirm(self) -> None:
        self.answer(self.ban)
