"""The tags screen: the catalogue; add, rename, recolour, reorder, rekey and delete the racer's own tags."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from wots_tui.domain.notebook import Tag
from wots_tui.ui.screens.base import SCREEN_KEYS, EngineScreen
from wots_tui.ui.screens.editors import Confirm
from wots_tui.ui.screens.help import HelpScreen
from wots_tui.ui.screens.tag_editor import OWN_CATEGORY, TagEditor
from wots_tui.ui.widgets.footer import FittingFooter
from wots_tui.ui.widgets.tag_table import TagTable

HINT = (
    "Keys 1-9 tag the driver under the cursor on the live and notebook screens. "
    "Here: press 1-9 to give the selected tag that key, 0 to take its key away."
)
GIVE_KEY = "give the selected tag this key (a tag that had it loses it, and you are told)"


class TagsScreen(EngineScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "add", "Add tag", tooltip="a tag of your own: name, icon, category, colour"),
        Binding("e,enter", "edit", "Edit tag", tooltip="rename or recolour one of your own tags"),
        Binding("shift+up,K", "move(-1)", "Move up", key_display="⇧↑",
                tooltip="move the tag one place up"),
        Binding("shift+down,J", "move(1)", "Move down", key_display="⇧↓",
                tooltip="move the tag one place down"),
        *(Binding(str(n), f"hotkey({n})", f"Give key {n}", show=False, tooltip=GIVE_KEY)
          for n in range(1, 10)),
        Binding("0", "hotkey(0)", "Take the key away", show=False, tooltip="the selected tag keeps no key"),
        Binding("d,delete", "delete", "Delete tag",
                tooltip="delete one of your own tags; it comes off every driver"),
        *SCREEN_KEYS,
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("q", "app.quit", "Quit"),
    ]
    FOOTER_RANK = ("help", "app.quit", "add", "edit", "delete", "app.show('notebook')", "move(-1)", "move(1)")

    def __init__(self) -> None:
        super().__init__()
        self._uses: dict[str, int] = {}

    def compose(self) -> ComposeResult:
        yield Static(HINT, id="tags-header")
        yield TagTable(lambda tag_id: self._uses.get(tag_id, 0), id="tags-table")
        yield FittingFooter(self.FOOTER_RANK)

    def on_mount(self) -> None:
        self.query_one(TagTable).focus()

    def on_screen_resume(self) -> None:
        self.catalogue_changed()

    def catalogue_changed(self) -> None:
        if self.is_current:
            self._show_catalogue()

    @work(exclusive=True, group="tag-uses", exit_on_error=False)
    async def _show_catalogue(self) -> None:
        """The catalogue at once; how many drivers carry each tag once the store has counted."""
        table = self.query_one(TagTable)
        table.show(self.engine.catalogue.tags)
        self._uses = await self.engine.tag_uses()
        table.redraw()

    @property
    def selected(self) -> Tag | None:
        return self.query_one(TagTable).cursor_row

    def action_add(self) -> None:
        catalogue = self.engine.catalogue
        order = max((t.order for t in catalogue), default=0) + 1
        blank = Tag(id="", name="", icon="🔖", category=OWN_CATEGORY, colour="#a1a1aa", order=order)

        async def save(tag: Tag | None) -> None:
            if tag is not None:
                await self.engine.save_tags([replace(tag, id=_new_id(tag.name, {t.id for t in catalogue}))])
                self.query_one(TagTable).move_to(len(self.engine.catalogue) - 1)

        self.app.push_screen(TagEditor(blank, is_new=True), save)

    def action_edit(self) -> None:
        tag = self.selected
        if tag is None:
            return
        if tag.builtin:
            self.notify("Built-in tags keep their name and colour (other tools know them): move or rekey",
                        timeout=3)
            return

        async def save(edited: Tag | None) -> None:
            if edited is not None:
                await self.engine.save_tags([edited])

        self.app.push_screen(TagEditor(tag, is_new=False), save)

    async def action_move(self, step: int) -> None:
        tag = self.selected
        catalogue = list(self.engine.catalogue.tags)
        if tag is None:
            return
        index = catalogue.index(tag)
        target = index + step
        if not 0 <= target < len(catalogue):
            return
        catalogue[index], catalogue[target] = catalogue[target], catalogue[index]
        await self.engine.save_tags([replace(t, order=i) for i, t in enumerate(catalogue, start=1)
                                     if t.order != i])
        self.query_one(TagTable).move_to(target)

    async def action_hotkey(self, key: int) -> None:
        """Give the selected tag key `key` (0: no key), saying what changed: a key moved from another tag
        is said by name, so the racer knows that tag lost it (the notebook keeps one tag per key)."""
        tag = self.selected
        if tag is None:
            return
        hotkey = key or None
        if tag.hotkey == hotkey:
            self.notify(f"{_named(tag)} has key {key}" if hotkey else f"{_named(tag)} has no key", timeout=2)
            return
        holder = self.engine.catalogue.for_hotkey(hotkey) if hotkey else None
        await self.engine.save_tags([replace(tag, hotkey=hotkey)])
        if holder is not None:
            said = [f"Key {key} moved from {_named(holder)} to {_named(tag)}",
                    f"{_named(holder)} has no key now"]
        else:
            said = [f"Key {key} tags {_named(tag)}" if hotkey else f"{_named(tag)} has no key now"]
        if tag.hotkey:
            said.append(f"key {tag.hotkey} tags nothing")
        self.notify("; ".join(said), timeout=5 if holder else 3)

    def action_delete(self) -> None:
        tag = self.selected
        if tag is None:
            return
        if tag.builtin:
            self.notify("Built-in tags cannot be deleted; take their key away with 0", severity="warning",
                        timeout=3)
            return
        uses = self._uses.get(tag.id, 0)
        freed = f" Key {tag.hotkey} will tag nothing." if tag.hotkey else ""

        async def answer(yes: bool | None) -> None:
            if yes:
                await self.engine.delete_tag(tag.id)
                self.notify(f"Deleted {_named(tag)}." + freed.replace("will tag", "tags"), timeout=4)

        carry = "1 driver carries it" if uses == 1 else f"{uses} drivers carry it"
        self.app.push_screen(Confirm(f"Delete {_named(tag)}? {carry}; it comes off them all.{freed}"), answer)

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(self))


def _named(tag: Tag) -> str:
    return f"{tag.icon} {tag.name}"


def _new_id(name: str, taken: set[str]) -> str:
    base = "mine_" + (re.sub(r"[^a-z0-9]+", "_", name.casefold()).strip("_") or "tag")
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}_{n}", n + 1
    return candidate
