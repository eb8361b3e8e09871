"""A picker for a long list (the series raced): typing narrows it, Enter picks the highlighted choice, Esc
closes and changes nothing. pickers.py's Picker is for short lists picked with one key each."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar, Generic, TypeVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from wots_tui.domain.notebook import fold
from wots_tui.ui.screens.pickers import Choice

T = TypeVar("T")


class FindPicker(ModalScreen[Choice[T] | None], Generic[T]):
    """Dismissed with the choice picked, or None when closed without one. The keys stay in the box: up and
    down move the highlight while the racer types."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close without change"),
        Binding("down", "move('cursor_down')", "Next choice", show=False),
        Binding("up", "move('cursor_up')", "Previous choice", show=False),
        Binding("pagedown", "move('page_down')", "Page down", show=False),
        Binding("pageup", "move('page_up')", "Page up", show=False),
    ]

    def __init__(self, title: str, choices: Sequence[Choice[T]], current: T,
                 found_by: Callable[[Choice[T]], str] = lambda choice: choice.label.plain) -> None:
        """`found_by`: the words of a choice that typing matches (its label, unless its counts should not)."""
        super().__init__()
        self.title_text = title
        self.choices = tuple(choices)
        self._words = [fold(found_by(c)) for c in self.choices]
        self.shown: tuple[Choice[T], ...] = self.choices
        self._current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog find-picker-box"):
            yield Label(self.title_text, classes="dialog-title")
            yield Input(placeholder="type to find", id="find-picker-text")
            yield OptionList(*(Option(c.label) for c in self.choices), id="find-picker-options")
            yield Label("type to find · ↑↓ choose · enter picks · esc closes", classes="dialog-keys")

    def on_mount(self) -> None:
        self.query_one(OptionList).highlighted = next(
            (i for i, c in enumerate(self.choices) if c.value == self._current), 0)
        self.query_one(Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        """Only the choices whose label holds what is typed (case and accents folded), best first as given."""
        wanted = fold(event.value.strip())
        self.shown = tuple(c for c, words in zip(self.choices, self._words) if wanted in words)
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options([Option(c.label) for c in self.shown])
        options.highlighted = 0 if self.shown else None

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        index = self.query_one(OptionList).highlighted
        if index is not None and self.shown:
            self.dismiss(self.shown[index])

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.shown[event.option_index])

    async def action_move(self, action: str) -> None:
        await self.query_one(OptionList).run_action(action)

    def action_close(self) -> None:
        self.dismiss(None)
