"""Formatting of lap times, gaps and rating changes the way timing screens show them."""

from __future__ import annotations


def lap_time(seconds: float | None) -> str:
    """1:23.456 for a lap; blank when the sim has no time (None or <= 0)."""
    if seconds is None or seconds <= 0:
        return ""
    minutes, rest = divmod(seconds, 60)
    if minutes:
        return f"{int(minutes)}:{rest:06.3f}"
    return f"{rest:.3f}"


def gap(seconds: float | None, laps: int) -> str:
    if laps >= 1:
        return f"+{laps}L"
    if seconds is None:
        return ""
    if seconds == 0:
        return "-"
    if seconds < 100:
        return f"+{seconds:.1f}"
    minutes, rest = divmod(round(seconds, 1), 60)  # rounded first: 119.97 is +2:00.0, not +1:60.0
    return f"+{int(minutes)}:{rest:04.1f}"


def signed_int(value: float | None) -> str:
    if value is None:
        return ""
    rounded = round(value)
    return f"{rounded:+d}" if rounded else "0"

