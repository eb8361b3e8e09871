"""Tasks that must finish before the app closes the store (writes, loads), and reporting those that fail."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")


class Background:
    """Keeps each task until it is done, so that `finish` can wait for all of them."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Future[Any]] = set()

    def run(self, work: Awaitable[T], failed: Callable[[BaseException], None] | None = None) -> asyncio.Future[T]:
        """Run `work` as a task; `failed` is called with its error, if it raises (it is logged either way)."""
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(lambda done: _report(done, failed))
        return task

    async def finish(self) -> None:
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)


def _report(task: asyncio.Future[Any], failed: Callable[[BaseException], None] | None) -> None:
    if task.cancelled() or (error := task.exception()) is None:
        return
    log.error("a background task failed", exc_info=error)
    if failed is not None:
        failed(error)
