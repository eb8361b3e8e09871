"""Rating maths racers expect on a live screen: strength of field, iRating change, licence.

Sources: SOF as iRacing's exponential mean;
the iRating change is the community spreadsheet formula (SIMRacingApps #209 -> Turbo87/irating-rs).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

from wots_tui.domain.models import Licence

BR1 = 1600 / math.log(2)

LICENCE_COLOURS: dict[str, str] = {
    "R": "#fc0706",
    "D": "#fc8a27",
    "C": "#feec04",
    "B": "#00c702",
    "A": "#0153db",
    "P": "#a855f7",  # iRacing uses black for Pro; unreadable on a dark terminal, so purple as peers do
    "W": "#a1a1aa",
}
_LEVEL_LETTERS = "RDCBAP"  # LicLevel 1-4 R, 5-8 D, 9-12 C, 13-16 B, 17-20 A, 21-24 P
_LIC_STRING = re.compile(r"([A-Z])\s*(\d+\.\d+)")


def strength_of_field(iratings: Sequence[int]) -> int | None:
    """iRacing's SOF of a field; drivers without a rating (iR <= 0) do not count. None for no rated driver."""
    rated = [ir for ir in iratings if ir > 0]
    if not rated:
        return None
    return round(BR1 * math.log(len(rated) / sum(2 ** (-ir / 1600) for ir in rated)))


def _chance(a: float, b: float) -> float:
    """Probability that a driver rated `a` finishes ahead of one rated `b`."""
    ea, eb = math.exp(-a / BR1), math.exp(-b / BR1)
    return ((1 - ea) * eb) / ((1 - eb) * ea + (1 - ea) * eb)


@lru_cache(maxsize=32)
def _expected_scores(iratings: tuple[int, ...]) -> Mapping[int, float]:
    """Each iRating's expected score against the field (itself included, less the half it scores on itself).

    It depends only on the field's iRatings, not on the running order, so a live race, whose order
    changes every few seconds but whose field does not, computes it once per class.
    """
    return MappingProxyType({a: sum(_chance(a, b) for b in iratings) - 0.5 for a in set(iratings)})


@dataclass(frozen=True, slots=True)
class Entrant:
    irating: int
    position: int  # 1-based finishing (or current) position within the class
    started: bool = True


def irating_changes(entrants: Sequence[Entrant]) -> list[float]:
    """Estimated iRating change of each entrant, in input order.

    Non-starters share the starters' net loss in proportion to their expected score.
    """
    n = len(entrants)
    if n < 2:
        return [0.0] * n
    starters = sum(1 for e in entrants if e.started)
    non_starters = n - starters
    by_irating = _expected_scores(tuple(sorted(e.irating for e in entrants)))
    expected = [by_irating[e.irating] for e in entrants]
    changes = [0.0] * n
    for i, e in enumerate(entrants):
        if e.started:
            fudge = ((n - non_starters / 2) / 2 - e.position) / 100
            changes[i] = (n - e.position - expected[i] - fudge) * 200 / starters
    if non_starters and starters:
        starters_sum = sum(c for c, e in zip(changes, entrants) if e.started)
        ns_expected = [x for x, e in zip(expected, entrants) if not e.started]
        mean_ns_expected = sum(ns_expected) / len(ns_expected)
        for i, e in enumerate(entrants):
            if not e.started:
                changes[i] = (-starters_sum / non_starters) * expected[i] / mean_ns_expected
    return changes


def licence_from(lic_string: str | None, lic_level: int | None, lic_sub_level: int | None) -> Licence | None:
    """Licence from the session YAML: LicString when it parses, else LicLevel/LicSubLevel (old SDKs)."""
    if lic_string:
        match = _LIC_STRING.search(lic_string)
        if match:
            letter = match.group(1)
            return Licence(letter, float(match.group(2)), LICENCE_COLOURS.get(letter, LICENCE_COLOURS["W"]))
    if lic_level and lic_level > 0:
        letter = _LEVEL_LETTERS[min((lic_level - 1) // 4, len(_LEVEL_LETTERS) - 1)]
        rating = (lic_sub_level or 0) / 100
        return Licence(letter, rating, LICENCE_COLOURS[letter])
    return None
