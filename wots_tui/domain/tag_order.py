"""The order a driver's tags are shown in where room is short: the warnings (conduct tags) first."""

from __future__ import annotations

from collections.abc import Iterable

from wots_tui.domain.notebook import Tag

WARNING_CATEGORY = "conduct"


def warnings_first(tags: Iterable[Tag]) -> tuple[Tag, ...]:
    """`tags` with the conduct tags (Wrecker, Toxic Chat...) ahead of the others, each group in its own order:
    a cell that fits three icons must not drop the one that says to keep away."""
    return tuple(sorted(tags, key=lambda tag: tag.category != WARNING_CATEGORY))
