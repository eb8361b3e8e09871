"""Logging to a file in the platform's log folder: the terminal belongs to the TUI."""

from __future__ import annotations

import logging
from logging.handlers import RotatingFileHandler
from pathlib import Path

from wots_tui.config import log_dir


def log_file(folder: Path | None = None) -> Path:
    """The log file (in the platform's log folder unless `folder`)."""
    return (folder or log_dir()) / "wots-tui.log"


def setup_logging(level: str = "INFO", folder: Path | None = None) -> Path:
    path = log_file(folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = RotatingFileHandler(path, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, RotatingFileHandler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its INFO line per request carries signed URLs
    return path
