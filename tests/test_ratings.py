"""Rating maths against known values (iRacing's SOF; the community iRating-change formula of SIMRacingApps #209 and Turbo87/irating-rs)."""

import pytest

from wots_tui.domain.ratings import Entrant, irating_changes, licence_from, strength_of_field


def test_sof_matches_the_reference_value():
    assert strength_of_field([3203, 3922, 2974, 1739, 1250, 2588]) == 2438  # 2437.9 in the reference


def test_sof_ignores_unrated_drivers_and_is_none_without_any():
    assert strength_of_field([3203, 0, -1, 3922, 2974, 1739, 1250, 2588]) == 2438
    assert strength_of_field([0, 0]) is None
    assert strength_of_field([1500]) == 1500


def test_irating_changes_match_the_turbo87_vector():
    entrants = [
        Entrant(3203, 1),
        Entrant(3922, 2),
        Entrant(2974, 3),
        Entrant(1739, 4),
        Entrant(1250, 5),
        Entrant(2588, 6, started=False),
    ]
    expected = [76.79, 16.83, 4.84, 11.10, -6.86, -102.69]
    assert irating_changes(entrants) == pytest.approx(expected, abs=0.01)


def test_winner_gains_and_last_loses_in_an_even_field():
    changes = irating_changes([Entrant(2000, p) for p in range(1, 11)])
    assert changes[0] > 0 > changes[-1]
    assert changes == sorted(changes, reverse=True)


def test_a_lone_entrant_changes_nothing():
    assert irating_changes([Entrant(2000, 1)]) == [0.0]


# R, D, C, B and A are iRacing's own LicColor values, as the captured session YAMLs in tests/fixtures carry them
@pytest.mark.parametrize(
    ("lic_string", "level", "sub", "label", "colour"),
    [
        ("A 3.72", 19, 372, "A 3.72", "#0153db"),
        ("R 0.00", 1, 0, "R 0.00", "#fc0706"),
        ("P 4.99", 21, 499, "P 4.99", "#a855f7"),  # iRacing's black for Pro is unreadable on a dark terminal
        ("W 2.50", 0, 0, "W 2.50", "#a1a1aa"),
        ("X 1.00", 0, 0, "X 1.00", "#a1a1aa"),  # a letter nobody knows gets the neutral grey
        (None, 14, 341, "B 3.41", "#00c702"),  # old SDKs: no LicString, so LicLevel and LicSubLevel
        ("", 9, 250, "C 2.50", "#feec04"),
        (None, 5, 100, "D 1.00", "#fc8a27"),
        (None, 24, 0, "P 0.00", "#a855f7"),
    ],
)
def test_licence_letter_sr_and_colour(lic_string, level, sub, label, colour):
    licence = licence_from(lic_string, level, sub)
    assert licence is not None
    assert (licence.letter, licence.safety_rating) == (label[0], pytest.approx(float(label[2:])))
    assert (licence.label, licence.colour) == (label, colour)


def test_no_licence_without_data():
    assert licence_from(None, 0, 0) is None
    assert licence_from("garbage", None, None) is None
