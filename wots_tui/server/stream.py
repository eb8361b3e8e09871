"""/api/stream: the drivers document as server-sent events, whenever it changes.

Every stream waits on one shared signal that the engine fires with each new Board; the document
itself comes from the render cache, so a hundred overlays cost one serialisation per change.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

from aiohttp import web

from wots_tui.server.rendered import Rendered

log = logging.getLogger(__name__)

MIN_INTERVAL = 0.1  # at most 10 events a second, however fast the Boards come
HEARTBEAT = 15.0  # a comment line when nothing changed for this long, so proxies and clients keep the line open


class BoardChanges:
    """A signal every stream can wait on; fired by each new Board, and once more when the server stops."""

    def __init__(self) -> None:
        self._event = asyncio.Event()
        self.closing = False
        self.streams = 0  # open event streams

    def notify(self, *_: object) -> None:
        event, self._event = self._event, asyncio.Event()
        event.set()

    def close(self) -> None:
        self.closing = True
        self.notify()

    def next_change(self) -> asyncio.Event:
        """The event the next change will set; take it *before* looking, so no change slips between."""
        return self._event


async def event_stream(
    request: web.BaseRequest,
    document: Callable[[], Rendered],
    changes: BoardChanges,
    min_interval: float = MIN_INTERVAL,
    heartbeat: float = HEARTBEAT,
) -> web.StreamResponse:
    response = web.StreamResponse(
        headers={"Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    )
    await response.prepare(request)
    sent: str | None = None
    last_write = time.monotonic()
    changes.streams += 1
    try:
        await response.write(b"retry: 2000\n\n")
        while not changes.closing:
            change = changes.next_change()
            rendered = document()
            if rendered.etag != sent:
                await response.write(b"event: drivers\nid: %s\ndata: %s\n\n" % (rendered.etag.strip('"').encode(), rendered.body))
                sent, last_write = rendered.etag, time.monotonic()
                await asyncio.sleep(min_interval)
                continue
            quiet = time.monotonic() - last_write
            if quiet >= heartbeat:
                await response.write(b": still here\n\n")
                last_write, quiet = time.monotonic(), 0.0
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(change.wait(), heartbeat - quiet)
    except ConnectionResetError:  # the overlay went away: nothing to clean up but this handler
        log.debug("a stream client left")
    finally:
        changes.streams -= 1
    return response
