"""The racer's notebook: what they wrote about drivers, the tag catalogue, and the rules of searching it.

Pure Python. The notebook itself lives in the store (DuckDB); the engine holds only the live
roster's entries, and the notebook screen asks the store for one page of a search at a time.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
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
    last_met_in: str | None = None  # the meeting of last_met, as its source names it (subsession:81552310)
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
    """What a live row shows of the notebook: the record boiled down, with its tags."""

    rating: int | None = None
    note: str = ""
    tags: tuple[Tag, ...] = ()  # in catalogue order
    nickname: str = ""
    times_met: int = 0

    @property
    def icons(self) -> tuple[str, ...]:
        return tuple(tag.icon for tag in self.tags)


def entry_of(record: NoteRecord | None, catalogue: Catalogue, times_met: int = 0) -> NotebookEntry | None:
    """The live row's view of a driver: their record (if any) and how often the racer met them."""
    if record is None:
        return NotebookEntry(times_met=times_met) if times_met else None
    tags = tuple(tag for tag_id in record.tag_ids if (tag := catalogue.get(tag_id)) is not None)
    seen = max(times_met, record.times_met) + record.met_elsewhere
    return NotebookEntry(record.rating, record.note, tags, record.nickname, seen)


class Catalogue:
    """The tag catalogue in the racer's order, found by id and by hotkey. Immutable: a change makes a new one."""

    def __init__(self, tags: Iterable[Tag] = BUILTIN_TAGS) -> None:
        self.tags: tuple[Tag, ...] = tuple(sorted(tags, key=lambda t: (t.order, t.id)))
        self.by_id: Mapping[str, Tag] = {t.id: t for t in self.tags}

    def __iter__(self) -> Iterator[Tag]:
        return iter(self.tags)

    def __len__(self) -> int:
        return len(self.tags)

    def get(self, tag_id: str) -> Tag | None:
        return self.by_id.get(tag_id)

    def for_hotkey(self, hotkey: int) -> Tag | None:
        return next((t for t in self.tags if t.hotkey == hotkey), None)

    def changed(self, tags: Iterable[Tag]) -> Catalogue:
        """This catalogue with `tags` added or replacing the tags of the same id."""
        changes = {t.id: t for t in tags}
        return Catalogue([changes.pop(t.id, t) for t in self.tags] + list(changes.values()))

    def without(self, tag_id: str) -> Catalogue:
        return Catalogue(t for t in self.tags if t.id != tag_id)

    def named(self, word: str) -> tuple[str, ...]:
        """Ids of the tags whose name holds `word` (folded): searching "wreck" finds drivers tagged Wrecker."""
        return tuple(t.id for t in self.tags if word in fold(t.name))


def toggled(tag_ids: Sequence[str], tag_id: str, catalogue: Iterable[Tag]) -> tuple[str, ...]:
    """`tag_ids` with `tag_id` added or removed, kept in catalogue order."""
    wanted = set(tag_ids) ^ {tag_id}
    return in_catalogue_order(wanted, catalogue)


def in_catalogue_order(tag_ids: Iterable[str], catalogue: Iterable[Tag]) -> tuple[str, ...]:
    rank = {tag.id: i for i, tag in enumerate(catalogue)}
    return tuple(sorted(set(tag_ids), key=lambda t: (rank.get(t, len(rank)), t)))


class RatingFilter(str, Cycling):
    ANY = "any rating"
    UP = "rated up"
    NEUTRAL = "rated neutral"
    DOWN = "rated down"
    UNRATED = "not rated"


class NotebookSort(str, Cycling):
    LAST_MET = "last met"
    TIMES_MET = "times met"
    NAME = "name"



# Letters that Unicode does not decompose into a base letter and an accent, spelt as racers type them.
# letters no accent-stripping takes apart, spelt as a racer types them (SQL folds by the same table)
SPELT_OUT = {"ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe", "ı": "i"}
_LETTERS = str.maketrans(SPELT_OUT)
# The German way of typing umlauts without them: Schröder is also found as schroeder.
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue"})


def fold(text: str) -> str:
    """Text as search compares it: case and accents folded, so `emile` finds Émile, `thorsson` Þórsson."""
    if text.isascii():  # most of what is typed and most names: no accents to fold
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_LETTERS))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def search_text(record: NoteRecord) -> str:
    """What a search of the notebook reads of an entry: name, nickname and note, folded.

    Umlauts are folded both ways (schroder and schroe both find Schröder). Tag names are not in it:
    they are matched through the catalogue, so renaming a tag rewrites no entry.
    """
    text = f"{record.name}\n{record.nickname}\n{record.note}"
    folded = fold(text)
    german = fold(text.casefold().translate(_UMLAUTS))
    return folded if german == folded else f"{folded}\n{german}"


def search_terms(text: str, catalogue: Catalogue) -> list[tuple[str, tuple[str, ...]]]:
    """The words of a search, folded as the entries' search text is, each with the tags whose name holds it.

    An entry matches a word when its search text holds the word or it carries one of those tags.
    """
    return [(word, catalogue.named(word)) for word in fold(text).split()]


@dataclass(frozen=True, slots=True)
class NotebookQuery:
    text: str = ""
    rating: RatingFilter = RatingFilter.ANY
    tag_id: str | None = None
    sort: NotebookSort = NotebookSort.LAST_MET


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
    brings_meeting: bool = False  # the incoming last meeting is new to us and is recorded with the entry


@dataclass(frozen=True, slots=True)
class OurMeetings:
    """What our sightings know of the drivers an import brings (the noted ones' times are on their entries)."""

    seen: Mapping[Key, tuple[int, datetime]] = field(default_factory=dict)  # times and last met, never noted
    holding: frozenset[Key] = frozenset()  # drivers whose incoming last meeting (last_met_in) we hold already


def merge_plan(
    existing: Mapping[Key, NoteRecord],
    incoming: Iterable[NoteRecord],
    met: OurMeetings = OurMeetings(),
    at: datetime | None = None,
) -> list[MergeStep]:
    """Merge another notebook into ours: a driver we lack is added, the newer edit wins, ours wins ties.

    Meetings counted here are facts of this notebook and stay; the name is the newest one known. An
    entry written with its last meeting (last_met, last_met_in) brings that meeting, unless we hold it,
    and it counts among the times met rather than beside them, so the same session never counts twice.
    An entry without a time (no updatedAt or votedAt) never replaces ours; added, it takes `at`, the
    import's time.
    """
    steps = []
    for theirs in incoming:
        ours = existing.get(theirs.key)
        brings = theirs.last_met is not None and theirs.last_met_in is not None and theirs.key not in met.holding
        updated_at = theirs.updated_at or at
        merged = replace(
            theirs,
            name=theirs.name or (ours.name if ours else ""),
            car_number=theirs.car_number or (ours.car_number if ours else None),
            updated_at=updated_at,
            voted_at=theirs.voted_at or (updated_at if theirs.rating is not None else None),
            **_meetings_after(theirs, ours, met, brings),
        )
        if ours is None:
            steps.append(MergeStep(MergeAction.ADD, theirs, None, merged, brings))
            continue
        newer = theirs.updated_at is not None and (ours.updated_at is None or theirs.updated_at > ours.updated_at)
        if not newer or _content(merged) == _content(ours):
            steps.append(MergeStep(MergeAction.KEEP, theirs, ours, None))
        else:
            steps.append(MergeStep(MergeAction.UPDATE, theirs, ours, merged, brings))
    return steps


def _meetings_after(theirs: NoteRecord, ours: NoteRecord | None, met: OurMeetings, brings: bool) -> dict[str, Any]:
    """Times met, last met and met elsewhere once `theirs` is merged: their meetings we lack count elsewhere."""
    times, last_met = (ours.times_met, ours.last_met) if ours else met.seen.get(theirs.key, (0, None))
    last_met_in = ours.last_met_in if ours else None
    if brings:
        times += 1
        if last_met is None or theirs.last_met is not None and theirs.last_met > last_met:
            last_met, last_met_in = theirs.last_met, theirs.last_met_in
    elsewhere = max(ours.met_elsewhere if ours else 0, theirs.met_elsewhere - times)
    return {"times_met": times, "last_met": last_met, "last_met_in": last_met_in, "met_elsewhere": elsewhere}


def _content(record: NoteRecord) -> tuple[object, ...]:
    return (record.nickname, record.rating, record.note, record.tag_ids)
