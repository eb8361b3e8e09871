"""Words as the racer reads them."""

from __future__ import annotations


def sentence(words: str) -> str:
    """`words` starting with a capital letter (the rest as written: names and ids keep their case)."""
    return words[:1].upper() + words[1:]
