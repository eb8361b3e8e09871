"""The notebook screen: everyone the racer ever noted; search, filter, sort, edit, delete with undo.

The notebook lives in DuckDB: each search asks the engine for its first page (debounced while the
racer types, on the store's thread), and the table asks for further pages as it scrolls. An answer
to a search that is no longer the current one is dropped.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Input, Static
from textual.worker import Worker, WorkerState

from wots_tui.domain.notebook import Key, NotebookQuery, NoteRecord, RatingFilter
from wots_tui.ui.screens.base import SCREEN_KEYS
from wots_tui.ui.screens.driver_actions import DRIVER_KEYS, DriverActions
from wots_tui.ui.widgets.notebook_table import NotebookTable
from wots_tui.ui.widgets.paged_rows import PagedRows

log = logging.getLogger(__name__)

PAGE = 100  # entries per query: a few screenfuls
TYPING_PAUSE = 0.04  # seconds a search waits for the next keystroke before it asks the store


class NotebookScreen(DriverActions):
    BINDINGS = [
        *DRIVER_KEYS,
        Binding("slash", "search", "Search", key_display="/"),
        Binding("escape", "leave_search", "List", show=False),
        Binding("r", "cycle_rating", "Rating"),
        Binding("t", "cycle_tag", "Tag"),
        Binding("s", "cycle_sort", "Sort"),
        Binding("d,delete", "delete", "Delete"),
        Binding("u,ctrl+z", "undo", "Undo"),
        *SCREEN_KEYS,
        Binding("q", "app.quit", "Quit"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.query_state = NotebookQuery()
        self.results: PagedRows[NoteRecord] = PagedRows(0, PAGE, (), lambda offset: None)
        self.deleted: list[NoteRecord] = []  # undo stack, newest last
        self._shown_version = -1
        self._asked = 0  # searches asked for; only the answer to the newest is shown
        self.searches_shown = 0  # answers shown (tests wait on it)

    def compose(self) -> ComposeResult:
        yield Static(id="notebook-header")
        yield Input(placeholder="search names, nicknames, notes and tags   ( / )", id="notebook-search")
        yield NotebookTable(lambda tag_id: self.engine.catalogue.get(tag_id), id="notebook-table")
        yield Footer()

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

    def on_input_changed(self, event: Input.Changed) -> None:
        self.query_state = replace(self.query_state, text=event.value)
        self._search(pause=TYPING_PAUSE)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one(NotebookTable).focus()

    def action_search(self) -> None:
        self.query_one(Input).focus()

    def action_leave_search(self) -> None:
        self.query_one(NotebookTable).focus()

    def action_cycle_rating(self) -> None:
        self.query_state = replace(self.query_state, rating=self.query_state.rating.next())
        self._search()

    def action_cycle_tag(self) -> None:
        choices: list[str | None] = [None, *(t.id for t in self.engine.catalogue)]
        current = self.query_state.tag_id if self.query_state.tag_id in choices else None
        self.query_state = replace(self.query_state, tag_id=choices[(choices.index(current) + 1) % len(choices)])
        self._search()

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
        self.query_one("#notebook-header", Static).update(self._describe())
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

    def _describe(self) -> Text:
        query = self.query_state
        tag = self.engine.catalogue.get(query.tag_id) if query.tag_id else None
        text = Text()
        text.append("Notebook", style="bold")
        text.append(f"  {self.engine.entry_count:,} entries · showing {len(self.results):,}")
        text.append(" · ")
        text.append(query.rating.value, style="bold" if query.rating is not RatingFilter.ANY else "")
        text.append(" · tag: ")
        text.append(f"{tag.icon} {tag.name}" if tag else "all", style=f"bold {tag.colour}" if tag else "")
        text.append(f" · sorted by {query.sort.value}")
        if self.deleted:
            text.append(f" · {len(self.deleted)} deleted (u undoes)", style="#fbbf24")
        return text
