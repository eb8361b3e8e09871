"""A fake AMS2 dedicated server's HTTP API on 127.0.0.1, answering as ../shared/reference/ams2-dedicated-server.md
(sections 1-5 and 7) says the real one does:

    server = FakeAms2Server()
    await server.start()                 # server.url: http://127.0.0.1:N
    server.session.start(); refid = server.session.join("Ana Souza", "76561198012345678", host=True)
    ...
    server.kicks, server.chats, server.requests   # what clients asked for, in order
    server.fault = "401"                 # every answer refused until set back to None

Bodies are pretty-printed with `"key" : value`; GET only; HTTP Basic auth against `users` with the default
access levels (public, private, admin); 401/403/404 as the server's HTML page. The session and its event log
are ams2_session.FakeSession. Run it alone (`python -m tests.fakes.ams2_server --port 9000`) for a looping
race weekend (ScriptedRace) to point wots-tui at.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

from .ams2_session import LIST_ALL, FakeSession, catalogue

DEFAULT_USERS = {"admin": ("admin-pw", "admin"), "viewer": ("viewer-pw", "private"), "guest": ("guest-pw", "public")}
LEVELS = ("public", "private", "admin")
REALM = "Automobilista 2 DedicatedServer"
BAD_REFID = "Supplied refid does not reference a valid connected player. "
HEADERS = {"Server": "Automobilista 2 DedicatedServer", "Cache-Control": "must-revalidate,no-cache,no-store"}
JSON_TYPE = "application/json; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"
REASONS = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found",
           500: "Internal Server Error", 501: "Not Implemented"}
FAULTS = {"401": 401, "403": 403, "404": 404, "500-html": 500}  # the HTML ones; "error-json", "slow", "garbage"
VERSION = {"build_version": 87, "protocol_version": 135, "lua_version": 301}  # pC1's sample (AMS2's not seen)


def pretty(obj: Any) -> bytes:
    """The server's JSON: 2-space indent, a space each side of the colon."""
    return json.dumps(obj, indent=2, separators=(",", " : "), ensure_ascii=False).encode()


def _flag(query: Any, name: str) -> bool:
    """A bool parameter: present (`?members`), `=1` and `=true` all mean yes."""
    return name in query and query[name].lower() not in ("0", "false")


class _Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _int(query: Any, name: str, message: str) -> int:
    try:
        return int(query[name])
    except (KeyError, ValueError):
        raise _Refused(400, message) from None


Handler = Callable[[Any], Any]


class FakeAms2Server:
    """An AMS2 dedicated server's HTTP API, in aiohttp on 127.0.0.1. See the module's docstring."""

    def __init__(self, *, users: dict[str, tuple[str, str]] | None = None, anonymous: str = "public",
                 log_size: int = 1000, clock: Callable[[], float] = time.time) -> None:
        self.users = DEFAULT_USERS if users is None else users
        self.anonymous = anonymous
        self.session = FakeSession(log_size=log_size, clock=clock)
        self.kicks: list[tuple[int, int | None]] = []
        self.chats: list[tuple[str, int | None]] = []
        self.requests: list[str] = []
        self.fault: str | None = None
        self.slow_seconds = 5.0
        self.port = 0
        self._runner: web.AppRunner | None = None
        self._routes: dict[str, tuple[str, Handler]] = {
            "api/help": ("public", self._help),
            "api/version": ("public", lambda q: VERSION),
            "api/log/overview": ("private", lambda q: self.session.log.overview()),
            "api/log/range": ("private", self._range),
            "api/session/status": ("private", self._status),
            "api/session/kick": ("admin", self._kick),
            "api/session/send_chat": ("admin", self._send_chat),
            "api/session/set_attributes": ("admin", lambda q: None),
            "api/session/set_next_attributes": ("admin", lambda q: None),
            "api/session/advance": ("admin", lambda q: self.session.advance()),
            "api/restart": ("admin", lambda q: self.session.restart()),
        }
        self._lists = _lists()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self, port: int = 0) -> None:
        """Listen on 127.0.0.1:`port` (0: a free one, or the port of the last start)."""
        app = web.Application()
        app.router.add_route("*", "/{path:.*}", self._serve)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None, handler_cancellation=True,
                                     shutdown_timeout=0.1)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", port or self.port).start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        """The server goes away: its socket closes, and connecting is refused until `start()` again."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # --- serving ----------------------------------------------------------------------------------------

    async def _serve(self, request: web.Request) -> web.Response:
        self.requests.append(request.raw_path)
        if self.fault == "slow":
            await asyncio.sleep(self.slow_seconds)
        elif self.fault in FAULTS:
            return _page(FAULTS[self.fault])
        elif self.fault == "error-json":
            return _json({"result": "error", "message": "Internal error, please try again later. "}, 500)
        elif self.fault == "garbage":
            return web.Response(body=b"\x00<<not json>>", headers={**HEADERS, "Content-Type": JSON_TYPE})
        if request.method != "GET":
            return _page(501)
        route = self._route(request.path.strip("/"))
        if route is None:
            return _page(404)
        level, handler = route
        refusal = self._refusal(level, request.headers.get("Authorization"))
        if refusal:
            return _page(refusal)
        try:
            answer = handler(request.query)
        except _Refused as refused:
            return _json({"result": "error", "message": str(refused)}, refused.status)
        if isinstance(answer, bytes):
            return _body(answer, 200)
        return _json({"result": "ok"} if answer is None else {"result": "ok", "response": answer})

    def _refusal(self, level: str, authorization: str | None) -> int | None:
        """401 for no or wrong credentials below the path's level, 403 for right ones; None: go ahead."""
        user = _basic(authorization)
        known = user is not None and user[0] in self.users and self.users[user[0]][0] == user[1]
        have = self.users[user[0]][1] if known and user else self.anonymous
        if LEVELS.index(have) >= LEVELS.index(level):
            return None
        return 403 if known else 401

    # --- the endpoints ----------------------------------------------------------------------------------

    def _help(self, query: Any) -> dict[str, Any]:
        return {"methods": [{"name": path, "access": level} for path, (level, _) in self._routes.items()]}

    def _route(self, path: str) -> tuple[str, Handler] | None:
        """The path's access level and handler; None: no such path."""
        if path in self._routes:
            return self._routes[path]
        if path == "api/list/all":
            return "public", lambda q: LIST_ALL.read_bytes()  # the real body, byte for byte
        listed = self._lists.get(path.removeprefix("api/list/"))
        return None if listed is None else ("public", lambda q: listed)

    def _range(self, query: Any) -> dict[str, Any]:
        offset = _int(query, "offset", "Missing or invalid parameter 'offset'. ")
        count = _int(query, "count", "Missing or invalid parameter 'count'. ")
        return self.session.log.range(offset, count)

    def _status(self, query: Any) -> dict[str, Any]:
        return self.session.status(attributes=_flag(query, "attributes"), members=_flag(query, "members"),
                                   participants=_flag(query, "participants"))

    def _kick(self, query: Any) -> None:
        refid = _int(query, "refid", BAD_REFID)
        ban = _int(query, "ban", "Value of parameter 'ban' is invalid. ") if "ban" in query else None
        if refid not in self.session.members:
            raise _Refused(400, BAD_REFID)
        self.kicks.append((refid, ban))
        self.session.leave(refid, "kicked", game_reason_id=2)

    def _send_chat(self, query: Any) -> None:
        if "message" not in query:
            raise _Refused(400, "Missing required parameter 'message'. ")
        refid = _int(query, "refid", BAD_REFID) if "refid" in query else None
        if refid is not None and refid not in self.session.members:
            raise _Refused(400, BAD_REFID)
        self.chats.append((query["message"], refid))
        self.session.server_chat(query["message"], refid)


def _lists() -> dict[str, Any]:
    """What api/list/<name> serves, from the real api/list/all: each list by its key ("vehicles",
    "enums/damage"), and "attributes", "enums", "flags" as maps of theirs (keys without the prefix)."""
    lists: dict[str, Any] = dict(catalogue())
    for group in ("attributes", "enums", "flags"):
        lists[group] = {key.partition("/")[2]: value for key, value in catalogue().items()
                        if key.startswith(group + "/")}
    lists["enums"]["livetrack_preset"] = catalogue()["livetrack_preset"]
    return lists


def _basic(authorization: str | None) -> tuple[str, str] | None:
    """(user, password) from a Basic Authorization header; None when there is none or it is not Basic."""
    scheme, _, encoded = (authorization or "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, colon, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (user, password) if colon else None


def _body(body: bytes, status: int, content_type: str = JSON_TYPE, **headers: str) -> web.Response:
    return web.Response(body=body, status=status, reason=REASONS.get(status, "OK"),
                        headers={**HEADERS, "Content-Type": content_type, **headers})


def _json(obj: Any, status: int = 200) -> web.Response:
    return _body(pretty(obj), status)


def _page(status: int) -> web.Response:
    """The server's HTML error page; a 401 asks for Basic credentials."""
    title = f"{status} {REASONS[status]}"
    page = f"<html><head><title>{title}</title></head><body><h1>{title}, Oops</h1></body></html>"
    extra = {"WWW-Authenticate": f'Basic realm="{REALM}"'} if status == 401 else {}
    return _body(page.encode(), status, HTML_TYPE, **extra)
