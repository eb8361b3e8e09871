"""The AMS2 source end to end: the real source (httpx, in its thread) against a fake AMS2 server speaking real
HTTP on 127.0.0.1, through the real engine and a real DuckDB notebook."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from tests.fakes.ams2_server import FakeAms2Server
from tests.helpers import make_engine, until
from wots_tui.domain.admin import BANS, AdminError
from wots_tui.domain.models import LinkState
from wots_tui.engine import Engine
from wots_tui.sources.factory import SourceSpec

HOST_STEAM = "76561197969382874"
ANA_STEAM = "76561198000000001"
BEN_STEAM = "76561198000000002"


def grid(fake: FakeAms2Server) -> dict[str, int]:
    """A running race: the host and two racers in cars, and an AI car (which carries the host's RefId)."""
    session = fake.session
    session.start(stage="Race1")
    host = session.join("blak", HOST_STEAM, refid=40123, host=True)
    ana = session.join("Ana Souza", ANA_STEAM, refid=33000)
    ben = session.join("Ben Okafor", BEN_STEAM, refid=512)
    cars = {"host": session.add_car(host, position=1), "ana": session.add_car(ana, position=2),
            "ben": session.add_car(ben, position=3), "ai": session.add_ai("AI Rossi", position=4)}
    for car in cars.values():
        session.state(car, "Racing")
    return {"host_ref": host, "ana_ref": ana, "ben_ref": ben, **cars}


@asynccontextmanager
async def engine_on(fake: FakeAms2Server, folder: Path, user: str = "admin", password: str = "admin-pw",
                    steam_id: int | None = None, poll: float = 0.05) -> AsyncIterator[Engine]:
    spec = SourceSpec.of("ams2", url=fake.url, user=user, password=password, steam_id=steam_id, poll_interval=poll)
    engine = make_engine(spec, folder)
    await engine.start()
    try:
        yield engine
    finally:
        await engine.stop()


def row(engine: Engine, name: str):  # type: ignore[no-untyped-def]
    return next((r for r in engine.board.rows if r.name == name), None)


async def test_drivers_appear_keyed_by_steam_id_and_positions_move(server: FakeAms2Server, tmp_path: Path) -> None:
    cars = grid(server)
    async with engine_on(server, tmp_path) as engine:
        await until(lambda: len(engine.board.rows) == 4)
        board = engine.board
        assert board.link is LinkState.CONNECTED
        assert [r.name for r in board.rows] == ["blak", "Ana Souza", "Ben Okafor", "AI Rossi"]
        assert row(engine, "Ana Souza").key == ("ams2", int(ANA_STEAM))
        ai = row(engine, "AI Rossi")
        assert ai.is_ai and ai.key[1] < 0
        assert board.facts.session_type == "Race" and board.facts.session_name == "WOTS League"
        assert board.facts.track_name == "Interlagos GP"
        server.session.set_car(cars["ana"], RacePosition=1)
        server.session.set_car(cars["host"], RacePosition=2)
        await until(lambda: engine.board.rows[0].name == "Ana Souza")
        server.session.lap(cars["ben"], 98_765, (30_000, 35_000, 33_765))
        await until(lambda: row(engine, "Ben Okafor").last_lap == pytest.approx(98.765))
        seen = await until(lambda: engine.drivers_seen)
        assert seen == 3  # the AI is never in the notebook


async def test_a_contact_reported_by_both_cars_counts_once_and_a_wall_hit_is_kept_apart(
    server: FakeAms2Server, tmp_path: Path
) -> None:
    cars = grid(server)
    async with engine_on(server, tmp_path) as engine:
        await until(lambda: len(engine.board.rows) == 4)
        server.session.impact(cars["ana"], cars["ben"], 359, reported_by_both=True, other_magnitude=512)
        server.session.wall(cars["ben"], 1000)
        await until(lambda: len(engine.board.contacts) == 2)
        touch, wall = engine.board.contacts
        assert (touch.reports, touch.magnitude, {touch.car_idx, touch.other_idx}) == (2, 512, {cars["ana"], cars["ben"]})
        assert wall.other_idx is None and wall.car_idx == cars["ben"]
        assert (row(engine, "Ana Souza").contacts, row(engine, "Ben Okafor").contacts, row(engine, "blak").contacts) == (1, 1, 0)


async def test_contacts_count_only_while_racing_and_name_the_lap(server: FakeAms2Server, tmp_path: Path) -> None:
    cars = grid(server)
    async with engine_on(server, tmp_path) as engine:
        await until(lambda: len(engine.board.rows) == 4)
        server.session.lap(cars["ana"], 99_000)  # the log's Lap is zero-based: this is lap 0, the first done
        server.session.state(cars["ben"], "InPits")
        await until(lambda: row(engine, "Ben Okafor").on_pit_road)
        server.session.impact(cars["ben"], cars["ana"], 200)  # reported by a car in the pits: not counted
        server.session.impact(cars["ana"], cars["host"], 300)
        await until(lambda: engine.board.contacts)
        await until(lambda: row(engine, "blak").contacts == 1)
        assert [(c.car_idx, c.other_idx, c.lap) for c in engine.board.contacts] == [(cars["ana"], cars["host"], 2)]


async def test_the_log_is_read_on_after_the_ring_wraps_and_after_a_restart(tmp_path: Path) -> None:
    server = FakeAms2Server(log_size=50)
    await server.start()
    try:
        cars = grid(server)
        async with engine_on(server, tmp_path) as engine:
            await until(lambda: len(engine.board.rows) == 4)
            server.session.filler(400)  # far more than the buffer holds between two reads
            server.session.impact(cars["ana"], cars["ben"], 100)
            await until(lambda: len(engine.board.contacts) == 1)
            assert engine.board.contacts[0].reports == 1  # read once, not again
            server.session.restart()  # indices start again at 0, the session is gone
            await until(lambda: "session ended" in engine.board.link_message)  # its standings stay
            cars = grid(server)
            await until(lambda: len(engine.board.rows) == 4)
            server.session.impact(cars["host"], cars["ben"], 100)
            await until(lambda: len(engine.board.contacts) == 1 and engine.board.contacts[0].car_idx == cars["host"])
    finally:
        await server.stop()


async def test_kick_and_chat_reach_the_server_and_never_for_an_ai(server: FakeAms2Server, tmp_path: Path) -> None:
    ids = grid(server)
    async with engine_on(server, tmp_path) as engine:
        await until(lambda: len(engine.board.rows) == 4 and engine.admin_refusal is None)
        answer = await engine.kick(row(engine, "Ana Souza").key, BANS[1])
        assert "banned for 10 min" in answer
        assert server.kicks == [(ids["ana_ref"], 600)]  # a RefId above 32767, whole
        with pytest.raises(AdminError, match="AI car"):
            await engine.kick(row(engine, "AI Rossi").key)
        assert server.kicks == [(ids["ana_ref"], 600)]  # never the host, for the AI's row
        await engine.send_chat("Blue flags, please", row(engine, "Ben Okafor").key)
        await engine.send_chat("Race starts in 2 minutes")
        assert server.chats == [("Blue flags, please", ids["ben_ref"]), ("Race starts in 2 minutes", None)]
        await until(lambda: row(engine, "Ana Souza") is None)  # kicked: gone from the session


async def test_a_viewer_sees_the_session_without_admin_and_a_guest_is_told_what_it_cannot_see(
    server: FakeAms2Server, tmp_path: Path
) -> None:
    grid(server)
    async with engine_on(server, tmp_path, "viewer", "viewer-pw") as engine:
        await until(lambda: len(engine.board.rows) == 4)
        assert "need an admin login" in (engine.admin_refusal or "")
        with pytest.raises(AdminError, match="need an admin login"):
            await engine.kick(row(engine, "Ana Souza").key)
        assert not server.kicks and not any("kick" in path for path in server.requests)
    async with engine_on(server, tmp_path / "guest", "guest", "guest-pw") as engine:
        await until(lambda: "public lists" in engine.board.link_message)
        assert engine.board.link is LinkState.WAITING


async def test_a_refused_password_is_said_with_the_realm_and_never_the_password(server: FakeAms2Server, tmp_path: Path) -> None:
    grid(server)
    async with engine_on(server, tmp_path, "admin", "wrong-secret") as engine:
        message = await until(lambda: "refused" in engine.board.link_message and engine.board.link_message)
        assert "'admin'" in message and "401" in message and "wrong-secret" not in message
        assert "--ams2-password" in message


async def test_a_server_that_goes_away_leaves_the_last_session_stale_and_is_followed_again(
    server: FakeAms2Server, tmp_path: Path
) -> None:
    grid(server)
    async with engine_on(server, tmp_path) as engine:
        await until(lambda: len(engine.board.rows) == 4)
        await server.stop()
        await until(lambda: engine.board.link is LinkState.STALE, timeout=10)
        assert "not answering" in engine.board.link_message and "reconnecting" in engine.board.link_message
        assert len(engine.board.rows) == 4  # the last session stays on screen
        await server.start()
        await until(lambda: engine.board.link is LinkState.CONNECTED, timeout=10)
        server.fault = "500-html"
        await until(lambda: engine.board.link is LinkState.STALE, timeout=10)
        assert "error page" in engine.board.link_message and "500" in engine.board.link_message
        server.fault = None
        await until(lambda: engine.board.link is LinkState.CONNECTED, timeout=10)


async def test_an_idle_server_is_a_calm_wait(server: FakeAms2Server, tmp_path: Path) -> None:
    async with engine_on(server, tmp_path) as engine:
        await until(lambda: "no session running" in engine.board.link_message)
        assert engine.board.link is LinkState.WAITING


async def test_each_stage_is_a_meeting_and_the_racers_own_row_is_marked_by_steam_id(
    server: FakeAms2Server, tmp_path: Path
) -> None:
    grid(server)
    async with engine_on(server, tmp_path, steam_id=int(HOST_STEAM)) as engine:
        await until(lambda: len(engine.board.rows) == 4)
        assert [r.name for r in engine.board.rows if r.is_player] == ["blak"]
        ana = row(engine, "Ana Souza").key
        await until(lambda: engine.drivers_seen == 2)  # not the racer, not the AI
        server.session.stage("Race2")
        await until(lambda: ":Race2:" in engine.board.facts.meeting)
        for _ in range(250):  # the new meeting's sightings are written off the loop
            if len(await engine.sightings_of(ana)) == 2:
                break
            await asyncio.sleep(0.02)
        assert len(await engine.sightings_of(ana)) == 2


async def test_a_newcomer_given_a_departed_cars_id_does_not_inherit_its_contacts(server: FakeAms2Server, tmp_path: Path) -> None:
    ids = grid(server)
    async with engine_on(server, tmp_path) as engine:
        await until(lambda: len(engine.board.rows) == 4)
        server.session.impact(ids["ana"], ids["ben"], 300)
        await until(lambda: row(engine, "Ana Souza").contacts == 1)
        server.session.leave(ids["ana_ref"])
        await until(lambda: row(engine, "Ana Souza") is None)
        cleo = server.session.join("Cleo Martin", "76561198000000003", refid=777)
        server.session.add_car(cleo, position=2, participant_id=ids["ana"])  # Ana's participant id, again
        server.session.state(ids["ana"], "Racing")
        await until(lambda: row(engine, "Cleo Martin") is not None)
        assert row(engine, "Cleo Martin").contacts == 0 and row(engine, "Ben Okafor").contacts == 1
        server.session.lap(ids["ana"], 91_000)
        await until(lambda: row(engine, "Cleo Martin").last_lap == pytest.approx(91.0))  # her own car's state
        assert row(engine, "Cleo Martin").position == 2
        server.session.impact(ids["ana"], ids["ben"], 100)  # Cleo, under that id, touches Ben
        await until(lambda: row(engine, "Ben Okafor").contacts == 2)
        assert row(engine, "Cleo Martin").contacts == 1


async def test_a_slow_server_and_a_password_refused_mid_session_are_said_and_survived(server: FakeAms2Server, tmp_path: Path) -> None:
    grid(server)
    async with engine_on(server, tmp_path) as engine:
        await until(lambda: len(engine.board.rows) == 4)
        server.slow_seconds = 4.0  # past the client's 3 s wait for an answer
        server.fault = "slow"
        await until(lambda: engine.board.link is LinkState.STALE, timeout=15)
        assert "timed out" in engine.board.link_message and len(engine.board.rows) == 4
        server.fault = "401"  # the server's users changed under us
        await until(lambda: "refused" in engine.board.link_message, timeout=15)
        assert engine.board.link is LinkState.STALE and "admin-pw" not in engine.board.link_message
        server.fault = None
        await until(lambda: engine.board.link is LinkState.CONNECTED, timeout=15)


async def test_a_login_that_may_not_read_the_log_sees_the_session_with_contacts_off(server: FakeAms2Server, tmp_path: Path) -> None:
    grid(server)
    server.set_level("api/log/range", "admin")
    async with engine_on(server, tmp_path, "viewer", "viewer-pw") as engine:
        await until(lambda: len(engine.board.rows) == 4)
        assert engine.board.link is LinkState.CONNECTED
        assert "contacts off" in engine.board.link_message


async def test_an_admin_probe_answered_with_an_error_still_means_admin(server: FakeAms2Server, tmp_path: Path) -> None:
    grid(server)
    server.fault, server.fault_when = "error-json", lambda path: "set_next_attributes" in path
    async with engine_on(server, tmp_path) as engine:
        await until(lambda: len(engine.board.rows) == 4 and engine.admin_refusal is None)


async def test_a_default_servers_401_for_a_public_login_names_both_reasons(server: FakeAms2Server, tmp_path: Path) -> None:
    grid(server)
    server.level_refusal = 401  # a default server's reject-password rule
    async with engine_on(server, tmp_path, "guest", "guest-pw") as engine:
        message = await until(lambda: "refused" in engine.board.link_message and engine.board.link_message)
        assert "check --ams2-password; if it is right, the login sees only the public lists" in message


async def test_a_car_that_touched_and_then_pitted_in_one_poll_was_racing_when_it_touched(server: FakeAms2Server, tmp_path: Path) -> None:
    ids = grid(server)
    async with engine_on(server, tmp_path, poll=1.0) as engine:
        await until(lambda: len(engine.board.rows) == 4)
        server.session.impact(ids["ana"], ids["ben"], 300)
        server.session.state(ids["ana"], "EnteringPits")  # both logged before the next poll
        await until(lambda: row(engine, "Ana Souza").on_pit_road, timeout=10)
        await until(lambda: row(engine, "Ana Souza").contacts == 1)


async def test_nothing_is_published_once_the_engine_stopped_even_from_a_request_under_way(
    server: FakeAms2Server, tmp_path: Path
) -> None:
    grid(server)
    spec = SourceSpec.of("ams2", url=server.url, user="admin", password="admin-pw", poll_interval=0.05)
    engine = make_engine(spec, tmp_path)
    boards: list = []  # type: ignore[type-arg]
    engine.subscribe(boards.append)
    await engine.start()
    await until(lambda: len(engine.board.rows) == 4)
    server.slow_seconds, server.fault = 3.5, "slow"  # the next poll is under way when we stop
    await asyncio.sleep(0.2)
    await engine.stop()
    heard = len(boards)
    await asyncio.sleep(4.0)  # the request times out in the source's thread after the stop
    assert len(boards) == heard


async def test_race_gaps_come_from_the_logs_sector_times(server: FakeAms2Server, tmp_path: Path) -> None:
    cars = grid(server)
    async with engine_on(server, tmp_path) as engine:
        await until(lambda: len(engine.board.rows) == 4)
        server.session.sector(cars["host"], 1, 30_000)  # the leader ends sector 1...
        server.session.sector(cars["ana"], 1, 31_500)  # ...and Ana 1.5 s later, in her race time
        await until(lambda: row(engine, "Ana Souza").gap_seconds == 1.5)
        assert row(engine, "blak").gap_seconds == 0.0 and row(engine, "Ben Okafor").gap_seconds is None
        server.session.sector(cars["host"], 2, 35_000)
        server.session.sector(cars["ana"], 2, 34_000)  # she gains a second in sector 2
        await until(lambda: row(engine, "Ana Souza").gap_seconds == 0.5)


async def test_a_session_that_ends_leaves_its_standings_until_the_next(server: FakeAms2Server, tmp_path: Path) -> None:
    grid(server)
    async with engine_on(server, tmp_path) as engine:
        await until(lambda: len(engine.board.rows) == 4)
        server.session.end()
        await until(lambda: engine.board.link is LinkState.STALE)
        assert "session ended" in engine.board.link_message and len(engine.board.rows) == 4
        assert "as soon as the server runs one" in engine.hint  # the server answered: no advice on reaching it
        grid(server)
        await until(lambda: engine.board.link is LinkState.CONNECTED and len(engine.board.rows) == 4)
