"""The iRacing Data API client: one call's body, its link and chunk files followed, failures said in one line.

A /data call answers with the data itself (results/search_series, search_hosted) or, mostly, with a `link`
to a presigned S3 file (and member/awards with a `data_url` inside that). Big answers put their rows in
`chunk_info`: `base_download_url` + each of `chunk_file_names`, each a JSON array. The bearer token goes only
to the Data API's own origin (scheme, host, port): S3 refuses a request that carries a second way to sign it,
and a token must never leave for another host. A 401 gets one `renew` of the token and one retry.

Pacing, retries and backoff are `transport.PacedTransport`'s, one layer down; this module turns what is left
into the errors of `errors.py`: 503 is `Maintenance` with the server's own words, any other refusal a
`DataApiError` naming the call and the status. No message carries the token.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from typing import Any, Protocol, Self

import httpx
import orjson

from wots_tui.webapi.errors import DataApiError, LoginError, Maintenance
from wots_tui.webapi.transport import (
    MAINTENANCE,
    RATE_LIMITED,
    RETRIED_ERRORS,
    PacedTransport,
    RetryPolicy,
    origin,
)

log = logging.getLogger(__name__)

BOM = b"\xef\xbb\xbf"
UNAUTHORIZED = 401
MAX_TEXT = 160  # characters of a server's error text kept in a message


class BearerSource(Protocol):
    """What hands the client its access token (auth.OAuthSession, or a test's stand-in)."""

    async def bearer(self) -> str: ...

    async def renew(self, rejected: str) -> str: ...


class DataApi:
    """Calls of the Data API at `base_url` (calls go to `{base_url}/data/{endpoint}`) with `auth`'s token.

    `transport` is the network under the pacing layer (httpx's own by default; tests may hand another);
    `max_in_flight` bounds the requests in flight at once, links and chunks included; `on_wait` hears each
    wait for the rate limit or before a retry, one line each. An async context manager.
    """

    def __init__(
        self,
        base_url: str,
        auth: BearerSource,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        max_in_flight: int = 4,
        on_wait: Callable[[str], None] | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.origin = origin(self.base_url)
        self._auth = auth
        self._transport = PacedTransport(
            transport or httpx.AsyncHTTPTransport(),
            paced_origin=self.origin,
            policy=retry or RetryPolicy(),
            on_wait=on_wait,
        )
        self._http = httpx.AsyncClient(transport=self._transport, timeout=timeout)
        self._slots = asyncio.Semaphore(max_in_flight)

    @property
    def calls(self) -> int:
        """Requests sent to the Data API's host so far, retries included (what its rate limit counts)."""
        return self._transport.paced_requests

    @property
    def rate_limit_waits(self) -> int:
        """Waits for the rate limit's reset so far (pacing ahead, or after a 429)."""
        return self._transport.pacer.waits

    @property
    def retries(self) -> int:
        """Requests sent again after a 5xx, a timeout or a connection error."""
        return self._transport.retries

    async def get(self, endpoint: str, **params: Any) -> Any:
        """The body of `endpoint` ("results/get") with `params`, after following its `link` and `data_url`.

        Lists in `params` are sent comma-separated, booleans as true/false, None left out.
        """
        endpoint = endpoint.strip("/")
        body = await self._call(endpoint, query(params))
        if isinstance(body, dict) and isinstance(body.get("link"), str) and "chunk_info" not in body:
            body = await self._fetch(f"{endpoint} (its link)", body["link"])
        if isinstance(body, dict) and isinstance(body.get("data_url"), str):
            body = await self._fetch(f"{endpoint} (its data_url)", body["data_url"])
        return body

    async def rows(self, body: Any, *, endpoint: str = "", only: int | None = None) -> list[dict]:
        """The rows of `body`'s chunk files, in order (`chunk_info` at the top or under `data`; [] if none);
        with `only`, of that chunk alone (0-based; [] past the last).

        A chunk file that is empty (or `[]`) adds no rows; `endpoint` names the call in an error.
        """
        info = chunk_info(body)
        names = (info or {}).get("chunk_file_names") or []
        if only is not None:
            names = names[only : only + 1] if only >= 0 else []
        if not names:
            return []
        base = info.get("base_download_url") or ""
        what = f"{endpoint} chunk" if endpoint else "chunk"
        try:
            async with asyncio.TaskGroup() as group:  # the first failure cancels the other chunks
                tasks = [
                    group.create_task(self._chunk(f"{what} {n} of {len(names)}", base + name))
                    for n, name in enumerate(names, 1)
                ]
        except ExceptionGroup as failed:
            raise failed.exceptions[0] from None
        return [row for task in tasks for row in task.result()]

    async def _chunk(self, what: str, url: str) -> list[dict]:
        rows = await self._fetch(what, url, empty_ok=True)
        if rows is None:
            return []
        if not isinstance(rows, list):
            raise DataApiError(f"{what}: expected a list of rows, got a JSON {type(rows).__name__}")
        return rows

    async def _call(self, endpoint: str, params: dict[str, str]) -> Any:
        """One /data call with the bearer; a 401 renews the token once and tries again."""
        url = f"{self.base_url}/data/{endpoint}"
        token = await self._auth.bearer()
        response = await self._send(endpoint, url, params, token)
        if response.status_code == UNAUTHORIZED:
            log.info("%s: 401, renewing the access token", endpoint)
            token = await self._auth.renew(token)
            response = await self._send(endpoint, url, params, token)
            if response.status_code == UNAUTHORIZED:
                raise LoginError(
                    f"iRacing refused the login for {endpoint} even after a fresh token (401): "
                    "log out and in again, or check that your client may use the Data API"
                )
        return self._body(endpoint, response, token)

    async def _fetch(self, what: str, url: str, *, empty_ok: bool = False) -> Any:
        """A link or chunk file: no Authorization header, whatever its host."""
        return self._body(what, await self._send(what, url), None, empty_ok=empty_ok)

    async def _send(
        self, what: str, url: str, params: dict[str, str] | None = None, token: str | None = None
    ) -> httpx.Response:
        """GET `url`; the bearer is attached only when `url` is on the Data API's own origin."""
        same_origin = origin(url) == self.origin
        headers = {"Authorization": f"Bearer {token}"} if token and same_origin else {}
        async with self._slots:
            try:
                response = await self._http.get(
                    url, params=params, headers=headers, follow_redirects=not headers
                )
            except RETRIED_ERRORS as exc:
                tries = self._transport.policy.attempts + 1
                raise DataApiError(
                    f"{what}: no answer from {httpx.URL(url).host} after {tries} tries ({_kind(exc)})"
                ) from None
            except httpx.HTTPError as exc:
                raise DataApiError(f"{what}: the request failed ({_kind(exc)})") from None
        log.debug("%s: %d, %d bytes", what, response.status_code, len(response.content))
        return response

    def _body(self, what: str, response: httpx.Response, token: str | None, *, empty_ok: bool = False) -> Any:
        status = response.status_code
        content = response.content.removeprefix(BOM)
        if status == MAINTENANCE and origin(response.url) == self.origin:  # not a link's host: S3 "SlowDown"
            raise Maintenance(
                f"iRacing says: {error_text(content, token, prefer='note') or 'down for maintenance'}"
            )
        if status == RATE_LIMITED:
            raise DataApiError(f"{what}: iRacing's rate limit still refused it after waiting ({status})")
        if not 200 <= status < 300:
            said = error_text(content, token)
            raise DataApiError(
                f"{what}: {response.url.host} answered {status} {response.reason_phrase}"
                + (f": {said}" if said else "")
            )
        if not content.strip():
            if empty_ok:
                return None
            raise DataApiError(f"{what}: {response.url.host} answered {status} with nothing in it")
        if content.lstrip()[:1] == b"<":
            raise DataApiError(f"{what}: {response.url.host} answered {status} with a web page, not data")
        try:
            return orjson.loads(content)
        except orjson.JSONDecodeError as exc:
            raise DataApiError(f"{what}: the answer is not valid JSON ({exc})") from None

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


def query(params: dict[str, Any]) -> dict[str, str]:
    """Call parameters as the Data API takes them: lists comma-separated, booleans lower case, None left out."""
    out: dict[str, str] = {}
    for name, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            out[name] = "true" if value else "false"
        elif isinstance(value, list | tuple | set | frozenset):
            out[name] = ",".join(str(v) for v in value)
        else:
            out[name] = str(value)
    return out


def chunk_info(body: Any) -> dict | None:
    """A body's `chunk_info`, at `body["chunk_info"]` or `body["data"]["chunk_info"]`; None when it has none."""
    if not isinstance(body, dict):
        return None
    info = body.get("chunk_info")
    if info is None and isinstance(body.get("data"), dict):
        info = body["data"].get("chunk_info")
    return info if isinstance(info, dict) else None


def error_text(content: bytes, token: str | None, prefer: str = "") -> str:
    """What a refusal says, on one line: a JSON error's fields, an S3 XML error's code and message, or text.

    A JSON error's `prefer` field alone when it has one (a maintenance `note`). A web page says only that it is
    one. The token, should a server ever echo it, is cut out.
    """
    text = content.decode("utf-8", "replace").strip()
    if not text:
        return ""
    if text.startswith("{"):
        try:
            said = orjson.loads(content)
        except orjson.JSONDecodeError:
            said = None
        if isinstance(said, dict) and prefer and said.get(prefer):
            text = str(said[prefer])
        elif isinstance(said, dict):
            parts = [
                str(said[key]) for key in ("error", "message", "note", "error_description") if said.get(key)
            ]
            text = ": ".join(parts) or text
    elif text.startswith(("<?xml", "<Error")):
        parts = [
            m.group(1)
            for key in ("Code", "Message")
            if (m := re.search(f"<{key}>(.*?)</{key}>", text, re.DOTALL))
        ]
        text = ": ".join(parts) or "an XML error"
    elif text.startswith("<"):
        text = "a web page"
    if token:
        text = text.replace(token, "<token>")
    text = " ".join(text.split())
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def _kind(exc: Exception) -> str:
    """An httpx error's kind in words ("ReadTimeout" -> "read timeout"): its message may hold a signed URL."""
    return re.sub(r"(?<!^)(?=[A-Z])", " ", type(exc).__name__).lower()
