"""Pickers: a small modal list of choices. Enter picks the highlighted one, a choice's own key picks it at
once (`r` then `+`: rated up), Esc closes and changes nothing.

The notebook's filters are two of them: by rating, and by tag (with how many entries carry each).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar, Generic, TypeVar

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from wots_tui.domain.notebook import Catalogue, RatingFilter

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Choice(Generic[T]):
    value: T
    label: Text
    key: str = ""  # the key that picks it at once, shown before the label


class Picker(ModalScreen[Choice[T] | None]):
    """Dismissed with the choice picked, or None when closed without one."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "close", "Close without change")]

    def __init__(self, title: str, choices: Sequence[Choice[T]], current: T) -> None:
        super().__init__()
        self.title_text = title
        self.choices = tuple(choices)
        self._current = next((i for i, c in enumerate(self.choices) if c.value == current), 0)
        self._by_key = {c.key: c for c in self.choices if c.key}

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog picker-box"):
            yield Label(self.title_text, classes="dialog-title")
            yield OptionList(*(Option(_prompt(c)) for c in self.choices), id="picker-options")
            yield Label("enter or its key picks · esc closes", classes="dialog-keys")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = self._current
        options.focus()

    def show_choices(self, choices: Sequence[Choice[T]]) -> None:
        """The same choices, labelled anew (counts that arrived after the picker opened)."""
        options = self.query_one(OptionList)
        for index, choice in enumerate(choices):
            options.replace_option_prompt_at_index(index, _prompt(choice))
        self.choices = tuple(choices)
        self._by_key = {c.key: c for c in self.choices if c.key}

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.choices[event.option_index])

    def on_key(self, event: events.Key) -> None:
        choice = self._by_key.get(event.character or "")
        if choice is not None:
            event.stop()
            self.dismiss(choice)

    def action_close(self) -> None:
        self.dismiss(None)


def _prompt(choice: Choice) -> Text:
    return Text.assemble((f"{choice.key:>2}", "bold"), "  ", choice.label)


RATING_CHOICES: tuple[Choice[RatingFilter], ...] = (
    Choice(RatingFilter.ANY, Text("any rating"), "a"),
    Choice(RatingFilter.UP, Text.assemble(("▲", "bold #4ade80"), " rated up"), "+"),
    Choice(RatingFilter.NEUTRAL, Text.assemble(("●", "#a1a1aa"), " rated neutral"), "0"),
    Choice(RatingFilter.DOWN, Text.assemble(("▼", "bold #f87171"), " rated down"), "-"),
    Choice(RatingFilter.UNRATED, Text("  not rated"), "n"),
)


def rating_picker(current: RatingFilter) -> Picker[RatingFilter]:
    return Picker("Show entries", RATING_CHOICES, current)


def tag_choices(catalogue: Catalogue, uses: Mapping[str, int] | None) -> list[Choice[str | None]]:
    """Any tag, then every tag in the racer's order: its key, icon, name and how many entries carry it
    (left blank until `uses` is known)."""
    width = max((cell_len(t.name) for t in catalogue), default=0)
    choices: list[Choice[str | None]] = [Choice(None, Text("any tag"), "a")]
    for tag in catalogue:
        count = "" if uses is None else entries(uses.get(tag.id, 0))
        name = (tag.name.ljust(width), f"bold {tag.colour}")
        label = Text.assemble(tag.icon, " ", name, "  ", (count, "dim"))
        choices.append(Choice(tag.id, label, str(tag.hotkey) if tag.hotkey else ""))
    return choices


def tag_picker(catalogue: Catalogue, current: str | None) -> Picker[str | None]:
    return Picker("Show entries tagged", tag_choices(catalogue, None), current)


def entries(count: int) -> str:
    """`1 entry`, `2 entries`, `12,345 entries`."""
    return "1 entry" if count == 1 else f"{count:,} entries"
