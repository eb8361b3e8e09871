"""The demo: the fake sim playing a scripted race into a memory map of its own, read by the real iRacing source."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from wots_tui.domain.events import Publish
from wots_tui.sources.fakesim.race import ScriptedRace
from wots_tui.sources.fakesim.sim import FakeSim
from wots_tui.sources.iracing import FileConnector, IRacingSource, subsession_meeting


class DemoSource:
    """Owns the fake sim and its temporary folder; everything it publishes comes through pyirsdk."""

    label = "demo"
    hint = "The demo's simulated race is starting."
    admin = None  # iRacing has no admin actions

    def __init__(self, seed: int = 7, start_at: float = 240.0, max_rate: float = 5.0) -> None:
        self._seed = seed
        self._start_at = start_at
        self._max_rate = max_rate
        self._folder: Path | None = None
        self._sim: FakeSim | None = None
        self._reader: IRacingSource | None = None

    def start(self, publish: Publish) -> None:
        self._folder = Path(tempfile.mkdtemp(prefix="wots-demo-"))
        path = self._folder / "demo.irsdk"
        self._sim = FakeSim(path, ScriptedRace(self._seed), start_at=self._start_at)
        self._sim.start()
        self._reader = IRacingSource(FileConnector(path), max_rate=self._max_rate, label=self.label)
        self._reader.start(publish)

    def stop(self, timeout: float = 2.0) -> None:
        """Stop reading first, then the sim (so the reader never sees it close), then remove the folder."""
        if self._reader is not None:
            self._reader.stop(timeout)
            self._reader = None
        if self._sim is not None:
            self._sim.stop(timeout)
            self._sim = None
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None

    meeting_key = staticmethod(subsession_meeting)
