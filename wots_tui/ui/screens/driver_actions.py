"""The one-key notebook actions, the same on every screen that has a driver under the cursor."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from textual.binding import Binding
from textual.screen import Screen

from wots_tui.domain.board import BoardRow
from wots_tui.domain.notebook import Catalogue, Key, NoteRecord
from wots_tui.domain.sightings import AiCar
from wots_tui.ui.screens.base import EngineScreen
from wots_tui.ui.screens.driver_card import DriverCard, contact_lines
from wots_tui.ui.screens.editors import NoteEditor, TextPrompt

RATING_WORDS = {1: "▲ up", 0: "● neutral", -1: "▼ down"}

DRIVER_KEYS = [
    Binding("plus,equals_sign", "rate(1)", "▲", key_display="+", tooltip="rate the driver up ▲"),
    Binding("minus", "rate(-1)", "▼", key_display="-", tooltip="rate the driver down ▼"),
    Binding("0", "rate(0)", "●", key_display="0", tooltip="rate the driver neutral ●"),
    *(Binding(str(n), f"tag({n})", f"Tag {n}", show=False) for n in range(1, 10)),
    Binding("n", "note", "Note", tooltip="write a note on the driver"),
    Binding("c", "nickname", "Nick", tooltip="give the driver a nickname"),
    Binding("enter", "card", "Card", tooltip="the driver's card: everything known, editable"),
]
DRIVER_ACTIONS = frozenset(b.action for b in DRIVER_KEYS)  # the palette names these after the driver


class DriverActions(EngineScreen):
    """A screen whose cursor rests on a driver: rate, tag, note, nickname and card act on that driver."""

    def name_tag_keys(self, catalogue: Catalogue) -> None:
        """Name the keys 1-9 after the tags on them, for Textual's key panel and the palette.

        Bindings are declared once per class; the tags on the keys are the racer's, so their names are set
        on this screen's own map of bindings when the catalogue changes.
        """
        for n in range(1, 10):
            tag = catalogue.for_hotkey(n)
            name = f"{tag.icon} {tag.name}" if tag else f"Tag {n} (no tag on this key)"
            self._bindings.key_to_bindings[str(n)] = [Binding(str(n), f"tag({n})", name, show=False)]
        self.refresh_bindings()

    def selected(self, quiet: bool = False) -> tuple[Key, str] | None:
        """The key and name of the driver under the cursor, if any (`quiet`: do not tell the racer why not)."""
        raise NotImplementedError

    def selected_tags(self) -> frozenset[str]:
        """The ids of the tags the driver under the cursor carries (the palette says tag or untag)."""
        raise NotImplementedError

    async def _record(self, key: Key, name: str) -> NoteRecord:
        return await self.engine.record_or_blank(key, name)

    async def edit(self, key: Key, name: str, **changes: Any) -> NoteRecord | None:
        """One edit of a driver's entry (None when refused); the engine's refusal (an AI car has no entry) is
        one line, never a traceback."""
        try:
            return await self.engine.edit(key, **changes)
        except AiCar as refusal:
            self.notify(str(refusal), severity="warning", timeout=3)
            return None

    async def rate(self, key: Key, name: str, rating: int) -> None:
        if await self.edit(key, name, rating=rating) is not None:
            self.notify(f"{name}: rated {RATING_WORDS[rating]}", timeout=2)

    async def action_rate(self, rating: int) -> None:
        if (chosen := self.selected()) is not None:
            await self.rate(*chosen, rating)

    async def action_tag(self, hotkey: int) -> None:
        if self.selected() is None:
            return
        tag = self.engine.catalogue.for_hotkey(hotkey)
        if tag is None:
            self.notify(f"No tag on key {hotkey}: give it one on the tags screen (F3)", severity="warning", timeout=3)
            return
        await self.action_toggle_tag_id(tag.id)

    async def action_toggle_tag_id(self, tag_id: str) -> None:
        if (chosen := self.selected()) is None or (tag := self.engine.catalogue.get(tag_id)) is None:
            return
        key, name = chosen
        try:
            record = await self.engine.toggle_tag(key, tag.id)
        except AiCar as refusal:
            self.notify(str(refusal), severity="warning", timeout=3)
            return
        state = "tagged" if tag.id in record.tag_ids else "untagged"
        self.notify(f"{name}: {state} {tag.icon} {tag.name}", timeout=2)

    async def action_note(self) -> None:
        await self._edit_text("note", NoteEditor)

    async def action_nickname(self) -> None:
        await self._edit_text("nickname", lambda name, value: TextPrompt(f"Nickname for {name}", value, "what you call them", 24))

    async def _edit_text(self, field: str, dialog: Callable[[str, str], Screen[str | None]]) -> None:
        """Open `dialog(name, current text)` on one text field of the entry; save what it returns (None: cancelled)."""
        if (chosen := self.selected()) is None:
            return
        key, name = chosen

        async def save(text: str | None) -> None:
            if text is not None:
                await self.edit(key, name, **{field: text})

        self.app.push_screen(dialog(name, getattr(await self._record(key, name), field)), save)

    async def action_card(self) -> None:
        if (chosen := self.selected()) is None:
            return
        key, name = chosen
        record = await self._record(key, name)
        row = next((r for r in self.engine.board.rows if r.key == key), None)
        met = await self.engine.sightings_of(key)

        async def save(changes: dict[str, Any] | None) -> None:
            if changes and await self.edit(key, name, **changes) is not None:
                self.notify(f"{name}: saved", timeout=2)

        contacts = contact_lines(self.engine.board, row.car_idx) if row is not None else []
        self.app.push_screen(DriverCard(_with_live_name(record, row), row, self.engine.catalogue, met, contacts), save)


def _with_live_name(record: NoteRecord, row: BoardRow | None) -> NoteRecord:
    return replace(record, name=row.name, car_number=row.car_number) if row is not None else record
