"""A fake AMS2 dedicated server's HTTP API on 127.0.0.1, answering as the reference (ams2-dedicated-server.md,
sections 1-5 and 7) says the real one does:

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

import argparse
import asyncio
import base64
import binascii
import contextlib
import json
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .ams2_session import LIST_ALL, FakeSession, catalogue

DEFAULT_USERS = {
    "admin": ("admin-pw", "admin"),
    "viewer": ("viewer-pw", "private"),
    "guest": ("guest-pw", "public"),
}
LEVELS = ("public", "private", "admin")
REALM = "Automobilista 2 DedicatedServer"
BAD_REFID = "Supplied refid does not reference a valid connected player. "
HEADERS = {"Server": "Automobilista 2 DedicatedServer", "Cache-Control": "must-revalidate,no-cache,no-store"}
JSON_TYPE = "application/json; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"
REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    500: "Internal Server Error",
    501: "Not Implemented",
}
FAULTS = {"401": 401, "403": 403, "404": 404, "500-html": 500}  # the HTML ones; and error-json, slow, garbage
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

    def __init__(
        self,
        *,
        users: dict[str, tuple[str, str]] | None = None,
        anonymous: str = "public",
        log_size: int = 1000,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.users = DEFAULT_USERS if users is None else users
        self.anonymous = anonymous
        unknown = {level for _, level in self.users.values()} - set(LEVELS) | ({anonymous} - set(LEVELS))
        if unknown:
            raise ValueError(f"access levels are {', '.join(LEVELS)}, not {', '.join(sorted(unknown))}")
        self.session = FakeSession(log_size=log_size, clock=clock)
        self.kicks: list[tuple[int, int | None]] = []
        self.chats: list[tuple[str, int | None]] = []
        self.requests: list[str] = []
        self.fault: str | None = None
        self.fault_when: Callable[[str], bool] | None = None  # the fault only for requests (path?query) it holds for
        self.level_refusal = 403  # a known login below a path's level: 403 (a `reject` rule) or 401 (`reject-password`)
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

    def set_level(self, path: str, level: str) -> None:
        """Give `path` another access level, as a server's httpApiAccessLevels can (`api/log/range`, "admin")."""
        self._routes[path] = (level, self._routes[path][1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self, port: int = 0) -> None:
        """Listen on 127.0.0.1:`port` (0: a free one, or the port of the last start)."""
        app = web.Application()
        app.router.add_route("*", "/{path:.*}", self._serve)
        self._runner = web.AppRunner(
            app, handle_signals=False, access_log=None, handler_cancellation=True, shutdown_timeout=0.1
        )
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
        fault = self.fault if self.fault_when is None or self.fault_when(request.raw_path) else None
        if fault == "slow":
            await asyncio.sleep(self.slow_seconds)
        elif fault in FAULTS:
            return _page(FAULTS[fault])
        elif fault == "error-json":
            return _json({"result": "error", "message": "Internal error, please try again later. "}, 500)
        elif fault == "garbage":
            return _body(b"\x00<<not json>>", 200)
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
        return self.level_refusal if known else 401

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
        return self.session.status(
            attributes=_flag(query, "attributes"),
            members=_flag(query, "members"),
            participants=_flag(query, "participants"),
        )

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
        lists[group] = {
            key.partition("/")[2]: value for key, value in catalogue().items() if key.startswith(group + "/")
        }
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
    return web.Response(
        body=body,
        status=status,
        reason=REASONS.get(status, "OK"),
        headers={**HEADERS, "Content-Type": content_type, **headers},
    )


def _json(obj: Any, status: int = 200) -> web.Response:
    return _body(pretty(obj), status)


def _page(status: int) -> web.Response:
    """The server's HTML error page; a 401 asks for Basic credentials."""
    title = f"{status} {REASONS[status]}"
    page = f"<html><head><title>{title}</title></head><body><h1>{title}, Oops</h1></body></html>"
    extra = {"WWW-Authenticate": f'Basic realm="{REALM}"'} if status == 401 else {}
    return _body(page.encode(), status, HTML_TYPE, **extra)


# --- standalone: a race weekend that loops, for a person to watch -------------------------------------------

HUMANS = (  # name, Steam id
    ("Ana Souza", "76561198012345678"),
    ("Tomasz Nowak", "76561198034521987"),
    ("Liam O'Connor", "76561197998812034"),
    ("Sofia Rossi", "76561198101122334"),
    ("Kenji Watanabe", "76561198045670012"),
    ("Lucas Martin", "76561198077001255"),
    ("Emma Schmidt", "76561198120934876"),
    ("Mateus Costa", "76561198003344556"),
    ("Olivia Brown", "76561198066778899"),
    ("Jonas Lindqvist", "76561198155443322"),
)
LATE_JOINER = ("Marta Kowalska", "76561198198765432")
AI_NAMES = ("Rafael Pereira", "Nina Petrova", "George Hall", "Yuki Tanaka")
STAGES = ("Practice1", "Qualifying1", "Race1")
VEHICLES = (
    "Ginetta G55 GT4",
    "BMW M4 GT4",
    "Mercedes-AMG GT4",
    "McLaren 570S GT4",
    "Porsche Cayman GT4 Clubsport MR",
)


@dataclass
class _Car:
    """A scripted car: its pace, and where it is in the lap it is driving."""

    pid: int
    pace_ms: int
    laps: int = 0
    in_lap_ms: float = 0.0
    plan: tuple[int, int, int] = (0, 0, 0)  # this lap's sector times
    sectors_done: int = 0

    @property
    def progress(self) -> float:
        return self.laps + self.in_lap_ms / sum(self.plan)


class ScriptedRace:
    """Practice, qualifying and a race of a few minutes each, again and again: 10 humans and 4 AI on laps of
    about 90 s, their sectors and laps as events, positions changing, a contact every ~40 s (sometimes
    reported by both cars), a wall now and then, and in the race one player leaving and another joining.
    `speed` 10 runs it ten times as fast."""

    STEP = 0.5  # seconds of racing between updates: the real server refreshes at 2 Hz

    def __init__(
        self,
        session: FakeSession,
        *,
        speed: float = 1.0,
        stage_seconds: tuple[float, ...] = (180, 180, 300),
        seed: int = 14,
    ) -> None:
        self.session, self.speed, self.stage_seconds = session, speed, stage_seconds
        self.random = random.Random(seed)
        self.cars: dict[int, _Car] = {}

    async def run(self) -> None:
        while True:
            self._open()
            if await self._weekend():
                for pid in self.cars:
                    self.session.state(pid, "Finished")
                self.session.session_state("PostRace")
                self.session.results()
                await asyncio.sleep(10 / self.speed)
                for state in ("Returning", "Lobby"):
                    self.session.session_state(state)
                self.session.end()
            await asyncio.sleep(5 / self.speed)

    async def _weekend(self) -> bool:
        """The three stages; False when the session ended under it (api/restart)."""
        for stage, seconds in zip(STAGES, self.stage_seconds, strict=True):
            if stage != STAGES[0]:
                self.session.stage(stage)
            await self._drive(seconds, race=stage == "Race1")
            if self.session.state_name != "Running":
                return False
        return True

    def _open(self) -> None:
        self.session.start(stage=STAGES[0])
        self.cars.clear()
        for n, (name, steam_id) in enumerate(HUMANS):
            refid = self.session.join(name, steam_id, host=n == 0)
            self._new_car(self.session.add_car(refid, vehicle=VEHICLES[n % len(VEHICLES)]))
        for name in AI_NAMES:
            self._new_car(self.session.add_ai(name))

    def _new_car(self, pid: int) -> None:
        self.cars[pid] = car = _Car(pid, self.random.randint(87_000, 94_000))
        self._plan(car)

    def _plan(self, car: _Car) -> None:
        lap = car.pace_ms + self.random.randint(-900, 1500)
        first, second = lap * 31 // 100, lap * 36 // 100
        car.plan = (first, second, lap - first - second)

    async def _drive(self, seconds: float, *, race: bool) -> None:
        for car in self.cars.values():
            car.laps, car.in_lap_ms, car.sectors_done = 0, 0.0, 0
        elapsed, next_contact, next_wall = 0.0, self.random.uniform(30, 50), self.random.uniform(50, 100)
        leave_at, join_at = (seconds * 0.4, seconds * 0.6) if race else (math.inf, math.inf)
        while elapsed < seconds and self.session.state_name == "Running":
            await asyncio.sleep(self.STEP / self.speed)
            elapsed += self.STEP
            for gone in self.cars.keys() - self.session.participants.keys():  # kicked, or a restart
                del self.cars[gone]
            order = self._order(race)
            for place, car in enumerate(order, 1):
                self._move(car, place)
            if elapsed >= next_contact and len(order) > 1:
                self._contact(order)
                next_contact += self.random.uniform(30, 50)
            if elapsed >= next_wall and order:
                self.session.wall(self.random.choice(order).pid, self.random.choice((1000, 650, 420)))
                next_wall += self.random.uniform(50, 100)
            if elapsed >= leave_at:
                self._leave()
                leave_at = math.inf
            if elapsed >= join_at:
                refid = self.session.join(*LATE_JOINER)
                self._new_car(self.session.add_car(refid, position=len(self.cars) + 1))
                join_at = math.inf

    def _order(self, race: bool) -> list[_Car]:
        """By distance in a race, by fastest lap (none: last) in practice and qualifying."""
        if race:
            return sorted(self.cars.values(), key=lambda car: -car.progress)
        best = {pid: self.session.participants[pid]["FastestLapTime"] or math.inf for pid in self.cars}
        return sorted(self.cars.values(), key=lambda car: (best[car.pid], -car.progress))

    def _move(self, car: _Car, place: int) -> None:
        car.in_lap_ms += self.STEP * 1000
        ends = (car.plan[0], car.plan[0] + car.plan[1], sum(car.plan))
        if car.sectors_done < 2 and car.in_lap_ms >= ends[car.sectors_done]:
            car.sectors_done += 1
            self.session.sector(car.pid, car.sectors_done, car.plan[car.sectors_done - 1])
        elif car.sectors_done == 2 and car.in_lap_ms >= ends[2]:
            car.in_lap_ms -= ends[2]
            car.laps, car.sectors_done = car.laps + 1, 0
            self.session.finish_lap(car.pid, car.plan[2], place)
            self._plan(car)
        angle = 2 * math.pi * car.in_lap_ms / sum(car.plan)
        speed = int(180 + 70 * math.sin(3 * angle))
        self.session.set_car(
            car.pid,
            RacePosition=place,
            Speed=speed,
            Gear=2 + speed // 55,
            RPM=4000 + speed * 20,
            PositionX=int(600_000 * math.cos(angle)),
            PositionZ=int(300_000 * math.sin(angle)),
            Orientation=int(math.degrees(angle) + 90) % 360,
        )

    def _contact(self, order: list[_Car]) -> None:
        """Two cars side by side touch; half the time both report it, each with its own magnitude."""
        place = self.random.randrange(len(order) - 1)
        ahead, behind = order[place], order[place + 1]
        self.session.impact(
            behind.pid,
            ahead.pid,
            self.random.randint(80, 600),
            reported_by_both=self.random.random() < 0.5,
            other_magnitude=self.random.randint(60, 500),
        )

    def _leave(self) -> None:
        """A human (not the host) drops out of the race; its car goes at the next step."""
        refid = next((m["refid"] for m in self.session.members.values() if not m["host"]), None)
        if refid is not None:
            self.session.leave(refid)


async def _standalone(port: int, speed: float) -> None:
    server = FakeAms2Server()
    await server.start(port)
    print(f"Fake AMS2 dedicated server on {server.url} (Ctrl+C stops it). Logins:", flush=True)
    for name, (password, level) in server.users.items():
        print(f"  {level:<8} --ams2-user {name} --ams2-password {password}", flush=True)
    try:
        await ScriptedRace(server.session, speed=speed).run()
    finally:
        await server.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m tests.fakes.ams2_server", description=ScriptedRace.__doc__
    )
    parser.add_argument("--port", type=int, default=9000)
    parser.add_argument("--speed", type=float, default=1.0, help="how many times faster than real time")
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_standalone(args.port, args.speed))


if __name__ == "__main__":
    main()
