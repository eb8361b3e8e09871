"""Which slices of a racer's history to ask the Data API for: season quarters, or date windows.

`results/search_series` answers either one season quarter (`season_year` + `season_quarter`) or a window
of finish times under 90 days (`finish_range_begin`/`finish_range_end`, the end exclusive). A first fetch
walks windows from the member's first day; each later one starts at the newest end time it stored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

MAX_WINDOW = timedelta(days=89)  # the API refuses 90 days or more
_QUARTER = re.compile(r"^\s*(\d{4})\s*[Qq]\s*([1-4])\s*$")


class WindowError(ValueError):
    """A --seasons or --since value that cannot be read; the message is one line for the racer."""


@dataclass(frozen=True, slots=True, order=True)
class Quarter:
    """An iRacing season quarter: 2025 Q1 is the year's first season."""

    year: int
    quarter: int

    def __str__(self) -> str:
        return f"{self.year}Q{self.quarter}"

    def next(self) -> Quarter:
        return Quarter(self.year + 1, 1) if self.quarter == 4 else Quarter(self.year, self.quarter + 1)


@dataclass(frozen=True, slots=True)
class Window:
    """Races that finished in [begin, end)."""

    begin: datetime
    end: datetime


def parse_quarters(text: str) -> list[Quarter]:
    """`2025Q1..2026Q4` (a range, both ends included) or `2022Q2` (one quarter), oldest first."""
    first_text, dots, last_text = text.partition("..")
    first = _quarter(first_text, text)
    last = _quarter(last_text, text) if dots else first
    if last < first:
        raise WindowError(f"--seasons {text!r}: the range runs backwards (write the older quarter first)")
    quarters = [first]
    while quarters[-1] < last:
        quarters.append(quarters[-1].next())
    return quarters


def _quarter(part: str, whole: str) -> Quarter:
    found = _QUARTER.match(part)
    if found is None:
        raise WindowError(f"--seasons {whole!r}: write a quarter as 2025Q1, or a range as 2025Q1..2026Q4")
    return Quarter(int(found[1]), int(found[2]))


def parse_day(text: str) -> datetime:
    """A --since value: a day (2025-03-01) or a moment (2025-03-01T18:00), read as UTC."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise WindowError(f"--since {text!r}: write a day as 2025-03-01") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def windows(begin: datetime, end: datetime, width: timedelta = MAX_WINDOW) -> list[Window]:
    """[begin, end) cut into windows no wider than `width`, oldest first; none when begin is not before end."""
    cuts: list[Window] = []
    while begin < end:
        cuts.append(Window(begin, min(begin + width, end)))
        begin = cuts[-1].end
    return cuts


def api_time(moment: datetime) -> str:
    """A time as the Data API reads it: ISO 8601 in UTC to the minute, as 2022-04-01T15:45Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


def read_api_time(text: str) -> datetime:
    """A time as the Data API writes it (2024-03-06T19:15:00Z), as an aware UTC datetime."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
