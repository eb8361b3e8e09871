"""The notebook screen: everyone the racer ever noted; search, filter, sort, edit, delete with undo.

The notebook lives in DuckDB: each search asks the engine for its first page (debounced while the
racer types, on the store's thread), and the table asks for further pages as it scrolls. An answer
to a search that is no longer the current one is dropped.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import replace
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Input, Static
from textual.worker import Worker, WorkerState

from wots_tui.domain.notebook import Catalogue, Key, NotebookQuery, NoteRecord, RatingFilter
from wots_tui.ui.screens.base import SCREEN_KEYS
from wots_tui.ui.screens.driver_actions import DRIVER_KEYS, DriverActions
from wots_tui.ui.screens.help import HelpScreen
from wots_tui.ui.screens.pickers import Choice, Picker, entries, rating_picker, tag_choices, tag_picker
from wots_tui.ui.widgets.footer import FittingFooter
from wots_tui.ui.widgets.notebook_table import NotebookTable
from wots_tui.ui.widgets.paged_rows import PagedRows

log = logging.getLogger(__name__)

PAGE = 100  # entries per query: a few screenfuls
TYPING_PAUSE = 0.04  # seconds a search waits for the next keystroke before it asks the store


EMPTY_NOTEBOOK = """\
[b]Your notebook is empty.[/b] Everyone you rate, tag or write about lands here.

On the live screen (Tab), with a driver under the cursor:
  [b]+ - 0[/b]   rate them up, down, neutral
  [b]1…9[/b]     tag them (F3, the tags screen, says which tag is on which key)
  [b]n  c[/b]    write a note, set a nickname

A notebook from another computer or an older install: [b]wots-tui notebook import FILE[/b]"""


class NotebookScreen(DriverActions):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "search", "Search", key_display="/",
                tooltip="search names, nicknames, notes and tag names as you type"),
        Binding("escape", "leave_search", "Back to the list", show=False,
                tooltip="from the search box back to the list"),
        Binding("r", "pick_rating", "Rating filter", tooltip="show only entries rated up, neutral, down or not rated"),
        Binding("t", "pick_tag", "Tag filter", tooltip="show only entries with one tag (the picker counts them)"),
        Binding("x", "clear_filters", "Clear filters",
                tooltip="every entry again: the rating and tag filters and the search let go"),
        Binding("s", "cycle_sort", "Sort", tooltip="sort by last met, times met or name"),
        Binding("d,delete", "delete", "Delete entry", tooltip="delete the entry under the cursor (u brings it back)"),
        Binding("u,ctrl+z", "undo", "Undo delete", tooltip="bring back the entry deleted last"),
        *DRIVER_KEYS,
        *SCREEN_KEYS,
        Binding("question_mark", "help", "Help", key_display="?", tooltip="the keys of this screen; Esc closes it"),
        Binding("q", "app.quit", "Quit"),
    ]
    FOOTER_RANK = ("help", "app.quit", "search", "pick_rating", "pick_tag", "clear_filters", "rate(1)", "rate(-1)",
                   "card", "delete", "undo", "cycle_sort")

    def __init__(self) -> None:
        super().__init__()
        self.query_state = NotebookQuery()
        self.results: PagedRows[NoteRecord] = PagedRows(0, PAGE, (), lambda offset: None)
        self.deleted: list[NoteRecord] = []  # undo stack, newest last
        self._shown_version = -1
        self._asked = 0  # searches asked for; only the answer to the newest is shown
        self.searches_shown = 0  # answers shown (tests wait on it)
        self._offered_clear = False  # whether the footer offers x (clear filters)

    def compose(self) -> ComposeResult:
        yield Static(id="notebook-header")
        yield Input(placeholder="search names, nicknames, notes and tags   ( / )", id="notebook-search")
        yield NotebookTable(lambda tag_id: self.engine.catalogue.get(tag_id), id="notebook-table")
        yield Static(id="notebook-hint")
        yield FittingFooter(self.FOOTER_RANK)

    def on_mount(self) -> None:
        self.query_one(NotebookTable).focus()

    def on_screen_resume(self) -> None:
        self.notebook_changed(self.engine.board.notebook_version)

    def notebook_changed(self, version: int) -> None:
        """Search again when the notebook changed; only while on screen (it is searched on resume anyway)."""
        if version != self._shown_version and self.is_current:
            self._shown_version = version
            self._forget_deleted_tag()
            self._search(keep_place=True)

    def selected(self, quiet: bool = False) -> tuple[Key, str] | None:
        record = self.query_one(NotebookTable).cursor_row
        return (record.key, record.name) if record is not None else None

    def selected_tags(self) -> frozenset[str]:
        record = self.query_one(NotebookTable).cursor_row
        return frozenset(record.tag_ids) if record is not None else frozenset()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.query_state = replace(self.query_state, text=event.value)
        self._search(pause=TYPING_PAUSE)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one(NotebookTable).focus()

    def action_search(self) -> None:
        self.query_one(Input).focus()

    def action_leave_search(self) -> None:
        self.query_one(NotebookTable).focus()

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(self))

    # filters

    async def action_pick_rating(self) -> None:
        await self.app.push_screen(rating_picker(self.query_state.rating), self._picked("rating"))

    async def action_pick_tag(self) -> None:
        catalogue = self.engine.catalogue
        picker = tag_picker(catalogue, self.query_state.tag_id)
        await self.app.push_screen(picker, self._picked("tag_id"))
        self._count_tag_uses(picker, catalogue)

    def _picked(self, field: str) -> Callable[[Choice | None], None]:
        """What a picker's answer does: the filter `field` takes the value picked; closed, nothing changes."""

        def filter_by(choice: Choice | None) -> None:
            if choice is not None and getattr(self.query_state, field) != choice.value:
                self.query_state = replace(self.query_state, **{field: choice.value})
                self._search()

        return filter_by

    @work(group="notebook-tag-uses", exit_on_error=False)
    async def _count_tag_uses(self, picker: Picker[str | None], catalogue: Catalogue) -> None:
        uses = await self.engine.tag_uses()
        if picker.is_attached:
            picker.show_choices(tag_choices(catalogue, uses))

    def action_clear_filters(self) -> None:
        self.query_state = replace(self.query_state, text="", rating=RatingFilter.ANY, tag_id=None)
        search = self.query_one(Input)
        with search.prevent(Input.Changed):
            search.value = ""
        self._search()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """`x` is offered (in the footer, the palette) only while a filter is on."""
        return self._filtered if action == "clear_filters" else True

    @property
    def _filtered(self) -> bool:
        query = self.query_state
        return bool(query.text.strip()) or query.rating is not RatingFilter.ANY or query.tag_id is not None

    def action_cycle_sort(self) -> None:
        self.query_state = replace(self.query_state, sort=self.query_state.sort.next())
        self._search()

    async def action_delete(self) -> None:
        record = self.query_one(NotebookTable).cursor_row
        if record is None:
            return
        removed = await self.engine.delete(record.key)
        if removed is not None:
            self.deleted.append(removed)
            self.notify(f"Deleted {removed.name or 'entry'}: u to undo", timeout=4)

    async def action_undo(self) -> None:
        if not self.deleted:
            self.notify("Nothing to undo", timeout=2)
            return
        record = await self.engine.restore(self.deleted.pop())
        self.notify(f"Restored {record.name or 'entry'}", timeout=2)

    # asking the store

    def _search(self, pause: float = 0.0, keep_place: bool = False) -> None:
        """Ask for the first page of the search as it stands: a new search shows its best match first."""
        self._asked += 1
        self._first_page(self.query_state, self._asked, pause, keep_place)

    @work(exclusive=True, group="notebook-search", exit_on_error=False)
    async def _first_page(self, query: NotebookQuery, asked: int, pause: float, keep_place: bool) -> None:
        """The first page of a search (a newer search cancels this one while it waits for typing to pause)."""
        if pause:
            await asyncio.sleep(pause)
        page = await self.engine.search(query, 0, PAGE)
        if asked != self._asked:  # the racer asked something else meanwhile
            return
        results: PagedRows[NoteRecord] = PagedRows(page.total, PAGE, page.records, lambda offset: self._page(results, query, offset))
        self.results = results
        self.query_one(NotebookTable).show(results, cursor=None if keep_place else 0)
        self._describe()
        self.searches_shown += 1

    @work(group="notebook-pages", exit_on_error=False)
    async def _page(self, results: PagedRows[NoteRecord], query: NotebookQuery, offset: int) -> None:
        """A further page of `query`, the search these rows belong to (not the one being typed)."""
        try:
            page = await self.engine.search(query, offset, PAGE)
        except BaseException:
            results.failed(offset)  # asked again when it is next shown
            raise
        if results is self.results:
            results.arrived(offset, page.records)
            self.query_one(NotebookTable).refresh_rows(offset, offset + len(page.records))

    def _forget_deleted_tag(self) -> None:
        """A filter on a tag deleted meanwhile (on the tags screen) would show nothing: it is let go."""
        if self.query_state.tag_id is not None and self.engine.catalogue.get(self.query_state.tag_id) is None:
            self.query_state = replace(self.query_state, tag_id=None)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A search that failed is said in one line (and logged); the table keeps what it showed."""
        if event.state is WorkerState.ERROR and event.worker.group.startswith("notebook-"):
            log.error("a notebook search failed", exc_info=event.worker.error)
            self.notify(f"The notebook could not be searched: {event.worker.error}", severity="error", timeout=8)

    def _describe(self) -> None:
        """The header (count, filters, sort), the footer's keys, and words where a table would be empty."""
        self.query_one("#notebook-header", Static).update(self._header())
        if self._filtered != self._offered_clear:  # refreshing recomposes the footer: on x only
            self._offered_clear = self._filtered
            self.refresh_bindings()
        empty = not len(self.results)
        self.set_class(empty, "-empty")
        if empty:  # an empty notebook says how to start, whatever was searched
            nothing_matches = self._filtered and self.engine.entry_count
            self.query_one("#notebook-hint", Static).update(self._no_match() if nothing_matches else EMPTY_NOTEBOOK)

    def _header(self) -> Text:
        text = Text()
        text.append("Notebook", style="bold")
        count = entries(self.engine.entry_count)
        text.append(f"  {len(self.results):,} of {count}" if self._filtered else f"  {count}")
        for words in self._filters():
            text.append(" · ")
            text.append_text(words)
        text.append(f" · sorted by {self.query_state.sort.value}")
        if self.deleted:
            text.append(f" · {len(self.deleted)} deleted (u undoes)", style="#fbbf24")
        return text

    def _filters(self) -> list[Text]:
        """The rating and tag filters that are on, as the header and the no-match words name them."""
        query = self.query_state
        filters = []
        if query.rating is not RatingFilter.ANY:
            filters.append(Text(query.rating.value, style="bold"))
        if query.tag_id is not None and (tag := self.engine.catalogue.get(query.tag_id)) is not None:
            filters.append(Text(f"{tag.icon} {tag.name}", style=f"bold {tag.colour}"))
        return filters

    def _no_match(self) -> Text:
        searched = self.query_state.text.strip()
        wanted = [Text(f"“{searched}”", style="bold"), *self._filters()] if searched else self._filters()
        text = Text("No entry matches ")
        text.append_text(Text(" and ").join(wanted))
        text.append(".\n\n")
        text.append("x", style="bold")
        text.append(" clears every filter and the search; ")
        text.append("r", style="bold")
        text.append(" or ")
        text.append("t", style="bold")
        text.append(" picks another; ")
        text.append("/", style="bold")
        text.append(" changes the search (Esc from the search box back to the list).")
        return text
