"""The batched lookup: every asked driver's tally (kept by the database as votes change, migration 2) read in
one SQL statement, then the domain's rules."""

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

# Per asked driver, its tally row and its tag counts, each through its primary key; drivers below MIN_VOTERS and
# tags below MIN_TAG_VOTERS are left out here already, so their counts never leave the database (crowd_of
# applies the same rules again).
_TALLIES = """
SELECT t.platform, t.driver_id, t.voters, t.up, t.down, t.neutral, t.weighted_up::float8,
       t.weighted_down::float8, t.weighted_neutral::float8, c.tag_ids, c.tag_voters
FROM (SELECT DISTINCT * FROM unnest($1::text[], $2::bigint[])) AS a (platform, driver_id)
JOIN driver_tallies t ON t.platform = a.platform AND t.driver_id = a.driver_id
CROSS JOIN LATERAL (
    SELECT coalesce(array_agg(tag), '{}') AS tag_ids, coalesce(array_agg(voters), '{}') AS tag_voters
    FROM driver_tag_counts g
    WHERE g.platform = t.platform AND g.driver_id = t.driver_id AND g.voters >= $4
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
