"""The crowd's maths and shapes against worked values (domain/crowd.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from wots_tui.domain.crowd import (
    CrowdShapeError,
    Tally,
    Vote,
    crowd_from_objects,
    crowd_objects,
    crowd_of,
    crowd_rep,
    percent_of,
    vote_from_object,
    vote_object,
    voter_weight,
    wilson_bounds,
)


def tally(up: int, down: int, neutral: int = 0, weight: float = 1.0, tags: dict[str, int] | None = None) -> Tally:
    return Tally(up + down + neutral, up, down, neutral, up * weight, down * weight, neutral * weight, tags or {})


def test_wots_own_example_gives_its_numbers():
    """23 up, 3 down: WOTS's documentation shows score 4, Good, weightedScore 4.2, high confidence."""
    rep = crowd_rep(tally(23, 3))
    assert (rep.score, rep.label, rep.weighted_score, rep.confidence) == (4, "Good", 4.2, "high")
    assert (rep.up, rep.down, rep.total) == (23, 3, 26)


@pytest.mark.parametrize(
    ("votes", "expected"),
    [
        # (1 + 4 * (3 + 4) / (3 + 8)) = 3.545...: three votes up are "Good", never "Excellent"
        (tally(3, 0), (4, "Good", 3.5, "low")),
        # three down: 1 + 4 * 4 / 11 = 2.45...: "Caution", not "Avoid"
        (tally(0, 3), (2, "Caution", 2.5, "low")),
        # neutral counts half: 6 up, 6 neutral -> 1 + 4 * (9 + 4) / 20 = 3.6
        (tally(6, 0, 6), (4, "Good", 3.6, "medium")),
        # 30 up: 1 + 4 * 34 / 38 = 4.58; Wilson lower bound 30 / 33.84 = 0.886 >= 0.85: "Excellent"
        (tally(30, 0), (5, "Excellent", 4.6, "high")),
        # 31 up, 1 down rounds to 5 (4.5), but the lower bound is 0.843 < 0.85: held back to 4
        (tally(31, 1), (4, "Good", 4.5, "high")),
        # 30 down: 1.42 and the upper bound 0.114 <= 0.15: "Avoid"
        (tally(0, 30), (1, "Avoid", 1.4, "high")),
        # 1 up, 31 down rounds to 2 (1.5, half up)
        (tally(1, 31), (2, "Caution", 1.5, "high")),
        # 40 new voters weigh 20: 1 + 4 * 24 / 28 = 4.43
        (tally(40, 0, weight=0.5), (4, "Good", 4.4, "high")),
    ],
)
def test_worked_scores(votes: Tally, expected: tuple[int, str, float, str]):
    rep = crowd_rep(votes)
    assert (rep.score, rep.label, rep.weighted_score, rep.confidence) == expected


def test_the_wilson_bound_against_its_formula():
    low, high = wilson_bounds(31, 32)
    assert low == pytest.approx(0.84255, abs=1e-5)
    assert high == pytest.approx(0.99446, abs=1e-5)
    assert wilson_bounds(0, 0) == (0.0, 1.0)


def test_confidence_grows_with_voters():
    assert [crowd_rep(tally(n, 0)).confidence for n in (3, 9, 10, 24, 25)] == ["low", "low", "medium", "medium", "high"]


def test_a_voter_settles_after_three_sessions():
    assert [voter_weight(n) for n in (0, 1, 2, 3, 10)] == [0.5, 0.5, 0.5, 1.0, 1.0]


def test_nothing_is_published_below_three_voters():
    assert crowd_of(tally(2, 0, tags={"clean": 2})) is None
    assert crowd_of(tally(3, 0)) is not None


def test_a_tag_needs_three_voters_and_the_most_chosen_comes_first():
    crowd = crowd_of(tally(5, 2, tags={"clean": 3, "fast": 4, "wrecker": 2, "mine_only": 7}))
    assert crowd is not None
    # wrecker (2 voters) is not told; a tag that is not built in is never published
    assert [(t.tag.id, t.count, t.percent) for t in crowd.tags] == [("fast", 4, 57), ("clean", 3, 43)]


def test_ties_keep_the_catalogue_order():
    crowd = crowd_of(tally(4, 0, tags={"fast": 3, "clean": 3}))
    assert crowd is not None
    assert [t.tag.id for t in crowd.tags] == ["clean", "fast"]


def test_percent_rounds_half_up():
    assert [percent_of(1, 8), percent_of(15, 36), percent_of(0, 0)] == [13, 42, 0]


def test_the_wots_shapes_round_trip():
    crowd = crowd_of(tally(23, 3, tags={"clean": 15, "fast": 3}))
    rep, tags = crowd_objects(crowd)
    assert rep == {"score": 4, "label": "Good", "up": 23, "down": 3, "total": 26, "weightedScore": 4.2, "confidence": "high"}
    assert tags is not None
    assert tags["overall"][0] == {
        "id": "clean", "name": "Clean Racer", "icon": "✨", "category": "Racecraft", "color": "#4ade80",
        "count": 15, "percent": 58,
    }
    assert list(tags["byCategory"]) == ["Racecraft", "Pace"]
    assert crowd_from_objects(rep, tags) == crowd
    assert crowd_objects(None) == (None, None)


def test_a_newer_hubs_unknown_tag_is_left_out_and_a_broken_answer_is_one_line():
    rep, tags = crowd_objects(crowd_of(tally(3, 0, tags={"clean": 3})))
    assert tags is not None
    tags["overall"].append({"id": "late_braker", "count": 3, "percent": 100})
    assert [t.tag.id for t in crowd_from_objects(rep, tags).tags] == ["clean"]
    with pytest.raises(CrowdShapeError, match="crowdRep label"):
        crowd_from_objects({**(rep or {}), "label": "Saint"}, tags)
    with pytest.raises(CrowdShapeError, match="up must be int"):
        crowd_from_objects({**(rep or {}), "up": "23"}, tags)


def vote(**changes: object) -> dict[str, object]:
    return {"platform": "iracing", "driverId": 123456, "rep": 1, "tags": ["clean"], "sessionId": 81552310,
            "castAt": "2026-12-02T18:00:00Z", **changes}


def test_a_vote_round_trips():
    parsed = vote_from_object(vote())
    assert parsed == Vote("iracing", 123456, 1, ("clean",), 81552310, datetime(2026, 12, 2, 18, tzinfo=UTC))
    assert vote_object(parsed) == vote()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"driverId": 2**63}, "driverId must be a positive 64-bit"),
        ({"driverId": 0}, "driverId must be a positive 64-bit"),
        ({"driverId": True}, "driverId must be int"),
        ({"driverId": "123"}, "driverId must be int"),
        ({"platform": "rf2"}, "unknown platform 'rf2'"),
        ({"rep": 2}, "rep must be -1, 0 or 1"),
        ({"rep": None}, "rep is missing"),
        ({"tags": ["my_own_tag"]}, "'my_own_tag' is not a built-in tag"),
        ({"tags": ["clean", "clean"]}, "at most 16 different"),
        ({"sessionId": -5}, "sessionId must be a positive"),
        ({"castAt": "yesterday"}, "castAt is not an ISO 8601 time"),
    ],
)
def test_a_bad_vote_is_refused_in_one_line(changes: dict[str, object], message: str):
    with pytest.raises(CrowdShapeError, match=message) as refused:
        vote_from_object(vote(**changes), "votes[3]")
    assert str(refused.value).startswith("votes[3]: ")
    assert "\n" not in str(refused.value)


def test_a_vote_may_have_no_tags_and_no_session():
    parsed = vote_from_object(vote(tags=None, sessionId=None))
    assert (parsed.tag_ids, parsed.session_id) == ((), None)
