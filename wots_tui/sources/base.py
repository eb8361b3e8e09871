"""The one protocol every live source follows, whatever it reads (iRacing, a memory-map file, the demo, AMS2)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from wots_tui.domain.admin import Ban
from wots_tui.domain.events import Publish
from wots_tui.domain.models import SessionFacts


class Admin(Protocol):
    """A server's admin actions, done over the network by the source (blocking: the engine runs them in a
    thread). Each returns the server's answer in a few words, or raises AdminError with one line."""

    @property
    def refusal(self) -> str | None:
        """Why admin actions cannot be done now (a login without admin access, say), or None when they can."""
        ...

    def kick(self, ref_id: int, ban: Ban) -> str: ...

    def send_chat(self, message: str, ref_id: int | None) -> str:
        """Send `message` to one driver (`ref_id`) or to everyone (None)."""
        ...


class Source(Protocol):
    """Reads one sim in a thread of its own, started and stopped by the engine.

    `publish` is called from the source's thread with each new SessionSnapshot (at most `max_rate`
    a second, and only when the sim moved) or a SourceWaiting when there is nothing to read.
    """

    label: str  # what the header says it reads: "iRacing", a file name, "demo"
    hint: str  # what the waiting screen tells the racer to do while there is nothing to read
    admin: Admin | None  # the server's admin actions; None where the sim has none (iRacing)

    def start(self, publish: Publish) -> None: ...

    def stop(self, timeout: float = 2.0) -> None: ...

    def meeting_key(self, facts: SessionFacts, at: datetime) -> str:
        """What counts as meeting a driver once, for "times met" (an iRacing subsession, say)."""
        ...
