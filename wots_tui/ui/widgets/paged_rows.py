"""The rows of a search too big to hold: its count, and pages fetched on demand into a small LRU cache."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

R = TypeVar("R")


class PagedRows(Generic[R]):
    """What a RowTable shows of a query: `len` is the query's count; a row of a page not yet here is None.

    Asking for such a row asks `fetch(offset)` for its page, once; the page's owner hands it over with
    `arrived`. Only the `keep` pages used last stay, so scrolling through 100k entries holds a few hundred.
    """

    def __init__(self, total: int, page_size: int, first: Sequence[R], fetch: Callable[[int], None], keep: int = 8) -> None:
        self._total = total
        self._size = page_size
        self._fetch = fetch
        self._keep = keep
        self._pages: OrderedDict[int, Sequence[R]] = OrderedDict({0: first})
        self._asked: set[int] = set()

    def __len__(self) -> int:
        return self._total

    def __getitem__(self, index: int) -> R | None:
        if not 0 <= index < self._total:
            raise IndexError(index)
        number, within = divmod(index, self._size)
        page = self._pages.get(number)
        if page is None:
            if number not in self._asked:
                self._asked.add(number)
                self._fetch(number * self._size)
            return None
        self._pages.move_to_end(number)
        return page[within] if within < len(page) else None

    def failed(self, offset: int) -> None:
        """The page at `offset` did not come: it is asked for again the next time one of its rows is."""
        self._asked.discard(offset // self._size)

    def arrived(self, offset: int, rows: Sequence[R]) -> None:
        number = offset // self._size
        self._asked.discard(number)
        self._pages[number] = rows
        self._pages.move_to_end(number)
        while len(self._pages) > self._keep:
            self._pages.popitem(last=False)
