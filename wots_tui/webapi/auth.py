"""Logging in to iRacing's OAuth server and keeping a valid access token for the Data API.

Three grants (oauth.iracing.com/oauth2/book/token_endpoint.html): `password_limited` (iRacing's own, for
a client registered for at most three users; it bypasses 2FA), `refresh_token` and `authorization_code`
with PKCE (`login_in_browser`). Every grant that sends the client secret sends it masked, and
password_limited masks the password the same way (`mask`). Refresh tokens are single-use, so each new
pair is saved at once and the processes sharing the token file refresh one at a time (tokens.py). Full
logins are rate-limited (reportedly 12 an hour): one happens only when no refresh token works, at most
once per session, and a refused one is never retried.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
import re
import secrets
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from enum import Enum
from typing import Any, Self
from urllib.parse import urlencode

import httpx

from wots_tui.webapi.browser_login import LoopbackRedirect, Pkce
from wots_tui.webapi.credentials import CredentialSource
from wots_tui.webapi.errors import LoginError
from wots_tui.webapi.tokens import FileLock, TokenFile, Tokens

log = logging.getLogger(__name__)

SCOPE = "iracing.auth"  # the Data API's scope (scopes.html)
EARLY = 60.0  # seconds before its expiry a token counts as expired: it must outlive the call it is for
ACCESS_LIFETIME = 600.0  # seconds, iRacing's documented access token lifetime, when an answer gives none
TOKEN_TIMEOUT = 30.0  # seconds for one answer of the token endpoint, all of it (the token lock waits on it)
TWO_FACTOR = re.compile(r"two[- ]?factor|multi[- ]?factor|\b2fa\b|\bmfa\b", re.IGNORECASE)
RATE_LIMIT = re.compile(r"rate[- ]?limit|too many", re.IGNORECASE)

CREDENTIALS_HINT = "(or {} in [iracing] of config.toml)"
BROWSER_EXPIRED = "your browser login has expired: run `wots-tui login --browser` again"
AGAIN_LATER = "too many logins in the last hour (iRacing allows about 12); wait an hour, then run it again"
NOT_ALLOWED = "the client may not be registered for this login, or the account not on its list of users"


def mask(secret: str, identifier: str) -> str:
    """base64(sha256(secret + identifier.strip().lower())): how the token endpoint wants a client secret
    (identifier: the client id) and a password (identifier: the username) sent."""
    digest = hashlib.sha256((secret + identifier.strip().lower()).encode("utf-8")).digest()
    return base64.b64encode(digest).decode("ascii")


class Grant(Enum):
    """A grant, and what its refusal (invalid_grant) means for the racer."""

    PASSWORD = "password_limited"
    REFRESH = "refresh_token"
    CODE = "authorization_code"


_INVALID_GRANT = {
    Grant.PASSWORD: "iRacing refused the username or password; check IRACING_USERNAME and IRACING_PASSWORD "
    + CREDENTIALS_HINT.format("username and password"),
    Grant.REFRESH: "iRacing refused the saved login (expired, or used by another program)",
    Grant.CODE: "iRacing refused the browser login's code (expired or used); run `wots-tui login --browser`",
}


class TokenRefused(LoginError):
    """The token endpoint said no; `code` is its OAuth error ("invalid_grant", ...), "" when it gave none."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


async def post_token(http: httpx.AsyncClient, token_url: str, form: Mapping[str, str], grant: Grant) -> dict:
    """POST one grant, form-encoded (httpx percent-encodes base64's + / =); the answer's JSON, or a
    one-line LoginError that names no secret."""
    try:
        async with asyncio.timeout(TOKEN_TIMEOUT):  # httpx's timeout is per read or write, not the whole
            response = await http.post(token_url, data=dict(form), headers={"Accept": "application/json"})
    except (httpx.HTTPError, TimeoutError) as error:
        raise LoginError(
            f"cannot reach iRacing's login server at {token_url} ({type(error).__name__}); "
            "check the connection (or oauth_url / WOTS_OAUTH_URL)"
        ) from None
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        body = None
    token = body.get("access_token") if body else None
    if response.status_code == 200 and isinstance(token, str) and token:
        return body
    raise _refusal(response, body, grant, form)


def _refusal(
    response: httpx.Response, body: dict | None, grant: Grant, form: Mapping[str, str]
) -> TokenRefused:
    code = str(body.get("error", "")) if body else ""
    description = _scrubbed(str(body.get("error_description") or ""), form) if body else ""
    log.warning("token endpoint refused %s: HTTP %d %s", grant.value, response.status_code, code or "-")
    if TWO_FACTOR.search(description):
        return TokenRefused(
            "this iRacing account needs two-factor login, which the password login cannot do; "
            "use `wots-tui login --browser`",
            code,
        )
    if response.status_code == 429 or (code == "unauthorized_client" and RATE_LIMIT.search(description)):
        return TokenRefused(f"iRacing refused the login: {AGAIN_LATER}", code)
    if code == "invalid_client":
        return TokenRefused(
            "iRacing refused the OAuth client; check IRACING_CLIENT_ID and IRACING_CLIENT_SECRET "
            + CREDENTIALS_HINT.format("client_id and client_secret"),
            code,
        )
    if code == "invalid_grant":
        return TokenRefused(_INVALID_GRANT[grant], code)
    if body is None or response.status_code >= 500 or not code:
        what = "a web page" if response.text.lstrip().startswith("<") else f"HTTP {response.status_code}"
        return TokenRefused(f"iRacing's login server answered {what}, not a token; try again later", code)
    said = f"{code}: {description}" if description else code
    if code == "unauthorized_client":  # iRacing's answer to too many logins too, but then it says so
        return TokenRefused(f"iRacing refused the login ({said}); {NOT_ALLOWED}", code)
    return TokenRefused(f"iRacing refused the login ({said})", code)


def _scrubbed(text: str, form: Mapping[str, str]) -> str:
    """A server's description as one short line, without any value the request carried."""
    for value in form.values():
        if len(value) >= 8:
            text = text.replace(value, "…")
    return " ".join(text.split())[:160]


def tokens_from(
    body: dict, issued_at: float, client_id: str, confidential: bool, previous: Tokens | None = None
) -> Tokens:
    """Tokens with absolute expiry times; a refresh answered without a new refresh token keeps the old one."""
    expires_in = _seconds(body.get("expires_in")) or ACCESS_LIFETIME
    refresh = body.get("refresh_token") if isinstance(body.get("refresh_token"), str) else None
    if refresh:
        lifetime = _seconds(body.get("refresh_token_expires_in"))
        refresh_expires_at = None if lifetime is None else issued_at + lifetime
    else:
        refresh = previous.refresh_token if previous else None
        refresh_expires_at = previous.refresh_expires_at if previous else None
    return Tokens(
        access_token=body["access_token"],
        access_expires_at=issued_at + expires_in,
        refresh_token=refresh,
        refresh_expires_at=refresh_expires_at,
        client_id=client_id,
        confidential=confidential,
    )


def _seconds(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _client_secret(client_id: str, secret: str | None) -> dict[str, str]:
    """The form's client_secret, masked; none for a public client."""
    return {"client_secret": mask(secret, client_id)} if secret else {}


@asynccontextmanager
async def _http_client(http: httpx.AsyncClient | None) -> AsyncIterator[httpx.AsyncClient]:
    """`http`, or a client of our own for the block."""
    if http is not None:
        yield http
        return
    async with httpx.AsyncClient(timeout=TOKEN_TIMEOUT) as own:
        yield own


@dataclass(frozen=True, slots=True)
class _RefreshClient:
    """The client a refresh is sent for, and its secret (None for a public client), asked before the lock."""

    client_id: str
    confidential: bool
    secret: str | None

    def fits(self, tokens: Tokens) -> bool:
        return (tokens.client_id, tokens.confidential) == (self.client_id, self.confidential)


class OAuthSession:
    """Hands out a valid access token: the one in memory or the token file, else one refresh, else a full
    password_limited login. Shared by every call of one fetch; `logins` and `refreshes` count its grants.
    `on_wait` is told once, in a line for the racer, when another wots-tui holds the token file's lock."""

    def __init__(
        self,
        *,
        oauth_url: str,
        token_file: TokenFile,
        credentials: CredentialSource,
        http: httpx.AsyncClient | None = None,
        clock: Callable[[], float] = time.time,
        on_wait: Callable[[str], None] | None = None,
    ) -> None:
        self._token_url = oauth_url.rstrip("/") + "/token"
        self._file = token_file
        self._credentials = credentials
        self._own_http = http is None
        self._http = http or httpx.AsyncClient(timeout=TOKEN_TIMEOUT)
        self._clock = clock
        self._on_wait = on_wait
        self._tokens: Tokens | None = None
        self._turn = asyncio.Lock()  # this process's calls renew one at a time
        self._failure: LoginError | None = None
        self.logins = 0
        self.refreshes = 0

    async def bearer(self) -> str:
        """A valid access token, refreshed EARLY seconds before it expires."""
        tokens = self._usable(self._tokens) or self._usable(self._file.load())
        if tokens is None:
            async with self._turn:
                tokens = self._usable(self._tokens) or await self._renewed(rejected=None)
        self._tokens = tokens
        return tokens.access_token

    async def renew(self, rejected: str) -> str:
        """A new access token after the Data API refused `rejected` (a 401): the one another call already
        got in its place, else one refresh, else a full login."""
        async with self._turn:
            tokens = self._usable(self._tokens, rejected) or await self._renewed(rejected)
        return tokens.access_token

    async def aclose(self) -> None:
        if self._own_http:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def _usable(self, tokens: Tokens | None, rejected: str | None = None) -> Tokens | None:
        if tokens is None or tokens.access_token == rejected:
            return None
        return tokens if tokens.access_usable(self._clock(), EARLY) else None

    async def _renewed(self, rejected: str | None) -> Tokens:
        """New tokens (in memory and saved); a failure stands for the rest of the session: never a loop."""
        if self._failure is not None:
            raise LoginError(str(self._failure))
        try:
            tokens = await self._refreshed(rejected) or await self._logged_in(rejected)
        except LoginError as error:
            self._failure = error
            raise
        self._tokens = tokens
        return tokens

    def _lock(self) -> FileLock:
        return self._file.lock(on_wait=self._on_wait)

    async def _refreshed(self, rejected: str | None) -> Tokens | None:
        """Tokens another process saved meanwhile, or one refresh's; None when only a full login will do.

        The client secret a refresh needs is asked for before the lock is taken (a prompt may take the
        racer a while, and other processes wait for the lock); should the file hold another client's
        tokens by the time the lock is ours, it is let go and asked for again, once.
        """
        old = self._file.load() or self._tokens
        for _ in range(2):
            client = self._refresh_client(old)
            if client is None:
                return None
            async with self._lock():
                on_file = self._file.load()
                if adopted := self._usable(on_file, rejected):
                    return adopted
                old = on_file or self._tokens
                if old is None or not old.refresh_usable(self._clock(), EARLY):
                    return None
                if client.fits(old):
                    return await self._refresh(old, client.secret)
        return None

    def _refresh_client(self, tokens: Tokens | None) -> _RefreshClient | None:
        """What refreshing `tokens` needs from the credentials; None when they cannot be refreshed."""
        if tokens is None or not tokens.refresh_usable(self._clock(), EARLY):
            return None
        if not tokens.confidential:
            return _RefreshClient(tokens.client_id, False, None)
        client_id, secret = self._credentials.client()
        if client_id != tokens.client_id:
            log.info("the saved login is another client's; logging in with %s", client_id)
            return None
        return _RefreshClient(client_id, True, secret)

    async def _refresh(self, old: Tokens, secret: str | None) -> Tokens | None:
        """One refresh_token grant, under the lock; None when the refresh token was refused."""
        form = {
            "grant_type": Grant.REFRESH.value,
            "client_id": old.client_id,
            "refresh_token": old.refresh_token or "",
        } | _client_secret(old.client_id, secret)
        try:
            tokens = await self._grant(form, Grant.REFRESH, old)
        except TokenRefused as refusal:
            if refusal.code != "invalid_grant":
                raise
            log.info("the saved refresh token was refused; a full login follows")
            return None
        self.refreshes += 1
        self._save(tokens)
        return tokens

    async def _logged_in(self, rejected: str | None) -> Tokens:
        """One password_limited login. The credentials are asked for first, outside the lock (a prompt may
        take the racer a while); then the file is read again, as another process may have logged in."""
        if self.logins:
            raise LoginError(
                "iRacing refused the login this run made (is another program using its token file?); "
                "not logging in twice in one run (iRacing allows about 12 logins an hour): run it again"
            )
        self._check_not_an_expired_browser_login(rejected)
        client_id, secret = self._credentials.client()
        username, password = self._credentials.account()
        async with self._lock():
            if adopted := self._usable(self._file.load(), rejected):
                return adopted
            form = {
                "grant_type": Grant.PASSWORD.value,
                "client_id": client_id,
                "username": username,
                "password": mask(password, username),
                "scope": SCOPE,
            } | _client_secret(client_id, secret)
            tokens = await self._grant(form, Grant.PASSWORD, None)
            self.logins += 1
            self._save(tokens)
            log.info("logged in to iRacing (password_limited) as client %s", client_id)
            return tokens

    def _check_not_an_expired_browser_login(self, rejected: str | None) -> None:
        """A browser login's tokens (a public client's, which cannot log in with a password) that can no
        longer be refreshed need that login again, unless a client secret is set for a password login."""
        saved = self._file.load() or self._tokens
        if (
            saved is not None
            and not saved.confidential
            and not self._usable(saved, rejected)
            and not self._credentials.has_client_secret()
        ):
            raise LoginError(BROWSER_EXPIRED)

    async def _grant(self, form: dict[str, str], grant: Grant, previous: Tokens | None) -> Tokens:
        issued_at = self._clock()  # before asking: the expiry times err early, never late
        body = await post_token(self._http, self._token_url, form, grant)
        return tokens_from(body, issued_at, form["client_id"], "client_secret" in form, previous)

    def _save(self, tokens: Tokens) -> None:
        self._tokens = tokens  # this run goes on with them even if the file cannot be written
        self._file.save(tokens)


async def login_in_browser(
    *,
    oauth_url: str,
    client_id: str,
    client_secret: str | None,
    token_file: TokenFile,
    open_url: Callable[[str], object],
    port: int = 0,
    timeout: float = 300.0,
    http: httpx.AsyncClient | None = None,
) -> None:
    """The authorization_code login with PKCE: `open_url` shows iRacing's login page, which sends the
    browser back to a one-shot server on 127.0.0.1 with a code; the code and the PKCE verifier buy the
    tokens, saved to `token_file`. For clients registered for it (a public one has no secret) and for
    accounts with two-factor login."""
    base = oauth_url.rstrip("/")
    pkce = Pkce.new()
    state = secrets.token_urlsafe(24)
    async with LoopbackRedirect(state, port) as redirect:
        query = {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect.uri,
            "scope": SCOPE,
            "state": state,
            "code_challenge": pkce.challenge,
            "code_challenge_method": "S256",
        }
        open_url(f"{base}/authorize?{urlencode(query)}")
        code = await redirect.code(timeout)
    form = {
        "grant_type": Grant.CODE.value,
        "client_id": client_id,
        "code": code,
        "redirect_uri": redirect.uri,
        "code_verifier": pkce.verifier,
    } | _client_secret(client_id, client_secret)
    issued_at = time.time()
    async with _http_client(http) as client:
        body = await post_token(client, base + "/token", form, Grant.CODE)
    async with token_file.lock():
        token_file.save(tokens_from(body, issued_at, client_id, confidential="client_secret" in form))
    log.info("logged in to iRacing in the browser as client %s", client_id)
