"""What keeps the API local and its errors tidy: aiohttp middlewares, outermost first.

The notebook is the racer's private opinion of other people, so:
- only loopback peers are served (the sockets are bound to loopback too; this is the second lock);
- the Host header must name this machine (localhost, 127.0.0.1 or [::1], any port), which defeats DNS
  rebinding: a web page whose own name resolves to 127.0.0.1 still sends its own name as Host;
- a browser page may read the API only from an origin the racer allowed (`cors_origins`, none by default);
- only GET, HEAD and OPTIONS exist; the API changes nothing;
- every error is `{"error": "..."}` with its status, and no traceback ever reaches a client.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Awaitable, Callable, Collection

import orjson
from aiohttp import web

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
READ_METHODS = ("GET", "HEAD", "OPTIONS")
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]"})


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        status=status, body=orjson.dumps({"error": message}), content_type="application/json", headers=headers
    )


@web.middleware
async def errors_as_json(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as error:
        if error.status < 400:
            raise
        return error_response(error.status, _message(request, error), _kept_headers(error))
    except Exception:
        log.exception("the API failed on %s %s", request.method, request.path_qs)
        return error_response(500, "internal error; the details are in the wots-tui log")


def _message(request: web.Request, error: web.HTTPException) -> str:
    if error.status == 404 and error.text and error.text.startswith("404"):  # aiohttp's own "no such route"
        return f"no endpoint {request.path}; GET /api/help lists them"
    if error.status == 405:
        return f"{request.method} is not allowed here; the API is read-only: {', '.join(READ_METHODS)}"
    return error.text or error.reason


def _kept_headers(error: web.HTTPException) -> dict[str, str]:
    return {"Allow": ", ".join(READ_METHODS)} if error.status == 405 else {}


@web.middleware
async def local_only(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not is_loopback(request.remote):
        log.warning("refused a request from %s", request.remote)
        raise web.HTTPForbidden(text="only this computer may use the API")
    if host_name(request.host) not in LOCAL_HOSTS:
        raise web.HTTPMisdirectedRequest(text=f"Host {request.host!r} is not this computer; use localhost")
    return await handler(request)


def is_loopback(remote: str | None) -> bool:
    if not remote:
        return False
    try:
        address = ipaddress.ip_address(remote.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def host_name(host: str) -> str:
    """The name part of a Host header, without the port: `[::1]:5820` -> `[::1]`, `localhost:5820` -> `localhost`."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[: host.find("]") + 1] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


@web.middleware
async def read_only(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.method not in READ_METHODS:
        raise web.HTTPMethodNotAllowed(request.method, READ_METHODS)
    return await handler(request)


def cors(allowed_origins: Collection[str]) -> Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]:
    """Answer browsers: pages from an allowed origin may read; other pages are refused outright."""
    allowed = frozenset(origin.rstrip("/") for origin in allowed_origins)

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        origin = request.headers.get("Origin")
        if request.method == "OPTIONS":
            missing = request.match_info.http_exception
            if missing is not None and missing.status == 404:
                raise missing
            response: web.StreamResponse = web.Response(status=204, headers={"Allow": ", ".join(READ_METHODS)})
        elif origin is not None and origin not in allowed:
            raise web.HTTPForbidden(
                text=f"pages from {origin} may not read the API; add the origin to cors_origins to allow it"
            )
        else:
            response = await handler(request)
        if origin is not None and origin in allowed:
            response.headers.update(
                {
                    "Access-Control-Allow-Origin": origin,
                    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
                    "Access-Control-Allow-Headers": "If-None-Match",
                    "Access-Control-Expose-Headers": "ETag",
                    "Access-Control-Max-Age": "600",
                    "Vary": "Origin",
                }
            )
        return response

    return middleware
