"""The racer's notebook: what they wrote about drivers, the tag catalogue, and searching it all.

Pure Python. The store persists these records; the engine keeps one `Notebook` in memory (the
cache the live Board joins with, and the notebook screen searches), so no query runs per frame.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from wots_tui.domain.models import Cycling

Key = tuple[str, int]  # (platform, driver id)

CATEGORIES = ("racecraft", "pace", "conduct", "people")


@dataclass(frozen=True, slots=True)
class Tag:
    """One entry of the tag catalogue (the WOTS tag object, plus where and how a racer reaches it)."""

    id: str
    name: str
    icon: str
    category: str
    colour: str  # "#rrggbb"
    hotkey: int | None = None  # 1-9 on the live screen
    order: int = 0
    builtin: bool = False


def _builtin(order: int, id: str, name: str, icon: str, category: str, colour: str, hotkey: int | None = None) -> Tag:
    return Tag(id, name, icon, category, colour, hotkey, order, builtin=True)


# Icons are emoji of default wide presentation (no variation selector), so every terminal gives them two cells.
BUILTIN_TAGS: tuple[Tag, ...] = (
    _builtin(1, "clean", "Clean Racer", "✨", "racecraft", "#4ade80", 1),
    _builtin(2, "gives_space", "Gives Space", "🤝", "racecraft", "#22d3ee", 2),
    _builtin(3, "divebomber", "Divebomber", "💣", "racecraft", "#f97316", 3),
    _builtin(4, "blocker", "Blocker", "🧱", "racecraft", "#fb923c", 4),
    _builtin(5, "brake_checker", "Brake Checker", "🛑", "racecraft", "#ef4444"),
    _builtin(6, "fast", "Fast", "⚡", "pace", "#facc15", 5),
    _builtin(7, "slow", "Slow", "🐢", "pace", "#a3a3a3", 6),
    _builtin(8, "consistent", "Consistent", "🎯", "pace", "#60a5fa"),
    _builtin(9, "wrecker", "Wrecker", "💥", "conduct", "#dc2626", 7),
    _builtin(10, "rejoins_unsafely", "Unsafe Rejoin", "🚧", "conduct", "#f59e0b"),
    _builtin(11, "toxic", "Toxic Chat", "🤬", "conduct", "#b91c1c", 8),
    _builtin(12, "apologises", "Says Sorry", "🙏", "conduct", "#a78bfa"),
    _builtin(13, "friend", "Friend", "💙", "people", "#3b82f6", 9),
    _builtin(14, "rival", "Rival", "🔥", "people", "#f43f5e"),
    _builtin(15, "teammate", "Teammate", "👥", "people", "#14b8a6"),
    _builtin(16, "streamer", "Streamer", "🎥", "people", "#c084fc"),
)


@dataclass(frozen=True, slots=True)
class NoteRecord:
    """Everything the notebook holds about one driver."""

    key: Key
    name: str = ""
    car_number: str | None = None
    nickname: str = ""
    rating: int | None = None  # -1, 0, +1; None when never rated
    note: str = ""
    tag_ids: tuple[str, ...] = ()
    voted_at: datetime | None = None  # when the rating was last set
    updated_at: datetime | None = None  # the last edit of anything; the newer edit wins a merge
    session_id: int | None = None  # where the racer last wrote about them
    subsession_id: int | None = None
    times_met: int = 0  # sessions this notebook saw them in (sightings), not edited
    last_met: datetime | None = None
    met_elsewhere: int = 0  # meetings another notebook counted, brought in by an import

    @property
    def seen_count(self) -> int:
        return self.times_met + self.met_elsewhere

    @property
    def is_empty(self) -> bool:
        """Nothing written: the store keeps no entry for it."""
        return self.rating is None and not self.note.strip() and not self.nickname.strip() and not self.tag_ids

    def edited(self, at: datetime, **changes: Any) -> NoteRecord:
        """This record with `changes` made at `at` (a new rating also moves `voted_at`)."""
        voted_at = at if "rating" in changes else self.voted_at
        return replace(self, updated_at=at, voted_at=voted_at, **changes)


@dataclass(frozen=True, slots=True)
class NotebookEntry:
    """What a live row shows of the notebook: the record boiled down, with tag icons."""

    rating: int | None = None
    note: str = ""
    tags: tuple[str, ...] = ()  # tag icons, in catalogue order
    nickname: str = ""
    times_met: int = 0


def toggled(tag_ids: Sequence[str], tag_id: str, catalogue: Sequence[Tag]) -> tuple[str, ...]:
    """`tag_ids` with `tag_id` added or removed, kept in catalogue order."""
    wanted = set(tag_ids) ^ {tag_id}
    return in_catalogue_order(wanted, catalogue)


def in_catalogue_order(tag_ids: Iterable[str], catalogue: Sequence[Tag]) -> tuple[str, ...]:
    rank = {tag.id: i for i, tag in enumerate(catalogue)}
    return tuple(sorted(set(tag_ids), key=lambda t: (rank.get(t, len(rank)), t)))


class RatingFilter(str, Cycling):
    ANY = "any rating"
    UP = "rated up"
    NEUTRAL = "rated neutral"
    DOWN = "rated down"
    UNRATED = "not rated"

    def admits(self, rating: int | None) -> bool:
        wanted = {RatingFilter.UP: 1, RatingFilter.NEUTRAL: 0, RatingFilter.DOWN: -1}
        if self is RatingFilter.ANY:
            return True
        if self is RatingFilter.UNRATED:
            return rating is None
        return rating == wanted[self]



class NotebookSort(str, Cycling):
    LAST_MET = "last met"
    TIMES_MET = "times met"
    NAME = "name"



_NEVER = datetime.min.replace(tzinfo=UTC)


def fold(text: str) -> str:
    """Text as search compares it: case and accents folded, so `emile` finds Émile and `zoe` finds Zoë."""
    if text.isascii():  # most of what is typed and most names: no accents to fold
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _sort_key(order: NotebookSort):  # type: ignore[no-untyped-def]
    if order is NotebookSort.LAST_MET:
        return lambda r: (r.last_met or r.updated_at or _NEVER, r.key)
    if order is NotebookSort.TIMES_MET:
        return lambda r: (r.seen_count, r.key)
    return lambda r: (fold(r.name), r.key)


@dataclass(frozen=True, slots=True)
class NotebookQuery:
    text: str = ""
    rating: RatingFilter = RatingFilter.ANY
    tag_id: str | None = None
    sort: NotebookSort = NotebookSort.LAST_MET


class Notebook:
    """All notebook records in memory, with the tag catalogue, searchable per keystroke.

    Lives on the engine's loop; edits replace one record. Search filters a list kept sorted per order
    (re-sorted only after an edit) and narrows the previous result when the text only grew, which is
    what typing does.
    """

    def __init__(self, records: Iterable[NoteRecord] = (), catalogue: Sequence[Tag] = BUILTIN_TAGS) -> None:
        self._records: dict[Key, NoteRecord] = {r.key: r for r in records}
        self._haystacks: dict[Key, str] = {}
        self._sorted: dict[NotebookSort, list[NoteRecord]] = {}
        self._last: tuple[NotebookQuery, list[NoteRecord]] | None = None
        self.catalogue: tuple[Tag, ...] = ()
        self.set_catalogue(catalogue)

    def __len__(self) -> int:
        return len(self._records)

    def __contains__(self, key: object) -> bool:
        return key in self._records

    def get(self, key: Key) -> NoteRecord | None:
        return self._records.get(key)

    def records(self) -> Iterable[NoteRecord]:
        return self._records.values()

    @property
    def tags_by_id(self) -> Mapping[str, Tag]:
        return self._tags_by_id

    def tag(self, tag_id: str) -> Tag | None:
        return self._tags_by_id.get(tag_id)

    def tag_for_hotkey(self, hotkey: int) -> Tag | None:
        return next((t for t in self.catalogue if t.hotkey == hotkey), None)

    def set_catalogue(self, catalogue: Sequence[Tag]) -> None:
        self.catalogue = tuple(sorted(catalogue, key=lambda t: (t.order, t.id)))
        self._tags_by_id = {t.id: t for t in self.catalogue}
        self._haystacks.clear()  # tag names are part of what search reads
        self._changed()

    def put(self, record: NoteRecord) -> None:
        """Add or replace a record; an empty one leaves the notebook."""
        if record.is_empty:
            self.remove(record.key)
            return
        self._records[record.key] = record
        self._haystacks.pop(record.key, None)
        self._changed()

    def remove(self, key: Key) -> NoteRecord | None:
        removed = self._records.pop(key, None)
        if removed is not None:
            self._haystacks.pop(key, None)
            self._changed()
        return removed

    def met(self, met: Mapping[Key, tuple[int, datetime]]) -> None:
        """Refresh times met and last met of the records among `met`."""
        for key, (times, last) in met.items():
            record = self._records.get(key)
            if record is not None and (record.times_met, record.last_met) != (times, last):
                self._records[key] = replace(record, times_met=times, last_met=last)
                self._changed()

    def search(self, query: NotebookQuery) -> list[NoteRecord]:
        """Records matching every word of the text (name, nickname, note, tag names), the rating and tag filters."""
        words = fold(query.text).split()
        pool = self._sorted_by(query.sort)
        if self._last is not None:
            last_query, last_result = self._last
            same_filters = replace(last_query, text="") == replace(query, text="")
            if same_filters and last_query.text and fold(query.text).startswith(fold(last_query.text)):
                pool = last_result
        result = [
            r
            for r in pool
            if query.rating.admits(r.rating)
            and (query.tag_id is None or query.tag_id in r.tag_ids)
            and all(word in self._haystack(r) for word in words)
        ]
        self._last = (query, result)
        return result

    def entry(self, key: Key, times_met: int = 0) -> NotebookEntry | None:
        """The live row's view of a driver: their record (if any) and how often the racer met them."""
        record = self._records.get(key)
        if record is None:
            return NotebookEntry(times_met=times_met) if times_met else None
        icons = tuple(self._tags_by_id[t].icon for t in record.tag_ids if t in self._tags_by_id)
        seen = max(times_met, record.times_met) + record.met_elsewhere
        return NotebookEntry(record.rating, record.note, icons, record.nickname, seen)

    def tag_uses(self) -> dict[str, int]:
        uses: dict[str, int] = {}
        for record in self._records.values():
            for tag_id in record.tag_ids:
                uses[tag_id] = uses.get(tag_id, 0) + 1
        return uses

    def _haystack(self, record: NoteRecord) -> str:
        text = self._haystacks.get(record.key)
        if text is None:
            names = (self._tags_by_id[t].name for t in record.tag_ids if t in self._tags_by_id)
            text = fold("\n".join((record.name, record.nickname, record.note, *names)))
            self._haystacks[record.key] = text
        return text

    def _sorted_by(self, order: NotebookSort) -> list[NoteRecord]:
        ordered = self._sorted.get(order)
        if ordered is None:
            ordered = sorted(self._records.values(), key=_sort_key(order), reverse=order is not NotebookSort.NAME)
            self._sorted[order] = ordered
        return ordered

    def _changed(self) -> None:
        self._sorted.clear()
        self._last = None


class MergeAction(str, Enum):
    ADD = "add"
    UPDATE = "update"
    KEEP = "keep"  # ours is as new or newer, or the same


@dataclass(frozen=True, slots=True)
class MergeStep:
    action: MergeAction
    incoming: NoteRecord
    existing: NoteRecord | None
    result: NoteRecord | None  # what the notebook will hold; None when kept


def merge_plan(existing: Mapping[Key, NoteRecord], incoming: Iterable[NoteRecord]) -> list[MergeStep]:
    """Merge another notebook into ours: a driver we lack is added, the newer edit wins, ours wins ties.

    Meetings counted here are facts of this notebook and stay; the name is the newest one known.
    """
    steps = []
    for theirs in incoming:
        ours = existing.get(theirs.key)
        if ours is None:
            steps.append(MergeStep(MergeAction.ADD, theirs, None, replace(theirs, times_met=0, last_met=None)))
            continue
        newer = theirs.updated_at is not None and (ours.updated_at is None or theirs.updated_at > ours.updated_at)
        merged = replace(
            theirs,
            name=theirs.name or ours.name,
            car_number=theirs.car_number or ours.car_number,
            times_met=ours.times_met,
            last_met=ours.last_met,
            met_elsewhere=max(ours.met_elsewhere, theirs.met_elsewhere - ours.times_met),
        )
        if not newer or _content(merged) == _content(ours):
            steps.append(MergeStep(MergeAction.KEEP, theirs, ours, None))
        else:
            steps.append(MergeStep(MergeAction.UPDATE, theirs, ours, merged))
    return steps


def _content(record: NoteRecord) -> tuple[object, ...]:
    return (record.nickname, record.rating, record.note, record.tag_ids)
