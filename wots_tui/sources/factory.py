"""Sources by name: the engine is handed a source built here, never builds one itself.

A new source is a module with a class that follows `Source` and one entry in SOURCES.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wots_tui.sources.base import Source
from wots_tui.sources.demo import DemoSource
from wots_tui.sources.iracing import FileConnector, IRacingSource, SimConnector


def _iracing(max_rate: float) -> Source:
    return IRacingSource(SimConnector(), max_rate=max_rate)


def _file(max_rate: float, path: Path) -> Source:
    return IRacingSource(FileConnector(path), max_rate=max_rate, label=path.name)


def _demo(max_rate: float, seed: int = 7, start_at: float = 240.0) -> Source:
    return DemoSource(seed=seed, start_at=start_at, max_rate=max_rate)


def _ams2(max_rate: float, url: str, user: str = "", password: str = "", steam_id: int | None = None,
          poll_interval: float = 0.5) -> Source:
    from wots_tui.sources.ams2 import Ams2Source  # httpx loads only for the racers who read a server

    return Ams2Source(url, user, password, steam_id, max_rate=max_rate, poll_interval=poll_interval)


SOURCES: dict[str, Callable[..., Source]] = {
    "iracing": _iracing,  # iRacing's shared memory (Windows)
    "file": _file,  # an irsdk memory-map dump, or the live file of a fake sim (path=...)
    "demo": _demo,  # the built-in scripted race (seed=..., start_at=...)
    "ams2": _ams2,  # an AMS2 dedicated server's HTTP API (url=..., user=..., password=..., steam_id=...)
}


@dataclass(frozen=True, slots=True)
class SourceSpec:
    """Which source, with its options: what the command line chose."""

    kind: str = "iracing"
    options: tuple[tuple[str, Any], ...] = field(default=(), repr=False)  # may hold a password

    @classmethod
    def of(cls, kind: str, **options: Any) -> SourceSpec:
        if kind not in SOURCES:
            raise ValueError(f"unknown source {kind!r}; known: {', '.join(SOURCES)}")
        return cls(kind, tuple(sorted(options.items())))

    @property
    def is_demo(self) -> bool:
        """The demo keeps a notebook of its own, never the racer's."""
        return self.kind == "demo"


def build_source(spec: SourceSpec, max_rate: float = 5.0) -> Source:
    return SOURCES[spec.kind](max_rate, **dict(spec.options))
