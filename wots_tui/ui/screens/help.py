"""The help screen: keys and what each column means."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

HELP = """\
# wots-tui

## Keys
| key | does |
|---|---|
| `↑` `↓` / `k` `j` | move the cursor (it follows its driver as positions change) |
| `PgUp` `PgDn` `Home` `End` | move by a page, to the top, to the bottom |
| `f` | show one class at a time, then all again |
| `s` | sort by position, by class, by iRating |
| `?` | this help; `Esc` closes it |
| `q` | quit |

## Columns
| column | meaning |
|---|---|
| P / CP | overall and class position |
| # | car number |
| Driver / Nick | name in the sim; your nickname for them |
| Class | car class, in the sim's colour |
| Lic | licence letter and safety rating |
| iR / ±iR | iRating; estimated change if the race ended now (official races, per class) |
| Lap | lap the car is on |
| Gap | to the class leader (race) or to the class's best lap (practice, qualifying) |
| Last / Best | last and best lap times |
| Pit | on pit road |
| R / Tags / Met / Note | your rating, tags, times met and note from your notebook |

Your own row is highlighted.
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Markdown(HELP)
