"""The hub's HTTP side: aiohttp routes under /v1/, and the middleware that makes every failure a JSON line.

No traceback and no token ever goes into a response: a fault is logged (without the request's headers) and
answered with a 500 and one line; a database that went away is a 503 until it is back.
"""

from __future__ import annotations

import errno
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import asyncpg
import orjson
from aiohttp import web

from wots_tui.domain.crowd import CrowdShapeError, driver_from_object, vote_from_object
from wots_tui.hub import auth, limits, lookup, votes
from wots_tui.hub.database import Connections, away, one_line, open_pool
from wots_tui.hub.settings import HubError, HubSettings

log = logging.getLogger(__name__)

MAX_BODY = 64 * 1024
MAX_VOTES = 100
MAX_LOOKUP = 64
MAX_IDENTITIES = 4

SETTINGS = web.AppKey("settings", HubSettings)
DATABASE = web.AppKey("database", Connections)
HASHES = web.AppKey("hashes", auth.KnownHashes)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class BadRequest(Exception):
    """A body that is not what the endpoint takes; the message says what, in one line."""


def make_app(settings: HubSettings) -> web.Application:
    """The hub: its pool opens (and the schema migrates) with the app, and closes with it."""
    app = web.Application(client_max_size=MAX_BODY, middlewares=[json_errors])
    app[SETTINGS] = settings
    app[HASHES] = auth.KnownHashes()
    app.cleanup_ctx.append(_database)
    app.add_routes([
        web.get("/v1/health", health),
        web.post("/v1/voters", register),
        web.put("/v1/votes", put_votes),
        web.delete("/v1/votes/{platform}/{driver_id}", delete_vote),
        web.post("/v1/lookup", post_lookup),
    ])
    return app


@asynccontextmanager
async def running(settings: HubSettings) -> AsyncIterator[str]:
    """The hub listening on settings.host and .port (0: a free one), its URL yielded; HubError in one line
    when its database or its port cannot be had."""
    runner = web.AppRunner(make_app(settings), access_log=None)  # the log is for faults, not every request
    await runner.setup()
    try:
        site = web.TCPSite(runner, settings.host, settings.port)
        try:
            await site.start()
        except OSError as failure:
            if failure.errno == errno.EADDRINUSE:
                raise HubError(f"port {settings.port} is in use by another program; choose another with --port") from None
            raise HubError(f"the hub cannot listen on {settings.host} port {settings.port}: "
                           f"{failure.strerror or failure}") from None
        host, port = runner.addresses[0][:2]
        yield f"http://{f'[{host}]' if ':' in host else host}:{port}"
    finally:
        await runner.cleanup()


async def _database(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    pool = await open_pool(settings)
    app[DATABASE] = Connections(pool, settings.pool_size)
    try:
        yield
    finally:
        await pool.close()


def answer(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(status=status, body=orjson.dumps(body), content_type="application/json", headers=headers)


def error(status: int, message: str, code: str | None = None, headers: dict[str, str] | None = None) -> web.Response:
    return answer({"error": message} if code is None else {"error": message, "code": code}, status, headers)


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as failure:
        if failure.status < 400:
            raise
        kept = {name: failure.headers[name] for name in ("Allow",) if name in failure.headers}
        return error(failure.status, failure.text or failure.reason, headers=kept)
    except auth.BadToken as failure:
        return error(401, str(failure), headers={"WWW-Authenticate": "Bearer"})
    except (BadRequest, CrowdShapeError) as failure:
        return error(400, str(failure))
    except limits.RateLimited as failure:
        return error(429, str(failure), "rate-limit", {"Retry-After": str(failure.retry_after)})
    except Exception as failure:
        if away(failure):
            log.warning("the hub's database did not answer %s %s: %s", request.method, request.path,
                        one_line(failure))
            return error(503, "the hub's database is not answering; try again later")
        log.exception("the hub failed on %s %s", request.method, request.path)
        return error(500, "internal error; the details are in the hub's log")


def items_of(raw: bytes, key: str, least: int, most: int) -> list[Any]:
    """The list under `key` of a JSON object body, of `least`..`most` items; BadRequest otherwise."""
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as failure:
        raise BadRequest(f"the body is not JSON: {failure}") from None
    items = body.get(key) if isinstance(body, dict) else None
    if not isinstance(items, list):
        raise BadRequest(f'the body must be an object with a "{key}" list')
    if not least <= len(items) <= most:
        raise BadRequest(f'"{key}" must hold {least} to {most} items, not {len(items)}')
    return items


async def voter_of(request: web.Request, connection: asyncpg.Connection) -> int:
    """The voter whose token the request carries; auth.BadToken otherwise."""
    voter_id, secret = auth.bearer(request.headers.get("Authorization"))
    known = request.app[HASHES]
    stored = known.get(voter_id)
    if stored is None or not auth.matches(secret, stored):
        stored = await connection.fetchval("SELECT token_hash FROM voters WHERE voter_id = $1", voter_id)
        if stored is not None:
            known.add(voter_id, stored)
    auth.check_secret(secret, stored)
    return voter_id


async def health(request: web.Request) -> web.Response:
    try:
        async with request.app[DATABASE].connection() as connection:
            schema = await connection.fetchval("SELECT max(version) FROM schema_migrations", timeout=5)
    except Exception as failure:
        if not away(failure):
            raise
        log.warning("health: the database did not answer: %s", one_line(failure))
        return answer({"status": "down", "error": "the hub's database is not answering"}, 503)
    return answer({"status": "ok", "schema": schema})


async def register(request: web.Request) -> web.Response:
    identities = [driver_from_object(item, f"identities[{n}]")
                  for n, item in enumerate(items_of(await request.read(), "identities", 0, MAX_IDENTITIES))]
    settings = request.app[SETTINGS]
    secret, hashed = auth.new_secret()
    async with request.app[DATABASE].connection() as connection, connection.transaction():
        await limits.count(connection, f"address:{request.remote}", 1, datetime.now(UTC),
                           settings.registrations_per_hour, 24 * settings.registrations_per_hour, "registrations")
        voter_id = await connection.fetchval("INSERT INTO voters (token_hash) VALUES ($1) RETURNING voter_id", hashed)
        await connection.execute(
            "INSERT INTO voter_identities (voter_id, platform, driver_id)"
            " SELECT DISTINCT $1::bigint, * FROM unnest($2::text[], $3::bigint[])",
            voter_id, [p for p, _ in identities], [d for _, d in identities])
    log.info("registered voter %d", voter_id)
    return answer({"voterId": voter_id, "token": auth.token_of(voter_id, secret)}, 201)


async def put_votes(request: web.Request) -> web.Response:
    raw = await request.read()  # read before a connection is taken: a slow client holds none; over MAX_BODY: 413
    async with request.app[DATABASE].connection() as connection:
        voter_id = await voter_of(request, connection)  # the token first: nothing is said of a stranger's body
        batch = [vote_from_object(item, f"votes[{n}]") for n, item in enumerate(items_of(raw, "votes", 1, MAX_VOTES))]
        done = await votes.cast(connection, voter_id, batch, request.app[SETTINGS], datetime.now(UTC))
    refused = [{"index": r.index, "code": r.code, "error": r.error} for r in done.refused]
    return answer({"accepted": done.accepted, "refused": refused})


async def delete_vote(request: web.Request) -> web.Response:
    async with request.app[DATABASE].connection() as connection:
        voter_id = await voter_of(request, connection)
        number = request.match_info["driver_id"]
        if not (number.isascii() and number.isdigit()):
            raise BadRequest(f"the driver id must be a positive whole number, not {number[:40]!r}")
        platform, driver_id = driver_from_object(
            {"platform": request.match_info["platform"], "id": int(number)}, "the vote to delete")
        await votes.withdraw(connection, voter_id, platform, driver_id)
    return web.Response(status=204)


async def post_lookup(request: web.Request) -> web.Response:
    raw = await request.read()
    async with request.app[DATABASE].connection() as connection:
        await voter_of(request, connection)
        drivers = [driver_from_object(item, f"drivers[{n}]")
                   for n, item in enumerate(items_of(raw, "drivers", 1, MAX_LOOKUP))]
        found = await lookup.lookup(connection, drivers)
    return answer({"drivers": found})
