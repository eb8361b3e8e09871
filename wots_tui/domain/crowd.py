"""What the crowd thinks of a driver: the maths of shared votes, and the shapes they travel in.

A racer who opts in shares, for each driver they rated, their rating (-1, 0, +1) and the built-in tags they
gave (never a note or a nickname). The hub counts the votes of a driver in SQL (a Tally); this module turns
a Tally into what is published (a Crowd), and a Crowd into WOTS's `crowdRep` and `crowdTags` and back.

The rules that keep it fair and private:
- `weightedScore` (1..5) is the share of up votes (a neutral counts half) smoothed toward the middle by a
  prior of PRIOR votes each way, so a handful of votes cannot make anyone "Excellent" or "Avoid". With
  PRIOR = 4, WOTS's own example (23 up, 3 down) gives its 4.2.
- `score` is `weightedScore` rounded, and `label` names it; the extremes (1 "Avoid", 5 "Excellent") also need the
  Wilson bound of the share (95%) to agree, else they are held back to 2 or 4: "Avoid" only when even the upper
  bound is low, "Excellent" only when even the lower bound is high.
- A voter who has voted in fewer than SETTLED_SESSIONS distinct sessions weighs NEW_VOTER_WEIGHT: a fresh
  account made to pile on counts for less. The counts (`up`, `down`, `total`) are people; the score uses
  the weights.
- Nothing is published for a driver with fewer than MIN_VOTERS voters, nor a tag fewer than MIN_TAG_VOTERS
  voters chose: a racer must not be able to tell who voted what.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from wots_tui.domain.models import Platform
from wots_tui.domain.notebook import BUILTIN_TAGS, Catalogue, Tag
from wots_tui.domain.wots_shape import Json, tag_object

PLATFORMS: tuple[str, ...] = tuple(p.value for p in Platform)
MIN_VOTERS = 3
MIN_TAG_VOTERS = 3
PRIOR = 4.0  # virtual votes each way
NEW_VOTER_WEIGHT = 0.5
SETTLED_SESSIONS = 3
WILSON_Z = 1.96  # 95%
EXCELLENT_LOWER_BOUND = 0.85  # "Excellent" needs the share's Wilson lower bound at least this (stricter than the prior alone)
AVOID_UPPER_BOUND = 0.15  # "Avoid" needs its upper bound at most this
LABELS = ("Avoid", "Caution", "Neutral", "Good", "Excellent")  # score 1..5
MEDIUM_CONFIDENCE_VOTERS = 10
HIGH_CONFIDENCE_VOTERS = 25
MAX_VOTE_TAGS = len(BUILTIN_TAGS)
INT64_MAX = 2**63 - 1
CROWD_TAGS = Catalogue(BUILTIN_TAGS)  # the only tags a vote may carry: racer-made tags stay private
_CATALOGUE_ORDER = {tag.id: n for n, tag in enumerate(CROWD_TAGS)}


class CrowdShapeError(ValueError):
    """A vote or a crowd answer that is not the shape it should be; the message says where, in one line."""


@dataclass(frozen=True, slots=True)
class Tally:
    """What the hub counted of one driver's votes: people, their weights, and the tags they chose."""

    voters: int
    up: int
    down: int
    neutral: int
    weighted_up: float
    weighted_down: float
    weighted_neutral: float
    tags: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))  # tag id -> voters who chose it


@dataclass(frozen=True, slots=True)
class CrowdRep:
    score: int  # 1..5
    label: str
    up: int
    down: int
    total: int  # voters: up, down and neutral
    weighted_score: float  # 1.0..5.0, to a tenth
    confidence: str  # low, medium, high


@dataclass(frozen=True, slots=True)
class CrowdTag:
    tag: Tag
    count: int  # voters who chose it
    percent: int  # of the driver's voters


@dataclass(frozen=True, slots=True)
class Crowd:
    """What the hub publishes about one driver."""

    rep: CrowdRep
    tags: tuple[CrowdTag, ...] = ()  # most chosen first, ties in catalogue order


@dataclass(frozen=True, slots=True)
class CrowdView:
    """The crowd annotator's word on one live driver: the crowd's data, and whether it is the last known only."""

    crowd: Crowd
    stale: bool  # the hub did not answer this time: this is what it said when it last did
    fetched_at: datetime


# the maths


def crowd_of(tally: Tally) -> Crowd | None:
    """What may be published of a driver's votes: None below MIN_VOTERS; tags below MIN_TAG_VOTERS left out."""
    if tally.voters < MIN_VOTERS:
        return None
    tags = [
        CrowdTag(tag, count, percent_of(count, tally.voters))
        for tag_id, count in tally.tags.items()
        if count >= MIN_TAG_VOTERS and (tag := CROWD_TAGS.get(tag_id)) is not None
    ]
    tags.sort(key=lambda t: (-t.count, _CATALOGUE_ORDER[t.tag.id]))
    return Crowd(crowd_rep(tally), tuple(tags))


def crowd_rep(tally: Tally) -> CrowdRep:
    weighted = tally.weighted_up + tally.weighted_down + tally.weighted_neutral
    liked = tally.weighted_up + tally.weighted_neutral / 2
    raw = 1 + 4 * (liked + PRIOR) / (weighted + 2 * PRIOR)
    score = _held_back(int(_half_up(raw, 0)), liked, weighted)
    return CrowdRep(
        score=score,
        label=LABELS[score - 1],
        up=tally.up,
        down=tally.down,
        total=tally.voters,
        weighted_score=_half_up(raw, 1),
        confidence=confidence(tally.voters),
    )


def _held_back(score: int, liked: float, weighted: float) -> int:
    """The rounded score, an extreme (1 or 5) held back to its neighbour unless the Wilson bound agrees."""
    if score == 5 and wilson_bounds(liked, weighted)[0] < EXCELLENT_LOWER_BOUND:
        return 4
    if score == 1 and wilson_bounds(liked, weighted)[1] > AVOID_UPPER_BOUND:
        return 2
    return score


def wilson_bounds(successes: float, trials: float, z: float = WILSON_Z) -> tuple[float, float]:
    """The Wilson score interval of a share (successes of trials; weighted counts may be fractions)."""
    if trials <= 0:
        return 0.0, 1.0
    share = successes / trials
    z2 = z * z
    centre = share + z2 / (2 * trials)
    spread = z * math.sqrt(share * (1 - share) / trials + z2 / (4 * trials * trials))
    scale = 1 + z2 / trials
    return max(0.0, (centre - spread) / scale), min(1.0, (centre + spread) / scale)


def confidence(voters: int) -> str:
    if voters >= HIGH_CONFIDENCE_VOTERS:
        return "high"
    return "medium" if voters >= MEDIUM_CONFIDENCE_VOTERS else "low"


def voter_weight(sessions: int) -> float:
    """How much one voter's vote weighs, by the distinct sessions they have voted in."""
    return 1.0 if sessions >= SETTLED_SESSIONS else NEW_VOTER_WEIGHT


def percent_of(count: int, whole: int) -> int:
    return int(_half_up(100 * count / whole, 0)) if whole else 0


def _half_up(value: float, places: int) -> float:
    """Rounded as people round (4.25 -> 4.3), not to even. The nudge of a billionth undoes a float's own error
    (4.35 is 4.3499999... as a float): far below a tenth, it changes no other value. A lookup rounds 128 values
    of 64 drivers, so this is plain arithmetic, not Decimal."""
    scale = 10**places
    return math.floor(value * scale + 0.5 + 1e-9) / scale


# WOTS's shapes: crowdRep and crowdTags


def crowd_objects(crowd: Crowd | None) -> tuple[Json | None, Json | None]:
    """WOTS's `crowdRep` and `crowdTags` of a driver (both None when the crowd has nothing to say)."""
    if crowd is None:
        return None, None
    rep = crowd.rep
    rep_object = {
        "score": rep.score,
        "label": rep.label,
        "up": rep.up,
        "down": rep.down,
        "total": rep.total,
        "weightedScore": rep.weighted_score,
        "confidence": rep.confidence,
    }
    overall = [_crowd_tag_object(tag) for tag in crowd.tags]
    by_category: dict[str, list[Json]] = {}
    for tag in overall:
        by_category.setdefault(tag["category"], []).append(tag)
    return rep_object, {"overall": overall, "byCategory": by_category}


def _crowd_tag_object(crowd_tag: CrowdTag) -> Json:
    """A tag object with its count and percent; the category capitalised, as WOTS's example of a crowd tag has it."""
    tag = crowd_tag.tag
    return {**tag_object(tag), "category": tag.category.capitalize(), "count": crowd_tag.count, "percent": crowd_tag.percent}


def crowd_from_objects(rep: Any, tags: Any, where: str = "crowd data") -> Crowd:
    """A Crowd from a hub's `crowdRep` and `crowdTags`; CrowdShapeError, in one line, when they are not that.

    Tags this version does not know (a newer hub's built-ins) are left out, not refused."""
    if not isinstance(rep, dict):
        raise CrowdShapeError(f"{where}: crowdRep must be an object")
    label = _get(rep, "label", str, where)
    if label not in LABELS:
        raise CrowdShapeError(f"{where}: unknown crowdRep label {label!r}")
    crowd_rep_value = CrowdRep(
        score=_get(rep, "score", int, where),
        label=label,
        up=_get(rep, "up", int, where),
        down=_get(rep, "down", int, where),
        total=_get(rep, "total", int, where),
        weighted_score=float(_get(rep, "weightedScore", (int, float), where)),
        confidence=_get(rep, "confidence", str, where),
    )
    overall = tags.get("overall") if isinstance(tags, dict) else None
    if not isinstance(overall, list):
        raise CrowdShapeError(f"{where}: crowdTags must be an object with an 'overall' list")
    known = []
    for item in overall:
        if not isinstance(item, dict):
            raise CrowdShapeError(f"{where}: a crowd tag must be an object")
        tag = CROWD_TAGS.get(_get(item, "id", str, where))
        if tag is not None:
            known.append(CrowdTag(tag, _get(item, "count", int, where), _get(item, "percent", int, where)))
    return Crowd(crowd_rep_value, tuple(known))


# votes on the wire


@dataclass(frozen=True, slots=True)
class Vote:
    """One racer's vote about one driver: their rating and built-in tags, and the session it was cast in."""

    platform: str
    driver_id: int
    rep: int  # -1, 0, +1
    tag_ids: tuple[str, ...]
    session_id: int | None  # the subsession (iRacing) or lobby (AMS2) it was cast in, when known
    cast_at: datetime


def vote_object(vote: Vote) -> Json:
    return {
        "platform": vote.platform,
        "driverId": vote.driver_id,
        "rep": vote.rep,
        "tags": list(vote.tag_ids),
        "sessionId": vote.session_id,
        "castAt": vote.cast_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def vote_from_object(obj: Any, where: str = "vote") -> Vote:
    """A Vote from its wire shape; CrowdShapeError, in one line naming `where`, for anything else."""
    if not isinstance(obj, dict):
        raise CrowdShapeError(f"{where}: expected an object")
    platform, driver_id = driver_from_object(obj, where, id_field="driverId")
    rep = _get(obj, "rep", int, where)
    if rep not in (-1, 0, 1):
        raise CrowdShapeError(f"{where}: rep must be -1, 0 or 1, not {rep}")
    tag_ids = _get(obj, "tags", list, where, default=[])
    if len(tag_ids) > MAX_VOTE_TAGS or len(set(map(str, tag_ids))) != len(tag_ids):
        raise CrowdShapeError(f"{where}: tags must be at most {MAX_VOTE_TAGS} different built-in tag ids")
    for tag_id in tag_ids:
        if not isinstance(tag_id, str) or CROWD_TAGS.get(tag_id) is None:
            raise CrowdShapeError(f"{where}: {tag_id!r} is not a built-in tag (a racer's own tags are never shared)")
    session_id = _get(obj, "sessionId", int, where, default=None)
    if session_id is not None and not 0 < session_id <= INT64_MAX:
        raise CrowdShapeError(f"{where}: sessionId must be a positive 64-bit whole number, not {session_id}")
    return Vote(platform, driver_id, rep, tuple(tag_ids), session_id, _moment(_get(obj, "castAt", str, where), where))


def driver_from_object(obj: Any, where: str, id_field: str = "id") -> tuple[str, int]:
    """(platform, driver id) from `{"platform": ..., <id_field>: ...}`: a known platform, a positive int64 id."""
    if not isinstance(obj, dict):
        raise CrowdShapeError(f"{where}: expected an object")
    platform = _get(obj, "platform", str, where)
    if platform not in PLATFORMS:
        raise CrowdShapeError(f"{where}: unknown platform {platform!r} (known: {', '.join(PLATFORMS)})")
    driver_id = _get(obj, id_field, int, where)
    if not 0 < driver_id <= INT64_MAX:
        raise CrowdShapeError(f"{where}: {id_field} must be a positive 64-bit whole number, not {driver_id}")
    return platform, driver_id


def driver_ref(platform: str, driver_id: int) -> str:
    """A driver's key in a lookup's answer: `iracing:123456` (a string: an AMS2 Steam id is past JavaScript's 2^53)."""
    return f"{platform}:{driver_id}"


def driver_refs(keys: Iterable[tuple[str, int]]) -> list[Json]:
    """A lookup's `drivers`: each key as `{"platform": ..., "id": ...}`."""
    return [{"platform": platform, "id": driver_id} for platform, driver_id in keys]


_MISSING = object()


def _get(obj: Mapping[str, Any], name: str, kind: type | tuple[type, ...], where: str, default: Any = _MISSING) -> Any:
    value = obj.get(name)
    if value is None and default is not _MISSING:
        return default
    if value is None:
        raise CrowdShapeError(f"{where}: {name} is missing")
    if isinstance(value, bool) and kind is not bool or not isinstance(value, kind):
        wanted = kind.__name__ if isinstance(kind, type) else "number"
        raise CrowdShapeError(f"{where}: {name} must be {wanted}, not {type(value).__name__}")
    return value


def _moment(text: str, where: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise CrowdShapeError(f"{where}: castAt is not an ISO 8601 time: {text!r}") from None
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
