"""The WOTS local API's JSON shapes (seeds/wots-local-api.txt), both ways: ours out, theirs in.

Field names, types and nesting are WOTS's own, so overlays and tools written for WOTS read ours.
Extra fields may be added; none is renamed. Crowd fields are null until crowdsourcing exists.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from wots_tui.domain.models import Platform
from wots_tui.domain.notebook import Catalogue, Key, NoteRecord, Tag

Json = dict[str, Any]


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


def tag_object(tag: Tag) -> Json:
    return {"id": tag.id, "name": tag.name, "icon": tag.icon, "category": tag.category, "color": tag.colour}


def driver_object(record: NoteRecord, catalogue: Catalogue) -> Json:
    """The WOTS driver object for a notebook record (a driver never noted is an empty record)."""
    tags = (tag for tag_id in record.tag_ids if (tag := catalogue.get(tag_id)) is not None)
    return wots_driver(record.key, record.name, record.car_number, record.seen_count, record.rating, record.note, record.nickname, tags)


def wots_driver(
    key: Key, name: str, car_number: str | None, seen: int, rating: int | None, note: str, nickname: str, tags: Iterable[Tag]
) -> Json:
    return {
        "custId": key[1],
        "name": name,
        "customName": nickname or None,
        "carNumber": car_number,
        "seenCount": seen,
        "userRep": rating,
        "userNote": note or None,
        "userTags": [tag_object(tag) for tag in tags],
        "crowdRep": None,
        "crowdTags": None,
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
    """The whole notebook as one document (what `notebook export` writes; the API streams the same shape)."""
    entries = notebook_entries(sorted(records, key=lambda r: r.key), catalogue)
    return {"count": len(entries), "entries": entries}


def notebook_entries(records: Iterable[NoteRecord], catalogue: Catalogue) -> Json:
    return {entry_id(r.key): notebook_object(r, catalogue) for r in records}


# reading a document back (import)


def records_from_document(document: Any) -> tuple[list[NoteRecord], list[Tag]]:
    """The records and the tags a WOTS notebook document holds; ShapeError on the first thing that is wrong."""
    if not isinstance(document, dict) or not isinstance(document.get("entries"), dict):
        raise ShapeError('not a WOTS notebook: expected an object with "entries"')
    records, tags = [], {}
    for name, entry in document["entries"].items():
        record, entry_tags = _record(name, entry)
        records.append(record)
        tags.update((t.id, t) for t in entry_tags)
    return records, list(tags.values())


def _record(name: str, entry: Any) -> tuple[NoteRecord, list[Tag]]:
    where = f"entry {name!r}"
    if not isinstance(entry, dict):
        raise ShapeError(f"{where}: expected an object")
    platform = _field(entry, "platform", str, where, default=Platform.IRACING.value)
    if platform not in {p.value for p in Platform}:
        raise ShapeError(f"{where}: unknown platform {platform!r}")
    rating = _field(entry, "userRep", int, where)
    if rating not in (None, -1, 0, 1):
        raise ShapeError(f"{where}: userRep must be -1, 0, 1 or null, not {rating!r}")
    tags = [_tag(tag, where) for tag in _field(entry, "userTags", list, where, default=[])]
    voted_at = _moment(entry, "votedAt", where)
    updated_at = _moment(entry, "updatedAt", where) or voted_at
    record = NoteRecord(
        key=(platform, _field(entry, "custId", int, where, required=True)),
        name=_field(entry, "name", str, where, default=""),
        car_number=_field(entry, "carNumber", str, where),
        nickname=_field(entry, "customName", str, where) or "",
        rating=rating,
        note=_field(entry, "userNote", str, where) or "",
        tag_ids=tuple(dict.fromkeys(t.id for t in tags)),
        voted_at=voted_at,
        updated_at=updated_at,
        session_id=_field(entry, "sessionId", int, where),
        subsession_id=_field(entry, "subsessionId", int, where),
        met_elsewhere=max(0, _field(entry, "seenCount", int, where, default=0)),
    )
    return record, tags


def _tag(tag: Any, where: str) -> Tag:
    if isinstance(tag, str):  # a bare tag id
        tag = {"id": tag}
    if not isinstance(tag, dict):
        raise ShapeError(f"{where}: a userTags item must be a tag object")
    tag_id = _field(tag, "id", str, where, required=True)
    return Tag(
        id=tag_id,
        name=_field(tag, "name", str, where, default=tag_id),
        icon=_field(tag, "icon", str, where, default="🔖"),
        category=(_field(tag, "category", str, where, default="mine") or "mine").lower(),
        colour=_field(tag, "color", str, where, default="#a1a1aa"),
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
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ShapeError(f"{where}: {name} is not an ISO 8601 time: {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
