"""The crowd's side of the notebook file: what each hub acknowledged, what it refused, and what it last said.

The outgoing queue is not a table: it is the difference between the notebook's rated entries (their rating
and built-in tags) and what the hub acknowledged of them, so an edit in the app, a CLI edit and an import are
all queued alike, and nothing is lost offline or across a restart. An acknowledged vote whose entry is no
longer rated is a withdrawal. A refused vote is not sent again until its entry changes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import duckdb
import orjson

from wots_tui.domain.crowd import (
    CROWD_TAGS,
    INT64_MAX,
    Crowd,
    CrowdShapeError,
    Vote,
    crowd_from_objects,
    crowd_objects,
)
from wots_tui.domain.notebook import Key
from wots_tui.store.keys import key_columns
from wots_tui.store.timestamps import from_db, to_db, utc_now

log = logging.getLogger(__name__)

CROWD_SCHEMA = """
CREATE TABLE crowd_sent (                   -- what a hub acknowledged of each vote of the racer's
    hub VARCHAR NOT NULL,                   -- the hub's address (crowd_url)
    platform VARCHAR NOT NULL,
    driver_id BIGINT NOT NULL,
    rep TINYINT NOT NULL,
    tag_ids VARCHAR[] NOT NULL,             -- built-in tag ids, sorted
    sent_at TIMESTAMP NOT NULL,             -- UTC
    PRIMARY KEY (hub, platform, driver_id)
);
CREATE TABLE crowd_refused (                -- votes a hub refused: not sent again until the entry changes
    hub VARCHAR NOT NULL,
    platform VARCHAR NOT NULL,
    driver_id BIGINT NOT NULL,
    rep TINYINT NOT NULL,
    tag_ids VARCHAR[] NOT NULL,
    cast_at TIMESTAMP NOT NULL,             -- the entry's last edit when it was sent: a later edit is a new vote
    code VARCHAR NOT NULL,                  -- the hub's: self-vote, session-cap
    reason VARCHAR NOT NULL,                -- its one line
    refused_at TIMESTAMP NOT NULL,
    PRIMARY KEY (hub, platform, driver_id)
);
CREATE TABLE crowd_cache (                  -- what a hub last said of a driver, shown (stale) while it is away
    hub VARCHAR NOT NULL,
    platform VARCHAR NOT NULL,
    driver_id BIGINT NOT NULL,
    crowd_rep JSON NOT NULL,                -- WOTS's crowdRep
    crowd_tags JSON NOT NULL,               -- WOTS's crowdTags
    fetched_at TIMESTAMP NOT NULL,
    PRIMARY KEY (hub, platform, driver_id)
);
"""

_CROWD_TAG_IDS = [tag.id for tag in CROWD_TAGS]


def _mine(keyed: bool) -> str:
    """Each rated entry as a vote: its rating and its built-in tags, sorted (what crowd_sent keeps to compare);
    `keyed`: only the drivers of $platforms/$ids."""
    tags_of = "AND driver_id = ANY($ids)" if keyed else ""
    only = f"AND {_IN_KEYS.format('n')}" if keyed else ""
    return f"""
        WITH shared AS (
            SELECT platform, driver_id, list_sort(list(tag_id)) AS tag_ids FROM driver_tags
            WHERE list_contains($tags, tag_id) {tags_of} GROUP BY ALL
        )
        SELECT n.platform, n.driver_id, n.rep, coalesce(t.tag_ids, []::VARCHAR[]) AS tag_ids,
               coalesce(n.subsession_id, n.session_id) AS session_id, coalesce(n.updated_at, n.voted_at) AS cast_at
        FROM notebook n LEFT JOIN shared t USING (platform, driver_id)
        WHERE n.rep IS NOT NULL AND n.driver_id > 0 {only}"""


_IN_KEYS = "({0}.platform, {0}.driver_id) IN (SELECT (unnest($platforms), unnest($ids)))"


def _unanswered(keyed: bool) -> str:
    """The votes that wait: unless the hub acknowledged, or refused, that very rating and those tags."""
    only = f"AND {_IN_KEYS.format('a')}" if keyed else ""
    return f"""SELECT m.* FROM ({_mine(keyed)}) m
        LEFT JOIN (SELECT * FROM crowd_sent a WHERE a.hub = $hub {only}) s
            ON s.platform = m.platform AND s.driver_id = m.driver_id
        LEFT JOIN (SELECT * FROM crowd_refused a WHERE a.hub = $hub {only}) r
            ON r.platform = m.platform AND r.driver_id = m.driver_id
        WHERE (s.rep IS NULL OR s.rep <> m.rep OR s.tag_ids <> m.tag_ids)
          AND (r.rep IS NULL OR r.rep <> m.rep OR r.tag_ids <> m.tag_ids OR r.cast_at <> m.cast_at)"""


def _withdrawn(keyed: bool) -> str:
    """Acknowledged votes whose entry is no longer rated (or gone): they wait to be withdrawn."""
    only = f"AND {_IN_KEYS.format('s')}" if keyed else ""
    return f"""SELECT s.platform, s.driver_id FROM crowd_sent s WHERE s.hub = $hub {only} AND NOT EXISTS
        (SELECT 1 FROM notebook n WHERE n.platform = s.platform AND n.driver_id = s.driver_id AND n.rep IS NOT NULL)"""


def _params(hub: str, keys: Sequence[Key] | None) -> dict[str, object]:
    params: dict[str, object] = {"tags": _CROWD_TAG_IDS, "hub": hub}
    if keys is not None:
        params["platforms"], params["ids"] = key_columns(keys)
    return params


@dataclass(frozen=True, slots=True)
class Outgoing:
    """What is waiting for a hub: votes to send (oldest edit first) and drivers whose vote to withdraw."""

    votes: tuple[Vote, ...]
    withdrawals: tuple[Key, ...]

    def __bool__(self) -> bool:
        return bool(self.votes or self.withdrawals)


@dataclass(frozen=True, slots=True)
class Refusal:
    """A vote the hub refused, and why (its code and line)."""

    key: Key
    code: str
    reason: str


def outgoing(cursor: duckdb.DuckDBPyConnection, hub: str, limit: int, keys: Sequence[Key] | None = None) -> Outgoing:
    """Up to `limit` votes and `limit` withdrawals waiting for `hub`: of the whole notebook, or only of `keys` (the
    drivers just edited: a look at a few entries, where the whole 100k notebook takes about a tenth of a second).
    A refused vote waits again once its entry is edited (its last edit is newer than the one refused)."""
    params, keyed = _params(hub, keys), keys is not None
    # fetchmany, not LIMIT: DuckDB 2.0 drops the LIMIT of this query while crowd_refused is empty (its planner
    # turns the join with an empty table into an empty result and loses the LIMIT above it)
    rows = cursor.execute(
        f"SELECT * FROM ({_unanswered(keyed)}) ORDER BY cast_at NULLS FIRST, platform, driver_id", params
    ).fetchmany(limit)
    gone = cursor.execute(
        f"SELECT * FROM ({_withdrawn(keyed)}) ORDER BY platform, driver_id",
        {k: v for k, v in params.items() if k != "tags"},
    ).fetchmany(limit)
    return Outgoing(tuple(_vote(row) for row in rows), tuple((platform, driver_id) for platform, driver_id in gone))


def acknowledge(cursor: duckdb.DuckDBPyConnection, hub: str, sent: Sequence[Vote], refused: Sequence[Refusal]) -> None:
    """Record the hub's answer to `sent`: the refused ones with their reason, the others as acknowledged.

    What is recorded is what was sent: an entry edited meanwhile differs from it, so it waits again."""
    now = to_db(utc_now())
    refused_keys = {r.key: r for r in refused}
    accepted = [v for v in sent if (v.platform, v.driver_id) not in refused_keys]
    turned_down = [(v, refused_keys[(v.platform, v.driver_id)]) for v in sent if (v.platform, v.driver_id) in refused_keys]
    if accepted:
        columns = key_columns((v.platform, v.driver_id) for v in accepted)
        cursor.execute(
            """INSERT OR REPLACE INTO crowd_sent SELECT ?, * FROM (SELECT unnest(?), unnest(?), unnest(?::TINYINT[]),
                   unnest(?::VARCHAR[][]), ?::TIMESTAMP)""",
            [hub, *columns, [v.rep for v in accepted], [sorted(v.tag_ids) for v in accepted], now],
        )
        cursor.execute(
            "DELETE FROM crowd_refused WHERE hub = ? AND (platform, driver_id) IN (SELECT (unnest(?), unnest(?)))",
            [hub, *columns],
        )
    if turned_down:
        cursor.execute(
            """INSERT OR REPLACE INTO crowd_refused SELECT ?, * FROM (SELECT unnest(?), unnest(?), unnest(?::TINYINT[]),
                   unnest(?::VARCHAR[][]), unnest(?::TIMESTAMP[]), unnest(?), unnest(?), ?::TIMESTAMP)""",
            [hub, [v.platform for v, _ in turned_down], [v.driver_id for v, _ in turned_down],
             [v.rep for v, _ in turned_down], [sorted(v.tag_ids) for v, _ in turned_down],
             [to_db(v.cast_at) for v, _ in turned_down],
             [r.code for _, r in turned_down], [r.reason for _, r in turned_down], now],
        )


def withdrawn(cursor: duckdb.DuckDBPyConnection, hub: str, key: Key) -> None:
    """The hub deleted the vote about `key`: nothing of it is acknowledged any more."""
    cursor.execute("DELETE FROM crowd_sent WHERE hub = ? AND platform = ? AND driver_id = ?", [hub, *key])


def forget_hub(cursor: duckdb.DuckDBPyConnection, hub: str) -> None:
    """The hub no longer knows the racer (its database was reset): nothing of theirs is acknowledged or refused there."""
    cursor.execute("DELETE FROM crowd_sent WHERE hub = ?", [hub])
    cursor.execute("DELETE FROM crowd_refused WHERE hub = ?", [hub])


def refusals(cursor: duckdb.DuckDBPyConnection, hub: str) -> list[Refusal]:
    rows = cursor.execute(
        "SELECT platform, driver_id, code, reason FROM crowd_refused WHERE hub = ? ORDER BY platform, driver_id", [hub]
    ).fetchall()
    return [Refusal((platform, driver_id), code, reason) for platform, driver_id, code, reason in rows]


# the crowd's answers, kept


def remember(cursor: duckdb.DuckDBPyConnection, hub: str, asked: Iterable[Key], found: dict[Key, Crowd], at: datetime) -> None:
    """A lookup's answer for the drivers `asked`: those `found` kept, the others (fewer voters now) forgotten."""
    asked = list(asked)
    if asked:
        cursor.execute(
            "DELETE FROM crowd_cache WHERE hub = ? AND (platform, driver_id) IN (SELECT (unnest(?), unnest(?)))",
            [hub, *key_columns(asked)],
        )
    if not found:
        return
    objects = [crowd_objects(crowd) for crowd in found.values()]
    cursor.execute(
        """INSERT OR REPLACE INTO crowd_cache SELECT ?, * FROM (SELECT unnest(?), unnest(?), unnest(?::JSON[]),
               unnest(?::JSON[]), ?::TIMESTAMP)""",
        [hub, *key_columns(found), [orjson.dumps(rep).decode() for rep, _ in objects],
         [orjson.dumps(tags).decode() for _, tags in objects], to_db(at)],
    )


def cached(cursor: duckdb.DuckDBPyConnection, hub: str, keys: Iterable[Key]) -> dict[Key, tuple[Crowd, datetime]]:
    """What `hub` last said of these drivers, and when; a row this version cannot read is left out (logged)."""
    wanted = [key for key in keys if 0 < key[1] <= INT64_MAX]
    if not wanted:
        return {}
    rows = cursor.execute(
        """SELECT platform, driver_id, crowd_rep, crowd_tags, fetched_at FROM crowd_cache
           WHERE hub = ? AND (platform, driver_id) IN (SELECT (unnest(?), unnest(?)))""",
        [hub, *key_columns(wanted)],
    ).fetchall()
    known: dict[Key, tuple[Crowd, datetime]] = {}
    for platform, driver_id, rep, tags, fetched_at in rows:
        try:
            known[(platform, driver_id)] = (crowd_from_objects(orjson.loads(rep), orjson.loads(tags)), from_db(fetched_at))
        except (CrowdShapeError, orjson.JSONDecodeError) as error:
            log.warning("crowd cache row for %s:%s not read: %s", platform, driver_id, error)
    return known


def noted_drivers(cursor: duckdb.DuckDBPyConnection, after: Key | None, limit: int) -> list[Key]:
    """Up to `limit` noted drivers in key order from just after `after`: what `crowd sync` asks the hub about."""
    where, params = ("driver_id > 0", []) if after is None else (
        "driver_id > 0 AND (platform > ? OR (platform = ? AND driver_id > ?))", [after[0], after[0], after[1]])
    rows = cursor.execute(
        f"SELECT platform, driver_id FROM notebook WHERE {where} ORDER BY platform, driver_id LIMIT ?", [*params, limit]
    ).fetchall()
    return [(platform, driver_id) for platform, driver_id in rows]


def _vote(row: tuple) -> Vote:
    platform, driver_id, rep, tag_ids, session_id, cast_at = row
    session = session_id if session_id is not None and 0 < session_id <= INT64_MAX else None
    return Vote(platform, driver_id, rep, tuple(tag_ids), session, from_db(cast_at) or utc_now())
