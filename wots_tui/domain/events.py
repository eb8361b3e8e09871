"""What a source tells the engine: a snapshot of the session, or that there is no session to read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from wots_tui.domain.models import SessionSnapshot


@dataclass(frozen=True, slots=True)
class SourceWaiting:
    """Published when there is no sim to read: the app shows a calm waiting state."""

    message: str


@dataclass(frozen=True, slots=True)
class SourceStale:
    """Published when a sim that was being read went away or refuses us (a server down, a password refused):
    the last session stays on screen, marked with `message`, until the next snapshot."""

    message: str


SourceEvent = SessionSnapshot | SourceWaiting | SourceStale
Publish = Callable[[SourceEvent], None]
