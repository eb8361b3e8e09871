"""The line-API table and its paged rows: what repaints, and pages asked for once each."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from textual.app import App, ComposeResult

from wots_tui.ui.widgets.paged_rows import PagedRows
from wots_tui.ui.widgets.row_table import Column, RowTable


@dataclass(frozen=True)
class Row:
    pos: str
    name: str
    me: bool = False


COLUMNS = (Column("P", 3, lambda r: (r.pos, None)), Column("Driver", 20, lambda r: (r.name, None)), Column("Note", 0, lambda r: ("", None)))


class Harness(App[None]):
    def compose(self) -> ComposeResult:
        yield RowTable(COLUMNS, key=lambda r: r.name, highlight=lambda r: r.me)


def dirty(table: RowTable) -> list:  # type: ignore[type-arg]
    return sorted(table._repaint_regions)  # Textual's own record of what it will repaint


async def test_only_changed_cells_repaint_and_a_moved_highlight_repaints_its_whole_lines():
    async with Harness().run_test(size=(60, 10)) as pilot:
        table = pilot.app.query_one(RowTable)
        table.show([Row("1", "A"), Row("2", "B"), Row("3", "C", me=True)])
        await pilot.pause()
        table.show([Row("1", "A"), Row("2", "B"), Row("3", "C", me=True)])  # equal rows, new objects
        assert dirty(table) == []
        table.show([Row("1", "A"), Row("2", "Bee"), Row("3", "C", me=True)])
        assert [(r.y, r.x) for r in dirty(table)] == [(2, 5)]  # the Driver cell of line 2 alone
        await pilot.pause()
        table.show([Row("1", "A"), Row("2", "C", me=True), Row("3", "Bee")])  # the racer passes a car
        assert {(r.y, r.x, r.width) for r in dirty(table)} == {(2, 0, 60), (3, 0, 60)}


def test_paged_rows_ask_for_each_page_once_and_again_after_a_failure():
    asked: list[int] = []
    rows = PagedRows(250, 100, ["r0"] + [f"r{i}" for i in range(1, 100)], asked.append, keep=2)
    assert len(rows) == 250 and rows[5] == "r5"
    assert rows[150] is None and rows[199] is None and asked == [100]  # on its way: asked once
    rows.failed(100)
    assert rows[120] is None and asked == [100, 100]
    rows.arrived(100, [f"r{i}" for i in range(100, 200)])
    assert rows[150] == "r150"
    assert rows[249] is None and asked[-1] == 200
    rows.arrived(200, [f"r{i}" for i in range(200, 250)])
    assert rows[249] == "r249" and rows[0] is None and asked[-1] == 0  # only the two pages used last are kept
    with pytest.raises(IndexError):
        rows[250]
    assert [r for r in rows if r is not None][-1] == "r249"  # iterable, as a sequence is
