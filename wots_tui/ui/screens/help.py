"""The help screen: the keys of the screen it was opened on, read from that screen's own bindings, and what
its columns mean.

The keys table is built from the bindings (the table's under the cursor, the screen's, the app's), so a
key added to a screen is in its help at once. A binding says what it does in its tooltip; the keys that
several screens share, bound in other modules, are explained here by action.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from wots_tui.ui.widgets.row_table import RowTable

# What the keys shared by several screens (and the app's own) do, by action name without its arguments.
SHARED_ACTIONS = {
    "cursor": "move the cursor",
    "page": "move by a page",
    "cursor_to": "to the first, the last row",
    "rate": "rate the driver under the cursor up, down, neutral",
    "answer_prompt": "after a contact, while its prompt shows: rate the driver you touched up, down",
    "tag": "add or remove the tag on that key (the tags screen, F3, sets the keys)",
    "note": "write a note on the driver under the cursor",
    "nickname": "set a nickname for them",
    "card": "the driver's card: everything known about them, editable",
    "next_screen": "the next, the previous screen",
    "show": "the notebook, tags, season stats (F2 on the notebook: back to the live drivers)",
    "push_screen": "the keys of this screen; Esc closes it",
    "help": "the keys of this screen; Esc closes it",
    "command_palette": "the command palette: every action of this screen by name",
    "quit": "quit",
}

Rows = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class About:
    """What a screen's help says besides its keys: an opening line, then sections of text or of rows."""

    title: str
    intro: str
    sections: tuple[tuple[str, str | Rows], ...] = ()


def _words(text: str) -> str:
    """A paragraph written over several source lines, as one line (the help screen wraps it to its width)."""
    return " ".join(text.split())


LIVE = About(
    "Live drivers",
    _words("""
        Everyone in the session, one row each. The keys act on the driver under the cursor; what you note is
        kept in your notebook (F2) and shown whenever you meet that driver again.
    """),
    (
        ("Columns", (
            ("P / CP", "overall and class position"),
            ("#", "car number"),
            ("Driver / Nick", "name in the sim (AI: an AI car); your nickname for them"),
            ("Class", "car class, in the sim's colour"),
            ("Lic", "licence letter and safety rating"),
            ("iR / ±iR", "iRating; estimated change if the race ended now (official races, per class)"),
            ("Lap", "lap the car is on"),
            ("Gap", "to the class leader (race) or to the class's best lap (practice, qualifying)"),
            ("Last / Best", "last and best lap times"),
            ("Pit", "on pit road (PIT), else why the car stopped: FIN, DNF, DSQ, RET"),
            ("S", "the sector the car is in (AMS2)"),
            ("Cx", "contacts with other cars this session (not wall hits)"),
            ("Crowd", ("what the crowd hub's voters think (★ Excellent ▲ Good ● Neutral ▼ Caution ✕ Avoid) and how "
                       "many voted; ~ after the glyph: the last known, the hub did not answer")),
            ("R / Tags / Met / Note", "your rating, tags, times met and note from your notebook"),
        )),
        ("", _words("""
            Your own row is highlighted. A column with nothing in it is left out (no iRating on an AMS2
            server). On a narrow terminal the lap times and race facts go first; your own columns stay.
        """)),
        ("After a contact", _words("""
            When your car touches another driver's, a line above the keys names them for a few seconds:
            [b]+[/b] rates them up, [b]-[/b] down (them, not the driver under the cursor), [b]Esc[/b]
            dismisses it. It never takes the keys from the table. AMS2 servers report contacts; on iRacing a
            4x proposes the nearest car.
        """)),
        ("Server admin (AMS2)", _words("""
            With an admin login, [b]M[/b] writes a chat message to the driver under the cursor (the command
            palette's [b]Message all drivers[/b]: to everyone) and [b]K[/b] kicks them, with a temporary ban
            if you pick one (← →). Each asks first and shows the exact request it will send: Enter (or
            [b]y[/b] for a kick) sends it, Esc sends nothing; the server's answer shows after. Without admin
            access the keys are not offered, and pressed they say why; AI cars and your own row are never
            kicked or messaged.
        """)),
        ("Overlays", _words("""
            While the app runs, [b]http://localhost:5820[/b] serves the WOTS local API (the header says
            where, or [b]API off[/b] when the port is taken): /api/drivers, /api/driver?id=, /api/notebook,
            /api/session, /api/status, /api/stream and more; /api/help lists them all. It answers this
            computer only.
        """)),
    ),
)

NOTEBOOK = About(
    "Notebook",
    _words("""
        Everyone you ever rated, tagged, nicknamed or wrote about, met in a session or not. The driver keys
        act on the entry under the cursor, as on the live screen.
    """),
    (
        ("Filters", _words("""
            [b]r[/b] and [b]t[/b] open a small list: Enter picks, the key before a choice picks it at once
            ([b]r +[/b]: rated up; [b]t 1[/b]: the tag on key 1), Esc closes it and changes nothing. Filters
            and the search add up; the header says which are on, and [b]x[/b] lets them all go.
        """)),
        ("Columns", (
            ("R", "your rating: ▲ up, ● neutral, ▼ down"),
            ("Driver / Nick", "the name they last raced under; your nickname for them"),
            ("Tags", "your tags on them"),
            ("Met / Last met", "sessions you were in together; when you last were"),
            ("Note", "your note"),
        )),
    ),
)

TAGS = About(
    "Tags",
    _words("""
        The tags you put on drivers: the built-in ones (other WOTS tools know them) and your own. Keys 1…9
        tag the driver under the cursor on the live and notebook screens, one tag per key: giving a tag a
        key another tag holds moves the key, and says so; deleting a tag leaves its key to no tag.
    """),
    (
        ("Columns", (
            ("Key", "the key that tags a driver with it"),
            ("Name", "its icon and name, in its colour"),
            ("Category", "racecraft, pace, conduct, people, or mine"),
            ("Kind", "built-in (keeps its name and colour) or yours"),
            ("Drivers", "how many entries of your notebook carry it"),
        )),
    ),
)

STATS = About(
    "Season stats",
    _words("""
        Your career from your racing history (wots-tui fetch or import): one tab per licence category you
        raced, its seasons newest first, then a row per year and one for the whole career, and your iRating
        and safety rating over time. Positions are in your class.
    """),
    (
        ("Filters and sort", _words("""
            [b]y[/b] and [b]s[/b] open a list: a year, or a series (type a few letters to find it); the first
            choice is all of them. [b]o[/b] sorts by any column, and picking the column sorted by again flips
            the order; a click on a column's header does the same. The line above the tabs says what is shown.
        """)),
        ("Columns", (
            ("Season", "year and quarter (S1…S4); hosted and league races by when they ran"),
            ("Series / Class", "the series (or league) and the car class you raced in it"),
            ("Starts / Wins / Top 5", "races started; finished first, in the top five (in class)"),
            ("Poles", "races started first in class"),
            ("Laps / Led", "laps completed; laps led"),
            ("Avg st / Avg fin", "average start and finish, in class"),
            ("Inc/race", "incidents per race"),
            ("iR ± / SR ±", "iRating, safety rating gained or lost over the season (SR within one licence)"),
            ("Points", "championship points: the standings' when fetched, else the races' summed"),
            ("Div / Rank / Div rank", "division (1 is the top); place in the season's standings, overall and in it"),
            ("Weeks", "weeks counted in the standings, else weeks raced"),
        )),
        ("Chart", _words("""
            iRating on the left axis, safety rating on the right; the line under it says whether the iRating
            comes from iRacing's chart data or from your race results. [b]g[/b] hides it, for more rows.
        """)),
    ),
)

SEASON_RACES = About(
    "A season's races",
    _words("""
        Your races of one season row of the stats screen, in your class, newest first. Enter opens a race's
        full result; Esc goes back.
    """),
    (("Columns", (
        ("SOF", "strength of field of your class"),
        ("St → Fin", "where you started and finished, in class"),
        ("Inc / ±iR / Pts", "incidents, iRating gained or lost, championship points"),
    )),),
)
RACE_RESULT = About(
    "A race's result",
    _words("""
        The main event, class by class (the overall winner's class first): a line names each class, its
        strength of field and entries. In a team race each team comes first, its drivers indented under it
        (they share the team's positions). Your row and your team's are highlighted and marked ▶. The driver
        keys act on the driver under the cursor; h opens the head-to-head with them.
    """),
    (("Columns", (
        ("CP / P", "position in class, overall"),
        ("Laps / Led / Inc", "laps completed, laps led, incidents"),
        ("Interval", "behind the class winner (+2L: laps down)"),
        ("Best", "best lap"),
        ("iR / ±iR", "iRating before the race, and its change"),
        ("Out", "why the car stopped, when it did not finish running"),
    )),),
)
RIVALRY = About(
    "Head-to-head",
    _words("""
        You against one driver over every race you both ran (teammates never count): in class when you
        raced in the same class, overall otherwise. The driver keys act on them whichever race is under
        the cursor (i opens their card); Enter opens the race's result.
    """),
    (("Columns", (
        ("In", "compared in class or overall"),
        ("You / Them", "start → finish of each of you"),
        ("Inc", "your incidents / theirs"),
        ("Ahead", "who finished ahead"),
    )),),
)
DRIVER_SEARCH = About(
    "Find a driver",
    _words("""
        Everyone in your imported results, by a part of their name or their whole iRacing id. ↑ ↓ choose,
        Enter opens the head-to-head with them.
    """),
)

# Each screen's help, by the screen's class name: help knows no screen module (they open help).
ABOUT = {"LiveScreen": LIVE, "NotebookScreen": NOTEBOOK, "TagsScreen": TAGS, "StatsScreen": STATS,
         "SeasonRacesScreen": SEASON_RACES, "RaceResultScreen": RACE_RESULT, "RivalryScreen": RIVALRY,
         "DriverSearchScreen": DRIVER_SEARCH}


class HelpScreen(ModalScreen[None]):
    """Help on `topic`, or on the screen beneath it when opened by name (the app's `help`)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,question_mark,q", "dismiss", "Close help")]

    def __init__(self, topic: Screen | None = None) -> None:
        super().__init__()
        self.topic = topic
        self._shown: Screen | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Static(id="help-text")

    def on_screen_resume(self) -> None:
        """Show the topic's help; opened by name, the same screen serves each screen it is opened on."""
        topic = self.topic or next((s for s in reversed(self.app.screen_stack) if s is not self), None)
        if topic is not None and topic is not self._shown:
            self._shown = topic
            self.query_one("#help-text", Static).update(help_for(topic))
            self.query_one(VerticalScroll).scroll_home(animate=False)


def help_for(topic: Screen) -> RenderableType:
    """The topic screen's name and opening line, its keys (from its bindings), then the rest ABOUT says."""
    about = ABOUT.get(type(topic).__name__, About(type(topic).__name__, ""))
    parts: list[RenderableType] = [Text(about.title, style="bold"), Text.from_markup(about.intro)]
    for heading, body in (("Keys", tuple(key_rows(topic))), *about.sections):
        if heading:
            parts.append(Text(f"\n{heading}", style="bold underline"))
        parts.append(Text.from_markup(body) if isinstance(body, str) else _table(body))
    return Group(*parts)


def _table(rows: Sequence[tuple[str, str]]) -> Table:
    table = Table(box=None, show_header=False, padding=(0, 2, 0, 0), expand=False)
    table.add_column(style="bold", no_wrap=True)
    table.add_column(ratio=1)
    for first, second in rows:
        table.add_row(first, second)
    return table


def key_rows(topic: Screen) -> list[tuple[str, str]]:
    """One row per thing a key does, in the order bound, the app's keys last: the keys that do it (`1…9`
    for a run of digits) and what it does."""
    rows: dict[str, list[str]] = {}
    app = topic.app
    for binding in _bindings(topic):
        keys = rows.setdefault(_does(binding), [])
        key = app.get_key_display(binding)
        if key not in keys:
            keys.append(key)
    return [(" ".join(_digit_runs(keys)), does) for does, keys in rows.items()]


def _bindings(topic: Screen) -> Iterable[Binding]:
    """The topic's own bindings, its table's (the keys that move the cursor), then the app's and those that
    act on the app (screens, quit, the palette). Textual's own screen keys are left out."""
    table: list[DOMNode] = [*topic.query(RowTable).results()][:1]
    textual_own = {b.action for b in Binding.make_bindings(Screen.BINDINGS)}

    def place(node: DOMNode, binding: Binding) -> int:
        return 2 if node is topic.app or binding.action.startswith("app.") else 0 if node is topic else 1

    found = [
        (place(node, binding), binding)
        for node in (topic, *table, topic.app)
        for _, binding in node._bindings  # Textual's merged map of the node's bindings: what answers a key
        if not (binding.system or binding.action in textual_own) and (binding.description or binding.tooltip)
    ]
    return [binding for _, binding in sorted(found, key=lambda found: found[0])]  # in bound order within


def _does(binding: Binding) -> str:
    name = binding.action.removeprefix("app.").partition("(")[0]
    return SHARED_ACTIONS.get(name) or binding.tooltip or binding.description


def _digit_runs(keys: list[str]) -> list[str]:
    """`1` … `9` as one `1…9`: the digits a row of keys holds in a run."""
    digits = [k for k in keys if len(k) == 1 and k.isdigit()]
    if len(digits) < 3 or [int(d) for d in digits] != list(range(int(digits[0]), int(digits[-1]) + 1)):
        return keys
    first = keys.index(digits[0])
    others = [k for k in keys if k not in digits]
    return [*others[:first], f"{digits[0]}…{digits[-1]}", *others[first:]]
