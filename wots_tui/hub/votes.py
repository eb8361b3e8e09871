"""Votes: a batch screened (self-votes, the session cap), then upserted, last write wins by castAt.

One PUT is one transaction. It first locks the voter's row, so one voter's batches (and withdrawals) run one
after the other (the session cap and the count of sessions stay exact); other voters' batches run alongside,
and two first votes about one driver meet in INSERT ... ON CONFLICT, which makes one row of the two.

Every vote written changes its driver's tally (migration 2's trigger), under that tally row's lock. So a batch
is written in one statement, in (platform, driver_id) order, re-weighing included: two batches on overlapping
drivers then take the tallies' locks in one order and never deadlock (re-weighing first, in a statement of its
own, would take some out of order).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

import asyncpg

from wots_tui.domain.crowd import Vote, driver_ref, voter_weight
from wots_tui.hub import limits
from wots_tui.hub.settings import HubSettings

_VOTER = """
SELECT sessions, ARRAY(SELECT platform || ':' || driver_id FROM voter_identities i WHERE i.voter_id = v.voter_id)
    AS own
FROM voters v WHERE v.voter_id = $1 FOR UPDATE
"""
_SESSION_DRIVERS = """
SELECT session_id, platform || ':' || driver_id AS driver FROM votes
WHERE voter_id = $1 AND session_id = ANY($2::bigint[])
"""
# The batch with weight $8; when $9 (the voter just settled), their other votes too, re-weighed to $8. A vote
# no newer than the one kept changes nothing but its weight.
_UPSERT = """
INSERT INTO votes AS old (platform, driver_id, voter_id, rep, tags, session_id, cast_at, weight)
SELECT platform, driver_id, $1, rep, tags, session_id, cast_at, $8::real
FROM (
    SELECT platform, driver_id, rep, string_to_array(tags, ','), session_id, cast_at
    FROM unnest($2::text[], $3::bigint[], $4::smallint[], $5::text[], $6::bigint[], $7::timestamptz[])
        AS batch (platform, driver_id, rep, tags, session_id, cast_at)
    UNION ALL
    SELECT platform, driver_id, rep, tags, session_id, cast_at FROM votes v
    WHERE $9::boolean AND v.voter_id = $1 AND v.weight <> $8 AND NOT EXISTS (
        SELECT FROM unnest($2::text[], $3::bigint[]) AS b (platform, driver_id)
        WHERE b.platform = v.platform AND b.driver_id = v.driver_id)
) AS written (platform, driver_id, rep, tags, session_id, cast_at)
ORDER BY platform, driver_id
ON CONFLICT (platform, driver_id, voter_id) DO UPDATE
SET rep = CASE WHEN old.cast_at <= EXCLUDED.cast_at THEN EXCLUDED.rep ELSE old.rep END,
    tags = CASE WHEN old.cast_at <= EXCLUDED.cast_at THEN EXCLUDED.tags ELSE old.tags END,
    session_id = CASE WHEN old.cast_at <= EXCLUDED.cast_at THEN EXCLUDED.session_id ELSE old.session_id END,
    cast_at = greatest(old.cast_at, EXCLUDED.cast_at),
    weight = EXCLUDED.weight
WHERE old.cast_at <= EXCLUDED.cast_at OR old.weight <> EXCLUDED.weight
"""
_SESSIONS = """
WITH added AS (
    INSERT INTO voter_sessions (voter_id, session_id) SELECT $1, unnest($2::bigint[])
    ON CONFLICT DO NOTHING RETURNING 1
)
UPDATE voters SET sessions = sessions + (SELECT count(*) FROM added) WHERE voter_id = $1 RETURNING sessions
"""
# Under the voter's lock, as their batches are: a withdrawal never slips between a batch's reading of the
# voter's votes (to re-weigh them) and its writing them back.
_DELETE = """
WITH voter AS (SELECT FROM voters WHERE voter_id = $3 FOR UPDATE)
DELETE FROM votes WHERE platform = $1 AND driver_id = $2 AND voter_id = $3 AND EXISTS (SELECT FROM voter)
"""

SELF_VOTE = "self-vote"
SESSION_CAP = "session-cap"


@dataclass(frozen=True, slots=True)
class Refusal:
    index: int
    code: str
    error: str


@dataclass(frozen=True, slots=True)
class Cast:
    accepted: int
    refused: tuple[Refusal, ...]


def screen(votes: Sequence[Vote], own: Collection[str], session_drivers: Mapping[int, Collection[str]],
           cap: int) -> tuple[list[Vote], list[Refusal]]:
    """The votes that may be written (one per driver: the latest castAt, the later in the batch on a tie) and
    the refused ones: about the voter themselves, or past `cap` drivers named in one session."""
    counted = {session: set(drivers) for session, drivers in session_drivers.items()}
    kept: dict[str, Vote] = {}
    refused = []
    for index, vote in enumerate(votes):
        ref = driver_ref(vote.platform, vote.driver_id)
        if ref in own:
            refused.append(Refusal(index, SELF_VOTE, f"votes[{index}]: {ref} is one of your own ids"))
            continue
        if vote.session_id is not None:
            drivers = counted.setdefault(vote.session_id, set())
            if ref not in drivers and len(drivers) >= cap:
                refused.append(Refusal(index, SESSION_CAP, f"votes[{index}]: you already rated {cap} drivers "
                                                           f"in session {vote.session_id}"))
                continue
            drivers.add(ref)
        if ref not in kept or kept[ref].cast_at <= vote.cast_at:
            kept[ref] = vote
    return list(kept.values()), refused


async def cast(connection: asyncpg.Connection, voter_id: int, votes: Sequence[Vote], settings: HubSettings,
               now: datetime) -> Cast:
    """Write a voter's batch; limits.RateLimited (nothing written) when it is over the voter's limits.

    A castAt in the future counts as now, so a wrong clock cannot make a vote that no later one replaces."""
    votes = [vote if vote.cast_at <= now else replace(vote, cast_at=now) for vote in votes]
    async with connection.transaction():
        voter = await connection.fetchrow(_VOTER, voter_id)
        await limits.count(connection, f"voter:{voter_id}", len(votes), now, settings.votes_per_hour,
                           settings.votes_per_day, "votes")
        named = sorted({vote.session_id for vote in votes if vote.session_id is not None})
        session_drivers: dict[int, set[str]] = {}
        if named:
            for row in await connection.fetch(_SESSION_DRIVERS, voter_id, named):
                session_drivers.setdefault(row["session_id"], set()).add(row["driver"])
        kept, refused = screen(votes, set(voter["own"]), session_drivers, settings.session_cap)
        if kept:
            await _write(connection, voter_id, voter["sessions"], kept)
    return Cast(len(votes) - len(refused), tuple(refused))


async def _write(connection: asyncpg.Connection, voter_id: int, sessions: int, kept: Sequence[Vote]) -> None:
    """Count the batch's sessions toward the voter's weight, then upsert the votes with that weight (and
    re-weigh the voter's other votes when they just settled)."""
    weight = voter_weight(sessions)
    named = sorted({v.session_id for v in kept if v.session_id is not None})
    now_weighs = voter_weight(await connection.fetchval(_SESSIONS, voter_id, named)) if named else weight
    await connection.execute(
        _UPSERT, voter_id, [v.platform for v in kept], [v.driver_id for v in kept], [v.rep for v in kept],
        [",".join(v.tag_ids) for v in kept], [v.session_id for v in kept], [v.cast_at for v in kept], now_weighs,
        now_weighs != weight)


async def withdraw(connection: asyncpg.Connection, voter_id: int, platform: str, driver_id: int) -> None:
    await connection.execute(_DELETE, platform, driver_id, voter_id)
