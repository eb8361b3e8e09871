"""What every main screen shares: the engine, and the keys that move between the screens."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.screen import Screen

if TYPE_CHECKING:
    from wots_tui.engine import Engine

SCREEN_KEYS = [
    Binding("tab", "app.next_screen(1)", "Next screen", show=False),
    Binding("shift+tab", "app.next_screen(-1)", "Previous screen", show=False),
    Binding("f2", "app.show('notebook')", "Notebook", key_display="F2"),
    Binding("f3", "app.show('tags')", "Tags", key_display="F3"),
    Binding("f4", "app.show('stats')", "Stats", key_display="F4"),
]


class EngineScreen(Screen):
    @property
    def engine(self) -> Engine:
        return self.app.engine  # type: ignore[attr-defined]

    def palette_hides(self) -> frozenset[str]:
        """Actions of this screen's keys the command palette leaves out now (keys that would only refuse)."""
        return frozenset()
