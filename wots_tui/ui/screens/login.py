"""The iRacing login a fetch from the app needs, asked in a dialog: what the command would ask at its prompt.

Only the values not configured anywhere are asked (the username and password; the OAuth client's id and
secret too when none is set). The secrets are masked as they are typed. The answers go to the login alone,
in memory: what is kept on disk is the token file the login saves.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from wots_tui.ui.widgets.footer import FittingFooter

if TYPE_CHECKING:
    from wots_tui.webapi.fetch_run import Question

Answers = dict[str, str]  # question -> what the racer typed

WHY = (
    "No saved login to fetch your races with. The password is sent to iRacing masked, and only the tokens "
    "iRacing gives back are kept."
)


class LoginScreen(ModalScreen[Answers | None]):
    """Asks `questions`; returns each question's answer (every field filled), or None on Escape."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "log_in", "Log in", key_display="enter/^s", tooltip="Log in and fetch (Enter in the last field)"),
        Binding("escape", "cancel", "Cancel", key_display="esc", tooltip="Close without logging in: nothing is fetched"),
    ]

    def __init__(self, questions: Sequence[Question]) -> None:
        super().__init__()
        self.questions = tuple(questions)

    def compose(self) -> ComposeResult:
        with Vertical(id="login-box", classes="dialog"):
            yield Label("Log in to iRacing", classes="dialog-title")
            yield Label(WHY, id="login-why")
            for index, question in enumerate(self.questions):
                with Horizontal(classes="login-field"):
                    yield Label(question.text, classes="login-label")
                    yield Input(password=question.secret, compact=True, id=f"login-{index}")
            yield Label("", id="login-missing")
        yield FittingFooter()

    def on_mount(self) -> None:
        self._inputs()[0].focus()

    def _inputs(self) -> list[Input]:
        return list(self.query(Input))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter: the next empty field, or the login once every field is filled."""
        event.stop()
        inputs = self._inputs()
        start = inputs.index(event.input)
        empty = [field for field in inputs[start:] + inputs[:start] if not field.value.strip()]
        if empty:
            empty[0].focus()
        else:
            self.action_log_in()

    def action_log_in(self) -> None:
        inputs = self._inputs()
        empty = [index for index, field in enumerate(inputs) if not field.value.strip()]
        if empty:
            missing = self.query_one("#login-missing", Label)
            missing.update(f"{self.questions[empty[0]].text}: needed to log in")
            missing.display = True
            inputs[empty[0]].focus()
            return
        self.dismiss({question.text: field.value for question, field in zip(self.questions, inputs)})

    def action_cancel(self) -> None:
        self.dismiss(None)
