"""The endpoints: each serves a document from the render cache, keyed by what it depends on.

Live documents change with the Board version, the notebook and the catalogue with the notebook
version, the descriptions never; a document is serialised at most once per version, and a client
that sends back its ETag gets 304 until then.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
from collections.abc import AsyncIterator, Callable, Mapping

import orjson
from aiohttp import web

from wots_tui import __version__
from wots_tui.domain.api_documents import (
    contact_objects,
    drivers_document,
    live_driver_object,
    live_row,
    notebook_entries,
    noted_driver_object,
    raced_driver_object,
    session_document,
    status_document,
    tags_document,
)
from wots_tui.domain.board import CROWD, HISTORY, Board
from wots_tui.domain.models import Platform
from wots_tui.domain.notebook import Key
from wots_tui.domain.wots_shape import iso, platform_of
from wots_tui.engine import Engine
from wots_tui.server.guards import CORS, Handler
from wots_tui.server.rendered import RenderCache, Rendered, etag_matches
from wots_tui.server.spec import help_document, openapi_document, version_document
from wots_tui.server.stream import HEARTBEAT, BoardChanges, event_stream

log = logging.getLogger(__name__)

CUSTOMER_ID = re.compile(r"[0-9]{1,19}")
LARGEST_ID = 2**63 - 1  # Steam ids are 64-bit; iRacing customer ids are far smaller


class Routes:
    def __init__(self, engine: Engine, changes: BoardChanges, heartbeat: float = HEARTBEAT) -> None:
        self._engine = engine
        self._changes = changes
        self._heartbeat = heartbeat
        self._cache = RenderCache()
        self._instance = secrets.token_hex(4)  # in the notebook's entity tag: a restarted app never answers 304 to an old one

    def table(self) -> dict[str, Handler]:
        """Path -> handler; the paths are exactly the OpenAPI document's (a test holds them together)."""
        return {
            "/api/status": self.status,
            "/api/session": self.session,
            "/api/drivers": self.drivers,
            "/api/driver": self.driver,
            "/api/notebook": self.notebook,
            "/api/tags": self.tags,
            "/api/stream": self.stream,
            "/api/help": self._fixed("help", help_document),
            "/api/version": self._fixed("version", version_document),
            "/api/openapi.json": self._fixed("openapi", openapi_document),
        }

    async def status(self, request: web.BaseRequest) -> web.Response:
        engine = self._engine
        board, now = engine.board, engine.clock()
        entries, seen, crowd = engine.entry_count, engine.drivers_seen, engine.crowdsourcing

        def build() -> object:
            return status_document(board, version=__version__, notebook_entries=entries, drivers_seen=seen, now=now,
                                   crowdsourcing=crowd)

        return _send(request, self._cache.get("status", (board.version, entries, seen, iso(now)), build))

    async def session(self, request: web.BaseRequest) -> web.Response:
        board = self._engine.board
        return _send(request, self._cache.get("session", board.version, lambda: session_document(board)))

    async def drivers(self, request: web.BaseRequest) -> web.Response:
        return _send(request, self.drivers_rendered())

    def drivers_rendered(self) -> Rendered:
        board = self._engine.board
        return self._cache.get("drivers", board.version, lambda: drivers_document(board))

    async def driver(self, request: web.BaseRequest) -> web.Response:
        """A driver in the session from the Board; anyone else with point queries of the notebook and the
        racing history (a driver met only in imported races is known by the name they raced under)."""
        key = driver_key(request.query)
        board = self._engine.board
        row = live_row(board, key)
        if row is not None:
            live = self._cache.get(("driver", key), ("live", board.version), lambda: live_driver_object(row, contact_objects(board)))
            return _send(request, live)
        engine = self._engine

        async def build() -> object:
            record = await engine.record(key)
            head_to_head = await engine.history.head_to_head(key)
            crowd = (await engine.crowd_views([key])).get(key)
            if record is not None:
                return noted_driver_object(record, engine.catalogue, head_to_head, crowd)
            known = await engine.history.known_driver(key[1]) if key[0] == Platform.IRACING.value else None
            if known is None:
                raise web.HTTPNotFound(text=f"driver {key[1]} is not in the session, the notebook or the imported races")
            return raced_driver_object(known, head_to_head, crowd)

        return _send(request, await self._cache.get_awaiting(("driver", key), ("stored", *_stored_versions(board)), build))

    async def notebook(self, request: web.BaseRequest) -> web.StreamResponse:
        """The whole notebook, streamed from the store in batches: a 100k notebook never sits in memory whole.

        `{"entries": {...}, "count": n}`: the count comes last, so it is the count of what was sent. The
        first batch is read before anything is sent, so a store that fails then answers a JSON 500; one
        that fails later cuts the connection, so the client knows the document is not whole.
        """
        notebook, history, crowd = _stored_versions(self._engine.board)
        tag = f'"notebook-{self._instance}-{notebook}-{history}-{crowd}"'
        headers = {"Content-Type": "application/json", "ETag": tag, "Cache-Control": "no-cache", **request.get(CORS, {})}
        if etag_matches(tag, request.headers.get("If-None-Match")):
            return web.Response(status=304, headers=headers)
        batches = aiter(self._entry_batches())
        first = await anext(batches, None) if request.method != "HEAD" else None
        response = web.StreamResponse(headers=headers)
        await response.prepare(request)
        if request.method == "HEAD":
            await response.write_eof()
            return response
        try:
            await self._stream_entries(response, first, batches)
        except ConnectionError:
            log.info("a client left while /api/notebook was being sent")
        except Exception:
            log.exception("the notebook could not be read while /api/notebook was being sent; the connection is cut")
            if request.transport is not None:
                request.transport.close()
        else:
            await response.write_eof()
        return response

    async def _entry_batches(self) -> AsyncIterator[tuple[int, bytes]]:
        """The notebook a batch at a time, each as its number of entries and their JSON members (`"id":{...},...`),
        its drivers' head-to-heads and crowd data joined with one query each per batch."""
        engine = self._engine
        async for batch in engine.notebook_batches():
            keys = [record.key for record in batch]
            head_to_heads = await engine.history.head_to_heads(keys)
            crowds = await engine.crowd_views(keys)
            yield len(batch), orjson.dumps(notebook_entries(batch, engine.catalogue, head_to_heads, crowds))[1:-1]

    async def _stream_entries(
        self, response: web.StreamResponse, batch: tuple[int, bytes] | None, batches: AsyncIterator[tuple[int, bytes]]
    ) -> None:
        count = 0
        await response.write(b'{"entries":{')
        while batch is not None:
            following = asyncio.ensure_future(anext(batches, None))  # the store reads the next one meanwhile
            try:
                await response.write((b"," if count else b"") + batch[1])
            except BaseException:  # no read is left behind
                following.cancel()
                raise
            count += batch[0]
            batch = await following
        await response.write(b'},"count":' + str(count).encode() + b"}")

    async def tags(self, request: web.BaseRequest) -> web.Response:
        engine = self._engine

        async def build() -> object:
            return tags_document(engine.catalogue, await engine.tag_uses())

        return _send(request, await self._cache.get_awaiting("tags", engine.board.notebook_version, build))

    async def stream(self, request: web.BaseRequest) -> web.StreamResponse:
        return await event_stream(request, self.drivers_rendered, self._changes, heartbeat=self._heartbeat)

    def _fixed(self, name: str, build: Callable[[], object]) -> Handler:
        async def handler(request: web.BaseRequest) -> web.Response:
            return _send(request, self._cache.get(name, None, build))

        return handler


def driver_key(query: Mapping[str, str]) -> Key:
    """The driver an `id` (and optional `platform`) names; 400 with the reason when they name none.

    Without `platform` the id says it: a Steam id is an AMS2 driver's, a smaller one an iRacing customer's."""
    text = query.get("id")
    if text is None:
        raise web.HTTPBadRequest(text="id is required, as in /api/driver?id=123456")
    if not CUSTOMER_ID.fullmatch(text) or not 0 < int(text) <= LARGEST_ID:
        raise web.HTTPBadRequest(text=f"id must be a customer id, a whole number above 0, not {text[:40]!r}")
    platform = query.get("platform", platform_of(int(text)).value)
    if platform not in {p.value for p in Platform}:
        raise web.HTTPBadRequest(text=f"platform must be iracing or ams2, not {platform[:40]!r}")
    return (platform, int(text))


def _stored_versions(board: Board) -> tuple[int, int, int]:
    """What a document of stored drivers depends on: the notebook, the racing history (a fetch moves it) and the
    crowd's answers (a lookup moves them)."""
    return board.notebook_version, board.versions.get(HISTORY, 0), board.versions.get(CROWD, 0)


def _send(request: web.BaseRequest, rendered: Rendered) -> web.Response:
    if etag_matches(rendered.etag, request.headers.get("If-None-Match")):
        return web.Response(status=304, headers=rendered.headers)
    return web.Response(body=rendered.body, headers=rendered.headers)
