"""The notebook as CSV: one row per entry, the WOTS notebook object's fields flattened (tags as ids)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from wots_tui.domain.wots_shape import Json, ShapeError

COLUMNS = (
    "custId", "platform", "name", "customName", "carNumber", "seenCount", "userRep", "userNote", "userTags",
    "votedAt", "updatedAt", "lastMet", "sessionId", "subsessionId",
)
_INTEGERS = {"custId", "seenCount", "userRep", "sessionId", "subsessionId"}


def to_csv(entries: Iterable[Json]) -> str:
    """Notebook objects (from `wots_shape.notebook_object`) as CSV text."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for entry in entries:
        row = {k: ("" if v is None else v) for k, v in entry.items()}
        row["userTags"] = " ".join(tag["id"] for tag in entry["userTags"])
        writer.writerow(row)
    return out.getvalue()


def from_csv(text: str) -> Json:
    """CSV text as a WOTS notebook document, to be read by `wots_shape.records_from_document`."""
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None or "custId" not in reader.fieldnames:
        raise ShapeError("not a notebook CSV: the first line must name the columns, custId among them")
    entries = {}
    for line, row in enumerate(reader, start=2):
        entries[f"line {line}"] = _entry(row, line)
    return {"entries": entries}


def _entry(row: dict[str, Any], line: int) -> Json:
    entry: Json = {}
    for name, text in row.items():
        if name is None:
            raise ShapeError(f"line {line}: more cells than columns")
        text = (text or "").strip() if name != "userNote" else (text or "")
        if text == "":
            entry[name] = None
        elif name in _INTEGERS:
            try:
                entry[name] = int(text)
            except ValueError:
                raise ShapeError(f"line {line}: {name} must be a whole number, not {text!r}") from None
        elif name == "userTags":
            entry[name] = text.split()
        else:
            entry[name] = text
    return entry
