"""Which quarters and date windows a fetch searches: the racer's --seasons and --since, read or refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from wots_tui.domain.history_windows import (
    MAX_WINDOW,
    Quarter,
    WindowError,
    api_time,
    parse_day,
    parse_quarters,
    read_api_time,
    windows,
)


def test_a_range_of_quarters_includes_both_ends_and_crosses_the_year() -> None:
    quarters = parse_quarters("2025Q3..2026Q2")
    assert [str(q) for q in quarters] == ["2025Q3", "2025Q4", "2026Q1", "2026Q2"]
    assert parse_quarters(" 2022q2 ") == [Quarter(2022, 2)]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("2026Q1..2025Q1", "runs backwards"),
        ("2025Q5", "write a quarter as 2025Q1"),
        ("2025", "write a quarter as 2025Q1"),
        ("2025Q1..", "write a quarter as 2025Q1"),
    ],
)
def test_a_bad_seasons_value_is_one_line_naming_it(text: str, says: str) -> None:
    with pytest.raises(WindowError) as refused:
        parse_quarters(text)
    assert says in str(refused.value) and repr(text) in str(refused.value) and "\n" not in str(refused.value)


def test_windows_cover_the_span_without_gaps_and_stay_under_ninety_days() -> None:
    begin, end = datetime(2019, 5, 17, 12, tzinfo=UTC), datetime(2026, 12, 2, 3, tzinfo=UTC)
    cuts = windows(begin, end)
    assert cuts[0].begin == begin and cuts[-1].end == end
    assert all(earlier.end == later.begin for earlier, later in zip(cuts, cuts[1:], strict=False))
    assert all(cut.end - cut.begin <= MAX_WINDOW < timedelta(days=90) for cut in cuts)
    assert windows(end, end) == [] and windows(end, begin) == []


def test_times_are_read_and_written_the_way_the_api_does() -> None:
    assert api_time(datetime(2022, 4, 1, 15, 45, 59, tzinfo=UTC)) == "2022-04-01T15:45Z"
    assert read_api_time("2024-03-06T19:15:00Z") == datetime(2024, 3, 6, 19, 15, tzinfo=UTC)
    assert parse_day("2025-03-01") == datetime(2025, 3, 1, tzinfo=UTC)
    with pytest.raises(WindowError, match="--since 'last week': write a day as 2025-03-01"):
        parse_day("last week")
