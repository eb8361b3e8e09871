"""Where the Textual CSS lives: packaged into the wheel as wots_tui/styles, or styles/ in a checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent


def styles_dir() -> Path:
    packaged = _PACKAGE / "styles"
    if packaged.is_dir():
        return packaged
    return _PACKAGE.parent / "styles"
