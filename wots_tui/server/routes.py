"""The endpoints: each serves a document from the render cache, keyed by what it depends on.

Live documents change with the Board version, the notebook and the catalogue with the notebook
version, the descriptions never; a document is serialised at most once per version, and a client
that sends back its ETag gets 304 until then.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from aiohttp import web

from wots_tui import __version__
from wots_tui.domain.api_documents import (
    driver_document,
    drivers_document,
    session_document,
    status_document,
    tags_document,
)
from wots_tui.domain.models import Platform
from wots_tui.domain.notebook import Key
from wots_tui.domain.wots_shape import iso, notebook_document
from wots_tui.engine import Engine
from wots_tui.server.guards import Handler
from wots_tui.server.rendered import RenderCache, Rendered
from wots_tui.server.spec import help_document, openapi_document, version_document
from wots_tui.server.stream import HEARTBEAT, BoardChanges, event_stream

CUSTOMER_ID = re.compile(r"[0-9]{1,19}")
LARGEST_ID = 2**63 - 1  # Steam ids are 64-bit; iRacing customer ids are far smaller
PIECE = 256 * 1024


class Routes:
    def __init__(self, engine: Engine, changes: BoardChanges, heartbeat: float = HEARTBEAT) -> None:
        self._engine = engine
        self._changes = changes
        self._heartbeat = heartbeat
        self._cache = RenderCache()

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
        entries, seen = len(engine.notebook), engine.drivers_seen

        def build() -> object:
            return status_document(board, version=__version__, notebook_entries=entries, drivers_seen=seen, now=now)

        return _send(request, self._cache.get("status", (board.version, entries, seen, iso(now)), build))

    async def session(self, request: web.BaseRequest) -> web.Response:
        board = self._engine.board
        return _send(request, self._cache.get("session", board.version, lambda: session_document(board)))

    async def drivers(self, request: web.BaseRequest) -> web.Response:
        return _send(request, self.drivers_rendered())

    def drivers_rendered(self) -> Rendered:
        board, notebook = self._engine.board, self._engine.notebook
        return self._cache.get("drivers", board.version, lambda: drivers_document(board, notebook))

    async def driver(self, request: web.BaseRequest) -> web.Response:
        key = driver_key(request.query)
        board, notebook = self._engine.board, self._engine.notebook

        def build() -> object:
            document = driver_document(board, notebook, key)
            if document is None:
                raise web.HTTPNotFound(text=f"driver {key[1]} is neither in the session nor in the notebook")
            return document

        return _send(request, self._cache.get(("driver", key), board.version, build))

    async def notebook(self, request: web.BaseRequest) -> web.StreamResponse:
        notebook = self._engine.notebook

        def prepare() -> Callable[[], object]:
            records, catalogue = list(notebook.records()), notebook.catalogue  # records are immutable
            return lambda: notebook_document(records, catalogue)

        rendered = await self._cache.get_in_thread("notebook", self._engine.board.notebook_version, prepare)
        return await _send_in_pieces(request, rendered)

    async def tags(self, request: web.BaseRequest) -> web.Response:
        notebook = self._engine.notebook
        return _send(request, self._cache.get("tags", self._engine.board.notebook_version, lambda: tags_document(notebook)))

    async def stream(self, request: web.BaseRequest) -> web.StreamResponse:
        return await event_stream(request, self.drivers_rendered, self._changes, heartbeat=self._heartbeat)

    def _fixed(self, name: str, build: Callable[[], object]) -> Handler:
        async def handler(request: web.BaseRequest) -> web.Response:
            return _send(request, self._cache.get(name, None, build))

        return handler


def driver_key(query: Mapping[str, str]) -> Key:
    """The driver an `id` (and optional `platform`) names; 400 with the reason when they name none."""
    text = query.get("id")
    if text is None:
        raise web.HTTPBadRequest(text="id is required, as in /api/driver?id=123456")
    if not CUSTOMER_ID.fullmatch(text) or not 0 < int(text) <= LARGEST_ID:
        raise web.HTTPBadRequest(text=f"id must be a customer id, a whole number above 0, not {text[:40]!r}")
    platform = query.get("platform", Platform.IRACING.value)
    if platform not in {p.value for p in Platform}:
        raise web.HTTPBadRequest(text=f"platform must be iracing or ams2, not {platform[:40]!r}")
    return (platform, int(text))


def _send(request: web.BaseRequest, rendered: Rendered) -> web.Response:
    if rendered.matches(request.headers.get("If-None-Match")):
        return web.Response(status=304, headers=rendered.headers)
    return web.Response(body=rendered.body, headers=rendered.headers)


async def _send_in_pieces(request: web.BaseRequest, rendered: Rendered) -> web.StreamResponse:
    """Send a big body (a 100k notebook is 50 MB) a piece at a time, so the loop serves others in between."""
    if len(rendered.body) <= PIECE or rendered.matches(request.headers.get("If-None-Match")):
        return _send(request, rendered)
    response = web.StreamResponse(headers=rendered.headers)
    response.content_length = len(rendered.body)
    await response.prepare(request)
    if request.method != "HEAD":
        body = memoryview(rendered.body)
        for start in range(0, len(body), PIECE):
            await response.write(body[start : start + PIECE])
    await response.write_eof()
    return response
