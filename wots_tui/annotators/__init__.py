"""What the engine joins onto a live roster: the notebook and the racing history (the engine makes both: screens
ask them), then crowd reputation."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wots_tui.annotators.base import Annotator, Roster
from wots_tui.store import Database

if TYPE_CHECKING:
    from wots_tui.config import Settings

__all__ = ["Annotator", "Roster", "more_annotators"]


def more_annotators(database: Database, settings: Settings | None = None) -> list[Annotator]:
    """The annotators every engine joins besides the notebook and the history: the crowd's when `crowd_url` is set
    (imported only then: httpx stays out of the app's start-up otherwise)."""
    if settings is None or not settings.crowd_url:
        return []
    from wots_tui.annotators.crowd import CrowdAnnotator

    return [CrowdAnnotator(database, settings.crowd_url, steam_id=settings.ams2_steam_id)]
