"""Rate limits, counted in the database per subject and hour so that every hub process on it shares them.

A subject is `voter:<id>` (votes an hour, and over the last 24 hours) or `address:<ip>` (registrations).
The count is raised first (the upsert locks the subject's row for the hour, so requests of one subject
count one after the other); when it went over, the caller's transaction is rolled back: nothing is written.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime, timedelta

import asyncpg

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)

_COUNT = """
WITH expired AS (
    DELETE FROM rate_counts WHERE subject = $1 AND hour <= $2::timestamptz - interval '1 day'
), counted AS (
    INSERT INTO rate_counts (subject, hour, count) VALUES ($1, $2, $3)
    ON CONFLICT (subject, hour) DO UPDATE SET count = rate_counts.count + EXCLUDED.count
    RETURNING hour, count
)
SELECT hour, count FROM counted
UNION ALL
SELECT hour, count FROM rate_counts
WHERE subject = $1 AND hour > $2::timestamptz - interval '1 day' AND hour < $2
"""


class RateLimited(Exception):
    """Over a limit: nothing was written; `retry_after` seconds until the same request would fit."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def hour_of(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


async def count(connection: asyncpg.Connection, subject: str, wanted: int, now: datetime,
                per_hour: int, per_day: int, what: str) -> None:
    """Count `wanted` more for `subject`; RateLimited (roll the transaction back) when that is over a limit."""
    rows = await connection.fetch(_COUNT, subject, hour_of(now), wanted)
    wait = retry_after(((row["hour"], row["count"]) for row in rows), now, per_hour, per_day)
    if wait is not None:
        raise RateLimited(f"too many {what}: at most {per_hour} an hour and {per_day} a day; "
                          f"try again in {wait} s", wait)


def retry_after(counts: Iterable[tuple[datetime, int]], now: datetime, per_hour: int, per_day: int) -> int | None:
    """None when the counts (this request's included) are within the limits; else the seconds to wait.

    The day is the last 24 hour buckets: an hour's count stops counting 24 hours after that hour began."""
    this_hour = hour_of(now)
    buckets = sorted(counts)
    waits = []
    if sum(n for hour, n in buckets if hour == this_hour) > per_hour:
        waits.append(this_hour + HOUR - now)
    over = sum(n for _, n in buckets) - per_day
    if over > 0:
        freed = 0
        for hour, n in buckets:
            freed += n
            if freed >= over:
                waits.append(hour + DAY - now)
                break
    return math.ceil(max(waits).total_seconds()) if waits else None
