"""The local API server: aiohttp on the engine's own event loop, on loopback only.

It runs inside the TUI (Textual's loop) and inside `wots-tui serve`; aiohttp installs no signal
handlers (Textual and asyncio.run own those) and gives open requests a short grace at shutdown.
"""

from __future__ import annotations

import errno
import logging
from collections.abc import Collection, Sequence

from aiohttp import web

from wots_tui.engine import Engine, ServiceUnavailable
from wots_tui.server.guards import FrontDoor
from wots_tui.server.routes import Routes
from wots_tui.server.stream import HEARTBEAT, BoardChanges

log = logging.getLogger(__name__)

DEFAULT_PORT = 5820
LOOPBACK = ("127.0.0.1", "::1")
SHUTDOWN_GRACE = 1.0  # seconds open requests get to finish when the app quits
NO_SUCH_ADDRESS = {errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT}  # a machine without IPv6 loopback


class ApiUnavailable(ServiceUnavailable):
    """The API could not start; the message says why in one line, and the app goes on without it."""


def build_server(
    engine: Engine, changes: BoardChanges, cors_origins: Collection[str] = (), heartbeat: float = HEARTBEAT
) -> web.Server:
    front_door = FrontDoor(Routes(engine, changes, heartbeat).table(), cors_origins)
    return web.Server(front_door, access_log=None)  # the log is for faults, not for 20k requests a second


API_OFF = "API off"


class ApiServer:
    """The local API, as a service of the engine (in the TUI) or on its own (`serve`)."""

    title = "Local API off"

    def __init__(
        self,
        engine: Engine,
        port: int = DEFAULT_PORT,
        cors_origins: Collection[str] = (),
        hosts: Sequence[str] = LOOPBACK,
        heartbeat: float = HEARTBEAT,
    ) -> None:
        self._engine = engine
        self._heartbeat = heartbeat
        self.changes = BoardChanges()  # fired by each Board; what open event streams wait on
        self.port = port  # 0 picks a free port; after start() it is the port in use
        self._cors_origins = cors_origins
        self._hosts = hosts
        self._runner: web.BaseRunner | None = None

    @property
    def url(self) -> str:
        return f"http://localhost:{self.port}"

    @property
    def status(self) -> str:
        """For the header: where overlays find the API, or that it is off."""
        return f"API {self.url.removeprefix('http://')}" if self.running else API_OFF

    @property
    def running(self) -> bool:
        return self._runner is not None

    @property
    def listening_on(self) -> list[str]:
        """The addresses listened on (127.0.0.1, and ::1 where the machine has IPv6 loopback)."""
        return [str(address[0]) for address in self._runner.addresses] if self._runner is not None else []

    async def start(self) -> None:
        """Listen on every host; raise ApiUnavailable (one line) when the port is taken."""
        changes = self.changes
        runner = web.ServerRunner(
            build_server(self._engine, changes, self._cors_origins, self._heartbeat),
            handle_signals=False,
            shutdown_timeout=SHUTDOWN_GRACE,
        )
        await runner.setup()
        try:
            for host in self._hosts:
                await self._listen(runner, host)
        except ApiUnavailable:
            await runner.cleanup()
            raise
        self._engine.subscribe(changes.notify)
        self._runner = runner
        log.info("the local API is on %s (%s)", self.url, ", ".join(self.listening_on))

    async def _listen(self, runner: web.BaseRunner, host: str) -> None:
        site = web.TCPSite(runner, host, self.port)
        try:
            await site.start()
        except OSError as error:
            if host != self._hosts[0] and error.errno in NO_SUCH_ADDRESS:
                log.info("no %s on this machine (%s); the API is on the other loopback addresses", host, error.strerror)
                return
            if error.errno == errno.EADDRINUSE:
                raise ApiUnavailable(
                    f"Port {self.port} is in use by another program; "
                    "choose another with --port or WOTS_PORT"
                ) from None
            raise ApiUnavailable(f"The local API could not listen on {host} port {self.port}: {error.strerror}") from None
        if self.port == 0:  # the first host chose a free port; the others take the same one
            self.port = runner.addresses[-1][1]

    async def stop(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            self.changes.close()  # open event streams end now, not at the grace's end
            await runner.cleanup()
