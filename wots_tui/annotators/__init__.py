"""What the engine joins onto a live roster: the notebook and the racing history (the engine makes both: screens
ask them), then crowd reputation."""

from wots_tui.annotators.base import Annotator, Roster
from wots_tui.store import Database

__all__ = ["Annotator", "Roster", "more_annotators"]


def more_annotators(database: Database) -> list[Annotator]:
    """The annotators every engine joins besides the notebook and the history (crowd arrives here, one line)."""
    return []
