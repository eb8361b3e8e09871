"""The crowd hub's wire, from the racer's side: register, push and withdraw votes, look drivers up, health.

Every failure is one line, of three kinds: `Unreachable` (no answer, or the hub cannot serve now: try
again later), `RateLimited` (wait `retry_after` seconds, nothing was written) and `Refused` (the hub said
no: its code and line). The voter's token goes in the Authorization header only: never in a repr, a log
line or an error (httpx logs the method and address, never headers).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from wots_tui.domain.crowd import (
    PLATFORMS,
    Crowd,
    CrowdShapeError,
    Vote,
    crowd_from_objects,
    driver_ref,
    driver_refs,
    vote_object,
)
from wots_tui.domain.notebook import Key
from wots_tui.store.crowd import Refusal

log = logging.getLogger(__name__)

MAX_PUSH = 100  # votes per PUT /v1/votes
MAX_LOOKUP = 64  # drivers per POST /v1/lookup
TIMEOUT = 10.0  # seconds per request
RETRY_AFTER_DEFAULT = 60.0  # a 429 without a readable Retry-After


class HubError(Exception):
    """A request to the hub that did not do what it asked; the message is one line, with no token in it."""


class Unreachable(HubError):
    """The hub did not answer, or cannot serve now (its database away): nothing was done; try again later."""


class RateLimited(HubError):
    """Too many votes for now: nothing was written; the hub says when to try again."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Refused(HubError):
    """The hub said no (a bad token, a request it does not take); `code` is its own, or the HTTP status."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class Pushed:
    """What the hub said to a push: how many it took, and the votes it refused (with why)."""

    accepted: int
    refused: tuple[Refusal, ...]


class HubClient:
    """One hub at `url`; `token` (the voter's, `<voterId>.<secret>`) for the calls that need one."""

    def __init__(self, url: str, token: str | None = None, transport: httpx.AsyncBaseTransport | None = None,
                 timeout: float = TIMEOUT) -> None:
        self.url = url.rstrip("/")
        self.shown = shown_url(self.url)
        self.token = token
        self._http = httpx.AsyncClient(base_url=self.url, timeout=timeout, transport=transport,
                                       headers={"User-Agent": "wots-tui"})

    def __repr__(self) -> str:
        return f"HubClient({self.shown!r}, token={'set' if self.token else 'none'})"

    async def aclose(self) -> None:
        await self._http.aclose()

    async def health(self) -> int:
        """The hub's schema number when it is up; Unreachable when it (or its database) is not."""
        body = await self._request("GET", "/v1/health", auth=False)
        return int(body.get("schema") or 0)

    async def register(self, identities: Iterable[Key]) -> str:
        """A new voter's token; `identities` are the racer's own ids (so they cannot rate themselves)."""
        body = await self._request("POST", "/v1/voters", {"identities": driver_refs(identities)}, auth=False)
        token = body.get("token")
        if not isinstance(token, str) or "." not in token:
            raise Refused(f"the crowd hub at {self.shown} answered a registration without a token", "bad-answer")
        return token

    async def push(self, votes: Sequence[Vote]) -> Pushed:
        """Send votes, MAX_PUSH per request; the refused ones named by driver. A failure stops at the batch it hit
        (the batches before it were taken: a push again resends them, which changes nothing)."""
        accepted, refused = 0, []
        for start in range(0, len(votes), MAX_PUSH):
            batch = votes[start:start + MAX_PUSH]
            body = await self._request("PUT", "/v1/votes", {"votes": [vote_object(v) for v in batch]})
            accepted += _count(body.get("accepted"))
            for item in body.get("refused") or ():
                index = item.get("index") if isinstance(item, dict) else None
                if isinstance(index, int) and 0 <= index < len(batch):
                    vote = batch[index]
                    said = _line(item.get("error")).removeprefix(f"votes[{index}]: ")  # the key says which
                    refused.append(Refusal((vote.platform, vote.driver_id), str(item.get("code") or "refused"),
                                           said or "refused"))
        return Pushed(accepted, tuple(refused))

    async def withdraw(self, key: Key) -> None:
        """Delete the racer's vote about one driver (done also when there was none)."""
        platform, driver_id = key
        await self._request("DELETE", f"/v1/votes/{platform}/{driver_id}")

    async def lookup(self, keys: Sequence[Key]) -> dict[Key, Crowd]:
        """What the crowd says of these drivers, MAX_LOOKUP per request: only those it has enough voters for."""
        found: dict[Key, Crowd] = {}
        wanted = {driver_ref(*key): key for key in keys}
        refs = list(wanted.values())
        for start in range(0, len(refs), MAX_LOOKUP):
            body = await self._request("POST", "/v1/lookup", {"drivers": driver_refs(refs[start:start + MAX_LOOKUP])})
            drivers = body.get("drivers")
            if not isinstance(drivers, dict):
                raise Refused(f"the crowd hub at {self.shown} answered a lookup without drivers", "bad-answer")
            for ref, data in drivers.items():
                key = wanted.get(ref)
                if key is None or not isinstance(data, dict):
                    continue
                try:
                    found[key] = crowd_from_objects(data.get("crowdRep"), data.get("crowdTags"), ref)
                except CrowdShapeError as error:
                    log.warning("the crowd hub's answer for %s is left out: %s", ref, error)
        return found

    async def _request(self, method: str, path: str, body: Any = None, auth: bool = True) -> dict[str, Any]:
        headers = {}
        if auth:
            if not self.token:
                raise Refused("no voter token for the crowd hub yet: register first", "unauthorized")
            headers["Authorization"] = f"Bearer {self.token}"
        try:
            response = await self._http.request(method, path, json=body, headers=headers)
        except httpx.TimeoutException:
            raise Unreachable(f"the crowd hub at {self.shown} did not answer in time") from None
        except httpx.TransportError as error:
            raise Unreachable(f"the crowd hub at {self.shown} cannot be reached ({_reason(error)})") from None
        return _answer(response, self.shown)


def shown_url(url: str) -> str:
    """The hub's address as a line may show it: any login written into it left out."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        return "(the crowd_url setting)"
    return str(parsed.copy_with(username=None, password=None, query=None, fragment=None)) if parsed.userinfo else url


def _answer(response: httpx.Response, shown: str) -> dict[str, Any]:
    status = response.status_code
    if status == 204:
        return {}
    try:
        body = response.json()
    except ValueError:
        body = None
    said = _line(body.get("error")) if isinstance(body, dict) else ""
    if 200 <= status < 300:
        if not isinstance(body, dict):
            raise Unreachable(f"the crowd hub at {shown} answered {status} without a JSON object: is it a wots-tui hub?")
        return body
    if status == 429:
        wait = retry_after(response.headers.get("Retry-After"))
        raise RateLimited(f"the crowd hub asks to wait {wait:.0f} s: {said or 'too many votes for now'}", wait)
    if status >= 500 or status in (404, 405, 421):  # away, or not a hub (a proxy's page): try again later
        raise Unreachable(f"the crowd hub at {shown} answered {status}: {said or response.reason_phrase}")
    code = str(body.get("code")) if isinstance(body, dict) and body.get("code") else "unauthorized" if status == 401 else str(status)
    raise Refused(f"the crowd hub at {shown} refused: {said or response.reason_phrase}", code)


def retry_after(header: str | None) -> float:
    """Seconds from a Retry-After header (a number of seconds; a date or nothing: RETRY_AFTER_DEFAULT)."""
    try:
        return max(0.0, float(header)) if header is not None else RETRY_AFTER_DEFAULT
    except ValueError:
        return RETRY_AFTER_DEFAULT


def known_platform(key: Key) -> bool:
    """A key a vote or a lookup may name: a known platform and a person's id (AI cars have negative ones)."""
    return key[0] in PLATFORMS and key[1] > 0


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def _line(text: Any) -> str:
    return str(text).splitlines()[0][:200] if text else ""


def _reason(error: httpx.TransportError) -> str:
    return _line(str(error)) or type(error).__name__
