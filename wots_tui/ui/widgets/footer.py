"""Textual's footer, fitted to the terminal: the keys that matter most stay, whatever the width.

Textual's own footer cuts its keys at the right edge, and the right edge is where help and quit are. This
one leaves out, whole, the keys its screen ranks lowest until the rest fit, and goes compact below
`COMPACT_BELOW` columns. `?` lists every key, and Ctrl+P runs any of them by name.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

COMPACT_BELOW = 120
PALETTE_ROOM = 12  # the command palette's key, docked at the right


def key_width(key: FooterKey, compact: bool) -> int:
    """The cells a key takes, as Textual's FooterKey draws it (its CSS paddings and margins)."""
    if not key.description:
        return cell_len(key.key_display) + (1 if compact else 2)
    inner = cell_len(key.key_display) + cell_len(key.description)
    return inner + (2 if compact else 3)


class FittingFooter(Footer):
    """`rank`: the screen's actions, most important first; keys it does not name come after, in their order."""

    def __init__(self, rank: Sequence[str] = (), *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._rank = {action: i for i, action in enumerate(rank)}
        self._width = 0

    def compose(self) -> ComposeResult:
        width = self.app.size.width
        self._width = width
        compact = width < COMPACT_BELOW
        self.compact = compact
        widgets = list(super().compose())
        keys = [w for w in widgets if isinstance(w, FooterKey) and not w.has_class("-command-palette")]
        room = width - PALETTE_ROOM
        by_rank = sorted(keys, key=lambda k: self._rank.get(k.action, len(self._rank)))
        shown: set[int] = set()
        used = 0
        for key in by_rank:  # until one does not fit: no key shows while a more important one is left out
            used += key_width(key, compact)
            if used > room:
                break
            shown.add(id(key))
        yield from (w for w in widgets if not isinstance(w, FooterKey) or w.has_class("-command-palette") or id(w) in shown)

    def on_resize(self, event: events.Resize) -> None:
        if self.app.size.width != self._width:
            self.call_after_refresh(self.recompose)
