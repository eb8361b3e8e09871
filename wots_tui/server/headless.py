"""`wots-tui serve`: the engine and the API with no terminal UI, until Ctrl-C."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from wots_tui.engine import Engine
from wots_tui.server.server import ApiServer


async def serve_headless(engine: Engine, server: ApiServer, announce: Callable[[str], None]) -> None:
    """Run until cancelled (asyncio.run cancels on Ctrl-C), then stop the API and the engine cleanly."""
    await engine.start()
    try:
        await server.start()
        announce(f"Serving the local API on {server.url} for {engine.label}; Ctrl-C to stop")
        await asyncio.Event().wait()
    finally:
        await server.stop()
        await engine.stop()
