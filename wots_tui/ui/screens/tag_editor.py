"""Add or change one of the racer's own tags: name, icon, category, colour."""

from __future__ import annotations

import re
from dataclasses import replace

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.validation import Regex
from textual.widgets import Input, Label, Select

from wots_tui.domain.notebook import CATEGORIES, Tag

OWN_CATEGORY = "mine"
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


class TagEditor(ModalScreen[Tag | None]):
    """ctrl+s (or enter in a field) saves; escape cancels. The tag keeps its id, so notes keep it."""

    BINDINGS = [Binding("ctrl+s", "save", "Save"), Binding("escape", "cancel", "Cancel")]

    def __init__(self, tag: Tag, is_new: bool) -> None:
        super().__init__()
        self.tag = tag
        self.is_new = is_new

    def compose(self) -> ComposeResult:
        tag = self.tag
        with Vertical(id="tag-box", classes="dialog"):
            yield Label("New tag" if self.is_new else f"Tag {tag.icon} {tag.name}", classes="dialog-title")
            yield Label("Name", classes="card-label")
            yield Input(tag.name, max_length=24, id="tag-name")
            yield Label("Icon (one emoji or character)", classes="card-label")
            yield Input(tag.icon, max_length=2, id="tag-icon")
            yield Label("Category", classes="card-label")
            yield Select([(c, c) for c in (*CATEGORIES, OWN_CATEGORY)], value=tag.category if tag.category in (*CATEGORIES, OWN_CATEGORY) else OWN_CATEGORY, allow_blank=False, id="tag-category")
            yield Label("Colour (#rrggbb)", classes="card-label")
            yield Input(tag.colour, max_length=7, validators=[Regex(_COLOUR.pattern)], id="tag-colour")
            yield Label("", id="tag-problem")
            yield Label("ctrl+s save · esc cancel", classes="dialog-keys")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def action_save(self) -> None:
        name = self.query_one("#tag-name", Input).value.strip()
        icon = self.query_one("#tag-icon", Input).value.strip()
        colour = self.query_one("#tag-colour", Input).value.strip()
        problem = "a tag needs a name" if not name else "a tag needs an icon" if not icon else "" if _COLOUR.match(colour) else "the colour must look like #4ade80"
        if problem:
            self.query_one("#tag-problem", Label).update(f"[b #f87171]{problem}[/]")
            return
        category = str(self.query_one("#tag-category", Select).value)
        self.dismiss(replace(self.tag, name=name, icon=icon, category=category, colour=colour.lower()))

    def action_cancel(self) -> None:
        self.dismiss(None)
