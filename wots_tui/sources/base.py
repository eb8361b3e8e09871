"""The one protocol every live source follows, whatever it reads (iRacing, a memory-map file, the demo, AMS2)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from wots_tui.domain.events import Publish
from wots_tui.domain.models import SessionFacts


class Source(Protocol):
    """Reads one sim in a thread of its own, started and stopped by the engine.

    `publish` is called from the source's thread with each new SessionSnapshot (at most `max_rate`
    a second, and only when the sim moved) or a SourceWaiting when there is nothing to read.
    """

    label: str  # what the header says it reads: "iRacing", a file name, "demo"
    hint: str  # what the waiting screen tells the racer to do while there is nothing to read

    def start(self, publish: Publish) -> None: ...

    def stop(self, timeout: float = 2.0) -> None: ...

    def meeting_key(self, facts: SessionFacts, at: datetime) -> str:
        """What counts as meeting a driver once, for "times met" (an iRacing subsession, say)."""
        ...
