"""A file's bytes read as UTF-8 text and as JSON, with one line for the racer saying where they are wrong.

Both imports read files this way: `wots-tui notebook import` (an exported notebook, JSON or CSV) and
`wots-tui import` (saved Data API bodies, and what the seed's scripts wrote: arrays ending in `,]`,
which only that import forgives). Positions are said in the file as it is, counted as a racer counts:
bytes from 0 (as a hex editor shows them), lines and columns from 1.
"""

from __future__ import annotations

import codecs

import orjson


class TextError(ValueError):
    """Bytes that are not the text or JSON they should be; the message is one line (without the file's name)."""


_MAX_TRAILING_COMMAS = 100  # forgiven in one text; past these, the next is said like any other mistake


def utf8_text(data: bytes) -> str:
    """The text of a file's bytes, a byte-order mark dropped; TextError for an empty file, or naming the
    byte (and its line) of the first letter that is not UTF-8, or inside which the file was cut off."""
    body = data.removeprefix(codecs.BOM_UTF8)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        at = error.start + len(data) - len(body)  # in the file, byte-order mark and all
        line = data[:at].count(b"\n") + 1
        if error.reason == "unexpected end of data" and error.end == len(body):
            raise TextError(f"cut off inside a character at byte {at} (line {line})") from None
        raise TextError(f"not UTF-8 text (byte {at}, line {line}): save it as UTF-8") from None
    if not text.strip():
        raise TextError("the file is empty")
    return text


def read_json(data: bytes, *, trailing_commas: bool = False) -> object:
    """The JSON value of a file's bytes (see `utf8_text` and `json_value`)."""
    return json_value(utf8_text(data), trailing_commas=trailing_commas)


def json_value(text: str, *, trailing_commas: bool = False) -> object:
    """The JSON value of a text; TextError saying the line and column where it is wrong, or that it was cut
    off. With `trailing_commas`, a comma before a closing `]` or `}` is forgiven (as DuckDB's reader forgives
    it), and positions are still said in the text as it is."""
    removed: list[int] = []  # where commas were dropped, in the text as it is
    current = text
    while True:
        try:
            return orjson.loads(current)
        except orjson.JSONDecodeError as error:
            at = _in_original(error.pos, removed)
            if trailing_commas and error.msg.startswith("trailing comma") and len(removed) < _MAX_TRAILING_COMMAS:
                removed.append(at)
                current = current[: error.pos] + current[error.pos + 1 :]
                continue
            raise TextError(_where_wrong(text, at, error.msg)) from None


def _in_original(pos: int, removed: list[int]) -> int:
    """A position in the text with commas removed, as a position in the text as it is."""
    for at in sorted(removed):
        if at <= pos:
            pos += 1
    return pos


def _where_wrong(text: str, at: int, what: str) -> str:
    if text.lstrip().startswith("<"):
        return "a web page, not JSON: an error page saved in place of the data?"
    line, column = text.count("\n", 0, at) + 1, at - text.rfind("\n", 0, at)
    if at >= len(text.rstrip()):
        return f"cut off: the JSON ends at line {line} before it is complete"
    return f"not valid JSON at line {line}, column {column} ({what})"


def json_name(value: object) -> str:
    """What JSON calls a parsed value, for a racer's message: "null", "a number", "text", "an object"..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    return "an array" if isinstance(value, list) else "an object"
