"""A fake iRacing on 127.0.0.1: the Data API with its OAuth server, and the signed "S3" files on another port.

    async with FakeIRacing() as fake:
        fake.oauth_url, fake.data_api_url   # http://127.0.0.1:N/oauth2, http://127.0.0.1:N
        ...
        fake.requests                       # every /data call, in order

It answers like the real service (iracing-data-api.md sections 2 and 3), from the real bodies (iracing_data.py):
most calls with `{"link", "expires"}` to a presigned file on the second port; results/search_series and
search_hosted directly with `data.chunk_info`, the rows in chunk files there too; the standings' header with
its chunks. Every /data call needs a bearer token its FakeOAuth (at /oauth2) issued, else 401
{"error": "Unauthorized"}; every /data answer has x-ratelimit-limit/-remaining/-reset from a window counter
(windows aligned to the epoch, so a whole-second window resets on a whole second, as iRacing's do), and a call
over the limit is 429 "Rate limit exceeded". The file port refuses a request with an Authorization header as
S3 does (400, "Only one auth mechanism allowed"), and one whose signature is not its own (403).

Faults are queued per endpoint (`inject("results/get", MAINTENANCE)`; "s3" for the file port), each for the
next `times` calls: the real 401, 403, 503 maintenance and 504 gateway bodies, a 500, a 429, a slow answer
(`slow(seconds)`), a link to a file that is not there (`BROKEN_LINK`).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import math
import secrets
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Self

import orjson
from aiohttp import web

from fakes import iracing_data as data
from fakes.oauth_server import FakeOAuth

USERNAME = "adrian.clark@example.com"
PASSWORD = "fake password: 'p@ss+w/rd='"  # a real password has characters a form must percent-encode
CLIENT_ID = "wots-tui-tests"
CLIENT_SECRET = "fake+client/secret=="  # base64's + / = too
PUBLIC_CLIENT_ID = "wots-tui-tests-browser"  # a PKCE client, no secret

SEARCH_WINDOW = timedelta(days=90)  # the most a search's date range may span
LINK_LIFETIME = timedelta(minutes=15)  # the `expires` a link answer states (the cache's, not the signature's)
DEFAULT_CHUNK_SIZE = 500  # as the real answers
S3_SIGNING_KEY = b"fake-s3-signing-key"
S3_AUTH_MECHANISMS = (
    "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string "
    "parameter or the Authorization header should be specified"
)


@dataclass(frozen=True)
class Fault:
    """An answer in place of the real one: `status` with `body`, or the real one after `delay` seconds, or
    (`broken_link`) the real link answer whose file is not there."""

    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    delay: float = 0.0
    broken_link: bool = False


def _fixture_fault(name: str, content_type: str = "application/json") -> Fault:
    body = data.fixture(name)
    return Fault(
        data.fixture_status(name),
        body.encode() if isinstance(body, str) else orjson.dumps(body),
        content_type,
    )


UNAUTHORIZED = _fixture_fault(data.UNAUTHORIZED)
FORBIDDEN = _fixture_fault(data.FORBIDDEN)
MAINTENANCE = _fixture_fault(data.MAINTENANCE)
GATEWAY_TIMEOUT = _fixture_fault(data.GATEWAY_TIMEOUT, "text/html")
SERVER_ERROR = Fault(500, b'{"error":"Internal Server Error"}')
RATE_LIMITED = Fault(429, b"Rate limit exceeded", "text/plain")
BROKEN_LINK = Fault(broken_link=True)


def slow(seconds: float) -> Fault:
    """The real answer, after `seconds` (a client with a shorter timeout gives up first)."""
    return Fault(delay=seconds)


@dataclass(frozen=True)
class DataRequest:
    """One /data call as the fake saw it."""

    endpoint: str  # "results/get"
    params: dict[str, str]
    status: int
    at: float  # time.time() when it arrived
    window: int  # which rate-limit window it counted in


@dataclass(frozen=True)
class FileRequest:
    """One request to the file ("S3") port."""

    key: str
    status: int
    authorization: bool  # did it carry an Authorization header?


@dataclass
class _Window:
    """The rate-limit counter: `limit` calls per `seconds`, windows aligned to the epoch."""

    limit: int
    seconds: float
    counts: Counter[int] = field(default_factory=Counter)

    def count(self, now: float) -> tuple[int, int, float]:
        """Count a call: (its window, the calls remaining in it, the window's end as an epoch time)."""
        window = math.floor(now / self.seconds)
        self.counts[window] += 1
        return window, self.limit - self.counts[window], (window + 1) * self.seconds


class BadRequest(Exception):
    """A call's parameters are wrong: 400 with this message."""


class FakeIRacing:
    """The fake service; an async context manager. See the module's docstring.

    `races`: how many races to serve (None: the four real ones; a number: that many official races varied from
    the real ones, for benches); `latency`: seconds every answer waits, both ports; `rate_limit`: (calls, window
    seconds); `chunk_size`: rows per chunk file; `search_via_link`: searches answer with a link as most calls do.
    """

    def __init__(
        self,
        *,
        races: int | None = None,
        latency: float = 0.0,
        rate_limit: tuple[int, float] = (240, 60.0),
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        search_via_link: bool = False,
        access_lifetime: float = 600.0,
    ) -> None:
        self.races = data.real_races() if races is None else data.many_races(races)
        self.latency = latency
        self.chunk_size = chunk_size
        self.search_via_link = search_via_link
        self.window = _Window(*rate_limit)
        self.oauth = FakeOAuth(
            {USERNAME: PASSWORD},
            {CLIENT_ID: CLIENT_SECRET, PUBLIC_CLIENT_ID: None},
            access_lifetime=access_lifetime,
        )
        self.requests: list[DataRequest] = []
        self.file_requests: list[FileRequest] = []
        self.in_flight = 0
        self.most_in_flight = 0  # the most requests it was answering at once, both ports
        self._faults: dict[str, deque[Fault]] = defaultdict(deque)
        self._files: dict[str, bytes | Callable[[], bytes]] = {}
        self._by_subsession = {race.subsession_id: race for race in self.races}
        self._runners: list[web.AppRunner] = []
        self._api_port = self._files_port = 0

    # --- what tests use ------------------------------------------------------------------------------------

    @property
    def data_api_url(self) -> str:
        return f"http://127.0.0.1:{self._api_port}"

    @property
    def oauth_url(self) -> str:
        return f"http://127.0.0.1:{self._api_port}/oauth2"

    @property
    def files_url(self) -> str:
        return f"http://127.0.0.1:{self._files_port}"

    def inject(self, endpoint: str, fault: Fault, times: int = 1) -> None:
        """Answer the next `times` calls of `endpoint` ("results/get"; "s3" for the file port) with `fault`."""
        self._faults[endpoint].extend([fault] * times)

    def put_file(self, key: str, content: bytes) -> str:
        """Store a file on the file port; its signed URL."""
        self._files[key] = content
        return self.signed_url(key)

    def signed_url(self, key: str) -> str:
        """The URL of `key` on the file port, presigned in S3's query-string form."""
        return f"{self.files_url}/{key}?{_signature_query(key)}"

    def asked(self, endpoint: str) -> list[DataRequest]:
        """The calls of `endpoint` so far."""
        return [request for request in self.requests if request.endpoint == endpoint]

    def race(self, subsession_id: int) -> data.Race:
        return self._by_subsession[subsession_id]

    # --- serving --------------------------------------------------------------------------------------------

    async def start(self) -> None:
        api = web.Application()
        self.oauth.add_routes(api, "/oauth2")
        api.router.add_get("/data/{endpoint:.+}", self._data)
        files = web.Application()
        files.router.add_get("/{key:.+}", self._file)
        self._api_port = await self._serve(api)
        self._files_port = await self._serve(files)

    async def _serve(self, app: web.Application) -> int:
        runner = web.AppRunner(app, handle_signals=False, access_log=None, handler_cancellation=True)
        await runner.setup()
        self._runners.append(runner)
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        return runner.addresses[0][1]

    async def stop(self) -> None:
        for runner in self._runners:
            await runner.cleanup()
        self._runners.clear()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def _data(self, request: web.Request) -> web.StreamResponse:
        endpoint = request.match_info["endpoint"].strip("/")
        params = dict(request.query)
        self._arrived()
        try:
            if self.latency:
                await asyncio.sleep(self.latency)
            window, remaining, reset = self.window.count(time.time())
            headers = {
                "x-ratelimit-limit": str(self.window.limit),
                "x-ratelimit-remaining": str(max(remaining, 0)),
                "x-ratelimit-reset": _epoch(reset),
            }
            response = await self._answer(endpoint, params, request, remaining)
            response.headers.update(headers)
            self.requests.append(DataRequest(endpoint, params, response.status, time.time(), window))
            return response
        finally:
            self.in_flight -= 1

    async def _answer(
        self, endpoint: str, params: dict[str, str], request: web.Request, remaining: int
    ) -> web.Response:
        if remaining < 0:
            return _response(RATE_LIMITED)
        fault = self._next_fault(endpoint)
        if fault and fault.delay:
            await asyncio.sleep(fault.delay)
        elif fault and not fault.broken_link:
            return _response(fault)
        if not self.oauth.bearer_is_valid(request.headers.get("Authorization")):
            return _response(UNAUTHORIZED)
        handler = self._endpoints().get(endpoint)
        if handler is None:
            return web.json_response({"error": "Not Found"}, status=404)
        try:
            answer = handler(params)
        except BadRequest as exc:
            return web.json_response({"error": "Bad Request", "message": str(exc)}, status=400)
        if answer is None:
            return web.json_response({"error": "Not Found"}, status=404)
        body, direct = answer
        if direct:
            return _json(body)
        return _json(self._link(endpoint, body, broken=bool(fault and fault.broken_link)))

    async def _file(self, request: web.Request) -> web.StreamResponse:
        key = request.match_info["key"]
        self._arrived()
        try:
            if self.latency:
                await asyncio.sleep(self.latency)
            response = await self._file_answer(key, request)
            self.file_requests.append(FileRequest(key, response.status, "Authorization" in request.headers))
            return response
        finally:
            self.in_flight -= 1

    async def _file_answer(self, key: str, request: web.Request) -> web.Response:
        fault = self._next_fault("s3")
        if fault and fault.delay:
            await asyncio.sleep(fault.delay)
        elif fault:
            return _response(fault)
        if "Authorization" in request.headers:
            return _s3_error(400, "InvalidArgument", S3_AUTH_MECHANISMS)
        expected = _signature(key, request.query.get("X-Amz-Date", ""))
        if not hmac.compare_digest(request.query.get("X-Amz-Signature", ""), expected):
            return _s3_error(
                403, "SignatureDoesNotMatch", "The request signature we calculated does not match"
            )
        content = self._files.get(key)
        if content is None:
            return _s3_error(404, "NoSuchKey", "The specified key does not exist.")
        body = content() if callable(content) else content
        return web.Response(body=body, content_type="application/octet-stream")

    def _arrived(self) -> None:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)

    def _next_fault(self, endpoint: str) -> Fault | None:
        queue = self._faults.get(endpoint)
        return queue.popleft() if queue else None

    def _link(self, endpoint: str, body: Any, *, broken: bool) -> dict:
        """A link answer to a new file holding `body` (made when fetched, so many races cost no memory)."""
        key = f"production/data-server/cache/data-services/{endpoint}/{secrets.token_hex(16)}"
        if not broken:
            self._files[key] = body if isinstance(body, bytes) else (lambda: orjson.dumps(body))
        expires = datetime.now(UTC) + LINK_LIFETIME
        return {"link": self.signed_url(key), "expires": expires.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"}

    def _chunked(self, kind: str, rows: list[dict]) -> dict:
        """chunk_info for `rows`, each chunk a file on the file port."""
        folder = f"members/messaging-services/short_lived/{kind}/{secrets.token_hex(32)}/"
        names = []
        for start in range(0, len(rows), self.chunk_size):
            name = f"{secrets.token_hex(32)}.json"
            self._files[folder + name] = orjson.dumps(rows[start : start + self.chunk_size])
            names.append(f"{name}?{_signature_query(folder + name)}")
        return {
            "chunk_size": self.chunk_size,
            "num_chunks": len(names),
            "rows": len(rows),
            "base_download_url": f"{self.files_url}/{folder}",
            "chunk_file_names": names,
        }

    # --- the endpoints: each takes the query and answers (body, direct?) or None (404) -----------------------

    def _endpoints(self) -> dict[str, Callable[[dict[str, str]], tuple[Any, bool] | None]]:
        return {
            "member/info": lambda _params: (data.member_info(self.races), False),
            "member/get": lambda params: (data.members(_ints(params, "cust_ids"), self.races), False),
            "results/search_series": self._search_series,
            "results/search_hosted": self._search_hosted,
            "results/get": self._results,
            "series/past_seasons": self._past_seasons,
            "stats/season_driver_standings": self._standings,
            "carclass/get": lambda _params: (orjson.dumps(data.car_classes()), False),
            "member/chart_data": self._chart_data,
            "stats/member_recent_races": self._recent_races,
        }

    def _search_series(self, params: dict[str, str]) -> tuple[dict, bool]:
        season = _season(params)
        if season is None and not _has_range(params):
            raise BadRequest(
                "requires season_year and season_quarter, start_range_begin or finish_range_begin"
            )
        chosen = self._searched(params, official=True)
        if season is not None:
            chosen = [
                r for r in chosen if (r.template["season_year"], r.template["season_quarter"]) == season
            ]
        for name, key in (("series_id", "series_id"), ("race_week_num", "race_week_num")):
            if name in params:
                chosen = [r for r in chosen if r.template[key] == _int(params, name)]
        if "event_types" in params:
            types = {int(t) for t in params["event_types"].split(",") if t}
            chosen = [r for r in chosen if r.template["event_type"] in types]
        return self._search_answer(
            "search_series_results", "series_search", chosen, data.SEARCH_SERIES_ROW, params
        )

    def _search_hosted(self, params: dict[str, str]) -> tuple[dict, bool]:
        if not _has_range(params):
            raise BadRequest("requires start_range_begin or finish_range_begin")
        if not {"cust_id", "team_id", "host_cust_id", "session_name"} & params.keys():
            raise BadRequest("requires cust_id, team_id, host_cust_id or session_name")
        chosen = self._searched(params, official=False)
        if "host_cust_id" in params:
            chosen = [r for r in chosen if r.template.get("host_id") == _int(params, "host_cust_id")]
        if "session_name" in params:
            wanted = params["session_name"].lower()
            chosen = [r for r in chosen if wanted in (r.template.get("session_name") or "").lower()]
        if "league_id" in params:
            chosen = [r for r in chosen if r.template.get("league_id") == _int(params, "league_id")]
        return self._search_answer(
            "search_hosted_results", "hosted_search", chosen, data.SEARCH_HOSTED_ROW, params
        )

    def _searched(self, params: dict[str, str], *, official: bool) -> list[data.Race]:
        """The races of this kind in the date ranges asked for, with the driver (if one is named)."""
        chosen = [race for race in self.races if race.official == official]
        for prefix, moment in (("start_range", lambda r: r.start), ("finish_range", lambda r: r.end)):
            if f"{prefix}_begin" in params:
                begin, end = _range(params, prefix)
                chosen = [race for race in chosen if begin <= moment(race) < end]
        if official and params.get("official_only") == "true":
            chosen = [race for race in chosen if race.template["official_session"]]
        if "category_ids" in params:
            categories = {int(c) for c in params["category_ids"].split(",") if c}
            chosen = [race for race in chosen if race.template["license_category_id"] in categories]
        if "cust_id" in params:
            cust_id = _int(params, "cust_id")
            chosen = [race for race in chosen if race.entry(cust_id)]
        return sorted(chosen, key=lambda race: race.subsession_id)

    def _search_answer(
        self, kind: str, folder: str, races: list[data.Race], template_file: str, params: dict[str, str]
    ) -> tuple[dict, bool]:
        template = data.fixture(template_file)[0]
        cust_id = _int(params, "cust_id") if "cust_id" in params else None
        rows = [data.search_row(race, template, cust_id) for race in races]
        body = {
            "type": kind,
            "data": {"success": True, "chunk_info": self._chunked(folder, rows), "params": _echo(params)},
        }
        return body, not self.search_via_link

    def _results(self, params: dict[str, str]) -> tuple[dict, bool] | None:
        race = self._by_subsession.get(_int(params, "subsession_id"))
        return None if race is None else (race.body(), False)

    def _past_seasons(self, params: dict[str, str]) -> tuple[dict, bool] | None:
        body = data.past_seasons(_int(params, "series_id"), self.races)
        return None if body is None else (body, False)

    def _standings(self, params: dict[str, str]) -> tuple[dict, bool]:
        division = _int(params, "division") if "division" in params else None
        week = _int(params, "race_week_num") if "race_week_num" in params else None
        season_id, car_class_id = _int(params, "season_id"), _int(params, "car_class_id")
        header, rows = data.standings(season_id, car_class_id, self.races, division=division, week=week)
        header["chunk_info"] = self._chunked(
            f"standings/season-driver/season/{season_id}/{car_class_id}", rows
        )
        header["csv_url"] = self.signed_url(f"standings/{season_id}/{car_class_id}/export.csv")  # not served
        return header, False

    def _chart_data(self, params: dict[str, str]) -> tuple[dict, bool]:
        cust_id = _int(params, "cust_id") if "cust_id" in params else data.MEMBER_ID
        body = data.chart_data(cust_id, _int(params, "category_id"), _int(params, "chart_type"), self.races)
        return body, False

    def _recent_races(self, params: dict[str, str]) -> tuple[dict, bool]:
        cust_id = _int(params, "cust_id") if "cust_id" in params else data.MEMBER_ID
        return data.recent_races(cust_id, self.races), False


# --- helpers --------------------------------------------------------------------------------------------------


def _ints(params: dict[str, str], name: str) -> list[int]:
    """A comma-separated list of ids (400 when one is not a number)."""
    try:
        return [int(part) for part in params.get(name, "").split(",") if part]
    except ValueError:
        raise BadRequest(f"{name} must be a comma-separated list of numbers") from None


def _int(params: dict[str, str], name: str) -> int:
    try:
        return int(params[name])
    except KeyError:
        raise BadRequest(f"{name} is required") from None
    except ValueError:
        raise BadRequest(f"{name} must be a number") from None


def _season(params: dict[str, str]) -> tuple[int, int] | None:
    if ("season_year" in params) != ("season_quarter" in params):
        raise BadRequest("season_year and season_quarter go together")
    return (_int(params, "season_year"), _int(params, "season_quarter")) if "season_year" in params else None


def _has_range(params: dict[str, str]) -> bool:
    return "start_range_begin" in params or "finish_range_begin" in params


def _range(params: dict[str, str], prefix: str) -> tuple[datetime, datetime]:
    """A search's date range; its end may be left out only within 90 days of now, and it spans 90 days at most."""
    try:
        begin = data.parse_time(params[f"{prefix}_begin"])
        end = data.parse_time(params[f"{prefix}_end"]) if f"{prefix}_end" in params else datetime.now(UTC)
    except ValueError:
        raise BadRequest(f"{prefix}_begin and _end must be ISO-8601 times") from None
    if end - begin > SEARCH_WINDOW:
        raise BadRequest(f"{prefix}_end may be at most 90 days after {prefix}_begin")
    return begin, end


def _echo(params: dict[str, str]) -> dict:
    """The `params` a search answer echoes: numbers as numbers, lists as lists."""
    echoed: dict[str, Any] = {}
    for name, value in params.items():
        if name in ("category_ids", "event_types"):
            echoed[name] = [int(v) for v in value.split(",") if v]
        elif name == "official_only":
            echoed[name] = value == "true"
        else:
            echoed[name] = int(value) if value.lstrip("-").isdigit() else value
    return echoed


def _epoch(moment: float) -> str:
    return str(int(moment)) if float(moment).is_integer() else f"{moment:.3f}"


def _signature(key: str, amz_date: str) -> str:
    return hmac.new(S3_SIGNING_KEY, f"{key}\n{amz_date}".encode(), hashlib.sha256).hexdigest()


def _signature_query(key: str) -> str:
    amz_date = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return (
        "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Content-Sha256=UNSIGNED-PAYLOAD"
        f"&X-Amz-Credential=FAKEACCESSKEY%2F{amz_date[:8]}%2Fus-east-1%2Fs3%2Faws4_request"
        f"&X-Amz-Date={amz_date}&X-Amz-Expires=3600&X-Amz-SignedHeaders=host"
        f"&X-Amz-Signature={_signature(key, amz_date)}"
    )


def _json(body: Any) -> web.Response:
    return web.Response(body=orjson.dumps(body), content_type="application/json")


def _response(fault: Fault) -> web.Response:
    return web.Response(status=fault.status, body=fault.body, content_type=fault.content_type)


def _s3_error(status: int, code: str, message: str) -> web.Response:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{message}</Message>"
        f"<RequestId>{secrets.token_hex(8).upper()}</RequestId></Error>"
    )
    return web.Response(status=status, text=body, content_type="application/xml")
