"""The AMS2 server's session status as our session snapshot: each quirk of the server's API, one test each.

Names come from the server's real `api/list/all` body (tests/fixtures/ams2/api-response.json).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from wots_tui.domain.models import Platform
from wots_tui.sources.ams2_session import Names, read_status, session_type

LISTS = json.loads((Path(__file__).parent / "fixtures" / "ams2" / "api-response.json").read_text(encoding="utf-8"))["response"]
NAMES = Names.from_lists(LISTS["vehicles"], LISTS["vehicle_classes"], LISTS["tracks"])
GT4 = next(v for v in LISTS["vehicles"]["list"] if v["name"] == "Ginetta G55 GT4")
TRACK = LISTS["tracks"]["list"][0]
HOST_REFID = 40123  # above 32767: a RefId is unsigned 16-bit


def _participant(pid: int, refid: int, name: str, is_player: int, **attrs: Any) -> dict[str, Any]:
    base = {"RefId": refid, "Name": name, "IsPlayer": is_player, "GridPosition": pid + 1, "VehicleId": GT4["id"],
            "LiveryId": 51, "RacePosition": pid + 1, "CurrentLap": 3, "CurrentSector": 3, "Sector1Time": 22462,
            "Sector2Time": 40686, "Sector3Time": 31612, "LastLapTime": 100389, "FastestLapTime": 99876,
            "State": "Racing"}
    return {"id": pid, "attributes": {**base, **attrs}}


def _status(participants: list[dict[str, Any]], stage: str = "Race1", lobby: Any = "109775242847201392", **attrs: Any) -> dict[str, Any]:
    return {
        "state": "Running", "name": "WOTS League", "lobbyid": lobby, "joinable": True, "max_member_count": 22,
        "now": 1764680000,
        "attributes": {"SessionState": "Race", "SessionStage": stage, "SessionPhase": "Green", "TrackId": TRACK["id"],
                       "Flags": -2147483648 | 1048576, "SessionTimeElapsed": 300, **attrs},
        "members": [
            {"index": 0, "refid": HOST_REFID, "steamid": "76561197969382874", "state": "Connected", "name": "blak",
             "jointime": 1764679000, "host": True, "attributes": {"VehicleId": GT4["id"], "Ping": 11}},
            {"index": 1, "refid": 512, "steamid": "76561198000000001", "state": "Connected", "name": "Ana Souza",
             "jointime": 1764679100, "host": False, "attributes": {"VehicleId": GT4["id"], "Ping": 30}},
        ],
        "participants": participants,
    }


def test_humans_are_keyed_by_steam_id_and_ai_never_by_the_hosts_refid() -> None:
    status = read_status(_status([
        _participant(0, HOST_REFID, "blak", 1),
        _participant(1, HOST_REFID, "AI Rossi", 0),  # AI cars carry the host's RefId
        _participant(2, 512, "Ana Souza", 1),
    ]), NAMES)
    drivers = {car.participant_id: car.driver for car in status.cars}
    assert drivers[0].key == (Platform.AMS2.value, 76561197969382874)
    assert drivers[0].ref_id == HOST_REFID  # above 32767, kept whole
    assert drivers[2].key == ("ams2", 76561198000000001)
    ai = drivers[1]
    assert ai.is_ai and ai.name == "AI Rossi"
    assert ai.ref_id is None  # a kick can never reach the host through an AI's row
    assert ai.driver_id < 0 and ai.key != drivers[0].key


def test_current_sector_is_rotated() -> None:
    cars = read_status(_status([
        _participant(0, HOST_REFID, "blak", 1, CurrentSector=3),
        _participant(1, 512, "Ana Souza", 1, CurrentSector=1),
    ]), NAMES).cars
    assert [c.car.sector for c in cars] == [1, 2]
    assert read_status(_status([_participant(0, HOST_REFID, "blak", 1, CurrentSector=2)]), NAMES).cars[0].car.sector == 3
    assert read_status(_status([_participant(0, HOST_REFID, "blak", 1, CurrentSector=0)]), NAMES).cars[0].car.sector is None


def test_an_empty_state_keeps_the_last_one_known() -> None:
    raw = _status([_participant(0, HOST_REFID, "blak", 1, State="")])
    assert read_status(raw, NAMES).cars[0].car.on_pit_road is False
    car = read_status(raw, NAMES, known_states={0: "InPits"}).cars[0]
    assert car.state == "InPits" and car.car.on_pit_road


@pytest.mark.parametrize(("state", "shown"), [("Finished", "FIN"), ("DNF", "DNF"), ("Disqualified", "DSQ"),
                                              ("Retired", "RET"), ("Racing", "")])
def test_a_stopped_car_says_why(state: str, shown: str) -> None:
    assert read_status(_status([_participant(0, HOST_REFID, "blak", 1, State=state)]), NAMES).cars[0].car.status == shown


def test_vehicle_classes_are_read_by_value_and_vehicles_by_class_name() -> None:
    gt4 = next(c for c in LISTS["vehicle_classes"]["list"] if c["name"] == GT4["class"])
    car = read_status(_status([_participant(0, HOST_REFID, "blak", 1)]), NAMES).cars[0]
    assert car.driver.car_name == "Ginetta G55 GT4"
    assert car.driver.car_class.class_id == gt4["value"]  # `value`, not `id`
    assert car.driver.car_class.name == gt4["translated_name"]


@pytest.mark.parametrize(("stage", "kind"), [("Practice1", "Practice"), ("Qualifying1", "Qualify"),
                                             ("Qualifying", "Qualify"), ("Warmup", "Warmup"), ("Race1", "Race")])
def test_stages_old_and_new_read_as_session_types(stage: str, kind: str) -> None:
    assert session_type(stage) == kind


def test_lobby_ids_are_strings_while_running_and_zero_when_idle() -> None:
    running = read_status(_status([]), NAMES)
    assert running.running and running.lobby_id == "109775242847201392"
    facts = running.facts(NAMES, "meeting")
    assert facts.session_id == 109775242847201392
    assert facts.track_name == TRACK["name"].replace("_", " ")
    assert facts.session_type == "Race" and facts.session_state == "racing" and facts.session_name == "WOTS League"
    idle = read_status({"state": "Idle", "name": "", "lobbyid": 0, "members": [], "participants": [], "attributes": {}}, NAMES)
    assert not idle.running and idle.lobby_id == ""


def test_missing_and_malformed_fields_never_break_a_reading() -> None:
    raw = _status([_participant(0, HOST_REFID, "blak", 1), {"id": 7}, {"attributes": {}}, "junk"], Flags=-2147483648)
    raw["members"].append({"refid": "x", "steamid": None})
    status = read_status(raw, NAMES)
    assert [c.participant_id for c in status.cars] == [0]
    assert len(status.members) == 2


def test_a_member_without_a_car_is_in_the_lobby_and_a_car_without_its_member_waits() -> None:
    status = read_status(_status([_participant(3, 999, "gone", 1)]), NAMES)  # RefId 999 is no member
    assert status.cars == ()
    assert {d.name for d in status.lobby} == {"blak", "Ana Souza"}
    assert all(not d.is_ai and d.ref_id for d in status.lobby)


def test_a_member_listed_in_two_cars_is_one_driver() -> None:
    status = read_status(_status([_participant(0, 512, "Ana Souza", 1), _participant(5, 512, "Ana Souza", 1)]), NAMES)
    assert [c.participant_id for c in status.cars] == [0]
