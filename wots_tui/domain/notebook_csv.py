"""The notebook as CSV: one row per entry, the WOTS notebook object's fields flattened (tags as ids).

Reading is strict: a file cut inside a quoted cell, or a row with fewer cells than the header (a file
cut mid-row), is refused with its line, never read as far as it goes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from wots_tui.domain.notebook import NoteRecord, Tag
from wots_tui.domain.wots_shape import Json, ShapeError, records_from_document

COLUMNS = (
    "custId", "platform", "name", "customName", "carNumber", "seenCount", "userRep", "userNote", "userTags",
    "votedAt", "updatedAt", "lastMet", "lastMetIn", "sessionId", "subsessionId",
)
_INTEGERS = {"custId", "seenCount", "userRep", "sessionId", "subsessionId"}


def to_csv(entries: Iterable[Json]) -> str:
    """Notebook objects (from `wots_shape.notebook_document`) as CSV text."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for entry in entries:
        row = {k: ("" if v is None else v) for k, v in entry.items()}
        row["userTags"] = " ".join(tag["id"] for tag in entry["userTags"])
        writer.writerow(row)
    return out.getvalue()


def records_from_csv(text: str) -> tuple[list[NoteRecord], list[Tag]]:
    """The records and tags of a notebook CSV; ShapeError naming the line of the first thing wrong."""
    return records_from_document(from_csv(text), named=str)


def from_csv(text: str) -> Json:
    """CSV text as a WOTS notebook document (entries named by their first line: `line 4`)."""
    first_line = text.partition("\n")[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","  # Excel's, where a comma is decimal
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=True)
    header = [name.strip() for name in _next_row(reader, 1) or []]
    if "custId" not in header:
        raise ShapeError("line 1: not a notebook CSV: the first line must name the columns, custId among them")
    for name in header:
        if name not in COLUMNS or header.count(name) > 1:
            why = "twice" if name in COLUMNS else f"not a notebook column (columns: {', '.join(COLUMNS)})"
            raise ShapeError(f"line 1: column {name!r} is {why}")
    rows, line = [], reader.line_num + 1
    while (cells := _next_row(reader, line)) is not None:
        if any(cell.strip() for cell in cells):  # blank rows (a spreadsheet's trailing ones) are no entries
            rows.append((f"line {line}", cells))
        line = reader.line_num + 1
    last = len(rows) - 1
    return {"entries": {where: _entry(header, cells, where, i == last) for i, (where, cells) in enumerate(rows)}}


def _next_row(reader: Any, line: int) -> list[str] | None:
    """The next row, or None at the end; a quote left open is the file cut inside a quoted cell."""
    try:
        return next(reader)
    except StopIteration:
        return None
    except csv.Error as error:
        if "unexpected end of data" in str(error):
            raise ShapeError(f"line {line}: cut off inside a quoted cell (a \" opened and never closed)") from None
        raise ShapeError(f"line {reader.line_num}: not CSV ({error})") from None


def _entry(header: list[str], cells: list[str], where: str, last: bool) -> Json:
    if len(cells) > len(header):
        raise ShapeError(f"{where}: {len(cells)} cells, more than the {len(header)} columns")
    if len(cells) < len(header):
        cut = "the file is cut off mid-row" if last else "a row cut short"
        raise ShapeError(f"{where}: {len(cells)} of the {len(header)} cells: {cut}")
    entry: Json = {}
    for name, cell in zip(header, cells, strict=True):
        text = cell if name == "userNote" else cell.strip()
        if text == "":
            entry[name] = None
        elif name in _INTEGERS:
            try:
                entry[name] = int(text)
            except ValueError:
                raise ShapeError(f"{where}: {name} must be a whole number, not {text!r}") from None
        elif name == "userTags":
            entry[name] = text.split()
        else:
            entry[name] = text
    return entry
