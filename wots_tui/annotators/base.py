"""What the engine joins onto each live roster: the annotators' protocol and the roster they are told of.

An annotator knows something about drivers (the racer's notebook; head-to-head history and crowd
reputation next). It loads what it knows for a new roster's keys off the loop, once per roster
change, keeps it in memory, and says when its own data changed; the engine never queries per frame.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from wots_tui.domain.models import SessionSnapshot
from wots_tui.domain.notebook import Key


@dataclass(frozen=True, slots=True)
class Roster:
    """A new roster (or a new session), as the annotators are told of it."""

    snapshot: SessionSnapshot
    meeting: str  # what the source counts as one meeting (an iRacing subsession)
    at: datetime

    @property
    def keys(self) -> tuple[Key, ...]:
        return tuple(driver.key for driver in self.snapshot.drivers)

    @property
    def player(self) -> Key | None:
        """The racer's own key, when the source knows which car is theirs."""
        return self.snapshot.player_key


class Annotator(Protocol):
    name: str  # the key of its values in BoardRow.annotations
    version: int  # bumps whenever what it knows changed

    def watch(self, changed: Callable[[], None], failed: Callable[[str], None]) -> None:
        """Call `changed` (on the loop) when its data changed, `failed` with one line when a write failed."""
        ...

    async def open(self) -> None:
        """Load what it needs before the first roster."""
        ...

    async def roster_changed(self, roster: Roster) -> None:
        """Load what it knows of the roster's drivers (off the loop), then call `changed`."""
        ...

    def annotation(self, key: Key) -> Any | None:
        """What it knows of one driver of the current roster: a frozen value, or None."""
        ...

    async def close(self) -> None:
        """Finish pending work; the store closes next."""
        ...
