"""The driver card: everything known about one driver, and their notebook entry to edit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.markup import escape
from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Input, Label, RadioButton, RadioSet, SelectionList, Static, TextArea

from wots_tui.domain.board import Board, BoardRow
from wots_tui.domain.notebook import Catalogue, NoteRecord, in_catalogue_order
from wots_tui.domain.plural import counted
from wots_tui.domain.races import HeadToHead
from wots_tui.domain.sightings import Sighting
from wots_tui.domain.wots_shape import entry_id
from wots_tui.ui.screens.editors import CANCEL, SAVE, Editor
from wots_tui.ui.widgets.crowd_cell import CrowdSection

_RATINGS: tuple[tuple[int | None, str], ...] = ((1, "▲ up"), (0, "● neutral"), (-1, "▼ down"), (None, "not rated"))
NARROW_BELOW = 100  # columns: below this the card's two columns stack
ON, OFF = "✓", " "


class Choice(RadioButton):
    """A radio button whose dot is there only when chosen: on and off differ in shape, not colour alone."""

    @property
    def BUTTON_INNER(self) -> str:  # type: ignore[override]
        return "●" if self.value else " "


class TagChecklist(SelectionList[str]):
    """The tags, each marked ✓ when chosen (not by colour alone)."""

    def __init__(self, catalogue: Catalogue, chosen: tuple[str, ...], *, id: str | None = None) -> None:
        self._names = {tag.id: f"{tag.icon} {tag.name}" for tag in catalogue}
        super().__init__(*((self._prompt(t.id, t.id in chosen), t.id, t.id in chosen) for t in catalogue), id=id)

    def _prompt(self, tag_id: str, on: bool) -> str:
        return f"{ON if on else OFF} {self._names[tag_id]}"

    def on_selection_list_selected_changed(self, event: SelectionList.SelectedChanged) -> None:
        chosen = set(self.selected)
        for index in range(self.option_count):
            tag_id = self.get_option_at_index(index).value
            self.replace_option_prompt_at_index(index, self._prompt(tag_id, tag_id in chosen))


def _when(sighting: Sighting) -> str:
    return sighting.seen_at.astimezone().strftime("%Y-%m-%d %H:%M")


def head_to_head_line(head_to_head: HeadToHead | None) -> str:
    """The card's line on the racer's imported races with the driver (the score as the live H2H column has it)."""
    if head_to_head is None:
        return "[dim]Head-to-head: never raced them in your imported races.[/dim]"
    said = (f"Head-to-head [b]{head_to_head.score}[/b] in {counted(head_to_head.races, 'race')} together "
            f"(you finished ahead in {head_to_head.ahead}, they in {head_to_head.behind})")
    last = []
    if head_to_head.last_race_at is not None:
        last.append(f"{head_to_head.last_race_at.astimezone():%Y-%m-%d}")
    if head_to_head.last_subsession_id is not None:
        last.append(f"subsession {head_to_head.last_subsession_id}")
    return f"{said}; last raced {', '.join(last)}" if last else said


def contact_lines(board: Board, car_idx: int) -> list[str]:
    """The card's lines on each contact this session of the car `car_idx`: when (local time), the lap, who
    with (the other car's driver, or the scenery for a wall hit), how hard where the sim says."""
    names = {row.car_idx: f"{row.name} (AI)" if row.is_ai else row.name for row in board.rows}
    lines = []
    for contact in board.contacts:
        if not contact.involves(car_idx):
            continue
        other = contact.other_than(car_idx)
        who = "the scenery" if other is None else names.get(other, f"car {other}, gone from the session")
        lap = f"lap {contact.lap}" if contact.lap is not None else ""
        hard = f"  ·  force {contact.magnitude}/1000" if contact.magnitude is not None else ""
        lines.append(f"{contact.at.astimezone():%H:%M:%S}  {lap:<7}  with {escape(who)}{hard}")
    return lines


class DriverCard(Editor[dict[str, Any]]):
    """Shows who they are, live and in the notebook; Ctrl+S (or Enter in the nickname) saves the edited entry,
    Escape asks before it discards edits."""

    BINDINGS = [SAVE, CANCEL]

    def __init__(self, record: NoteRecord, row: BoardRow | None, catalogue: Catalogue, met: list[Sighting],
                 contacts: Sequence[str] = ()) -> None:
        """`contacts`: the lines of `contact_lines` on the driver's contacts this session (none: no part)."""
        super().__init__()
        self.record = record
        self.row = row
        self.catalogue = catalogue
        self.met = met
        self.contacts = contacts

    def compose_body(self) -> ComposeResult:
        record = self.record
        with VerticalScroll(id="card-box", classes="dialog"):
            yield Label(self._title(), classes="dialog-title")
            yield Static(self._facts(), id="card-facts")
            yield Static(id="card-h2h")
            if self.row is not None and self.row.crowd is not None:
                yield CrowdSection(self.row.crowd, id="card-crowd")
            with Horizontal(id="card-columns"):
                with Vertical(id="card-left"):
                    yield Label("Rating", classes="card-label")
                    with RadioSet(id="card-rating"):
                        for value, label in _RATINGS:
                            yield Choice(label, value=record.rating == value)
                    yield Label("Nickname", classes="card-label")
                    yield Input(record.nickname, max_length=40, select_on_focus=False, id="card-nickname")
                    yield Label("Note", classes="card-label")
                    yield TextArea(record.note, id="card-note", soft_wrap=True)
                with Vertical(id="card-right"):
                    yield Label("Tags", classes="card-label")
                    yield TagChecklist(self.catalogue, record.tag_ids, id="card-tags")
            if self.contacts:
                yield Label("Contacts this session", classes="card-label")
                yield Static("\n".join(self.contacts), id="card-contacts")
            yield Label("Met", classes="card-label")
            yield Static(self._meetings(), id="card-met")

    def on_mount(self) -> None:
        self.query_one("#card-box").can_focus = False  # Tab goes from field to field, not to the scrolling box
        self.query_one(RadioSet).focus()
        self.run_worker(self._show_head_to_head(), group="head-to-head", exit_on_error=False)

    async def _show_head_to_head(self) -> None:
        """The row's head-to-head; off the live screen (no row), the history's answer for this driver. Nothing
        when no racing history is stored."""
        line = self.query_one("#card-h2h", Static)
        history = self.app.engine.history  # type: ignore[attr-defined]
        line.display = history.racer is not None
        if line.display:
            known = self.row.head_to_head if self.row is not None else await history.head_to_head(self.record.key)
            line.update(head_to_head_line(known))

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.width < NARROW_BELOW, "-narrow")

    def _title(self) -> str:
        name = escape(self.record.name or "unknown driver")
        nickname = f"  “{escape(self.record.nickname)}”" if self.record.nickname else ""
        platform, driver_id = self.record.key
        who = f"Steam {driver_id}" if platform == "ams2" else entry_id(self.record.key)
        return f"[b]{name}[/b]{nickname}  [dim]{platform} {who}[/dim]"

    def _facts(self) -> str:
        parts = []
        row = self.row
        if row is not None:
            number = f"#{escape(row.car_number)}  " if row.car_number else ""
            parts.append(f"{number}{escape(row.car_class.name)}")
            if row.licence is not None:
                parts.append(row.licence.label)
            if row.irating:
                parts.append(f"iR {row.irating}")
            if row.position:
                parts.append(f"P{row.position} (class P{row.class_position})")
        elif self.record.car_number:
            parts.append(f"#{escape(self.record.car_number)}")
        parts.append(f"met {self.record.seen_count}×")
        if self.record.voted_at is not None:
            parts.append(f"rated {self.record.voted_at.astimezone():%Y-%m-%d}")
        if self.record.subsession_id:
            parts.append(f"noted in subsession {self.record.subsession_id}")
        return "  ·  ".join(parts)

    def _meetings(self) -> str:
        if not self.met:
            return "[dim]Not met in any session this notebook saw.[/dim]"
        lines = []
        for s in self.met:
            rating = f"iR {s.irating}" if s.irating else ""
            lines.append(f"{_when(s)}  {escape(s.track):<28} {escape(s.session_type):<10} {escape(s.car_class):<6} {rating}")
        return "\n".join(lines)

    def edited(self) -> dict[str, Any]:
        """The fields the racer changed, with their new values."""
        pressed = self.query_one(RadioSet).pressed_index
        rating = _RATINGS[pressed][0] if pressed >= 0 else self.record.rating
        wanted = {
            "rating": rating,
            "nickname": self.query_one("#card-nickname", Input).value.strip(),
            "note": self.query_one("#card-note", TextArea).text.strip(),
            "tag_ids": in_catalogue_order(self.query_one(TagChecklist).selected, self.catalogue),
        }
        return {name: value for name, value in wanted.items() if getattr(self.record, name) != value}

    def changed(self) -> bool:
        return bool(self.edited())
