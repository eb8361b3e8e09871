"""The rate limits' arithmetic: the hour's bucket, the last 24 hours, and how long to wait (worked values)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from wots_tui.domain.crowd import Vote
from wots_tui.hub.limits import hour_of, retry_after
from wots_tui.hub.votes import SELF_VOTE, SESSION_CAP, screen

NOW = datetime(2026, 12, 2, 18, 45, 30, tzinfo=UTC)
HOUR = hour_of(NOW)


def test_within_both_limits_there_is_no_wait():
    assert retry_after([(HOUR, 5), (HOUR - timedelta(hours=3), 10)], NOW, per_hour=5, per_day=15) is None


def test_over_the_hour_waits_for_the_next_hour():
    assert retry_after([(HOUR, 6)], NOW, per_hour=5, per_day=100) == 14 * 60 + 30


def test_over_the_day_waits_until_enough_old_hours_stop_counting():
    counts = [(HOUR - timedelta(hours=23), 4), (HOUR - timedelta(hours=20), 4), (HOUR, 3)]
    # 11 > 8: the oldest hour's 4 stop counting at 19:00 today, 14.5 minutes from now: 7 <= 8
    assert retry_after(counts, NOW, per_hour=10, per_day=8) == 14 * 60 + 30
    # 11 > 4: both old hours must go (at 22:00): 3 <= 4
    assert retry_after(counts, NOW, per_hour=10, per_day=4) == 3 * 3600 + 14 * 60 + 30


def test_over_both_waits_for_the_later():
    assert retry_after([(HOUR - timedelta(hours=22), 4), (HOUR, 6)], NOW, per_hour=5, per_day=8) == 3600 + 14 * 60 + 30  # the old hour goes at 20:00


def ballot(driver_id: int, session: int | None = None, minute: int = 0) -> Vote:
    return Vote("iracing", driver_id, 1, (), session, NOW.replace(minute=minute))


def test_screen_refuses_self_votes_and_past_the_cap_and_keeps_one_vote_per_driver():
    votes = [ballot(1, 7), ballot(2, 7), ballot(9, 7), ballot(3, 7), ballot(1, 7, minute=5), ballot(1, 8, minute=1)]
    kept, refused = screen(votes, own={"iracing:9"}, session_drivers={7: {"iracing:5"}}, cap=3)
    assert [(r.index, r.code) for r in refused] == [(2, SELF_VOTE), (3, SESSION_CAP)]
    assert kept == [ballot(1, 7, minute=5), ballot(2, 7)]  # driver 1: the latest cast of its three
