"""The WOTS local API's JSON shapes, both ways: ours out, theirs in (its documentation:
tests/fixtures/wots/wots-local-api.txt).

Field names, types and nesting are WOTS's own, so overlays and tools written for WOTS read ours.
Extra fields may be added; none is renamed. Crowd fields are null here: the API's documents fill them
(`api_documents.py::crowd_fields`) while the racer shares votes with a crowd hub; an export keeps them null.
An AMS2 driver's `custId` is their Steam id, which is past what a JavaScript number holds exactly
(2^53): they also carry it as the string `steamId`. An AI car has no id a person could have: its
`custId` is null.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from wots_tui.domain.models import Platform
from wots_tui.domain.notebook import Catalogue, Key, NoteRecord, Tag

Json = dict[str, Any]

STEAM_IDS = 0x0110000100000000  # 76561197960265728: people's Steam ids start here; iRacing's ids are far smaller


class ShapeError(ValueError):
    """A document that is not the WOTS shape; the message says where, in one line."""


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def entry_id(key: Key) -> str:
    """The key of a driver in `entries`/`drivers`: the customer id; other platforms are prefixed."""
    platform, driver_id = key
    return str(driver_id) if platform == Platform.IRACING.value else f"{platform}:{driver_id}"


def platform_of(driver_id: int) -> Platform:
    """The platform an id names when nothing else says: a Steam id is AMS2's, a smaller one iRacing's."""
    return Platform.AMS2 if driver_id >= STEAM_IDS else Platform.IRACING


def api_ids(key: Key, is_ai: bool = False) -> tuple[int | None, str | None]:
    """A driver's `custId` and `steamId` as the API says them: none for an AI car (its id is the source's own,
    never a person's), the Steam id also as a string for an AMS2 driver, no string for an iRacing one."""
    platform, driver_id = key
    if is_ai:
        return None, None
    return driver_id, str(driver_id) if platform == Platform.AMS2.value else None


def tag_object(tag: Tag) -> Json:
    return {"id": tag.id, "name": tag.name, "icon": tag.icon, "category": tag.category, "color": tag.colour}


def driver_object(record: NoteRecord, catalogue: Catalogue) -> Json:
    """The WOTS driver object for a notebook record (a driver never noted is an empty record)."""
    tags = (tag for tag_id in record.tag_ids if (tag := catalogue.get(tag_id)) is not None)
    return wots_driver(record.key, record.name, record.car_number, record.seen_count, record.rating, record.note, record.nickname, tags)


def wots_driver(
    key: Key, name: str, car_number: str | None, seen: int, rating: int | None, note: str, nickname: str, tags: Iterable[Tag],
    is_ai: bool = False,
) -> Json:
    """WOTS's driver fields (an AMS2 driver's `steamId` after them)."""
    cust_id, steam_id = api_ids(key, is_ai)
    return {
        "custId": cust_id,
        "name": name,
        "customName": nickname or None,
        "carNumber": car_number,
        "seenCount": seen,
        "userRep": rating,
        "userNote": note or None,
        "userTags": [tag_object(tag) for tag in tags],
        "crowdRep": None,
        "crowdTags": None,
        **({"steamId": steam_id} if steam_id is not None else {}),
    }


def notebook_object(record: NoteRecord, catalogue: Catalogue) -> Json:
    """A notebook entry: the driver object, WOTS's notebook-only fields, and ours (platform, updatedAt, lastMet)."""
    return {
        **driver_object(record, catalogue),
        "votedAt": iso(record.voted_at),
        "sessionId": record.session_id,
        "subsessionId": record.subsession_id,
        "platform": record.key[0],
        "updatedAt": iso(record.updated_at),
        "lastMet": iso(record.last_met),
    }


def notebook_document(records: Iterable[NoteRecord], catalogue: Catalogue) -> Json:
    """The whole notebook as one document: what `notebook export` writes, the API's entries each with `lastMetIn`.

    `lastMetIn` is the meeting of `lastMet` as its source names it (`subsession:81552310`): a notebook
    that imports the entry records that meeting, so meeting the driver there again is not counted twice.
    """
    ordered = sorted(records, key=lambda r: r.key)
    entries = {entry_id(r.key): {**notebook_object(r, catalogue), "lastMetIn": r.last_met_in} for r in ordered}
    return {"count": len(entries), "entries": entries}


# reading a document back (import)


def records_from_document(
    document: Any, named: Callable[[str], str] = lambda name: f"entry {name!r}"
) -> tuple[list[NoteRecord], list[Tag]]:
    """The records and the tags a WOTS notebook document holds; ShapeError on the first thing that is wrong.

    Each message starts with where, as `named` calls an entry (`entry '123456'`; a CSV's `line 4`).
    Times the document lacks stay None: the merge decides what they become.
    """
    if not isinstance(document, dict) or not isinstance(document.get("entries"), dict):
        raise ShapeError('not a WOTS notebook: expected an object with "entries"')
    records, tags, first_seen = [], {}, {}
    for name, entry in document["entries"].items():
        where = named(name)
        record, entry_tags = _record(entry, where)
        if record.key in first_seen:
            raise ShapeError(f"{where}: custId {record.key[1]} is there twice (first in {first_seen[record.key]})")
        first_seen[record.key] = where
        records.append(record)
        tags.update((t.id, t) for t in entry_tags)
    return records, list(tags.values())


_PLATFORMS = tuple(p.value for p in Platform)


def _record(entry: Any, where: str) -> tuple[NoteRecord, list[Tag]]:
    if not isinstance(entry, dict):
        raise ShapeError(f"{where}: expected an object")
    platform = _field(entry, "platform", str, where, default=Platform.IRACING.value)
    if platform not in _PLATFORMS:
        raise ShapeError(f"{where}: unknown platform {platform!r} (known: {', '.join(_PLATFORMS)})")
    driver_id = _field(entry, "custId", int, where, required=True)
    if driver_id <= 0:
        raise ShapeError(f"{where}: custId must be a positive whole number, not {driver_id}")
    rating = _field(entry, "userRep", int, where)
    if rating not in (None, -1, 0, 1):
        raise ShapeError(f"{where}: userRep must be -1, 0, 1 or null, not {rating!r}")
    seen = _field(entry, "seenCount", int, where, default=0)
    if seen < 0:
        raise ShapeError(f"{where}: seenCount must be 0 or more, not {seen}")
    tags = [_tag(tag, where) for tag in _field(entry, "userTags", list, where, default=[])]
    voted_at = _moment(entry, "votedAt", where)
    record = NoteRecord(
        key=(platform, driver_id),
        name=_field(entry, "name", str, where, default=""),
        car_number=_field(entry, "carNumber", str, where),
        nickname=_field(entry, "customName", str, where) or "",
        rating=rating,
        note=_field(entry, "userNote", str, where) or "",
        tag_ids=tuple(dict.fromkeys(t.id for t in tags)),
        voted_at=voted_at,
        updated_at=_moment(entry, "updatedAt", where) or voted_at,
        session_id=_field(entry, "sessionId", int, where),
        subsession_id=_field(entry, "subsessionId", int, where),
        last_met=_moment(entry, "lastMet", where),
        last_met_in=_field(entry, "lastMetIn", str, where),
        met_elsewhere=seen,
    )
    if record.is_empty:
        who = f"{record.name} ({driver_id})" if record.name else f"custId {driver_id}"
        raise ShapeError(f"{where}: nothing written about {who}: no userRep, userNote, customName or userTags")
    return record, tags


_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


def _tag(tag: Any, where: str) -> Tag:
    if isinstance(tag, str):  # a bare tag id
        tag = {"id": tag}
    if not isinstance(tag, dict):
        raise ShapeError(f"{where}: a userTags item must be a tag object")
    tag_id = _field(tag, "id", str, where, required=True)
    if tag_id.split() != [tag_id]:  # empty, or with spaces: not one word
        raise ShapeError(f"{where}: a tag id must be one word, not {tag_id!r}")
    colour = _field(tag, "color", str, where, default="#a1a1aa")
    if not _COLOUR.fullmatch(colour):
        raise ShapeError(f"{where}: tag {tag_id!r} color must be #rrggbb, not {colour!r}")
    return Tag(
        id=tag_id,
        name=_field(tag, "name", str, where) or tag_id,
        icon=_field(tag, "icon", str, where) or "🔖",
        category=(_field(tag, "category", str, where) or "mine").lower(),
        colour=colour.lower(),
    )


def _field(obj: Mapping[str, Any], name: str, kind: type, where: str, default: Any = None, required: bool = False) -> Any:
    value = obj.get(name)
    if value is None:
        if required:
            raise ShapeError(f"{where}: {name} is missing")
        return default
    if kind is int and isinstance(value, bool) or not isinstance(value, kind):
        raise ShapeError(f"{where}: {name} must be {kind.__name__}, not {type(value).__name__}")
    return value


def _moment(obj: Mapping[str, Any], name: str, where: str) -> datetime | None:
    text = _field(obj, name, str, where)
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ShapeError(f"{where}: {name} is not an ISO 8601 time: {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
