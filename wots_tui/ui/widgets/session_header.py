"""The live screen's header: track, session, SOF per class, what is shown, and the link to the sim.

Three lines, each fitted to the terminal's width: a fact that does not fit is left out whole, the least
important first, so a line never wraps or ends mid-phrase. A link gone stale (a server down, a password
refused) leads the second line, above the last session's rows; on a server (AMS2) that line names it. Crowd
data that is only the last known (the hub did not answer) is said on that line too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.widget import Widget

from wots_tui.domain.board import Board, SortOrder
from wots_tui.domain.models import CarClass, LinkState, Platform
from wots_tui.domain.wording import sentence
from wots_tui.ui.widgets.row_table import ellipsis

Statuses = Sequence[tuple[str, bool]]  # a service's few words for the header, and whether it runs

WARN = "bold #fbbf24"
CROWD_STALE = "⚠ crowd: last known, the hub did not answer"


@dataclass(frozen=True, slots=True)
class Fact:
    """One phrase of a header line: kept whole or left out; the lowest `keep` goes first."""

    text: str
    style: str = ""
    keep: int = 0
    lead: str = "  │  "  # what separates it from the fact before (ignored for the first)


def fit_line(facts: Sequence[Fact], width: int) -> Text:
    """The facts that fit in `width` cells, in their order; the first is cut with an ellipsis if alone too long."""
    kept = list(facts)

    def length(chosen: list[Fact]) -> int:
        return sum(cell_len(f.text) + (cell_len(f.lead) if i else 0) for i, f in enumerate(chosen))

    while len(kept) > 1 and length(kept) > width:
        kept.remove(min(kept[1:], key=lambda f: f.keep))
    text = Text()
    for i, fact in enumerate(kept):
        if i:
            text.append(fact.lead)
        text.append(fact.text if i or cell_len(fact.text) <= width else ellipsis(fact.text, width), style=fact.style)
    return text


def _clock(seconds: float) -> str:
    whole = int(max(0.0, seconds))
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def drivers_shown(shown: int, player_shown: bool, ai: int = 0) -> str:
    """`59 drivers + you` when the racer is among the rows shown: the others are who the notebook is about;
    `9 drivers + 4 AI + you` when `ai` of the rows are AI cars."""
    people = shown - player_shown - ai
    parts = [f"{people} driver{'' if people == 1 else 's'}"]
    parts += [f"{ai} AI"] if ai else []
    parts += ["you"] if player_shown else []
    return " + ".join(parts)


def crowd_stale(board: Board) -> bool:
    """Whether the crowd data on show is the last known only (the crowd client marks all its rows so at once)."""
    return any(row.crowd is not None and row.crowd.stale for row in board.rows)


def on_server(board: Board) -> bool:
    """A dedicated server's session (AMS2): it has a name of its own, and admin actions may be offered."""
    return bool(board.rows) and board.rows[0].key[0] == Platform.AMS2.value  # one session, one platform


class SessionHeader(Widget):
    """Three lines of a fixed height (styles/live.tcss): a new text repaints them, and never relayouts the screen."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._text = Text()
        self._shows: tuple[object, ...] = ()
        self._last: tuple[Board, CarClass | None, SortOrder, int, bool, Statuses, str, int] | None = None

    def render(self) -> Text:
        return self._text

    def show(self, board: Board, class_filter: CarClass | None, sort: SortOrder, shown: int,
             statuses: Statuses = (), player_shown: bool = False, admin_note: str = "", ai_shown: int = 0) -> None:
        """Repaint only when the text differs: the header changes about once a second, boards come 5 times.

        What it shows is compared first (the clock to the second), so most Boards cost no text at all.
        `admin_note`: why a server's admin actions are off, a quiet fact; `ai_shown`: how many rows shown are AI.
        """
        self._last = (board, class_filter, sort, shown, player_shown, statuses, admin_note, ai_shown)
        facts = board.facts
        width = self.content_size.width
        shows = (board.link, board.link_message, board.classes, tuple(board.sof.items()), class_filter, sort, shown,
                 player_shown, tuple(statuses), admin_note, ai_shown, on_server(board), crowd_stale(board), width,
                 facts and replace(facts, session_time=int(facts.session_time)))
        if shows == self._shows:
            return
        self._shows = shows
        text = self.describe(board, class_filter, sort, shown, statuses, width or 160, player_shown, admin_note,
                             ai_shown)
        if (text.plain, text.spans) != (self._text.plain, self._text.spans):
            self._text = text
            self.refresh()

    def on_resize(self, event: events.Resize) -> None:
        if self._last is not None:
            board, class_filter, sort, shown, player_shown, statuses, admin_note, ai_shown = self._last
            self.show(board, class_filter, sort, shown, statuses, player_shown, admin_note, ai_shown)

    @staticmethod
    def describe(board: Board, class_filter: CarClass | None, sort: SortOrder, shown: int,
                 statuses: Statuses = (), width: int = 160, player_shown: bool = False, admin_note: str = "",
                 ai_shown: int = 0) -> Text:
        """The header's text, `width` cells wide; `statuses` say how the services beside the engine are."""
        service_facts = [Fact(status, "" if running else WARN, 6 if not running else 2) for status, running in statuses]
        # the crowd's own warning ("crowd: hub unreachable") already says why its rows are the last known
        crowd_warned = any(status.startswith("crowd:") and not running for status, running in statuses)
        facts = board.facts
        stale = board.link is LinkState.STALE
        if board.link is LinkState.WAITING or facts is None:
            waiting = Fact("◌ " + (sentence(board.link_message) or "Waiting"), "bold", 9)
            return fit_line([waiting, *service_facts], width)
        first = [
            Fact(facts.track_name or "Unknown track", "bold", 9),
            Fact(facts.track_config, keep=1, lead="  ") if facts.track_config else None,
            Fact(facts.session_type or "Session", "bold", 8),
            Fact(facts.session_state, keep=4, lead=" · ") if facts.session_state else None,
            Fact(_clock(facts.session_time), keep=7, lead=" · "),
            Fact("official", "#4ade80", 3, " · ") if facts.official else None,
            Fact(f"Inc {facts.player_incidents}x", keep=5) if facts.player_incidents is not None else None,
            None if stale else Fact(f"● {board.link_message or 'connected'}", "#4ade80", 0),
            *service_facts,
        ]
        sof = [Fact("SOF", keep=9)] + [
            Fact(f"{car_class.name} {board.sof[car_class.name]}", f"bold {car_class.colour}", 8 - i, "  ")
            for i, car_class in enumerate(board.classes) if car_class.name in board.sof
        ]
        second = [
            Fact(f"⚠ {sentence(board.link_message) or 'Lost the sim'}", WARN, 10) if stale else None,
            Fact(facts.session_name, "bold", 8) if facts.session_name and on_server(board) else None,
            *(sof if len(sof) > 1 else []),
            Fact(CROWD_STALE, WARN, 6) if crowd_stale(board) and not crowd_warned else None,
            Fact(admin_note, "dim", 0) if admin_note else None,
        ]
        shown_facts = [
            Fact(drivers_shown(shown, player_shown, ai_shown), "bold", 9),
            Fact(f"class: {class_filter.name if class_filter else 'all'}",
                 f"bold {class_filter.colour}" if class_filter else "bold", 8, " · "),
            Fact(f"sorted by {sort.value}", keep=7, lead=" · "),
        ]
        lines = [fit_line([f for f in line if f is not None], width) for line in (first, second, shown_facts)]
        return Text("\n").join(lines)
