"""What the engine joins onto a live roster: the notebook now; head-to-head history and crowd reputation next."""

from wots_tui.annotators.base import Annotator, Roster
from wots_tui.store import Database

__all__ = ["Annotator", "Roster", "more_annotators"]


def more_annotators(database: Database) -> list[Annotator]:
    """The annotators every engine joins besides the notebook (history and crowd arrive here, one line each)."""
    return []
