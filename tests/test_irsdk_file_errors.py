"""A wrong --irsdk-file: named with its full path and why, logged once, and watched until it becomes a map."""

from __future__ import annotations

import json
import logging
import queue
import random
import threading
from pathlib import Path

import irsdk
import pytest
from helpers import DAYTONA, make_app, wait_for

from wots_tui.domain.events import SourceEvent, SourceWaiting
from wots_tui.domain.models import LinkState, SessionSnapshot
from wots_tui.sources.factory import SourceSpec
from wots_tui.sources.fakesim.race import ScriptedRace
from wots_tui.sources.fakesim.sim import FakeSim
from wots_tui.sources.iracing import FileConnector, IRacingSource, NotYet, SimConnector

SOURCE_LOG = "wots_tui.sources.iracing"


def _random_bytes(path: Path) -> Path:
    path.write_bytes(random.Random(11).randbytes(200_000))
    return path


def _json(path: Path) -> Path:
    path.write_text(json.dumps({"drivers": [{"name": "Sam", "irating": 2400}] * 2000}), encoding="utf-8")
    return path


def _empty(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def _truncated(path: Path) -> Path:
    path.write_bytes(DAYTONA.read_bytes()[:600_000])
    return path


def _folder(path: Path) -> Path:
    path.mkdir()
    return path


def _missing(path: Path) -> Path:
    return path


WRONG_FILES = {
    "random bytes": (_random_bytes, "not an irsdk memory map: no header"),
    "JSON": (_json, "not an irsdk memory map: no header"),
    "empty": (_empty, "the file is empty"),
    "truncated": (_truncated, "truncated: its header describes 1170843 bytes, the file has 600000"),
    "folder": (_folder, "a folder, not an irsdk memory map"),
}


class CountingConnector:
    """The real FileConnector, counted: a test can wait for the source to have retried, not for a time."""

    def __init__(self, path: Path, retries: int):
        self._real = FileConnector(path)
        self.name = self._real.name
        self.hint = self._real.hint
        self.retried = threading.Event()
        self._retries = retries
        self._connects = 0

    def connect(self) -> irsdk.IRSDK | NotYet:
        self._connects += 1
        if self._connects > self._retries:
            self.retried.set()
        return self._real.connect()


def _watch(path: Path, retries: int = 5) -> tuple[IRacingSource, CountingConnector, queue.Queue[SourceEvent]]:
    connector = CountingConnector(path, retries)
    events: queue.Queue[SourceEvent] = queue.Queue()
    source = IRacingSource(connector, max_rate=20.0, retry_interval=0.01)
    source.start(events.put)
    return source, connector, events


def _drain(events: queue.Queue[SourceEvent]) -> list[SourceEvent]:
    seen = []
    while not events.empty():
        seen.append(events.get_nowait())
    return seen


def _next_snapshot(events: queue.Queue[SourceEvent]) -> SessionSnapshot:
    while True:
        event = events.get(timeout=10)
        if isinstance(event, SessionSnapshot):
            return event


@pytest.mark.parametrize("kind", sorted(WRONG_FILES))
def test_a_wrong_file_is_named_with_its_full_path_and_why_and_logged_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch, kind: str
):
    make, why = WRONG_FILES[kind]
    path = make(tmp_path / "session.irsdk")
    monkeypatch.chdir(tmp_path)
    caplog.set_level(logging.INFO, logger=SOURCE_LOG)
    source, connector, events = _watch(Path("session.irsdk"))  # relative, as typed on a command line
    try:
        assert connector.retried.wait(10)
    finally:
        source.stop()
    message = f"{why} ({path.resolve()})"
    assert _drain(events) == [SourceWaiting(message)]  # said once, not at each of the retries
    logged = [r for r in caplog.records if r.name == SOURCE_LOG]
    assert [(r.levelno, r.getMessage()) for r in logged] == [(logging.WARNING, message)]


def test_a_missing_file_says_its_full_path_and_is_waited_for(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.chdir(tmp_path)
    caplog.set_level(logging.INFO, logger=SOURCE_LOG)
    source, connector, events = _watch(Path("later.irsdk"))
    try:
        assert connector.retried.wait(10)
        message = f"Waiting for {tmp_path.resolve() / 'later.irsdk'} to appear"
        assert _drain(events) == [SourceWaiting(message)]
        assert [r.getMessage() for r in caplog.records if r.name == SOURCE_LOG] == [message]
        sim = FakeSim(tmp_path / "later.irsdk", ScriptedRace(), start_at=300.0)
        sim.start()
        try:
            assert _next_snapshot(events).facts.session_type == "Race"
        finally:
            sim.stop()
    finally:
        source.stop()


@pytest.mark.parametrize("kind", ["random bytes", "JSON", "empty"])
def test_a_wrong_file_that_becomes_a_fake_sims_map_shows_the_session(tmp_path: Path, kind: str):
    make, why = WRONG_FILES[kind]
    path = make(tmp_path / "live.irsdk")
    source, _, events = _watch(path)
    try:
        first = events.get(timeout=10)
        assert isinstance(first, SourceWaiting) and first.message.startswith(why)
        sim = FakeSim(path, ScriptedRace(), start_at=300.0)  # the fake sim starts writing the same file
        sim.start()
        try:
            snapshot = _next_snapshot(events)
        finally:
            sim.stop()
        assert len(snapshot.drivers) == 60 and snapshot.facts.session_time >= 300.0
        closed = events.get(timeout=10)  # the sim stopped: the map says so, and the source waits again
        assert closed == SourceWaiting(f"its sim has closed ({path.resolve()})")
    finally:
        source.stop()


def test_without_iracing_the_source_waits_for_iracing_by_its_name():
    waiting = SimConnector().connect()  # no iRacing on a test machine (nor on any but Windows)
    assert isinstance(waiting, NotYet)
    assert waiting.message.startswith("Waiting for iRacing ") and "iracing" not in waiting.message


async def test_the_live_header_names_the_wrong_file_and_why(tmp_path: Path):
    path = _json(tmp_path / "notes.json")
    app = make_app(SourceSpec.of("file", path=path), tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_for(pilot, lambda: app.live.board.link_message.startswith("not an irsdk"))
        await pilot.pause()
        header = str(app.live.query_one("#session-header").render())
        assert app.live.board.link is LinkState.WAITING
        assert f"Not an irsdk memory map: no header ({path})" in header


def test_a_missing_file_in_a_folder_that_does_not_exist_says_it_may_be_a_typo(tmp_path: Path):
    path = tmp_path / "no-such-folder" / "x.bin"
    waiting = FileConnector(path).connect()
    assert isinstance(waiting, NotYet)
    assert waiting.message == f"Waiting for {path.resolve()} to appear; its folder does not exist (a typo?)"
    (tmp_path / "no-such-folder").mkdir()
    assert FileConnector(path).connect().message == f"Waiting for {path.resolve()} to appear"


def test_the_waiting_screen_tells_what_the_source_needs_not_to_start_iracing(tmp_path: Path):
    assert "irsdk memory map" in FileConnector(tmp_path / "x.bin").hint
    assert "Start iRacing" in SimConnector.hint and "Start iRacing" not in FileConnector.hint
