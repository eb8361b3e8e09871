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

from wots_tui.sources.ams2_http import Ams2Problem

log = logging.getLogger(__name__)

PAGE = 200  # events asked for at once; a busy race logs a few a second
MAX_PAGES = 10  # per poll: catching up after a long gap never holds a poll up for long

Get = Callable[..., Any]  # Ams2Http.get


class EventLog:
    """Where we are in one server's log; `read()` returns the events that are new since the last read.

    Each read asks again for the last event it returned: if its index now holds another event (another
    time, name or attributes), the server restarted and logged past where we were (its indices alone would
    not tell).
    """

    def __init__(self, get: Get) -> None:
        self._get = get
        self._next: int | None = None  # the index of the next event to read; None until the first read
        self._last: Mapping[str, Any] | None = None  # the last event read, whole
        self.restarted = False  # the last read found the server's log started again

    def read(self) -> list[Mapping[str, Any]]:
        """What is new; a page that fails after others were read returns those (the rest comes next time)."""
        self.restarted = False
        if self._next is None:
            self._next, self._last = self._newest()
            return []
        events: list[Mapping[str, Any]] = []
        at, last = self._next, self._last
        try:
            for _ in range(MAX_PAGES):
                page = self._get("api/log/range", offset=at - 1 if last else at, count=PAGE)
                first, end = _int(page, "first"), _int(page, "first") + _int(page, "count")
                held = _events(page)
                if at > end or (last is not None and first <= _int(last, "index") < end and last not in held):
                    log.info("the AMS2 server's event log starts again (from %d; we were at %d)", first, at)
                    self.restarted = True
                    at, last = first, None
                    continue
                new = [e for e in held if _int(e, "index") >= at]
                if not new and at < first:  # the buffer wrapped past us
                    log.warning("missed %d AMS2 events (the server's log wrapped); going on from %d", first - at, first)
                    at, last = first, None
                    continue
                if new and _int(new[0], "index") > at:
                    log.warning("missed %d AMS2 events (the server's log wrapped)", _int(new[0], "index") - at)
                if new:
                    events.extend(new)
                    at, last = _int(new[-1], "index") + 1, new[-1]
                if at >= end or not new:
                    break
        except Ams2Problem:
            if not events:
                raise
        self._next, self._last = at, last
        return events

    def _newest(self) -> tuple[int, Mapping[str, Any] | None]:
        page = self._get("api/log/range", offset=-1, count=1)
        newest = _events(page)
        if newest:
            return _int(newest[-1], "index") + 1, newest[-1]
        return _int(page, "first") + _int(page, "count"), None


def _events(page: Any) -> list[Mapping[str, Any]]:
    events = page.get("events") if isinstance(page, Mapping) else None
    return [e for e in events if isinstance(e, Mapping) and isinstance(e.get("index"), int)] if isinstance(events, list) else []


def _int(value: Any, key: str) -> int:
    number = value.get(key) if isinstance(value, Mapping) else None
    return number if isinstance(number, int) and not isinstance(number, bool) else 0
