"""The Textual app: the live drivers, the notebook, the tag catalogue and the season stats, fed by the engine."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from textual.app import App, SystemCommand
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen

from wots_tui.domain.board import Board
from wots_tui.domain.models import LinkState
from wots_tui.domain.wording import sentence
from wots_tui.engine import Engine, Notice
from wots_tui.ui.screens.base import EngineScreen
from wots_tui.ui.screens.driver_actions import DRIVER_ACTIONS, DriverActions
from wots_tui.ui.screens.editors import QuitConfirm
from wots_tui.ui.screens.help import HelpScreen
from wots_tui.ui.screens.live import LiveScreen
from wots_tui.ui.screens.notebook import NotebookScreen
from wots_tui.ui.screens.race_result import RaceResultScreen
from wots_tui.ui.screens.stats import StatsScreen
from wots_tui.ui.screens.tags import TagsScreen
from wots_tui.ui.styles import styles_dir

MAIN_SCREENS = ("live", "notebook", "tags", "stats")
# Actions the palette already offers under a better name: the screens, quitting, and the driver actions
# (named after the driver under the cursor).
NAMED_ELSEWHERE = frozenset({*(f"app.show('{name}')" for name in MAIN_SCREENS), "app.quit",
                             "app.command_palette", *DRIVER_ACTIONS})


class WotsApp(App[None]):
    TITLE = "wots-tui"
    CSS_PATH = [styles_dir() / f"{name}.tcss"
                for name in ("app", "live", "help", "notebook", "tags", "stats", "history", "fetch", "dialogs", "admin")]
    SCREENS = {"help": HelpScreen}

    def __init__(self, engine: Engine, start: str = "live") -> None:
        """`start`: the main screen the app opens on (`wots-tui stats` opens on "stats")."""
        super().__init__()
        if start not in MAIN_SCREENS:
            raise ValueError(f"no main screen {start!r}: one of {', '.join(MAIN_SCREENS)}")
        self.engine = engine
        self.start_screen = start
        self.live = LiveScreen()
        self.notebook_screen = NotebookScreen()
        self.tags_screen = TagsScreen()
        self.stats_screen = StatsScreen()
        self.main_screens: dict[str, Screen] = dict(
            zip(MAIN_SCREENS, (self.live, self.notebook_screen, self.tags_screen, self.stats_screen)))
        self._notebook_version = -1

    async def on_mount(self) -> None:
        for name, screen in self.main_screens.items():
            self.install_screen(screen, name)
        if self.start_screen == "live":  # at once: the first frame is the live table's, the history is not needed
            await self.push_screen("live")
        self.engine.subscribe(self._on_board, self._on_notice)
        await self.engine.start()  # and its services (the local API): one that cannot start is a notice
        if self.start_screen != "live":  # after the engine opened the history the screen reads
            await self.push_screen(self.start_screen)
        self.live.services_started()

    def _on_board(self, board: Board) -> None:
        self.live.show_board(board)
        if board.notebook_version != self._notebook_version:
            self._notebook_version = board.notebook_version
            self.notebook_screen.notebook_changed(board.notebook_version)
            self.tags_screen.catalogue_changed()
            for screen in (self.live, self.notebook_screen):
                screen.name_tag_keys(self.engine.catalogue)
            for shown in self.screen_stack:  # a race's result shows the notebook's ratings and tags too
                if isinstance(shown, RaceResultScreen):
                    shown.notebook_changed()

    def _on_notice(self, notice: Notice) -> None:
        self.notify(notice.text, title=notice.title, severity=notice.severity, timeout=15 if notice.severity == "warning" else 10)  # type: ignore[arg-type]

    async def on_unmount(self) -> None:
        await self.engine.stop()

    async def action_quit(self) -> None:
        """Quit; while a session is live, only after `q` again (or y): a stray key must not close it mid-race."""
        if self.engine.board.link is LinkState.WAITING or isinstance(self.screen, QuitConfirm):
            self.exit()
            return

        def answer(quit_now: bool | None) -> None:
            if quit_now:
                self.exit()

        self.push_screen(QuitConfirm(), answer)

    async def action_show(self, name: str) -> None:
        """Go to a main screen; F2 on the notebook goes back to the live screen. From a screen pushed over a
        main one (the stats' drill-downs) back through them first: a main screen is never in the stack twice."""
        if isinstance(self.screen, ModalScreen):
            return
        current = await self._back_to_main()
        if name == current == "notebook":
            name = "live"
        if name != current:
            self.switch_screen(name)

    async def action_next_screen(self, step: int) -> None:
        if isinstance(self.screen, ModalScreen):
            return
        current = await self._back_to_main()
        if current is not None:
            await self.action_show(MAIN_SCREENS[(MAIN_SCREENS.index(current) + step) % len(MAIN_SCREENS)])

    async def _back_to_main(self) -> str | None:
        """Back through the screens pushed over a main one (the stats' drill-downs); the main screen's name."""
        while self._current_name() is None and len(self.screen_stack) > 2:
            await self.pop_screen()
        return self._current_name()

    def _current_name(self) -> str | None:
        return next((name for name, screen in self.main_screens.items() if screen is self.screen), None)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The command palette: the screens, every key of the screen by name, and every notebook action on the
        driver under the cursor."""
        yield from super().get_system_commands(screen)
        yield SystemCommand("Live drivers", "The drivers in the current session (Tab)", lambda: self.action_show("live"))
        yield SystemCommand("Notebook", "Everyone you ever noted: search, filter, edit (F2)", lambda: self.action_show("notebook"))
        yield SystemCommand("Tags", "The tag catalogue: add, rename, recolour, reorder, delete (F3)", lambda: self.action_show("tags"))
        yield SystemCommand("Season stats", "Your career from your racing history: seasons, totals, rating charts (F4)",
                            lambda: self.action_show("stats"))
        if self.engine.admin_refusal is None:  # a server's admin login (AMS2)
            yield SystemCommand("Message all drivers", "A chat line to everyone on the server, after you see it",
                                self.live.action_message_all)
        yield from self._key_commands(screen)
        if not isinstance(screen, DriverActions) or (chosen := screen.selected(quiet=True)) is None:
            return
        _, name = chosen
        for rating, word in ((1, "up ▲"), (0, "neutral ●"), (-1, "down ▼")):
            yield SystemCommand(f"Rate {name} {word}", "Your rating of this driver", lambda r=rating: self.run_action_on(screen, f"rate({r})"))
        yield SystemCommand(f"Note on {name}", "Write or edit your note", screen.action_note)
        yield SystemCommand(f"Nickname for {name}", "What you call them", screen.action_nickname)
        yield SystemCommand(f"Card of {name}", "Everything known about them, editable", lambda: self.run_action_on(screen, "card"))
        carried = screen.selected_tags()
        for tag in self.engine.catalogue:
            key = f" (key {tag.hotkey})" if tag.hotkey else ""
            verb, what = ("Untag", "Take this tag off") if tag.id in carried else ("Tag", "Put this tag on")
            yield SystemCommand(f"{verb} {name}: {tag.icon} {tag.name}", f"{what}{key}",
                                lambda t=tag.id: self.run_action_on(screen, f"toggle_tag_id({t!r})"))

    def _key_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Each key of `screen` (and of its focused widget) by the name its binding gives it."""
        hidden = screen.palette_hides() if isinstance(screen, EngineScreen) else frozenset()
        offered: set[str] = set(NAMED_ELSEWHERE) | hidden
        for node, binding, enabled, tooltip in screen.active_bindings.values():
            if not enabled or not binding.description or binding.action in offered:
                continue
            offered.add(binding.action)
            title = (tooltip or binding.description)
            yield SystemCommand(sentence(title), f"key {self.get_key_display(binding)}",
                                partial(self.run_action_on, node, binding.action))

    def run_action_on(self, node: DOMNode, action: str) -> None:
        self.run_worker(self.run_action(action, node))
