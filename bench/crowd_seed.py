"""A realistic crowd hub's data, made up reproducibly and written straight into its PostgreSQL with COPY.

Not through the API: the hub lets one address register 20 voters an hour (not a flag of `wots-tui hub`),
and 200,000 votes through PUT /v1/votes would take minutes before the bench began. The rows are the ones
the hub itself writes (voters with a token hash from hub.auth, their identities, one vote per driver and
voter with its voter's weight, the sessions each voter voted in and `voters.sessions` counting them), into
a schema the hub migrated.

Drivers' popularity is log-normal (a few drivers everyone met, many met by a handful); each driver has a
"true" cleanliness that tilts their votes up or down, and the tags a voter picks follow their vote. About
15% of the voters are new (one or two sessions, a few votes: they weigh half); the others voted in a few
to a few dozen sessions, up to 8 drivers rated a session, and a tenth of the votes name no session (imported).
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg

from wots_tui.domain.crowd import voter_weight
from wots_tui.hub import auth

UP_TAGS = ("clean", "gives_space", "fast", "consistent", "apologises", "friend")
DOWN_TAGS = ("divebomber", "blocker", "brake_checker", "wrecker", "rejoins_unsafely", "toxic")
NEUTRAL_TAGS = ("slow", "rival", "teammate", "streamer", "consistent")
NEW_VOTER_SHARE = 0.15
AMS2_SHARE = 0.1  # of drivers (Steam ids); the rest are iRacing cust ids
MAX_PER_SESSION = 8  # drivers one voter rates in one session
UNNAMED_SESSION_SHARE = 0.1  # votes imported from a notebook name no session


@dataclass(frozen=True)
class Seeded:
    drivers: dict[str, list[tuple[str, int]]]  # platform -> its drivers
    voters: dict[int, str]  # voter id -> token
    voters_of: Counter[tuple[str, int]]  # driver -> voters who voted on them
    votes: int
    new_voters: int


def made_up_drivers(rng: random.Random, count: int) -> list[tuple[str, int]]:
    ams2 = int(count * AMS2_SHARE)
    return ([("iracing", n) for n in rng.sample(range(100_000, 1_300_000), count - ams2)]
            + [("ams2", 76561197960265728 + n) for n in rng.sample(range(10**9), ams2)])


def rep_of(rng: random.Random, clean: float) -> int:
    if rng.random() < 0.2:
        return 0
    return 1 if rng.random() < clean else -1


def tags_of(rng: random.Random, rep: int) -> list[str]:
    if rng.random() < 0.5:
        return []
    pool = UP_TAGS if rep == 1 else DOWN_TAGS if rep == -1 else NEUTRAL_TAGS
    return rng.sample(pool, rng.choice((1, 1, 2)))


def vote_counts(rng: random.Random, voters: int, votes: int) -> list[int]:
    """Votes per voter: a few for new voters, a log-normal share of the rest for the others (sum ~ votes)."""
    new = int(voters * NEW_VOTER_SHARE)
    counts = [rng.randint(1, 12) for _ in range(new)]
    shares = [rng.lognormvariate(0, 0.8) for _ in range(voters - new)]
    left, total = votes - sum(counts), sum(shares)
    return counts + [max(3, round(left * share / total)) for share in shares]


async def seed(dsn: str, drivers: int, voters: int, votes: int, rng_seed: int = 15) -> Seeded:
    rng = random.Random(rng_seed)
    everyone = made_up_drivers(rng, drivers)
    cumulative, running = [], 0.0
    for _ in everyone:
        running += rng.lognormvariate(0, 1.0)
        cumulative.append(running)
    clean = {driver: rng.betavariate(4, 1.5) for driver in everyone}
    now = datetime.now(UTC)
    tokens, hashes, sessions_of, rows, sessions_rows = [], [], [], [], []
    next_session = iter(rng.sample(range(60_000_000, 90_000_000), 400_000))
    counts = vote_counts(rng, voters, votes)
    for n, wanted in enumerate(counts):
        secret, hashed = auth.new_secret()
        tokens.append(secret)
        hashes.append(hashed)
        chosen: dict[tuple[str, int], None] = {}
        while len(chosen) < wanted:
            chosen.update(dict.fromkeys(rng.choices(everyone, cum_weights=cumulative, k=wanted - len(chosen))))
        picked = list(chosen)
        sessions: list[int] = []
        new = n < int(voters * NEW_VOTER_SHARE)
        start = 0
        while start < len(picked):
            unnamed = (new and len(sessions) >= 2) or rng.random() < UNNAMED_SESSION_SHARE
            session = None if unnamed else next(next_session)
            if session is not None:
                sessions.append(session)
            size = rng.randint(1, MAX_PER_SESSION)
            for driver in picked[start:start + size]:
                rep = rep_of(rng, clean[driver])
                rows.append((driver[0], driver[1], n, rep, tags_of(rng, rep), session,
                             now - timedelta(seconds=rng.uniform(3600, 90 * 86400))))
            start += size
        sessions_of.append(len(sessions))
        sessions_rows.extend((n, session) for session in sessions)
    connection = await asyncpg.connect(dsn)
    try:
        async with connection.transaction():
            made = {row["token_hash"]: row["voter_id"] for row in await connection.fetch(
                "INSERT INTO voters (token_hash, sessions) SELECT * FROM unnest($1::bytea[], $2::int[])"
                " RETURNING voter_id, token_hash", hashes, sessions_of)}
            ids = [made[hashed] for hashed in hashes]
            await connection.copy_records_to_table(
                "voter_identities", columns=("voter_id", "platform", "driver_id"),
                records=[(voter_id, "iracing", 5_000_000 + n) for n, voter_id in enumerate(ids)])
            await connection.copy_records_to_table(
                "votes", columns=("platform", "driver_id", "voter_id", "rep", "tags", "session_id", "cast_at",
                                  "weight"),
                records=[(p, d, ids[v], rep, tags, s, at, voter_weight(sessions_of[v]))
                         for p, d, v, rep, tags, s, at in rows])
            await connection.copy_records_to_table(
                "voter_sessions", columns=("voter_id", "session_id"),
                records=[(ids[v], s) for v, s in sessions_rows])
        # what autovacuum would have done on a hub that grew to this: the votes' trigger updated each driver's
        # tally row once per vote, leaving ~180,000 dead row versions the lookups would wade through
        await connection.execute("VACUUM ANALYZE")
    finally:
        await connection.close()
    by_platform: dict[str, list[tuple[str, int]]] = {}
    for driver in everyone:
        by_platform.setdefault(driver[0], []).append(driver)
    return Seeded(by_platform, {voter_id: auth.token_of(voter_id, secret) for voter_id, secret in zip(ids, tokens)},
                  Counter((p, d) for p, d, *_ in rows), len(rows), int(voters * NEW_VOTER_SHARE))
