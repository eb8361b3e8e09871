"""The Data API's rate limit and retries: an httpx transport wrapping the one that talks to the network.

Every answer of the Data API's own host carries `x-ratelimit-limit`, `-remaining` and `-reset` (epoch seconds;
240 calls a minute in practice). `RateLimitPacer` keeps what they said and lets a request go only while the
window has room for it beside every request still in flight, so a long fetch runs at the limit without ever
being refused; when none remain it waits for the reset. Links and chunk files (another host) are not paced:
S3 does not count them.

`PacedTransport` sends through the pacer, and retries what is worth retrying: a 429 after waiting for the
reset, other 5xx and timeouts or connection errors a few times with exponential backoff and jitter. It never
retries a 503 (iRacing's maintenance, which lasts hours: the client stops with the server's message) or a
4xx. Each wait is said through `on_wait` ("rate limit: waiting 12 s") for the progress line.

The body is read inside the transport, so a timeout while reading it is retried like one before the headers.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

import httpx

log = logging.getLogger(__name__)

# Failures of the network itself (nothing, or no full answer, came back): worth a retry.
RETRIED_ERRORS = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)
MAINTENANCE = 503
RATE_LIMITED = 429


@dataclass(frozen=True)
class RetryPolicy:
    """How long and how often the transport tries before it hands a failure back."""

    attempts: int = 4  # retries of a 5xx other than 503, or of a timeout or connection error
    backoff: float = 1.0  # seconds before the first retry; doubled for each next one, with +-50% jitter
    max_backoff: float = 30.0
    rate_limit_retries: int = 8  # 429 answers waited out before the 429 is handed back
    rate_limit_margin: float = 0.5  # after a 429, wait this long past x-ratelimit-reset
    rate_limit_default: float = 10.0  # a 429 that says neither x-ratelimit-reset nor Retry-After
    pace_margin: float = 0.05  # pacing ahead: send this long after the reset the headers announced
    max_wait: float = 900.0  # no rate-limit wait longer than this, whatever a clock says


def origin(url: str | httpx.URL) -> tuple[str, str, int | None]:
    """A URL's origin: scheme, host and port (the default port spelled out), as browsers compare them."""
    url = httpx.URL(url)
    port = url.port or {"http": 80, "https": 443}.get(url.scheme)
    return url.scheme, url.host, port


def _number(headers: httpx.Headers, name: str) -> float | None:
    try:
        return float(headers[name])
    except (KeyError, ValueError):
        return None


def _seconds(seconds: float) -> str:
    return f"{max(1, math.ceil(seconds))} s"


class RateLimitPacer:
    """The Data API's rate-limit window as its headers last said, and who may send next.

    The remaining count an answer reports already counts that request; requests still in flight may not be
    counted yet, so a request goes only while `remaining - in_flight > 0` (cautious: one the server had already
    counted is subtracted twice, until its own answer comes). Answers can arrive out of order: within one window
    (the same reset) the lowest remaining wins; an answer of a window that has already ended is ignored. Before
    the first answer only one request goes (the limit is not known yet); with no headers at all, nothing is paced.
    Once the reset time passes, the window is taken to be full again until an answer says otherwise.

    All of it runs on the event loop's thread, so the state needs no lock: waiters wait for the next change.
    """

    def __init__(
        self,
        policy: RetryPolicy,
        *,
        on_wait: Callable[[str], None] | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self.policy = policy
        self.limit: int | None = None
        self.remaining: int | None = None
        self.reset_at: float | None = None
        self.in_flight = 0
        self.waits = 0  # rate-limit waits so far (for the fetch summary and tests)
        self._answered = False
        self._sleeping = False
        self._changed = asyncio.Event()
        self._on_wait = on_wait
        self._clock = clock
        self._sleep = sleep

    async def acquire(self) -> None:
        """Wait until one more request may go, and count it in flight (`answered` must follow, always)."""
        while (wait := self._take()) is not None:
            if wait < 0:
                await self._changed.wait()
                continue
            self._sleeping = True
            try:
                self.waits += 1
                log.info("rate limit: waiting %.1f s (limit %s)", wait, self.limit)
                if self._on_wait:
                    self._on_wait(f"rate limit: waiting {_seconds(wait)}")
                await self._sleep(wait)
            finally:
                self._sleeping = False
                self._notify()

    def _take(self) -> float | None:
        """None: go (counted in flight); a negative number: wait for a change; else: sleep that long."""
        now = self._clock()
        if self.reset_at is not None and now >= self.reset_at:
            self.remaining, self.reset_at = self.limit, None
        if not self._answered:
            go = self.in_flight == 0
        elif self.remaining is None:
            go = True
        else:
            go = self.remaining - self.in_flight > 0
        if go:
            self.in_flight += 1
            return None
        if self.in_flight or self._sleeping:
            return -1.0
        if self.reset_at is None:  # out of calls, and no word of when they come back
            self.reset_at = now + self.policy.rate_limit_default
        return min(self.reset_at - now + self.policy.pace_margin, self.policy.max_wait)

    def answered(self, response: httpx.Response | None) -> None:
        """A request in flight came back (`None`: it failed, or was cancelled, without an answer)."""
        self.in_flight -= 1
        if response is not None:
            self._answered = True
            self._read(response)
        self._notify()

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def _read(self, response: httpx.Response) -> None:
        now = self._clock()
        headers = response.headers
        limit = _number(headers, "x-ratelimit-limit")
        if limit is not None:
            self.limit = int(limit)
        if response.status_code == RATE_LIMITED:
            self.remaining = 0
            self.reset_at = now + rate_limit_wait(headers, now, self.policy)
            return
        remaining = _number(headers, "x-ratelimit-remaining")
        reset = _reset_time(headers, now)
        if remaining is None or reset is None or reset <= now:
            return
        if self.reset_at is None or reset > self.reset_at:
            self.remaining, self.reset_at = int(remaining), reset
        elif reset == self.reset_at and self.remaining is not None:
            self.remaining = min(self.remaining, int(remaining))


def _reset_time(headers: httpx.Headers, now: float) -> float | None:
    """x-ratelimit-reset as an epoch time (iRacing sends one; a small number is taken as seconds from now)."""
    reset = _number(headers, "x-ratelimit-reset")
    if reset is not None and reset < 1e9:
        reset += now
    return reset


def rate_limit_wait(headers: httpx.Headers, now: float, policy: RetryPolicy) -> float:
    """How long to wait after a 429: to x-ratelimit-reset and a margin, else Retry-After, else the default."""
    reset = _reset_time(headers, now)
    if reset is not None:
        wait = max(reset - now, 0.0) + policy.rate_limit_margin
    elif retry_after := headers.get("retry-after"):
        wait = _retry_after(retry_after, now, policy.rate_limit_default)
    else:
        wait = policy.rate_limit_default
    return min(wait, policy.max_wait)


def _retry_after(value: str, now: float, default: float) -> float:
    """Retry-After in seconds or as an HTTP date."""
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        return max(parsedate_to_datetime(value).timestamp() - now, 0.0)
    except (TypeError, ValueError):
        return default


class PacedTransport(httpx.AsyncBaseTransport):
    """Sends through `inner`, pacing the requests to `paced_origin` and retrying transient failures."""

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        *,
        paced_origin: tuple[str, str, int | None],
        policy: RetryPolicy = RetryPolicy(),
        on_wait: Callable[[str], None] | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.inner = inner
        self.paced_origin = paced_origin
        self.policy = policy
        self.pacer = RateLimitPacer(policy, on_wait=on_wait, clock=clock, sleep=sleep)
        self.paced_requests = 0  # requests sent to the paced origin, retries included
        self.retries = 0
        self._on_wait = on_wait
        self._clock = clock
        self._sleep = sleep
        self._jitter = jitter

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        paced = origin(request.url) == self.paced_origin
        failures = rate_limited = 0
        while True:
            try:
                response = await self._attempt(request, paced)
            except RETRIED_ERRORS as exc:
                if failures >= self.policy.attempts:
                    raise
                failures += 1
                await self._back_off(failures, f"no answer from {request.url.host} ({type(exc).__name__})")
                continue
            status = response.status_code
            if status == RATE_LIMITED and rate_limited < self.policy.rate_limit_retries:
                rate_limited += 1
                if not paced:  # no window is kept for this host: wait here
                    await self._sleep(rate_limit_wait(response.headers, self._clock(), self.policy))
                continue
            maintenance = paced and status == MAINTENANCE  # the Data API's 503; S3's "SlowDown" is retried
            if status >= 500 and not maintenance and failures < self.policy.attempts:
                failures += 1
                await self._back_off(failures, f"{request.url.host} answered {status}")
                continue
            return response

    async def _attempt(self, request: httpx.Request, paced: bool) -> httpx.Response:
        """One try, through the pacer when `paced`; it hears of the answer (or of none) whatever happens."""
        if not paced:
            return await self._send(request)
        await self.pacer.acquire()
        self.paced_requests += 1
        response = None
        try:
            response = await self._send(request)
        finally:
            self.pacer.answered(response)
        return response

    async def _send(self, request: httpx.Request) -> httpx.Response:
        """The answer with its whole body read (raw, still encoded as it came)."""
        response = await self.inner.handle_async_request(request)
        try:
            body = b"".join([part async for part in response.stream])
        finally:
            await response.aclose()
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=httpx.ByteStream(body),
            extensions=response.extensions,
            request=request,
        )

    async def _back_off(self, failure: int, why: str) -> None:
        delay = min(self.policy.backoff * 2 ** (failure - 1), self.policy.max_backoff)
        delay *= 0.5 + self._jitter()
        self.retries += 1
        log.warning("%s: retry %d of %d in %.1f s", why, failure, self.policy.attempts, delay)
        if self._on_wait:
            self._on_wait(f"{why}: retry {failure} of {self.policy.attempts} in {_seconds(delay)}")
        await self._sleep(delay)

    async def aclose(self) -> None:
        await self.inner.aclose()
