"""The batched lookup: every asked driver's votes counted in one SQL statement, then the domain's rules."""

from __future__ import annotations

from collections.abc import Sequence
from types import MappingProxyType

import asyncpg

from wots_tui.domain.crowd import (
    MIN_TAG_VOTERS,
    MIN_VOTERS,
    Tally,
    crowd_objects,
    crowd_of,
    driver_ref,
)
from wots_tui.domain.wots_shape import Json

# Per asked driver, its votes (the primary key's index) counted once and its tags once; drivers below MIN_VOTERS
# and tags below MIN_TAG_VOTERS are left out here already, so their counts never leave the database (crowd_of
# applies the same rules again). Each vote carries its voter's weight: no join to voters.
_TALLIES = """
SELECT a.platform, a.driver_id, t.*, c.tag_ids, c.tag_voters
FROM (SELECT DISTINCT * FROM unnest($1::text[], $2::bigint[])) AS a (platform, driver_id)
CROSS JOIN LATERAL (
    SELECT count(*) AS voters,
           count(*) FILTER (WHERE rep = 1) AS up,
           count(*) FILTER (WHERE rep = -1) AS down,
           count(*) FILTER (WHERE rep = 0) AS neutral,
           coalesce(sum(weight) FILTER (WHERE rep = 1), 0)::float8 AS weighted_up,
           coalesce(sum(weight) FILTER (WHERE rep = -1), 0)::float8 AS weighted_down,
           coalesce(sum(weight) FILTER (WHERE rep = 0), 0)::float8 AS weighted_neutral
    FROM votes v WHERE v.platform = a.platform AND v.driver_id = a.driver_id
) AS t
CROSS JOIN LATERAL (
    SELECT coalesce(array_agg(tag), '{}') AS tag_ids, coalesce(array_agg(chosen), '{}') AS tag_voters
    FROM (
        SELECT tag, count(*) AS chosen
        FROM votes v CROSS JOIN LATERAL unnest(v.tags) AS tag
        WHERE v.platform = a.platform AND v.driver_id = a.driver_id
        GROUP BY tag HAVING count(*) >= $4
    ) AS counted
) AS c
WHERE t.voters >= $3
"""


async def lookup(connection: asyncpg.Connection, drivers: Sequence[tuple[str, int]]) -> dict[str, Json]:
    """`{"iracing:123": {"crowdRep": ..., "crowdTags": ...}}` for the asked drivers the crowd may speak of."""
    rows = await connection.fetch(_TALLIES, [p for p, _ in drivers], [d for _, d in drivers], MIN_VOTERS,
                                  MIN_TAG_VOTERS)
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
