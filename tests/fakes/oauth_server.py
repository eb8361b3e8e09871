"""A fake of iRacing's OAuth server (oauth.iracing.com/oauth2): the token endpoint's three grants and the
authorize page, answering as the book's token_endpoint.html and error pages say.

It checks what the real one checks: the form is form-encoded, the client secret and the password arrive
masked (computed here with hashlib, not with the code under test), refresh tokens are single-use and
rotate, a code is for one client, one redirect URI and one PKCE verifier. The authorize page redirects at
once, as if the racer had approved. Faults for the next answers are queued with `fail_next`.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qsl, urlencode

from aiohttp import web

Fault = Literal[
    "rate_limited",
    "unauthorized_client",
    "grant_not_allowed",
    "invalid_grant",
    "two_factor",
    "server_down",
    "access_denied",
]

# each fault: the HTTP status and the JSON the token endpoint answers (None: an HTML page)
FAULTS: dict[str, tuple[int, dict[str, str] | None]] = {
    "rate_limited": (429, {"error": "rate_limited", "error_description": "Rate limit exceeded"}),
    "unauthorized_client": (
        400,
        {"error": "unauthorized_client", "error_description": "The client has exceeded its rate limit"},
    ),
    "grant_not_allowed": (  # the client is not registered for the grant, or the user not on its list
        400,
        {"error": "unauthorized_client", "error_description": "Client is not authorized for this grant type"},
    ),
    "invalid_grant": (400, {"error": "invalid_grant", "error_description": "The grant is invalid"}),
    "two_factor": (
        400,
        {"error": "invalid_grant", "error_description": "Account requires two-factor authentication (2FA)"},
    ),
    "server_down": (503, None),
    "access_denied": (400, {"error": "access_denied", "error_description": "The user declined"}),
}
MAINTENANCE_PAGE = "<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>"


def masked(secret: str, identifier: str) -> str:
    """The token endpoint's mask, written out again here so the fake checks the client, not itself."""
    return base64.b64encode(
        hashlib.sha256(f"{secret}{identifier.strip().lower()}".encode()).digest()
    ).decode()


@dataclass(frozen=True, slots=True)
class _Code:
    client_id: str
    redirect_uri: str
    challenge: str


class FakeOAuth:
    """`users`: username -> password; `clients`: client id -> secret (None: a public PKCE client)."""

    def __init__(
        self,
        users: dict[str, str],
        clients: dict[str, str | None],
        *,
        access_lifetime: float = 600.0,
        refresh_lifetime: float = 7 * 86400.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.users = {name.strip().lower(): password for name, password in users.items()}
        self.clients = dict(clients)
        self.access_lifetime = access_lifetime
        self.refresh_lifetime = refresh_lifetime
        self.clock = clock
        self.delay = 0.0  # seconds each token answer waits: widens races between clients in tests
        self.logins = 0  # full logins granted: password_limited and authorization_code
        self.refreshes = 0
        self.grants: list[str] = []  # every grant_type asked for, granted or not, in order
        self.bodies: list[bytes] = []  # every token request's body as it arrived
        self.issued: list[str] = []  # every access and refresh token handed out (to grep output for them)
        self._faults: list[Fault] = []
        self._access: dict[str, float] = {}  # live access token -> expiry
        self._refresh: dict[str, tuple[str, float]] = {}  # unused refresh token -> (client id, expiry)
        self._codes: dict[str, _Code] = {}

    def add_routes(self, app: web.Application, prefix: str = "/oauth2") -> None:
        app.router.add_post(f"{prefix}/token", self._token)
        app.router.add_get(f"{prefix}/authorize", self._authorize)

    def fail_next(self, *faults: Fault) -> None:
        """Answer the next requests (token or authorize, one each) with these faults, in order."""
        self._faults.extend(faults)

    def bearer_is_valid(self, authorization_header: str | None) -> bool:
        scheme, _, token = (authorization_header or "").partition(" ")
        return scheme == "Bearer" and self._access.get(token, 0.0) > self.clock()

    def expire_access_tokens(self) -> None:
        """Every access token handed out so far stops working (the client's clock does not know)."""
        self._access.clear()

    async def _token(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.bodies.append(body)
        if self.delay:
            await asyncio.sleep(self.delay)
        if request.content_type != "application/x-www-form-urlencoded":
            return _error(400, "invalid_request", "The body must be application/x-www-form-urlencoded")
        form = dict(parse_qsl(body.decode("ascii"), keep_blank_values=True))
        grant = form.get("grant_type", "")
        self.grants.append(grant)
        if self._faults:
            status, answer = FAULTS[self._faults.pop(0)]
            if answer is None:
                return web.Response(status=status, text=MAINTENANCE_PAGE, content_type="text/html")
            return web.json_response(answer, status=status)
        client_id = form.get("client_id", "")
        if not self._client_ok(client_id, form.get("client_secret")):
            return _error(401, "invalid_client", "Client authentication failed")
        if grant == "password_limited":
            return self._password(form, client_id)
        if grant == "refresh_token":
            return self._refreshed(form, client_id)
        if grant == "authorization_code":
            return self._exchanged(form, client_id)
        return _error(400, "unsupported_grant_type", f"Unsupported grant type {grant!r}")

    def _client_ok(self, client_id: str, sent_secret: str | None) -> bool:
        if client_id not in self.clients:
            return False
        secret = self.clients[client_id]
        if secret is None:
            return sent_secret is None
        return sent_secret == masked(secret, client_id)

    def _password(self, form: dict[str, str], client_id: str) -> web.Response:
        if self.clients[client_id] is None:
            return _error(400, "unauthorized_client", "A public client cannot use password_limited")
        if "iracing.auth" not in form.get("scope", "").split():
            return _error(400, "invalid_scope", "The scope iracing.auth is required")
        username = form.get("username", "")
        password = self.users.get(username.strip().lower())
        if password is None or form.get("password") != masked(password, username):
            return _error(400, "invalid_grant", "Invalid username or password")
        self.logins += 1
        return self._issued(client_id)

    def _refreshed(self, form: dict[str, str], client_id: str) -> web.Response:
        owner, expires_at = self._refresh.pop(form.get("refresh_token", ""), ("", 0.0))
        if owner != client_id or expires_at <= self.clock():
            return _error(400, "invalid_grant", "The refresh token is invalid, expired or already used")
        self.refreshes += 1
        return self._issued(client_id)

    def _exchanged(self, form: dict[str, str], client_id: str) -> web.Response:
        code = self._codes.pop(form.get("code", ""), None)
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if code is None or code.client_id != client_id or code.redirect_uri != form.get("redirect_uri"):
            return _error(400, "invalid_grant", "The authorization code is invalid or already used")
        if challenge != code.challenge:
            return _error(400, "invalid_grant", "The code verifier does not match the challenge")
        self.logins += 1
        return self._issued(client_id)

    def _issued(self, client_id: str) -> web.Response:
        access, refresh = (
            f"fake-access-{secrets.token_urlsafe(24)}",
            f"fake-refresh-{secrets.token_urlsafe(24)}",
        )
        now = self.clock()
        self._access[access] = now + self.access_lifetime
        self._refresh[refresh] = (client_id, now + self.refresh_lifetime)
        self.issued += [access, refresh]
        return web.json_response(
            {
                "access_token": access,
                "token_type": "Bearer",
                "expires_in": self.access_lifetime,
                "refresh_token": refresh,
                "refresh_token_expires_in": self.refresh_lifetime,
                "scope": "iracing.auth",
            }
        )

    async def _authorize(self, request: web.Request) -> web.Response:
        query = request.query
        redirect_uri = query.get("redirect_uri", "")
        if (
            query.get("response_type") != "code"
            or query.get("client_id") not in self.clients
            or query.get("code_challenge_method") != "S256"
            or not query.get("code_challenge")
            or not query.get("state")
            or not redirect_uri.startswith("http://127.0.0.1:")
        ):
            return web.Response(status=400, text="bad authorize request")
        if self._faults:
            _, answer = FAULTS[self._faults.pop(0)]
            error = answer["error"] if answer else "server_error"
            raise web.HTTPFound(f"{redirect_uri}?{urlencode({'error': error, 'state': query['state']})}")
        code = secrets.token_urlsafe(24)
        self._codes[code] = _Code(query["client_id"], redirect_uri, query["code_challenge"])
        raise web.HTTPFound(f"{redirect_uri}?{urlencode({'code': code, 'state': query['state']})}")


def _error(status: int, error: str, description: str) -> web.Response:
    return web.json_response({"error": error, "error_description": description}, status=status)


@asynccontextmanager
async def serve(fake: FakeOAuth, prefix: str = "/oauth2") -> AsyncIterator[str]:
    """`fake` alone on a free port of 127.0.0.1; yields its oauth_url (`http://127.0.0.1:N/oauth2`)."""
    app = web.Application()
    fake.add_routes(app, prefix)
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}{prefix}"
    finally:
        await runner.cleanup()
