"""A row of tag icons cut to its cell: as many whole icons as fit, then `+N` for the ones left out."""

from __future__ import annotations

import unicodedata

from rich.cells import cell_len

_JOINER = "\u200d"


def icons_of(text: str) -> list[str]:
    """The icons in `text`, each with the marks that belong to it (variation selectors, joined emoji)."""
    icons: list[str] = []
    for char in text:
        attaches = icons and (cell_len(char) == 0 or unicodedata.combining(char) or icons[-1].endswith(_JOINER))
        if attaches:
            icons[-1] += char
        else:
            icons.append(char)
    return icons


def fit_icons(text: str, width: int) -> str:
    """The icons of `text` that fit in `width` cells, with `+N` after them when N had to be left out."""
    icons = icons_of(text)
    for shown in range(len(icons), -1, -1):
        left = len(icons) - shown
        candidate = "".join(icons[:shown]) + (f"+{left}" if left else "")
        if cell_len(candidate) <= width:
            return candidate
    return ""
