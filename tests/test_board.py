"""The Board: positions, class positions, gaps, iRating estimates, sorting and filtering."""

from wots_tui.domain.board import SortOrder, build_board, filter_rows, sort_rows
from wots_tui.domain.models import CarClass, CarState, Driver, SessionFacts, SessionSnapshot
from wots_tui.domain.timefmt import gap, lap_time, signed_int

GT3 = CarClass(1, "GT3", "#ffda59")
GTP = CarClass(2, "GTP", "#ff5888")


def _driver(idx: int, car_class: CarClass, irating: int = 2000) -> Driver:
    return Driver(idx, 1000 + idx, f"Driver {idx}", str(idx), car_class, "car", irating, None)


def _race(cars: dict[int, CarState], drivers: tuple[Driver, ...], official: bool = True) -> SessionSnapshot:
    return SessionSnapshot(SessionFacts(session_type="Race", official=official), drivers, cars, player_car_idx=2)


def test_positions_are_derived_from_progress_when_the_sdk_has_none():
    drivers = (_driver(1, GT3), _driver(2, GTP), _driver(3, GT3))
    cars = {
        1: CarState(1, laps_completed=3, lap_dist_pct=0.5),
        2: CarState(2, laps_completed=4, lap_dist_pct=0.1),
        3: CarState(3, laps_completed=3, lap_dist_pct=0.7),
    }
    board = build_board(_race(cars, drivers), version=1)
    assert [(r.car_idx, r.position, r.class_position) for r in board.rows] == [(2, 1, 1), (3, 2, 1), (1, 3, 2)]
    assert [c.name for c in board.classes] == ["GTP", "GT3"]
    assert board.rows[0].is_player


def test_no_positions_outside_a_race_without_telemetry_positions():
    drivers = (_driver(1, GT3),)
    snapshot = SessionSnapshot(SessionFacts(session_type="Practice"), drivers, {1: CarState(1, laps_completed=2, lap_dist_pct=0.3)})
    row = build_board(snapshot, 1).rows[0]
    assert row.position is None and row.class_position is None


def test_gap_to_class_leader_in_seconds_and_laps():
    drivers = (_driver(1, GT3), _driver(2, GT3), _driver(3, GT3))
    cars = {
        1: CarState(1, position=1, class_position=1, laps_completed=10, lap_dist_pct=0.5, gap_to_leader=0.0),
        2: CarState(2, position=2, class_position=2, laps_completed=10, lap_dist_pct=0.4, gap_to_leader=12.5),
        3: CarState(3, position=3, class_position=3, laps_completed=8, lap_dist_pct=0.6, gap_to_leader=250.0),
    }
    rows = build_board(_race(cars, drivers), 1).rows
    assert [(r.gap_seconds, r.gap_laps) for r in rows] == [(0.0, 0), (12.5, 0), (None, 1)]
    assert [gap(r.gap_seconds, r.gap_laps) for r in rows] == ["-", "+12.5", "+1L"]


def test_after_the_flag_the_winner_counts_at_the_line_and_a_car_in_the_garage_keeps_its_laps():
    """The winner rolls round its cool-down lap (0.7 in) while the lead-lap car behind is still on its last
    lap (0.4 in): one lap apart by progress, on the same lap by the result. Car 3 finished a lap down and
    is back in the garage (no lap distance)."""
    drivers = (_driver(1, GT3), _driver(2, GT3), _driver(3, GT3))
    cars = {
        1: CarState(1, position=1, class_position=1, lap=21, laps_completed=20, lap_dist_pct=0.7, gap_to_leader=0.0),
        2: CarState(2, position=2, class_position=2, lap=20, laps_completed=19, lap_dist_pct=0.4, gap_to_leader=41.3),
        3: CarState(3, position=3, class_position=3, lap=19, laps_completed=19, lap_dist_pct=-1.0, gap_to_leader=130.0),
    }

    def gaps(state: str) -> list[str]:
        snapshot = SessionSnapshot(SessionFacts(session_type="Race", session_state=state), drivers, cars)
        return [gap(r.gap_seconds, r.gap_laps) for r in build_board(snapshot, 1).rows]

    assert gaps("checkered") == gaps("cool down") == ["-", "+41.3", "+1L"]
    assert gaps("racing") == ["-", "+1L", "+2:10.0"]  # before the flag, progress as it always was


def test_practice_gap_is_to_the_class_best_lap():
    drivers = (_driver(1, GT3), _driver(2, GT3))
    cars = {1: CarState(1, position=1, best_lap=100.0), 2: CarState(2, position=2, best_lap=101.25)}
    snapshot = SessionSnapshot(SessionFacts(session_type="Practice"), drivers, cars)
    assert [r.gap_seconds for r in build_board(snapshot, 1).rows] == [0.0, 1.25]


def test_irating_change_per_class_in_official_races_only():
    drivers = (_driver(1, GT3, 3000), _driver(2, GT3, 1500), _driver(3, GTP, 2500))
    cars = {i: CarState(i, position=i, class_position=1 if i != 2 else 2) for i in (1, 2, 3)}
    rows = {r.car_idx: r for r in build_board(_race(cars, drivers), 1).rows}
    assert rows[1].irating_change is not None and rows[2].irating_change is not None
    assert rows[1].irating_change > 0 > rows[2].irating_change
    assert rows[3].irating_change == 0.0  # alone in the class
    hosted = build_board(_race(cars, drivers, official=False), 1).rows
    assert all(r.irating_change is None for r in hosted)


def test_sof_per_class():
    drivers = (_driver(1, GT3, 3000), _driver(2, GT3, 1000), _driver(3, GTP, 2500))
    board = build_board(_race({}, drivers), 1)
    # GT3: 1600/ln2 * ln(2 / (2^(-3000/1600) + 2^(-1000/1600))) = 1790
    assert board.sof == {"GT3": 1790, "GTP": 2500}


def test_sort_and_filter():
    drivers = (_driver(1, GT3, 1000), _driver(2, GTP, 3000), _driver(3, GT3, 2000))
    cars = {1: CarState(1, position=1, class_position=1), 2: CarState(2, position=2, class_position=1), 3: CarState(3, position=3, class_position=2)}
    rows = build_board(_race(cars, drivers), 1).rows
    assert [r.car_idx for r in sort_rows(rows, SortOrder.POSITION)] == [1, 2, 3]
    assert [r.car_idx for r in sort_rows(rows, SortOrder.CLASS)] == [1, 3, 2]  # GT3 leads overall here
    assert [r.car_idx for r in sort_rows(rows, SortOrder.IRATING)] == [2, 3, 1]
    assert [r.car_idx for r in filter_rows(rows, GTP)] == [2]
    assert SortOrder.IRATING.next() is SortOrder.POSITION


def test_time_formats():
    assert gap(119.97, 0) == "+2:00.0" and gap(105.3, 0) == "+1:45.3" and gap(99.94, 0) == "+99.9"
    assert lap_time(83.4567) == "1:23.457"
    assert lap_time(59.1) == "59.100"
    assert lap_time(-1) == "" and lap_time(None) == ""
    assert signed_int(12.6) == "+13" and signed_int(-0.2) == "0" and signed_int(None) == ""
