"""Talking to an AMS2 dedicated server's HTTP API: GET with a query, HTTP Basic, the `result`/`response` envelope.

Every failure becomes an `Ams2Problem` whose message is one line for the racer: the server not answering,
a password refused, a level too low, an error page where JSON was due. The server's address is shown without
any password written into it (`http://user:pass@host` works as an address too).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import httpx

TIMEOUT = httpx.Timeout(3.0, connect=2.0)  # a LAN server answers in milliseconds; a slow one is said to be slow


class Ams2Problem(Exception):
    """Why the server could not be read; `str()` is one line for the racer."""


class Unreachable(Ams2Problem):
    """No answer: refused, timed out, the connection dropped."""


class LoginRefused(Ams2Problem):
    """401: no login, or a wrong one, for what was asked; `realm` is the server's, as ', realm "name"' or ""."""

    def __init__(self, message: str, realm: str = "") -> None:
        super().__init__(message)
        self.realm = realm


class LevelTooLow(Ams2Problem):
    """403: the login is right but its access level does not reach what was asked."""


class BadAnswer(Ams2Problem):
    """An answer that is not the API's: an HTML error page, not JSON, a `result` other than ok."""


def shown_url(url: str) -> str:
    """The address as the racer may see it: never with a password in it."""
    parsed = httpx.URL(url)
    return str(parsed.copy_with(username=None, password=None)) if parsed.userinfo else url


class Ams2Http:
    """One server, one login, one connection pool; `get` returns the envelope's `response` (or None)."""

    def __init__(self, url: str, user: str = "", password: str = "", timeout: httpx.Timeout = TIMEOUT) -> None:
        self.url = shown_url(url)
        self.user = user or httpx.URL(url).username
        auth = httpx.BasicAuth(user, password) if user else None
        self._client = httpx.Client(base_url=url.rstrip("/") + "/", auth=auth, timeout=timeout, follow_redirects=False)

    @property
    def who(self) -> str:
        """The login, as messages name it."""
        return f"the login {self.user!r}" if self.user else "a request with no login"

    def close(self) -> None:
        self._client.close()

    def get(self, path: str, **params: Any) -> Any:
        """GET `path` (no leading slash) with `params`; True params are sent bare (`?attributes&members`)."""
        query = "&".join(name if value is True else f"{name}={quote(str(value), safe='')}" for name, value in params.items() if value is not None)
        try:
            response = self._client.get(path + ("?" + query if query else ""))
        except httpx.TimeoutException:
            raise Unreachable("the AMS2 server is not answering (timed out)") from None
        except httpx.HTTPError as error:
            raise Unreachable(f"the AMS2 server is not answering ({_why(error)})") from None
        return self._response(path, response)

    def _response(self, path: str, response: httpx.Response) -> Any:
        status = response.status_code
        if status == 401:
            realm = _realm(response.headers.get("www-authenticate", ""))
            raise LoginRefused(f"the AMS2 server refused {self.who} for {path} (401{realm}): check --ams2-user and --ams2-password", realm)
        if status == 403:
            raise LevelTooLow(f"the AMS2 server does not let {self.who} read {path} (403 Forbidden)")
        body = _json(response)
        if status != 200 or body is None or not isinstance(body, dict) or body.get("result") != "ok":
            raise BadAnswer(f"the AMS2 server answered {path} with {_described(status, response, body)}")
        return body.get("response")


def _why(error: httpx.HTTPError) -> str:
    if isinstance(error, httpx.ConnectError):
        return "connection refused"
    if isinstance(error, httpx.RemoteProtocolError):
        return "the connection dropped"
    return type(error).__name__


def _realm(header: str) -> str:
    marker = 'realm="'
    if marker not in header:
        return ""
    realm = header.split(marker, 1)[1].split('"', 1)[0]
    return f', realm "{realm}"' if realm else ""


def _json(response: httpx.Response) -> Any:
    try:
        return json.loads(response.content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None


def _described(status: int, response: httpx.Response, body: Any) -> str:
    """An answer that is not a success, in a few words: its status, and the server's message if it gave one."""
    reason = response.reason_phrase or "error"
    if isinstance(body, dict) and body.get("message"):
        return f"{status} {reason}: {' '.join(str(body['message']).split())}"
    if body is None:
        kind = "an error page" if "html" in response.headers.get("content-type", "") else "something that is not JSON"
        return f"{kind} ({status} {reason})"
    return f"{status} {reason}"
