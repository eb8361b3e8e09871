"""The career, races and head-to-head queries, against values worked out by hand from the real results bodies.

The racer is the fake iRacing's member, Adrian Clark (341554), seated in the four real races (see
tests/fakes/iracing_data.py). The API's positions are 0-based; the figures below are 1-based, as the racer
reads them. Licence levels are 1-4 R, 5-8 D, 9-12 C, 13-16 B, 17-20 A. From the raw bodies (the seat's
main-event row):

| race | category | class | start in class | finish in class | laps | inc | iRating | SR (x100) | licence | points |
|---|---|---|---|---|---|---|---|---|---|---|
| 45243121 Global Fanatec | road | Kia Optima (SOF 1029) | 0 -> 1 | 1 -> 2 | 4 | 3 | 1468 -> 1507 | 164 -> 194 | 17 -> 17 | 50 |
| 46219719 NEC (team) | road | NECGT3 (SOF 2663) | 13 -> 14 | 6 -> 7 | 14 | 3 | 2456 -> 2472 | 147 -> 499 | 13 -> 16 (B) | 116 |
| 68483460 Super Formula | formula | SF23 (one class, race SOF 2172) | 8 -> 9 | 4 -> 5 | 11 | 2 | 2393 -> 2447 | 303 -> 307 | 15 -> 15 | 108 |
| 46557088 league | road | Hosted All Cars | 1 -> 2 | 5 -> 6 | 25 | 16 | 1538 -> 1538 | 425 -> 425 | 20 -> 20 | 15 |
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fakes.iracing_data import MEMBER_ID
from helpers import store_history

from wots_tui.domain.career import CareerFilter, sort_seasons
from wots_tui.store import Database
from wots_tui.store import career as career_store
from wots_tui.store import head_to_head as h2h
from wots_tui.store import races as race_store
from wots_tui.store.history import store_result_bodies

OFFICIAL, TEAM, FORMULA, LEAGUE = 45243121, 46219719, 68483460, 46557088
KIA_WINNER, KIA_THIRD, CADILLAC_WINNER, TEAMMATE, NEC_WINNER = 401054, 413533, 147876, 498918, 310378


@pytest.fixture
def database(tmp_path: Path):
    database = Database(tmp_path / "notebook.duckdb")
    store_history(database, {KIA_WINNER: (900001, "Kia Winner"), KIA_THIRD: (900003, "Kia Third")})
    yield database
    database.close()


def test_the_racer_is_the_member_info_imported(database: Database) -> None:
    racer = database.run(career_store.racer)
    assert (racer.cust_id, racer.name, racer.races, racer.chosen) == (MEMBER_ID, "Adrian Clark", 4, True)


def test_without_a_member_the_racer_is_the_driver_in_most_races(tmp_path: Path) -> None:
    from fakes.iracing_data import real_races

    database = Database(tmp_path / "results-only.duckdb")
    try:
        assert database.run(career_store.racer) is None
        database.run(store_result_bodies, [race.body() for race in real_races()])
        racer = database.run(career_store.racer)
        assert (racer.cust_id, racer.races, racer.chosen) == (MEMBER_ID, 4, False)
    finally:
        database.close()


def test_a_table_per_licence_category_road_first(database: Database) -> None:
    career = database.run(career_store.career, MEMBER_ID)
    assert [c.name for c in career.categories] == ["Road", "Formula Car"]
    road = career.categories[0]
    assert road.career.starts == 3
    assert (road.career.wins, road.career.top5, road.career.poles) == (0, 1, 1)  # P2 in the Kia from pole
    assert (road.career.laps, road.career.laps_led) == (4 + 14 + 25, 0)
    assert road.career.avg_start == pytest.approx((1 + 14 + 2) / 3)
    assert road.career.avg_finish == pytest.approx((2 + 7 + 6) / 3)
    assert road.career.incidents_per_race == pytest.approx((3 + 3 + 16) / 3)
    assert road.career.irating_change == 39 + 16 + 0
    assert road.career.sr_change == pytest.approx(0.30 + 3.52 + 0)  # B 1.47 -> B 4.99 is one class: added
    assert road.career.points == 50 + 116 + 15


def test_a_season_row_has_the_races_figures_in_class(database: Database) -> None:
    road = database.run(career_store.career, MEMBER_ID).categories[0]
    kia = next(s for s in road.seasons if s.car_class_name == "Kia Optima")
    assert (kia.key.season_id, kia.key.year, kia.key.quarter, kia.label) == (3620, 2022, 2, "2022 S2")
    assert kia.series_name == "Global Fanatec Challenge"
    tally = kia.tally
    assert (tally.starts, tally.wins, tally.top5, tally.poles) == (1, 0, 1, 1)
    assert (tally.avg_start, tally.avg_finish, tally.incidents_per_race) == (1, 2, 3)
    assert (tally.irating_change, tally.sr_change, tally.points) == (39, pytest.approx(0.30), 50)
    assert kia.division == 5  # the API's division 4 is Division 5
    assert kia.weeks_counted == 1  # no standings fetched: the weeks raced


def test_league_races_are_a_season_of_the_league_in_its_own_year(database: Database) -> None:
    road = database.run(career_store.career, MEMBER_ID).categories[0]
    league = next(s for s in road.seasons if s.key.season_id == 0)
    assert league.series_name == "Snail Speed Racing - GT3 League"  # not "Hosted iRacing"
    assert (league.key.year, league.key.quarter) == (2022, 2)  # the body says 2000 Q1 for hosted races
    assert [y.year for y in road.years] == [2022]


def test_filters_narrow_every_figure(database: Database) -> None:
    only_2024 = database.run(career_store.career, MEMBER_ID, CareerFilter(year=2024))
    assert [c.name for c in only_2024.categories] == ["Formula Car"]
    formula = only_2024.categories[0]
    assert (formula.career.starts, formula.career.avg_finish, formula.career.irating_change) == (1, 5, 54)
    one_series = database.run(career_store.career, MEMBER_ID, CareerFilter(series_id=210))
    assert [(c.name, c.career.starts) for c in one_series.categories] == [("Road", 1)]
    assert [s.series_id for s in database.run(career_store.series_raced, MEMBER_ID, 2024)] == [537]
    assert database.run(career_store.years_raced, MEMBER_ID) == [2024, 2022]


def test_sorting_keeps_rows_without_a_value_last(database: Database) -> None:
    road = database.run(career_store.career, MEMBER_ID).categories[0]
    by_sr = sort_seasons(road.seasons, "sr", descending=True)
    assert [s.tally.sr_change for s in by_sr] == [pytest.approx(3.52), pytest.approx(0.30), 0]
    by_finish = sort_seasons(road.seasons, "finish", descending=False)
    assert [s.tally.avg_finish for s in by_finish] == [2, 6, 7]


def test_a_seasons_races_with_the_class_sof(database: Database) -> None:
    career = database.run(career_store.career, MEMBER_ID)
    kia = next(s for s in career.categories[0].seasons if s.car_class_name == "Kia Optima")
    (race,) = database.run(race_store.season_races, MEMBER_ID, kia.key)
    assert (race.subsession_id, race.class_sof, race.start, race.finish, race.incidents) == (OFFICIAL, 1029, 1, 2, 3)
    assert (race.irating_change, race.points, race.official) == (39, 50, True)
    (formula,) = database.run(race_store.season_races, MEMBER_ID, career.categories[1].seasons[0].key)
    assert formula.class_sof == 2172  # one class with no SOF of its own: the race's


def test_a_multiclass_result_by_class_fastest_first(database: Database) -> None:
    result = database.run(race_store.race_result, OFFICIAL, MEMBER_ID)
    assert [(c.name, c.sof, c.entries) for c in result.classes] == [("Cadillac CTS-VR", 2303, 11), ("Kia Optima", 1029, 8)]
    assert [r.class_position for r in result.rows] == [*range(1, 12), *range(1, 9)]
    (me,) = [r for r in result.rows if r.is_racer]
    assert (me.name, me.position, me.class_position, me.start, me.car_class_id) == ("Adrian Clark", 9, 2, 1, 48)
    winner = result.rows[0]
    assert (winner.cust_id, winner.position) == (CADILLAC_WINNER, 1)


def test_a_team_result_has_each_team_then_its_drivers(database: Database) -> None:
    result = database.run(race_store.race_result, TEAM, MEMBER_ID)
    assert result.team_race
    assert [c.name for c in result.classes] == ["NECGT3", "Porsche 992", "NECGT4 Class", "MX5 Cup 2016"]
    ours = [r for r in result.rows if r.team_id == -240365]
    assert [(r.is_team, r.class_position, r.is_racer) for r in ours[:1]] == [(True, 7, True)]
    assert {(r.cust_id, r.class_position, r.is_racer) for r in ours[1:]} == {(MEMBER_ID, 7, True), (TEAMMATE, 7, False)}
    assert ours[1].laps >= ours[2].laps  # who drove most first
    first = result.rows.index(ours[0])
    assert result.rows[first + 1 : first + 3] == tuple(ours[1:])
    teams = [r for r in result.rows if r.is_team]
    assert len(teams) == sum(c.entries for c in result.classes) == 58


def test_head_to_head_in_class_overall_across_classes_and_never_teammates(database: Database) -> None:
    found = database.run(h2h.head_to_heads, MEMBER_ID, [900001, 900003, CADILLAC_WINNER, TEAMMATE, NEC_WINNER, 1])
    summary = {rival: (v.races, v.ahead, v.behind, v.last_subsession_id) for rival, v in found.items()}
    assert summary == {
        900001: (1, 0, 1, OFFICIAL),  # Kia P1 beat his P2 in class
        900003: (1, 1, 0, OFFICIAL),  # Kia P3
        CADILLAC_WINNER: (1, 0, 1, OFFICIAL),  # another class: overall, 1st against his 9th
        NEC_WINNER: (1, 0, 1, TEAM),  # another team's driver: the teams' positions in class
    }  # his own teammate is no rival; driver 1 never raced him
    assert found[900003].score == "1–0"


def test_a_rivalry_lists_the_races_and_the_averages(database: Database) -> None:
    rivalry = database.run(h2h.rivalry, MEMBER_ID, 900003)
    assert (rivalry.name, rivalry.summary.races, rivalry.summary.ahead) == ("Kia Third", 1, 1)
    (race,) = rivalry.races
    assert (race.same_class, race.racer_start, race.racer_finish, race.rival_finish) == (True, 1, 2, 3)
    assert rivalry.racer_avg_gained == -1  # pole to 2nd
    assert rivalry.avg_margin == 1
    assert database.run(h2h.rivalry, MEMBER_ID, TEAMMATE) is None


def test_drivers_are_found_by_name_accents_folded_or_by_id(database: Database) -> None:
    assert [d.cust_id for d in database.run(race_store.find_drivers, "florian fern")] == [TEAMMATE]  # Floriàn
    (by_id,) = database.run(race_store.find_drivers, str(CADILLAC_WINNER))
    assert (by_id.name, by_id.races) == ("Dan Karaconstantis", 1)
    assert database.run(race_store.find_drivers, "  ") == []
    assert database.run(race_store.known_driver, 1) is None


def test_the_rating_chart_comes_from_the_results_when_no_chart_was_fetched(database: Database) -> None:
    chart = database.run(career_store.rating_chart, MEMBER_ID, 2)
    assert not chart.from_chart_data
    assert [p.value for p in chart.irating] == [1507, 2472]  # official races only: the league race is not
    assert [p.value for p in chart.safety_rating] == [1.94, 4.99]


def test_a_race_whose_body_names_no_category_or_season_is_counted_under_other(tmp_path: Path) -> None:
    from fakes.iracing_data import OFFICIAL_RACE, Race

    body = {**Race.real(OFFICIAL_RACE).body()}
    for missing in ("license_category_id", "season_id", "season_year", "season_quarter", "series_id"):
        body.pop(missing)
    database = Database(tmp_path / "odd.duckdb")
    try:
        database.run(store_result_bodies, [body])
        (other,) = database.run(career_store.career, MEMBER_ID).categories
        assert (other.name, other.career.starts, other.seasons[0].key.year) == ("Other", 1, 2022)
        assert len(database.run(race_store.season_races, MEMBER_ID, other.seasons[0].key)) == 1
    finally:
        database.close()


def test_a_long_chart_is_thinned_to_each_runs_lowest_and_highest_in_date_order() -> None:
    from datetime import date, timedelta

    from wots_tui.domain.career import ChartPoint, thinned

    saw = [ChartPoint(date(2020, 1, 1) + timedelta(days=n), float(1000 + (n % 10) * 10)) for n in range(1000)]
    kept = thinned(saw, 50)
    assert len(kept) == 100 and [p.day for p in kept] == sorted(p.day for p in kept)
    assert {p.value for p in kept} == {1000.0, 1090.0}  # every run's extremes: the line's reach is kept
    assert thinned(saw[:80], 50) == tuple(saw[:80])


@pytest.mark.parametrize("name, typed", [("Søren Ødegaard", "soren ode"), ("Łukasz Weiß", "lukasz weiss"),
                                         ("Ólafur Þórsson", "thorsson"), ("Ærø Bay", "AERO")])
def test_a_name_is_found_as_the_notebook_folds_it(tmp_path: Path, name: str, typed: str) -> None:
    database = Database(tmp_path / "names.duckdb")
    try:
        store_history(database, {KIA_WINNER: (900001, name)})
        assert [d.cust_id for d in database.run(race_store.find_drivers, typed)] == [900001]
        database.run(race_store.find_drivers, "²")  # a digit to Python's isdigit, not an id: no error
    finally:
        database.close()
