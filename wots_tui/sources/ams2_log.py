"""Reading an AMS2 server's event log a little at a time, by absolute event index.

The server keeps the newest events in a ring buffer: `api/log/range?offset=N&count=M` answers with the
events from index N on, and with `first` (the oldest it holds) and `count` (how many it holds), so the
newest is `first + count - 1`. We start from the newest (what happened before we came is not ours to
count), ask for what follows each time, and resynchronise when the buffer wrapped past us (events lost:
we go on from the oldest held) or the server restarted and its indices went back (we read the new log
from its start). `count` is never an offset (a bug other clients have).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

log = logging.getLogger(__name__)

PAGE = 200  # events asked for at once; a busy race logs a few a second
MAX_PAGES = 10  # per poll: catching up after a long gap never holds a poll up for long

Get = Callable[..., Any]  # Ams2Http.get


class EventLog:
    """Where we are in one server's log; `read()` returns the events that are new since the last read."""

    def __init__(self, get: Get) -> None:
        self._get = get
        self._next: int | None = None  # the index of the next event to read; None until the first read
        self.restarted = False  # the last read found the server's indices gone back (a restart)

    def read(self) -> list[Mapping[str, Any]]:
        self.restarted = False
        if self._next is None:
            self._next = self._newest_plus_one()
            return []
        events: list[Mapping[str, Any]] = []
        for _ in range(MAX_PAGES):
            page = self._get("api/log/range", offset=self._next, count=PAGE)
            first, held = _int(page, "first"), _int(page, "count")
            end = first + held  # one past the newest held
            if self._next > end:  # indices went back: a restarted server, a new log
                log.info("the AMS2 server's event log starts again (index %d, we were at %d)", first, self._next)
                self.restarted = True
                self._next = first
                continue
            new = [e for e in _events(page) if _int(e, "index") >= self._next]
            if self._next < first and not new:  # the buffer wrapped past us
                log.warning("missed %d AMS2 events (the server's log wrapped); going on from %d", first - self._next, first)
                self._next = first
                continue
            if new:
                if _int(new[0], "index") > self._next:
                    log.warning("missed %d AMS2 events (the server's log wrapped)", _int(new[0], "index") - self._next)
                events.extend(new)
                self._next = _int(new[-1], "index") + 1
            if self._next >= end or not new:
                break
        return events

    def _newest_plus_one(self) -> int:
        page = self._get("api/log/range", offset=-1, count=1)
        newest = _events(page)
        if newest:
            return _int(newest[-1], "index") + 1
        return _int(page, "first") + _int(page, "count")


def _events(page: Any) -> list[Mapping[str, Any]]:
    events = page.get("events") if isinstance(page, Mapping) else None
    return [e for e in events if isinstance(e, Mapping) and isinstance(e.get("index"), int)] if isinstance(events, list) else []


def _int(value: Any, key: str) -> int:
    number = value.get(key) if isinstance(value, Mapping) else None
    return number if isinstance(number, int) and not isinstance(number, bool) else 0
