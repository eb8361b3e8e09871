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
| `+` `-` `0` | rate the driver under the cursor up, down, neutral |
| `1`…`9` | add or remove the tag on that key (see the tags screen) |
| `n` / `c` | write a note / set a nickname |
| `Enter` | the driver's card: everything known about them, editable |
| `f` | show one class at a time, then all again |
| `s` | sort by position, by class, by iRating |
| `Tab` `F2` `F3` | next screen; the notebook; the tags |
| `Ctrl+P` | the command palette: every action above by name |
| `?` | this help; `Esc` closes it |
| `q` | quit |

## Notebook screen (`F2`)
`/` searches names, nicknames, notes and tags as you type; `r` filters by rating, `t` by tag, `s` sorts by
last met, times met or name; `d` deletes an entry and `u` brings it back. The driver keys above work here too.

## Tags screen (`F3`)
`a` adds a tag of your own, `e` edits it, `Shift+↑/↓` moves a tag, `1`…`9` gives it that key (`0` takes
the key away), `d` deletes one of your own tags.

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

## Overlays
While the app runs, `http://localhost:5820` serves the WOTS local API (the header says where, or `API off`
when the port is taken): `/api/drivers`, `/api/driver?id=`, `/api/notebook`, `/api/session`, `/api/status`,
`/api/stream` and more; `/api/help` lists them all. It answers this computer only.
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Markdown(HELP)
