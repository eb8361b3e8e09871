"""The browser's part of an authorization_code login: a PKCE pair, and a one-shot server on 127.0.0.1 that
the login page redirects to with the code (RFC 8252's loopback redirect; RFC 7636's PKCE with S256).

The server answers the redirect with a plain page saying the tab can be closed, hands the code to the
waiting login, and ignores anything else the browser asks (a favicon, an answer for another login).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
from dataclasses import dataclass
from types import TracebackType
from typing import Self

from aiohttp import web

from wots_tui.webapi.errors import LoginError

REDIRECT_PATH = "/callback"
DONE_PAGE = (
    "<!doctype html><meta charset=utf-8><title>wots-tui</title>"
    "<p>{text}</p><p>You can close this tab and go back to wots-tui.</p>"
)


@dataclass(frozen=True, slots=True)
class Pkce:
    """A code verifier (43-128 characters, kept here) and its S256 challenge (sent to the login page)."""

    verifier: str
    challenge: str

    @classmethod
    def new(cls) -> Pkce:
        verifier = secrets.token_urlsafe(64)  # 86 characters of [A-Za-z0-9_-]
        return cls(verifier, s256(verifier))


def s256(verifier: str) -> str:
    """BASE64URL(SHA256(verifier)) without padding, as RFC 7636 4.2 says."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class LoopbackRedirect:
    """`async with LoopbackRedirect(state, port) as redirect:` listens on 127.0.0.1 (port 0: a free one);
    `redirect.uri` is where the login page sends the browser; `await redirect.code(timeout)` is the code."""

    def __init__(self, state: str, port: int = 0) -> None:
        self._state = state
        self._port = port
        self._answer: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._runner = web.ServerRunner(web.Server(self._handle, access_log=None), handle_signals=False)
        self.uri = ""

    async def __aenter__(self) -> Self:
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self._port)
        try:
            await site.start()
        except OSError as error:
            await self._runner.cleanup()
            raise LoginError(
                f"cannot listen on 127.0.0.1 port {self._port} for the browser's answer "
                f"({error.strerror or type(error).__name__}); choose another port"
            ) from None
        port = self._runner.addresses[0][1]
        self.uri = f"http://127.0.0.1:{port}{REDIRECT_PATH}"
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        await self._runner.cleanup()

    async def code(self, timeout: float) -> str:
        """The authorization code the login page sent back; LoginError if declined or never answered."""
        try:
            return await asyncio.wait_for(asyncio.shield(self._answer), timeout)
        except TimeoutError:
            minutes = f"{timeout / 60:g} minutes" if timeout >= 60 else f"{timeout:g} seconds"
            raise LoginError(f"no answer from the browser within {minutes}; run the login again") from None

    async def _handle(self, request: web.BaseRequest) -> web.Response:
        if request.method != "GET" or request.path != REDIRECT_PATH:
            return web.Response(status=404, text="not found")
        query = request.query
        if self._answer.done() or not secrets.compare_digest(query.get("state", ""), self._state):
            return _page(400, "This answer is not for the login wots-tui is waiting for.")
        if query.get("code"):
            self._answer.set_result(query["code"])
            return _page(200, "wots-tui is logged in to iRacing.")
        error = query.get("error", "no code")
        self._answer.set_exception(LoginError(_declined(error)))
        return _page(400, "The login did not complete.")


def _declined(error: str) -> str:
    if error == "access_denied":
        return "the login was declined in the browser; run it again and allow wots-tui"
    shown = "".join(c for c in error if c.isalnum() or c in "_- ")[:60]
    return f"iRacing's login page answered {shown!r} instead of a code; run the login again"


def _page(status: int, text: str) -> web.Response:
    return web.Response(status=status, text=DONE_PAGE.format(text=text), content_type="text/html")
