"""Shared helpers for the tests: fixture paths and wrapping session text in a real memory map."""

from __future__ import annotations

from pathlib import Path

from wots_tui.sources.fakesim.memmap import IrsdkFileWriter
from wots_tui.sources.fakesim.sim import VARIABLES

FIXTURES = Path(__file__).parent / "fixtures"
MEMMAPS = FIXTURES / "irsdk" / "memmap"
YAMLS = FIXTURES / "irsdk" / "yaml"
DAYTONA = MEMMAPS / "LandonPatmore_iracing-live-telemetry__data.bin"
DAYTONA_YAML = YAMLS / "from_dumps" / "LandonPatmore_data.bin.session.yaml"


def wrap_session_text(text: bytes, path: Path, telemetry: dict | None = None) -> Path:
    """Write `text` as the session info of a fresh memory map (one tick), as iRacing frames it.

    Snippets without iRacing's framing get the `---` start and the blank line that ends a section.
    """
    if not text.removeprefix(b"\xef\xbb\xbf").startswith(b"---"):
        text = b"---\n" + text
    if not text.endswith(b"\n\n"):
        text = text.rstrip(b"\n") + b"\n\n"
    writer = IrsdkFileWriter(path, VARIABLES, session_info_capacity=max(256 * 1024, len(text) + 1))
    writer.write_session_info(text)
    writer.write_tick(telemetry or {})
    writer.set_connected(True)
    return path


def write_race_moment(folder: Path, t: float = 900.0) -> Path:
    """The scripted race frozen at race time t, in a memory map named moment.irsdk."""
    from wots_tui.sources.fakesim.race import ScriptedRace
    from wots_tui.sources.fakesim.sim import write_moment

    path = folder / "moment.irsdk"
    write_moment(path, ScriptedRace(), t).close_keeping_status()
    return path
