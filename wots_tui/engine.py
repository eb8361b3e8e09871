"""The engine: one source thread in, Boards out. The TUI and the headless server are its two faces.

The source publishes from its own thread; the engine hops each event onto the asyncio loop,
builds a new Board there and hands it to every subscriber.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from wots_tui.domain.board import Board, build_board, waiting_board
from wots_tui.domain.models import SessionSnapshot
from wots_tui.sources.fakesim.race import ScriptedRace
from wots_tui.sources.fakesim.sim import FakeSim
from wots_tui.sources.iracing import Connector, FileConnector, IRacingSource, SimConnector, SourceEvent

log = logging.getLogger(__name__)

BoardListener = Callable[[Board], None]


class Source(Protocol):
    def start(self) -> None: ...
    def stop(self, timeout: float = 2.0) -> None: ...


@dataclass(frozen=True, slots=True)
class SourceSpec:
    """What to read: iRacing's shared memory, a memory-map file, or the built-in demo race."""

    irsdk_file: Path | None = None
    demo: bool = False
    demo_seed: int = 7
    demo_start_at: float = 240.0

    @property
    def label(self) -> str:
        if self.demo:
            return "demo"
        return self.irsdk_file.name if self.irsdk_file else "iRacing"


class Engine:
    def __init__(self, spec: SourceSpec, refresh_rate: float = 5.0):
        self.spec = spec
        self._refresh_rate = refresh_rate
        self._listeners: list[BoardListener] = []
        self._version = 0
        self.board: Board = waiting_board(0, "starting")
        self._loop: asyncio.AbstractEventLoop | None = None
        self._source: Source | None = None
        self._fake_sim: FakeSim | None = None
        self._demo_dir: Path | None = None

    def subscribe(self, listener: BoardListener) -> None:
        self._listeners.append(listener)

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        connector: Connector
        if self.spec.demo:
            self._demo_dir = Path(tempfile.mkdtemp(prefix="wots-demo-"))
            path = self._demo_dir / "demo.irsdk"
            self._fake_sim = FakeSim(path, ScriptedRace(self.spec.demo_seed), start_at=self.spec.demo_start_at)
            self._fake_sim.start()
            connector = FileConnector(path)
        elif self.spec.irsdk_file is not None:
            connector = FileConnector(self.spec.irsdk_file)
        else:
            connector = SimConnector()
        self._source = IRacingSource(connector, self._publish_threadsafe, max_rate=self._refresh_rate)
        self._source.start()

    async def stop(self) -> None:
        """Stop the source, then the fake sim; joins happen off the loop."""
        if self._source is not None:
            await asyncio.to_thread(self._source.stop)
            self._source = None
        if self._fake_sim is not None:
            await asyncio.to_thread(self._fake_sim.stop)
            self._fake_sim = None
        if self._demo_dir is not None:
            shutil.rmtree(self._demo_dir, ignore_errors=True)
            self._demo_dir = None

    def _publish_threadsafe(self, event: SourceEvent) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(self.accept, event)
            except RuntimeError:  # the loop closed between the check and the call
                pass

    def accept(self, event: SourceEvent) -> None:
        """Turn one source event into the current Board and tell every listener (on the loop)."""
        self._version += 1
        if isinstance(event, SessionSnapshot):
            self.board = build_board(event, self._version, link_message=self.spec.label)
        else:
            self.board = waiting_board(self._version, event.message)
        for listener in self._listeners:
            listener(self.board)


