"""The API stays local and safe: loopback only, Host and Origin checked, read-only, errors in JSON."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import httpx
import pytest
from helpers import running_api, until, write_race_moment

from wots_tui.domain.models import LinkState
from wots_tui.server import ApiServer, ApiUnavailable
from wots_tui.server.guards import host_name, is_loopback
from wots_tui.sources.factory import SourceSpec

ALLOWED = "http://localhost:3000"
FOREIGN = "https://some-forum.example"


def refused_origin(origin: str) -> str:
    return f"pages from {origin} may not read the API; add the origin to cors_origins to allow it"


def race(tmp_path: Path, **options):
    return running_api(SourceSpec.of("file", path=write_race_moment(tmp_path)), tmp_path, **options)


# Documentation addresses (RFC 5737, RFC 3849): a UDP connect to one picks a route, sends nothing
ROUTE_PROBES = {socket.AF_INET: "203.0.113.1", socket.AF_INET6: "2001:db8::1"}


def this_machines_address(family: socket.AddressFamily = socket.AF_INET) -> str | None:
    """An address of this machine in `family` that is not loopback (the one its default route leaves from)."""
    probe = socket.socket(family, socket.SOCK_DGRAM)
    try:
        probe.connect((ROUTE_PROBES[family], 9))
        address = probe.getsockname()[0]
    except OSError:
        return None
    finally:
        probe.close()
    return None if is_loopback(address) else address


def url_of(address: str, port: int, path: str) -> str:
    return f"http://[{address}]:{port}{path}" if ":" in address else f"http://{address}:{port}{path}"


def require_ipv6_loopback() -> None:
    """Skip unless this machine itself can listen on ::1: asked of a socket of our own, not of the server."""
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as probe:
            probe.bind(("::1", 0))
    except OSError as error:
        pytest.skip(f"no IPv6 loopback here (binding ::1 failed: {error.strerror}), so ::1 is not checked")


def assert_nothing_listens(address: str, port: int) -> None:
    """A connection to `address`:`port` is refused: the address exists here, and no socket is on that port."""
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((address, port), timeout=1).close()


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "TRACE"])
async def test_only_reads_are_allowed(tmp_path: Path, method: str):
    async with race(tmp_path) as (_, _, client):
        for path in ("/api/status", "/api/nowhere"):
            response = await client.request(method, path)
            assert response.status_code == 405
            assert response.headers["Allow"] == "GET, HEAD, OPTIONS"
            assert method in response.json()["error"]


async def test_unknown_paths_are_a_json_404_pointing_at_help(tmp_path: Path):
    async with race(tmp_path) as (_, _, client):
        for path in ("/", "/api", "/api/drivers/", "/api/DRIVERS", "/favicon.ico"):
            response = await client.get(path)
            assert response.status_code == 404, path
            assert response.json() == {"error": f"no endpoint {path}; GET /api/help lists them"}


@pytest.mark.parametrize("host", ["localhost", "localhost:5820", "LOCALHOST:1", "127.0.0.1:5820", "[::1]:5820", "[::1]"])
async def test_host_headers_naming_this_machine_are_served(tmp_path: Path, host: str):
    async with race(tmp_path) as (_, _, client):
        assert (await client.get("/api/version", headers={"Host": host})).status_code == 200


@pytest.mark.parametrize(
    "host", ["evil.example", "evil.example:5820", "localhost.evil.example", "127.0.0.1.nip.io:5820", "192.168.1.20:5820", "[::2]:5820", ""]
)
async def test_other_host_headers_are_refused_against_dns_rebinding(tmp_path: Path, host: str):
    async with race(tmp_path) as (_, _, client):
        response = await client.get("/api/notebook", headers={"Host": host})
        assert response.status_code == 421
        assert response.json() == {"error": f"Host {host!r} is not this computer; use localhost"}


async def test_browser_pages_read_only_from_allowed_origins(tmp_path: Path):
    async with race(tmp_path, cors_origins=[ALLOWED, "null"]) as (_, _, client):
        allowed = await client.get("/api/drivers", headers={"Origin": ALLOWED})
        assert allowed.status_code == 200
        assert allowed.headers["Access-Control-Allow-Origin"] == ALLOWED
        assert allowed.headers["Access-Control-Expose-Headers"] == "ETag" and allowed.headers["Vary"] == "Origin"
        assert (await client.get("/api/drivers", headers={"Origin": "null"})).headers["Access-Control-Allow-Origin"] == "null"
        preflight = await client.options("/api/drivers", headers={"Origin": ALLOWED, "Access-Control-Request-Method": "GET"})
        assert preflight.status_code == 204 and preflight.headers["Access-Control-Allow-Origin"] == ALLOWED
        assert preflight.headers["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"

        foreign = await client.get("/api/notebook", headers={"Origin": FOREIGN})
        assert foreign.status_code == 403 and foreign.json() == {"error": refused_origin(FOREIGN)}
        assert "Access-Control-Allow-Origin" not in foreign.headers
        foreign_preflight = await client.options("/api/notebook", headers={"Origin": FOREIGN})
        assert foreign_preflight.status_code == 204  # answered, without the headers a browser needs to go on
        assert not any(name.startswith("access-control-") for name in foreign_preflight.headers)


async def test_by_default_no_origin_may_read(tmp_path: Path):
    async with race(tmp_path) as (_, _, client):
        response = await client.get("/api/drivers", headers={"Origin": ALLOWED})
        assert response.status_code == 403 and response.json() == {"error": refused_origin(ALLOWED)}
        assert "Access-Control-Allow-Origin" not in response.headers
        assert (await client.get("/api/drivers")).status_code == 200  # tools and overlays send no Origin


async def test_it_listens_on_loopback_addresses_only(tmp_path: Path):
    async with race(tmp_path) as (_, server, _), httpx.AsyncClient() as client:
        assert (await client.get(f"http://localhost:{server.port}/api/version")).status_code == 200
        assert server.listening_on and set(server.listening_on) <= {"127.0.0.1", "::1"}


async def test_it_answers_on_ipv6_loopback_too(tmp_path: Path):
    require_ipv6_loopback()
    async with race(tmp_path) as (_, server, _), httpx.AsyncClient() as client:
        response = await client.get(f"http://[::1]:{server.port}/api/version")
        assert response.status_code == 200 and response.json()["name"] == "wots-tui"
        assert "::1" in server.listening_on


@pytest.mark.parametrize("family", [socket.AF_INET, socket.AF_INET6], ids=["IPv4", "IPv6"])
async def test_nothing_listens_on_this_machines_own_address(tmp_path: Path, family: socket.AddressFamily):
    """What another machine would connect to: this one's address on its network, where no socket of ours is."""
    address = this_machines_address(family)
    if address is None:
        pytest.skip(f"no {family.name} address here besides loopback, so nothing can come from outside")
    async with race(tmp_path) as (_, server, _), httpx.AsyncClient() as client:
        assert (await client.get(f"http://127.0.0.1:{server.port}/api/version")).status_code == 200  # it is up
        with pytest.raises(httpx.ConnectError):
            await client.get(url_of(address, server.port, "/api/version"))


async def test_a_peer_that_is_not_loopback_is_refused(tmp_path: Path):
    """Bind, for this test only, where another machine could reach: the peer check still refuses."""
    address = this_machines_address()
    if address is None:
        pytest.skip("this machine has no address besides loopback, so no non-loopback peer can connect")
    async with race(tmp_path, hosts=(address,)) as (_, server, _):
        async with httpx.AsyncClient() as client:
            response = await client.get(url_of(address, server.port, "/api/notebook"), headers={"Host": "localhost"})
        assert response.status_code == 403
        assert response.json() == {"error": "only this computer may use the API"}


async def test_a_malformed_request_gets_a_400_and_no_traceback(tmp_path: Path):
    """Bytes that are not HTTP never reach the app: aiohttp's parser answers them, in plain text, tersely."""
    async with race(tmp_path) as (engine, server, client):
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(b"GET /api/status HTTP/1.1\r\nHost: localhost\r\nContent-Length: banana\r\n\r\n")
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(), 5.0)
        writer.close()
        status_line = answer.split(b"\r\n", 1)[0]
        assert status_line.split(b" ")[1] == b"400", status_line
        assert b"Traceback" not in answer and b'File "' not in answer
        await until(lambda: engine.board.link is LinkState.CONNECTED)
        assert (await client.get("/api/status")).status_code == 200  # and it serves on


@pytest.mark.parametrize("taken", ["127.0.0.1", "::1"])
async def test_a_taken_port_is_one_line_and_nothing_is_left_listening(tmp_path: Path, taken: str):
    """Another program holds the port on one loopback address: the API keeps nothing on the other either."""
    require_ipv6_loopback()
    holder = socket.socket(socket.AF_INET6 if ":" in taken else socket.AF_INET)
    holder.bind((taken, 0))
    holder.listen()
    port = holder.getsockname()[1]
    try:
        async with race(tmp_path) as (engine, _, _):
            server = ApiServer(engine, port=port)
            with pytest.raises(ApiUnavailable) as refused:
                await server.start()
            message = str(refused.value)
            assert message == f"Port {port} is in use by another program; choose another with --port or WOTS_PORT"
            assert not server.running and server.listening_on == []
            assert_nothing_listens("::1" if taken == "127.0.0.1" else "127.0.0.1", port)
    finally:
        holder.close()


def test_host_names_and_loopback_peers():
    assert [host_name(h) for h in ("localhost:80", "[::1]:5820", "[::1]", "127.0.0.1", "[::1")] == [
        "localhost", "[::1]", "[::1]", "127.0.0.1", "[::1",
    ]
    assert all(is_loopback(p) for p in ("127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"))
    assert not any(is_loopback(p) for p in ("192.0.2.7", "::ffff:192.0.2.7", "fe80::1%eth0", "", None, "garbage"))
