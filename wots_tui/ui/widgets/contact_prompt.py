"""The contact prompt: one line above the live screen's footer after the racer's car touched another human's.

It never takes the focus and never blocks: the table keeps its keys and the board keeps updating. While it
shows, + and - rate the driver it names (the live screen asks `offered`); it goes away by itself.

Which contacts are new is decided here from the Board alone (`NewContacts`), so it works the same for every
source that reports contacts: AMS2's Impact events, iRacing's 4x proposed against the nearest car.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.timer import Timer
from textual.widgets import Static

from wots_tui.domain.board import Board
from wots_tui.domain.notebook import Key

SHOW_SECONDS = 10.0  # then the prompt goes away by itself


@dataclass(frozen=True, slots=True)
class Offer:
    """The driver a contact prompt offers to rate."""

    key: Key
    name: str
    lap: int | None


class NewContacts:
    """Remembers the newest contact seen, and says which of a Board's contacts came since.

    The first session seen counts as seen already (the contacts there when the screen first saw the board
    prompt nothing); a new session (another session or meeting, or serials that went back: they start at 1
    in each session) starts from none seen.
    """

    def __init__(self) -> None:
        self._session: tuple[object, ...] | None = None
        self._seen = 0
        self.new_session = False  # the last Board offered was of another session than the one before

    def offer(self, board: Board) -> Offer | None:
        """The newest new contact of the racer's car with another human car, as an offer to rate them.

        Cheap when nothing is new (every Board asks): a tuple and two numbers compared."""
        facts = board.facts
        self.new_session = False
        if facts is None:
            return None
        session = (facts.session_id, facts.session_num, facts.meeting)
        newest = board.contacts[-1].serial if board.contacts else 0
        first_sight = self._session is None
        if session != self._session or newest < self._seen:
            self._seen = newest if first_sight else 0
            self.new_session = not first_sight
            self._session = session
        if newest <= self._seen:
            return None
        fresh = [c for c in board.contacts if c.serial > self._seen]
        self._seen = newest
        player = next((row for row in board.rows if row.is_player), None)
        if player is None:
            return None
        by_car = {row.car_idx: row for row in board.rows}
        for contact in reversed(fresh):
            other_idx = contact.other_than(player.car_idx)  # None: a wall hit, or a contact of other cars
            other = by_car.get(other_idx) if other_idx is not None else None
            if other is not None and not other.is_ai:
                return Offer(other.key, other.name, contact.lap)
        return None


class ContactPrompt(Static):
    """`show_offer` puts the line up (for SHOW_SECONDS); `withdraw` takes it down."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self.offered: Offer | None = None
        self._timer: Timer | None = None
        self.display = False

    def show_offer(self, offer: Offer) -> None:
        self.offered = offer
        lap = f", lap {offer.lap}" if offer.lap is not None else ""
        line = Text.assemble(("Contact with ", ""), (offer.name, "bold"), f"{lap}:  ",
                             ("+", "bold"), " rate up  ", ("-", "bold"), " rate down  ", ("Esc", "bold"), " dismiss")
        self.update(line)
        self.display = True
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(SHOW_SECONDS, self.withdraw)

    def withdraw(self) -> None:
        self.offered = None
        self.display = False
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
