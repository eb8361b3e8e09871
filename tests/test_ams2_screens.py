"""The live screen on an AMS2 session: its columns, the contact prompt, the card's contacts, and the admin
actions behind their confirmations.

Rendering and the prompt run the real engine and app on hand-made snapshots (a source that publishes what a
test gives it); the admin actions run the real AMS2 source against the fake AMS2 server over real HTTP.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets._footer import FooterKey

from tests.fakes.ams2_server import FakeAms2Server
from tests.helpers import HandSource, make_app, wait_for
from wots_tui.domain.admin import AdminError
from wots_tui.domain.board import SortOrder
from wots_tui.domain.contacts import Contact
from wots_tui.domain.events import SourceStale
from wots_tui.domain.models import (
    CarClass,
    CarState,
    Driver,
    LinkState,
    Platform,
    SessionFacts,
    SessionSnapshot,
)
from wots_tui.engine import Engine
from wots_tui.sources.factory import SourceSpec
from wots_tui.store import Database
from wots_tui.ui.app import WotsApp
from wots_tui.ui.screens.admin import KickModal, MessageModal
from wots_tui.ui.screens.driver_card import DriverCard
from wots_tui.ui.widgets import contact_prompt
from wots_tui.ui.widgets.contact_prompt import ContactPrompt
from wots_tui.ui.widgets.driver_board import DriverBoard

GT4 = CarClass(1, "GT4", "#38bdf8")
AT = datetime(2026, 11, 20, 19, 30, 5, tzinfo=UTC)
RACER, ANA, BEN, AI = 0, 1, 2, 3  # car indexes


def _driver(car_idx: int, steam_id: int, name: str, number: str, ai: bool = False) -> Driver:
    return Driver(car_idx, steam_id, name, number, GT4, "Ginetta G55 GT4", 0, None, platform=Platform.AMS2,
                  is_ai=ai, ref_id=None if ai else 30000 + car_idx)


DRIVERS = (
    _driver(RACER, 76561198000000010, "Racer Self", "7"),
    _driver(ANA, 76561198000000001, "Ana Souza", "12"),
    _driver(BEN, 76561198000000002, "Ben Okafor", "33"),
    _driver(AI, -3, "Nina Petrova", "90", ai=True),
)
FACTS = SessionFacts(track_name="Interlagos GP", session_type="Race", session_name="WOTS League",
                     session_state="racing", session_id=1, meeting="lobby:Race1:1")


def snapshot(*contacts: Contact, tick: int = 1, facts: SessionFacts = FACTS) -> SessionSnapshot:
    cars = {
        RACER: CarState(RACER, 2, 2, 4, 3, 0.5, 1.2, 91.2, 90.8, sector=2),
        ANA: CarState(ANA, 1, 1, 4, 3, 0.52, 0.0, 90.9, 90.1, sector=2),
        BEN: CarState(BEN, 3, 3, 4, 3, 0.3, 6.1, 92.4, 91.7, on_pit_road=True, sector=1),
        AI: CarState(AI, 4, 4, 3, 3, 0.9, 20.0, 95.0, 93.3, status="DNF", sector=3),
    }
    return SessionSnapshot(facts, DRIVERS, cars, player_car_idx=RACER, tick=tick, contacts=tuple(contacts))


def touch(serial: int, car: int, other: int | None, lap: int | None = 3, magnitude: int | None = 420) -> Contact:
    return Contact(serial, AT + timedelta(seconds=serial), car, other, lap, magnitude)


def hand_app(folder: Path) -> tuple[WotsApp, HandSource]:
    source = HandSource()
    return WotsApp(Engine(source, Database(folder / "notebook.duckdb"))), source


async def showing(pilot: Pilot, source: HandSource, event: SessionSnapshot | SourceStale) -> None:
    """Hand `event` over and wait until the live screen has the Board made of it."""
    app: WotsApp = pilot.app  # type: ignore[assignment]
    before = app.live.board.version
    source.send(event)
    await wait_for(pilot, lambda: app.live.board.version > before and app.live.board.rows)
    await pilot.pause()


def prompt(app: WotsApp) -> ContactPrompt:
    return app.live.query_one(ContactPrompt)


def told(app: WotsApp, words: str) -> bool:
    return any(words in n.message for n in app._notifications)


def cursor_to(app: WotsApp, name: str) -> None:
    table = app.live.query_one(DriverBoard)
    table.move_to(next(i for i, row in enumerate(table.rows) if row.name == name))


# --- the table ---------------------------------------------------------------------------------------------


async def test_an_ams2_session_shows_ai_sector_status_and_contacts_and_no_irating_columns(tmp_path: Path):
    app, source = hand_app(tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await showing(pilot, source, snapshot())
        table = app.live.query_one(DriverBoard)
        columns = table.shown_columns
        assert {"S", "Pit"} <= set(columns) and not {"iR", "±iR", "Lic", "Cx"} & set(columns)
        await showing(pilot, source, snapshot(touch(1, RACER, ANA), tick=2))
        assert "Cx" in table.shown_columns  # once a car-to-car contact was reported
        lines = [table.render_line(y).text for y in range(1, 5)]
        ai_line = next(line for line in lines if "Nina Petrova" in line)
        assert "AI Nina Petrova" in ai_line and "DNF" in ai_line and "S3" in ai_line
        assert "PIT" in next(line for line in lines if "Ben Okafor" in line)
        ana = next(row for row in table.rows if row.name == "Ana Souza")
        assert ana.contacts == 1


@pytest.mark.parametrize("width", [80, 100, 120, 160])
async def test_the_racers_own_columns_and_the_ai_mark_stay_at_every_width(tmp_path: Path, width: int):
    app, source = hand_app(tmp_path)
    async with app.run_test(size=(width, 30)) as pilot:
        await showing(pilot, source, snapshot(touch(1, RACER, ANA)))
        table = app.live.query_one(DriverBoard)
        assert {"P", "Driver", "R", "Tags", "Met", "Note"} <= set(table.shown_columns)
        ai_line = next(table.render_line(y).text for y in range(1, 5) if "Nina" in table.render_line(y).text)
        assert "AI Nina" in ai_line


async def test_the_notebook_is_for_people_an_ai_row_is_refused_in_one_line(tmp_path: Path):
    app, source = hand_app(tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await showing(pilot, source, snapshot())
        cursor_to(app, "Nina Petrova")
        for key in ("plus", "n", "c", "enter", "1"):
            await pilot.press(key)
            await pilot.pause()
            assert app.screen is app.live, key
        await wait_for(pilot, lambda: told(app, "Nina Petrova is an AI car: the notebook is for people"))
        assert app.engine.entry_count == 0


# --- the contact prompt ------------------------------------------------------------------------------------


async def test_a_new_contact_with_a_human_prompts_and_plus_rates_them_not_the_cursor(tmp_path: Path):
    app, source = hand_app(tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await showing(pilot, source, snapshot(touch(1, RACER, BEN)))  # there when the screen first saw the board
        assert not prompt(app).display
        cursor_to(app, "Ben Okafor")
        await showing(pilot, source, snapshot(touch(1, RACER, BEN), touch(2, ANA, RACER, lap=4), tick=2))
        assert prompt(app).display
        assert "Contact with Ana Souza, lap 4:" in str(prompt(app).render())
        assert app.focused is app.live.query_one(DriverBoard)  # never takes the keys from the table
        await pilot.press("plus")
        await wait_for(pilot, lambda: told(app, "Ana Souza: rated ▲ up"))
        assert not prompt(app).display
        ana = await app.engine.record(DRIVERS[ANA].key)
        assert ana is not None and ana.rating == 1
        assert await app.engine.record(DRIVERS[BEN].key) is None  # the cursor's driver was not rated
        await pilot.press("minus")  # the prompt gone, - is the cursor's again
        await wait_for(pilot, lambda: told(app, "Ben Okafor: rated ▼ down"))


async def test_wall_hits_ai_cars_and_others_contacts_never_prompt(tmp_path: Path):
    app, source = hand_app(tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await showing(pilot, source, snapshot())
        contacts = [touch(1, RACER, None), touch(2, AI, RACER), touch(3, ANA, BEN)]
        for tick in range(1, 4):
            await showing(pilot, source, snapshot(*contacts[:tick], tick=tick + 1))
            assert not prompt(app).display, contacts[tick - 1]
        grown = replace(contacts[2], reports=2, magnitude=600)  # a second report of a touch is not a new one
        await showing(pilot, source, snapshot(*contacts[:2], grown, tick=5))
        assert not prompt(app).display


async def test_a_new_session_starts_its_serials_again_and_its_first_contact_prompts(tmp_path: Path):
    app, source = hand_app(tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await showing(pilot, source, snapshot(touch(1, RACER, ANA), touch(2, RACER, BEN)))
        assert not prompt(app).display
        qualifying = replace(FACTS, meeting="lobby:Qualifying1:2")
        await showing(pilot, source, snapshot(facts=qualifying, tick=2))
        await showing(pilot, source, snapshot(touch(1, BEN, RACER, lap=1), facts=qualifying, tick=3))
        assert "Contact with Ben Okafor, lap 1:" in str(prompt(app).render())


async def test_the_prompt_goes_away_by_itself_and_esc_dismisses_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(contact_prompt, "SHOW_SECONDS", 0.3)
    app, source = hand_app(tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await showing(pilot, source, snapshot())
        await showing(pilot, source, snapshot(touch(1, RACER, ANA), tick=2))
        assert prompt(app).display
        await wait_for(pilot, lambda: not prompt(app).display)
        await showing(pilot, source, snapshot(touch(1, RACER, ANA), touch(2, RACER, BEN), tick=3))
        assert prompt(app).display
        await pilot.press("escape")
        await pilot.pause()
        assert not prompt(app).display and app.screen is app.live
        cursor_to(app, "Racer Self")
        await pilot.press("plus")  # on the cursor's driver (the racer's own row: refused), not Ben
        await wait_for(pilot, lambda: told(app, "That is you"))
        assert await app.engine.record(DRIVERS[BEN].key) is None


async def test_the_palette_rates_the_cursors_driver_even_while_the_prompt_shows(tmp_path: Path):
    app, source = hand_app(tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await showing(pilot, source, snapshot())
        await showing(pilot, source, snapshot(touch(1, RACER, ANA), tick=2))
        assert prompt(app).offered is not None
        cursor_to(app, "Ben Okafor")
        await pilot.press("ctrl+p")
        await pilot.press(*"Rate Ben Okafor up")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: told(app, "Ben Okafor: rated"))
        assert (await app.engine.record(DRIVERS[BEN].key)).rating == 1
        assert await app.engine.record(DRIVERS[ANA].key) is None and prompt(app).offered is not None


async def test_a_new_session_takes_the_last_sessions_prompt_down(tmp_path: Path):
    app, source = hand_app(tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await showing(pilot, source, snapshot())
        await showing(pilot, source, snapshot(touch(1, RACER, ANA), tick=2))
        assert prompt(app).offered is not None
        await showing(pilot, source, snapshot(tick=3, facts=replace(FACTS, meeting="lobby:Race2:2")))
        assert prompt(app).offered is None and not prompt(app).display
        cursor_to(app, "Ben Okafor")
        await pilot.press("minus")  # now the cursor's driver, not Ana of the session before
        await wait_for(pilot, lambda: told(app, "Ben Okafor: rated"))
        assert await app.engine.record(DRIVERS[ANA].key) is None


async def test_the_card_lists_the_drivers_contacts_this_session(tmp_path: Path):
    app, source = hand_app(tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        await showing(pilot, source, snapshot(touch(1, ANA, RACER, lap=2, magnitude=None), touch(2, ANA, None, lap=3),
                                              touch(3, BEN, RACER)))
        cursor_to(app, "Ana Souza")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DriverCard))
        text = str(app.screen.query_one("#card-contacts").render())
        assert text.splitlines() == ["19:30:06  lap 2    with Racer Self",
                                     "19:30:07  lap 3    with the scenery  ·  force 420/1000"]
        await pilot.press("escape")
        cursor_to(app, "Nina Petrova")
        cursor_to(app, "Ben Okafor")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DriverCard))
        assert "with Racer Self  ·  force 420/1000" in str(app.screen.query_one("#card-contacts").render())


async def test_a_card_with_no_contacts_has_no_contacts_part(tmp_path: Path):
    app, source = hand_app(tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        await showing(pilot, source, snapshot(touch(1, ANA, RACER)))
        cursor_to(app, "Ben Okafor")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DriverCard))
        assert not app.screen.query("#card-contacts")


# --- the header --------------------------------------------------------------------------------------------


async def test_a_stale_link_says_why_while_the_rows_stay(tmp_path: Path):
    app, source = hand_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await showing(pilot, source, snapshot())
        header = str(app.live.query_one("#session-header").render())
        assert "WOTS League" in header and "Race · racing" in header
        await showing(pilot, source, SourceStale("server not answering; showing the last session, reconnecting"))
        assert app.live.board.link is LinkState.STALE
        header = str(app.live.query_one("#session-header").render())
        assert header.splitlines()[1].startswith("⚠ Server not answering; showing the last session, reconnecting")
        assert "connected" not in header.splitlines()[0]  # the first line no longer says the link is fine
        assert len(app.live.query_one(DriverBoard).rows) == 4


# --- admin actions: the real AMS2 source, the fake server ------------------------------------------------------

HOST_STEAM, ANA_STEAM, BEN_STEAM = "76561197969382874", "76561198000000001", "76561198000000002"


def grid(fake: FakeAms2Server) -> dict[str, int]:
    """A race: the racer (the host), two other humans and an AI car (with the host's RefId), each racing."""
    session = fake.session
    session.start(stage="Race1")
    host = session.join("Racer Self", HOST_STEAM, refid=40123, host=True)
    ana = session.join("Ana Souza", ANA_STEAM, refid=33000)
    ben = session.join("Ben Okafor", BEN_STEAM, refid=512)
    for place, refid in enumerate((host, ana, ben), 1):
        session.state(session.add_car(refid, position=place), "Racing")
    session.state(session.add_ai("Nina Petrova", position=4), "Racing")
    return {"host": host, "ana": ana, "ben": ben}


@asynccontextmanager
async def on_server(fake: FakeAms2Server, folder: Path, size: tuple[int, int] = (120, 30), user: str = "admin",
                    password: str = "admin-pw") -> AsyncIterator[tuple[WotsApp, Pilot]]:
    spec = SourceSpec.of("ams2", url=fake.url, user=user, password=password, steam_id=int(HOST_STEAM),
                         poll_interval=0.05)
    app = make_app(spec, folder)
    async with app.run_test(size=size) as pilot:
        await wait_for(pilot, lambda: len(app.live.board.rows) == 4, tries=500)
        await wait_for(pilot, lambda: app.engine.admin_refusal is None or user != "admin", tries=500)
        await pilot.pause()
        yield app, pilot


def footer_keys(app: WotsApp) -> set[str]:
    return {key.key for key in app.live.query(FooterKey)}


async def test_a_kick_reaches_the_server_only_after_y_with_the_ban_chosen(server: FakeAms2Server, tmp_path: Path):
    refids = grid(server)
    async with on_server(server, tmp_path, size=(160, 50)) as (app, pilot):
        assert {"M", "K"} <= footer_keys(app)
        cursor_to(app, "Ana Souza")
        await pilot.press("K")
        await wait_for(pilot, lambda: isinstance(app.screen, KickModal))
        assert "api/session/kick?refid=33000" in str(app.screen.query_one("#admin-request").render())
        await pilot.press("right")
        assert "api/session/kick?refid=33000&ban=600" in str(app.screen.query_one("#admin-request").render())
        await pilot.pause(0.3)
        assert server.kicks == []  # nothing sent while it asks
        await pilot.press("y")
        await wait_for(pilot, lambda: server.kicks == [(refids["ana"], 600)])
        await wait_for(pilot, lambda: told(app, "Ana Souza: kicked, banned for 10 min"))
        assert app.screen is app.live


async def test_enter_kicks_too_and_a_second_enter_does_not_close_the_screen_under_it(server: FakeAms2Server, tmp_path: Path):
    refids = grid(server)
    async with on_server(server, tmp_path) as (app, pilot):
        cursor_to(app, "Ben Okafor")
        await pilot.press("K")
        await wait_for(pilot, lambda: isinstance(app.screen, KickModal))
        await pilot.press("enter", "enter")
        await wait_for(pilot, lambda: server.kicks == [(refids["ben"], None)])
        await pilot.pause(0.2)
        assert app.screen is app.live and len(server.kicks) == 1


async def test_a_driver_who_rejoined_while_the_kick_was_asked_is_not_kicked_by_another_id(
        server: FakeAms2Server, tmp_path: Path):
    refids = grid(server)
    async with on_server(server, tmp_path) as (app, pilot):
        cursor_to(app, "Ana Souza")
        await pilot.press("K")
        await wait_for(pilot, lambda: isinstance(app.screen, KickModal))
        server.session.leave(refids["ana"])
        rejoined = server.session.join("Ana Souza", ANA_STEAM, refid=33999)
        server.session.state(server.session.add_car(rejoined, position=2), "Racing")
        key = next(row.key for row in app.engine.board.rows if row.name == "Ana Souza")
        await wait_for(pilot, lambda: _ref_id(app, key) == 33999, tries=500)
        await pilot.press("y")
        await wait_for(pilot, lambda: told(app, "Ana Souza rejoined the server since: nothing was sent"))
        assert server.kicks == []


def _ref_id(app: WotsApp, key: tuple[str, int]) -> int | None:
    try:
        return app.engine.admin_target(key)
    except AdminError:
        return None


async def test_esc_on_either_confirmation_sends_nothing(server: FakeAms2Server, tmp_path: Path):
    grid(server)
    async with on_server(server, tmp_path) as (app, pilot):
        cursor_to(app, "Ben Okafor")
        await pilot.press("K")
        await wait_for(pilot, lambda: isinstance(app.screen, KickModal))
        await pilot.press("right", "right", "escape")
        await pilot.press("M")
        await wait_for(pilot, lambda: isinstance(app.screen, MessageModal))
        await pilot.press(*"brake earlier", "escape")
        await wait_for(pilot, lambda: app.screen is app.live)
        await pilot.pause(0.3)
        assert server.kicks == [] and server.chats == []
        assert not [path for path in server.requests if "kick" in path or "send_chat" in path]


async def test_a_message_to_a_driver_shows_its_request_and_reaches_the_server(server: FakeAms2Server, tmp_path: Path):
    refids = grid(server)
    async with on_server(server, tmp_path) as (app, pilot):
        cursor_to(app, "Ben Okafor")
        await pilot.press("M")
        await wait_for(pilot, lambda: isinstance(app.screen, MessageModal))
        await pilot.press("enter")  # an empty line is not sent
        await wait_for(pilot, lambda: told(app, "Type the message first"))
        assert isinstance(app.screen, MessageModal)
        await pilot.press(*"blue flag: let the leaders by")
        request = str(app.screen.query_one("#admin-request").render())
        assert "api/session/send_chat?message=blue flag: let the leaders by&refid=512" in request
        await pilot.press("enter")
        await wait_for(pilot, lambda: server.chats == [("blue flag: let the leaders by", refids["ben"])])
        await wait_for(pilot, lambda: told(app, "Ben Okafor: message sent"))


async def test_message_all_drivers_from_the_palette(server: FakeAms2Server, tmp_path: Path):
    grid(server)
    async with on_server(server, tmp_path) as (app, pilot):
        await pilot.press("ctrl+p")
        await pilot.press(*"Message all drivers")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, MessageModal))
        assert "send_chat?message=" in str(app.screen.query_one("#admin-request").render())
        assert "refid" not in str(app.screen.query_one("#admin-request").render())
        await pilot.press(*"race starts in 2 minutes", "enter")
        await wait_for(pilot, lambda: server.chats == [("race starts in 2 minutes", None)])


async def test_ai_rows_and_the_racers_own_row_are_refused_before_any_confirmation(server: FakeAms2Server,
                                                                                tmp_path: Path):
    grid(server)
    async with on_server(server, tmp_path) as (app, pilot):
        cursor_to(app, "Nina Petrova")
        for key in ("K", "M"):
            await pilot.press(key)
            await pilot.pause()
            assert app.screen is app.live
        assert told(app, "Nina Petrova is an AI car: only human drivers can be kicked")
        assert told(app, "Nina Petrova is an AI car: only human drivers can be messaged")
        cursor_to(app, "Racer Self")
        await pilot.press("K")
        await pilot.pause()
        assert app.screen is app.live and told(app, "That is you")
        assert server.kicks == [] and server.chats == []


async def test_the_palette_offers_no_message_or_kick_without_admin_access(server: FakeAms2Server, tmp_path: Path):
    grid(server)
    async with on_server(server, tmp_path, user="viewer", password="viewer-pw") as (app, _):
        titles = [command.title for command in app.get_system_commands(app.live)]
        assert not any(title.lower().startswith(("message", "kick")) for title in titles), titles
        assert not any("contact prompt" in title or "touched" in title for title in titles)  # no prompt up


async def test_a_viewer_login_has_no_admin_keys_and_a_press_says_why(server: FakeAms2Server, tmp_path: Path):
    grid(server)
    async with on_server(server, tmp_path, user="viewer", password="viewer-pw") as (app, pilot):
        await wait_for(pilot, lambda: app.engine.admin_refusal is not None
                       and "not connected" not in app.engine.admin_refusal.lower())
        await pilot.pause()
        assert not {"M", "K"} & footer_keys(app)
        cursor_to(app, "Ana Souza")
        await pilot.press("K")
        await pilot.pause()
        assert app.screen is app.live
        assert told(app, "is a viewer's: messages and kicks need an admin login")
        assert "need an admin login" in str(app.live.query_one("#session-header").render())
        assert server.kicks == []


async def test_sort_skips_irating_where_nobody_has_one(tmp_path: Path):
    app, source = hand_app(tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await showing(pilot, source, snapshot())
        seen = []
        for _ in range(3):
            await pilot.press("s")
            await pilot.pause()
            seen.append(app.live.sort)
        assert SortOrder.IRATING not in seen and SortOrder.CLASS in seen and SortOrder.POSITION in seen
