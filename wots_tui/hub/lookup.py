"""The batched lookup: every asked driver's votes counted in one SQL statement, then the domain's rules."""

from __future__ import annotations

from collections.abc import Sequence
from types import MappingProxyType

import asyncpg

from wots_tui.domain.crowd import (
    MIN_TAG_VOTERS,
    MIN_VOTERS,
    NEW_VOTER_WEIGHT,
    SETTLED_SESSIONS,
    Tally,
    crowd_objects,
    crowd_of,
    driver_ref,
)
from wots_tui.domain.wots_shape import Json

# Drivers below MIN_VOTERS and tags below MIN_TAG_VOTERS are left out here already, so that their rows never
# leave the database; crowd_of applies the same rules again.
_TALLIES = """
WITH asked (platform, driver_id) AS (
    SELECT DISTINCT * FROM unnest($1::text[], $2::bigint[])
), cast_votes AS MATERIALIZED (
    SELECT v.platform, v.driver_id, v.rep, v.tags,
           CASE WHEN r.sessions >= $3 THEN 1.0::float8 ELSE $4::float8 END AS weight
    FROM asked a
    JOIN votes v ON v.platform = a.platform AND v.driver_id = a.driver_id
    JOIN voters r ON r.voter_id = v.voter_id
), tallies AS (
    SELECT platform, driver_id, count(*) AS voters,
           count(*) FILTER (WHERE rep = 1) AS up,
           count(*) FILTER (WHERE rep = -1) AS down,
           count(*) FILTER (WHERE rep = 0) AS neutral,
           coalesce(sum(weight) FILTER (WHERE rep = 1), 0) AS weighted_up,
           coalesce(sum(weight) FILTER (WHERE rep = -1), 0) AS weighted_down,
           coalesce(sum(weight) FILTER (WHERE rep = 0), 0) AS weighted_neutral
    FROM cast_votes GROUP BY platform, driver_id HAVING count(*) >= $5
), chosen AS (
    SELECT platform, driver_id, tag, count(*) AS voters
    FROM cast_votes CROSS JOIN LATERAL unnest(tags) AS tag
    GROUP BY platform, driver_id, tag HAVING count(*) >= $6
)
SELECT t.*, coalesce(array_agg(c.tag) FILTER (WHERE c.tag IS NOT NULL), '{}') AS tag_ids,
       coalesce(array_agg(c.voters) FILTER (WHERE c.tag IS NOT NULL), '{}') AS tag_voters
FROM tallies t LEFT JOIN chosen c USING (platform, driver_id)
GROUP BY t.platform, t.driver_id, t.voters, t.up, t.down, t.neutral, t.weighted_up, t.weighted_down,
         t.weighted_neutral
"""


async def lookup(connection: asyncpg.Connection, drivers: Sequence[tuple[str, int]]) -> dict[str, Json]:
    """`{"iracing:123": {"crowdRep": ..., "crowdTags": ...}}` for the asked drivers the crowd may speak of."""
    rows = await connection.fetch(_TALLIES, [p for p, _ in drivers], [d for _, d in drivers], SETTLED_SESSIONS,
                            NEW_VOTER_WEIGHT, MIN_VOTERS, MIN_TAG_VOTERS)
    found: dict[str, Json] = {}
    for row in rows:
        crowd = crowd_of(tally_of(row))
        if crowd is not None:
            rep, tags = crowd_objects(crowd)
            found[driver_ref(row["platform"], row["driver_id"])] = {"crowdRep": rep, "crowdTags": tags}
    return found


def tally_of(row: asyncpg.Record) -> Tally:
    return Tally(
        voters=row["voters"], up=row["up"], down=row["down"], neutral=row["neutral"],
        weighted_up=row["weighted_up"], weighted_down=row["weighted_down"],
        weighted_neutral=row["weighted_neutral"],
        tags=MappingProxyType(dict(zip(row["tag_ids"], row["tag_voters"], strict=True))),
    )
