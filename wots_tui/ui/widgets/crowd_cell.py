"""How the crowd's word on a driver looks: a glyph and colour per label, the live board's Crowd cell, and the
driver card's crowd section.

Each label has its own shape (★ ▲ ● ▼ ✕), so the score reads without its colour. A CrowdView that is only the
last known (the hub did not answer) is dimmed and marked `~` after the glyph on the board, and said in words on
the card (and in the live screen's header).
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.style import Style
from rich.text import Text
from textual import events
from textual.widgets import Static

from wots_tui.domain.crowd import MIN_TAG_VOTERS, CrowdView
from wots_tui.domain.plural import counted
from wots_tui.ui.widgets.row_table import Cell
from wots_tui.ui.widgets.session_header import WARN

CROWD_LOOKS: dict[str, tuple[str, str]] = {  # label -> glyph, style
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
_SEPARATOR = "  ·  "


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


def packed(phrases: Sequence[Text], width: int, indent: int = 0) -> Text:
    """The phrases joined by ` · ` on as few lines of `width` cells as they fit, a line broken only between two
    phrases (never inside one, never after a dot); lines after the first start `indent` cells in."""
    text, x = Text(), 0
    for i, phrase in enumerate(phrases):
        if i and x + len(_SEPARATOR) + phrase.cell_len > width:
            text.append("\n" + " " * indent)
            x = indent
        elif i:
            text.append(_SEPARATOR)
            x += len(_SEPARATOR)
        text.append_text(phrase)
        x += phrase.cell_len
    return text


def crowd_text(view: CrowdView, width: int) -> Text:
    """The card's lines on what the crowd thinks, fitted to `width`: when the hub did not answer, that this is the
    last known; the label, score, weighted score, voters and confidence; the crowd's tags, each with how many
    voters chose it and what share of the driver's voters that is."""
    rep = view.crowd.rep
    glyph, style = CROWD_LOOKS[rep.label]
    lines = []
    if view.stale:
        lines.append(packed([Text("Last known, the hub did not answer", WARN),
                             Text(f"as of {view.fetched_at.astimezone():%Y-%m-%d %H:%M}", "dim")], width))
    neutral = rep.total - rep.up - rep.down
    voters = f"{counted(rep.total, 'voter')}: {rep.up} up, {rep.down} down" + (f", {neutral} neutral" if neutral else "")
    label = Text.assemble("Crowd ", (f"{glyph} {rep.label}", style), f" {rep.score}/5 (weighted {rep.weighted_score:.1f})")
    lines.append(packed([label, Text(voters), Text(f"{rep.confidence} confidence")], width, indent=6))
    if view.crowd.tags:
        tags = [Text(f"{tag.tag.icon} {tag.tag.name} {tag.count} ({tag.percent}%)") for tag in view.crowd.tags]
        lines.append(packed([Text.assemble("Crowd tags ", tags[0]), *tags[1:]], width, indent=11))
    else:
        lines.append(Text(f"Crowd tags: none chosen by {MIN_TAG_VOTERS} voters or more", "dim"))
    return Text("\n").join(lines)


class CrowdSection(Static):
    """The card's crowd section: `crowd_text`, packed again for each width the card is laid out at."""

    def __init__(self, view: CrowdView, *, id: str | None = None) -> None:
        super().__init__(crowd_text(view, 1000), id=id)
        self.crowd_view = view

    def on_resize(self, event: events.Resize) -> None:
        self.update(crowd_text(self.crowd_view, self.content_size.width))
