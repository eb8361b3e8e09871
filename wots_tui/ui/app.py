"""The Textual app: the engine's Boards on screen."""

from __future__ import annotations

from textual.app import App

from wots_tui.domain.board import Board
from wots_tui.engine import Engine
from wots_tui.ui.screens.help import HelpScreen
from wots_tui.ui.screens.live import LiveScreen
from wots_tui.ui.styles import styles_dir


class WotsApp(App[None]):
    TITLE = "wots-tui"
    CSS_PATH = [styles_dir() / name for name in ("app.tcss", "live.tcss", "help.tcss")]
    SCREENS = {"help": HelpScreen}

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self.engine = engine
        self.live = LiveScreen()

    async def on_mount(self) -> None:
        await self.push_screen(self.live)
        self.engine.subscribe(self._on_board)
        await self.engine.start()

    def _on_board(self, board: Board) -> None:
        self.live.show_board(board)

    async def on_unmount(self) -> None:
        await self.engine.stop()
