"""What keeps the API local and its errors tidy: the front door every request comes through.

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
from collections.abc import Awaitable, Callable, Collection, Mapping
from functools import lru_cache

import orjson
from aiohttp import web

log = logging.getLogger(__name__)

Handler = Callable[[web.BaseRequest], Awaitable[web.StreamResponse]]
READ_METHODS = ("GET", "HEAD", "OPTIONS")
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]"})
CORS = web.RequestKey("cors", dict)  # the CORS headers of a request from an allowed origin


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        status=status, body=orjson.dumps({"error": message}), content_type="application/json", headers=headers
    )


class FrontDoor:
    """The one handler of the server: checks, finds the endpoint, and turns every failure into JSON.

    A plain dict of paths and a single coroutine, not aiohttp's router and middlewares: the API is
    ten fixed GET paths, and each layer would cost every request (measured in bench/api_drivers.py).
    """

    def __init__(self, endpoints: Mapping[str, Handler], allowed_origins: Collection[str] = ()) -> None:
        self._endpoints = dict(endpoints)
        self._allowed = frozenset(origin.rstrip("/") for origin in allowed_origins)

    async def __call__(self, request: web.BaseRequest) -> web.StreamResponse:
        origin = request.headers.get("Origin")
        cors = origin is not None and origin in self._allowed
        if cors:  # a streamed answer sends its headers itself, before it returns: it finds them here
            request[CORS] = _cors_headers(origin)
        try:
            refuse_if_not_local(request)
            response = await self._answer(request, origin)
        except web.HTTPException as error:
            return error_response(error.status, error.text or error.reason, _kept_headers(error))
        except Exception:
            log.exception("the API failed on %s %s", request.method, request.path_qs)
            return error_response(500, "internal error; the details are in the wots-tui log")
        if cors and not response.prepared:
            response.headers.update(request[CORS])
        return response

    async def _answer(self, request: web.BaseRequest, origin: str | None) -> web.StreamResponse:
        method = request.method
        if method not in READ_METHODS:
            raise web.HTTPMethodNotAllowed(method, READ_METHODS, text=f"{method} is not allowed here; the API is read-only: {', '.join(READ_METHODS)}")
        endpoint = self._endpoints.get(request.path)
        if endpoint is None:
            raise web.HTTPNotFound(text=f"no endpoint {request.path}; GET /api/help lists them")
        if method == "OPTIONS":  # a browser's preflight; CORS headers follow for allowed origins only
            return web.Response(status=204, headers={"Allow": ", ".join(READ_METHODS)})
        if origin is not None and origin not in self._allowed:
            raise web.HTTPForbidden(text=f"pages from {origin} may not read the API; add the origin to cors_origins to allow it")
        return await endpoint(request)


def refuse_if_not_local(request: web.BaseRequest) -> None:
    if not is_loopback(request.remote):
        log.warning("refused a request from %s", request.remote)
        raise web.HTTPForbidden(text="only this computer may use the API")
    if not is_local_host(request.host):
        raise web.HTTPMisdirectedRequest(text=f"Host {request.host!r} is not this computer; use localhost")


def _cors_headers(origin: str) -> dict[str, str]:
    return {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
        "Access-Control-Allow-Headers": "If-None-Match",
        "Access-Control-Expose-Headers": "ETag",
        "Access-Control-Max-Age": "600",
        "Vary": "Origin",
    }


def _kept_headers(error: web.HTTPException) -> dict[str, str]:
    return {"Allow": ", ".join(READ_METHODS)} if error.status == 405 else {}


@lru_cache(maxsize=256)
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


@lru_cache(maxsize=256)
def is_local_host(host: str) -> bool:
    return host_name(host) in LOCAL_HOSTS


def host_name(host: str) -> str:
    """The name part of a Host header, without the port: `[::1]:5820` -> `[::1]`, `localhost:5820` -> `localhost`."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[: host.find("]") + 1] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host
