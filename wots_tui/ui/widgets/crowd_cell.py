"""How the crowd's word on a driver looks: a glyph and colour per label, and the live board's Crowd cell.

Each label has its own shape (★ ▲ ● ▼ ✕), so the score reads without its colour. A CrowdView that is only the
last known (the hub did not answer) is dimmed and marked `~` after the glyph: the board, the card and the
header all say so.
"""

from __future__ import annotations

from rich.style import Style

from wots_tui.domain.crowd import CrowdView
from wots_tui.ui.widgets.row_table import Cell

CROWD_LOOKS: dict[str, tuple[str, str]] = {  # label -> glyph, style (rich markup style, for the card too)
    "Excellent": ("★", "bold #4ade80"),
    "Good": ("▲", "#4ade80"),
    "Neutral": ("●", "#a1a1aa"),
    "Caution": ("▼", "bold #fbbf24"),
    "Avoid": ("✕", "bold #f87171"),
}
STALE_MARK = "~"
_STYLES = {label: Style.parse(style) for label, (_, style) in CROWD_LOOKS.items()}
_STALE_STYLES = {label: style + Style(dim=True) for label, style in _STYLES.items()}
_NONE: Cell = ("", None)


def votes(count: int) -> str:
    """A vote count in at most three cells: 7, 123, 12k."""
    return str(count) if count < 1000 else f"{count // 1000}k"


def crowd_cell(view: CrowdView | None) -> Cell:
    """The Crowd column's cell: the label's glyph, the stale mark or a space, the voters right-aligned."""
    if view is None:
        return _NONE
    rep = view.crowd.rep
    glyph = CROWD_LOOKS[rep.label][0]
    mark = STALE_MARK if view.stale else " "
    return (f"{glyph}{mark}{votes(rep.total):>3}", (_STALE_STYLES if view.stale else _STYLES)[rep.label])
