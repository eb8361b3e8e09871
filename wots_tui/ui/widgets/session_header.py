"""The live screen's header: track, session, SOF per class, what is shown, and the link to the sim."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from rich.text import Text
from textual.widget import Widget

from wots_tui.domain.board import Board, SortOrder
from wots_tui.domain.models import CarClass, LinkState

Statuses = Sequence[tuple[str, bool]]  # a service's few words for the header, and whether it runs


def _clock(seconds: float) -> str:
    whole = int(max(0.0, seconds))
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


class SessionHeader(Widget):
    """Three lines of a fixed height (styles/live.tcss): a new text repaints them, and never relayouts the screen."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._text = Text()
        self._shows: tuple[object, ...] = ()

    def render(self) -> Text:
        return self._text

    def show(self, board: Board, class_filter: CarClass | None, sort: SortOrder, shown: int, statuses: Statuses = ()) -> None:
        """Repaint only when the text differs: the header changes about once a second, boards come 5 times.

        What it shows is compared first (the clock to the second), so most Boards cost no text at all.
        """
        facts = board.facts
        shows = (board.link, board.link_message, board.classes, tuple(board.sof.items()), class_filter, sort, shown,
                 tuple(statuses), facts and replace(facts, session_time=int(facts.session_time)))
        if shows == self._shows:
            return
        self._shows = shows
        text = self.describe(board, class_filter, sort, shown, statuses)
        if (text.plain, text.spans) != (self._text.plain, self._text.spans):
            self._text = text
            self.refresh()

    @staticmethod
    def describe(board: Board, class_filter: CarClass | None, sort: SortOrder, shown: int, statuses: Statuses = ()) -> Text:
        """The header's text; `statuses` say how the services beside the engine are (where the local API listens)."""
        text = Text()
        facts = board.facts
        if board.link is LinkState.WAITING or facts is None:
            text.append("◌ ", style="bold #fbbf24")
            text.append(board.link_message.capitalize() or "Waiting", style="bold")
            _append_statuses(text, statuses)
            return text
        text.append(facts.track_name or "Unknown track", style="bold")
        if facts.track_config:
            text.append(f"  {facts.track_config}")
        text.append("  │  ")
        text.append(facts.session_type or "Session", style="bold")
        if facts.session_state:
            text.append(f" · {facts.session_state}")
        text.append(f" · {_clock(facts.session_time)}")
        if facts.official:
            text.append(" · official", style="#4ade80")
        if facts.player_incidents is not None:
            text.append(f"  │  Inc {facts.player_incidents}x")
        text.append("  │  ")
        text.append("● ", style="bold #4ade80")
        text.append(board.link_message or "connected")
        _append_statuses(text, statuses)
        text.append("\nSOF ")
        for car_class in board.classes:
            sof = board.sof.get(car_class.name)
            if sof is None:
                continue
            text.append(f" {car_class.name} ", style=f"bold {car_class.colour}")
            text.append(str(sof))
        text.append("\n")
        text.append(f"{shown} drivers", style="bold")
        text.append(" · class: ")
        text.append(class_filter.name if class_filter else "all", style=f"bold {class_filter.colour}" if class_filter else "bold")
        text.append(f" · sorted by {sort.value}")
        return text


def _append_statuses(text: Text, statuses: Statuses) -> None:
    for status, running in statuses:
        text.append("  │  ")
        text.append(status, style="" if running else "bold #fbbf24")
