"""What a source tells the engine: a snapshot of the session, or that there is no session to read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from wots_tui.domain.models import SessionSnapshot


@dataclass(frozen=True, slots=True)
class SourceWaiting:
    """Published when there is no sim to read: the app shows a calm waiting state."""

    message: str


SourceEvent = SessionSnapshot | SourceWaiting
Publish = Callable[[SourceEvent], None]
