"""Add or change one of the racer's own tags: name, icon, category, colour."""

from __future__ import annotations

import re
from dataclasses import replace

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.validation import Regex
from textual.widgets import Input, Label, Select

from wots_tui.domain.notebook import CATEGORIES, Tag
from wots_tui.ui.screens.editors import Editor

OWN_CATEGORY = "mine"
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


class TagEditor(Editor[Tag]):
    """Ctrl+S (or Enter in a field) saves; Escape asks before it discards. The tag keeps its id, so notes keep it."""

    def __init__(self, tag: Tag, is_new: bool) -> None:
        super().__init__()
        self.tag = tag
        self.is_new = is_new

    def compose_body(self) -> ComposeResult:
        tag = self.tag
        with Vertical(id="tag-box", classes="dialog"):
            yield Label("New tag" if self.is_new else f"Tag {tag.icon} {tag.name}", classes="dialog-title")
            yield Label("Name", classes="card-label")
            yield Input(tag.name, max_length=24, select_on_focus=False, id="tag-name")
            yield Label("Icon (one emoji or character)", classes="card-label")
            yield Input(tag.icon, max_length=2, select_on_focus=False, id="tag-icon")
            yield Label("Category", classes="card-label")
            yield Select([(c, c) for c in (*CATEGORIES, OWN_CATEGORY)], value=tag.category if tag.category in (*CATEGORIES, OWN_CATEGORY) else OWN_CATEGORY, allow_blank=False, id="tag-category")
            yield Label("Colour (#rrggbb)", classes="card-label")
            yield Input(tag.colour, max_length=7, validators=[Regex(_COLOUR.pattern)], select_on_focus=False,
                        id="tag-colour")
            yield Label("", id="tag-problem")

    def _typed(self, field: str) -> str:
        return self.query_one(f"#tag-{field}", Input).value.strip()

    def edited(self) -> Tag:
        category = str(self.query_one("#tag-category", Select).value)
        return replace(self.tag, name=self._typed("name"), icon=self._typed("icon"), category=category,
                       colour=self._typed("colour").lower())

    def changed(self) -> bool:
        return self.edited() != self.tag

    def action_save(self) -> None:
        tag = self.edited()
        problem = ("a tag needs a name" if not tag.name else "a tag needs an icon" if not tag.icon
                   else "" if _COLOUR.match(tag.colour) else "the colour must look like #4ade80")
        if problem:
            self.query_one("#tag-problem", Label).update(f"[b #f87171]{problem}[/]")
            return
        self.dismiss(tag)
