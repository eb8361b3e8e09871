"""How many of a thing, said as the commands' lines say it: "1 race", "56,800 driver results"."""

from __future__ import annotations


def counted(n: int, one: str, many: str | None = None) -> str:
    """`n` and the word for one or for many of them (`one` + "s" unless said)."""
    return f"{n:,} {one if n == 1 else many or one + 's'}"
