"""Driver keys as DuckDB takes them in bulk: two parallel lists, unnested side by side."""

from __future__ import annotations

from collections.abc import Iterable

from wots_tui.domain.notebook import Key


def key_columns(keys: Iterable[Key]) -> list[list]:
    """[platforms, driver ids] of `keys`, for `(platform, driver_id) IN (SELECT (unnest(?), unnest(?)))`."""
    platforms, ids = [], []
    for platform, driver_id in keys:
        platforms.append(platform)
        ids.append(driver_id)
    return [platforms, ids]
