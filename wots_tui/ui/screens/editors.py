"""The modal dialogs that edit or ask: a note, one line of text, a yes/no question.

Every editor saves with the same key, Ctrl+S (and Enter in a one-line field), and Escape never throws
away typing without asking first. The footer shows both.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, TextArea

from wots_tui.ui.widgets.footer import FittingFooter

T = TypeVar("T")

SAVE_IN_LINE = Binding("ctrl+s", "save", "Save", key_display="enter/^s", tooltip="Save (Enter in a one-line field)")
SAVE = Binding("ctrl+s", "save", "Save", key_display="^s", tooltip="Save")
CANCEL = Binding("escape", "cancel", "Cancel", key_display="esc", tooltip="Close, asking first if something was typed")


class Editor(ModalScreen[T | None], Generic[T]):
    """A dialog that edits something: `edited()` is what Save returns, `changed()` whether it differs from
    what the dialog opened with (then Escape asks before it discards)."""

    BINDINGS = [SAVE_IN_LINE, CANCEL]

    def compose_body(self) -> ComposeResult:
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        yield from self.compose_body()
        yield FittingFooter()

    def edited(self) -> T | None:
        raise NotImplementedError

    def changed(self) -> bool:
        raise NotImplementedError

    def action_save(self) -> None:
        self.dismiss(self.edited())

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def action_cancel(self) -> None:
        if not self.changed():
            self.dismiss(None)
            return

        def answer(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(Confirm("Discard what you typed?", yes="Discard", no="Keep editing"), answer)


class NoteEditor(Editor[str]):
    """Edit the note on a driver (Enter is a new line; Ctrl+S saves)."""

    BINDINGS = [SAVE, CANCEL]

    def __init__(self, driver_name: str, note: str) -> None:
        super().__init__()
        self.driver_name = driver_name
        self.note = note

    def compose_body(self) -> ComposeResult:
        with Vertical(id="note-box", classes="dialog"):
            yield Label(f"Note on [b]{escape(self.driver_name)}[/b]", classes="dialog-title")
            yield TextArea(self.note, id="note-text", soft_wrap=True, show_line_numbers=False)

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        area.focus()
        area.move_cursor(area.document.end)

    def edited(self) -> str:
        return self.query_one(TextArea).text.strip()

    def changed(self) -> bool:
        return self.edited() != self.note.strip()


class TextPrompt(Editor[str]):
    """Ask for one line of text (a nickname); empty clears it."""

    def __init__(self, title: str, value: str = "", placeholder: str = "", max_length: int = 40) -> None:
        super().__init__()
        self.title_text = title
        self.value = value
        self.placeholder = placeholder
        self.max_length = max_length

    def compose_body(self) -> ComposeResult:
        with Vertical(id="prompt-box", classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            yield Input(self.value, placeholder=self.placeholder, max_length=self.max_length, select_on_focus=False,
                        id="prompt-input")
            yield Label("empty clears it", classes="dialog-keys")

    def edited(self) -> str:
        return self.query_one(Input).value.strip()

    def changed(self) -> bool:
        return self.edited() != self.value.strip()


class Confirm(ModalScreen[bool]):
    """A yes/no question; y confirms, n or escape declines."""

    BINDINGS = [Binding("y", "answer(True)", "Yes"), Binding("n,escape", "answer(False)", "No", key_display="n/esc")]

    def __init__(self, question: str, yes: str = "yes", no: str = "no") -> None:
        super().__init__()
        self.question = question
        self.words = (yes, no)

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box", classes="dialog"):
            yield Label(self.question, classes="dialog-title")
            yield Label(f"y {self.words[0].lower()} · n {self.words[1].lower()}", classes="dialog-keys")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class QuitConfirm(Confirm):
    """Quit while a session is live? `q` again (or y) quits."""

    BINDINGS = [Binding("y,q", "answer(True)", "Quit"), Binding("n,escape", "answer(False)", "Stay", key_display="n/esc")]

    def __init__(self) -> None:
        super().__init__("Quit wots-tui? The session is live.", yes="quit (or q again)", no="stay")
