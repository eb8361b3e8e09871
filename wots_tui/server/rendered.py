"""Documents serialised once per version and served as the same bytes until the version changes."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson


@dataclass(frozen=True, slots=True)
class Rendered:
    """A document's JSON bytes and their entity tag.

    The tag is a hash of the bytes, not a version number: versions start again at 1 when the app
    restarts, and a client holding an old tag must not be told "not modified" about new content.
    """

    body: bytes
    etag: str
    headers: Mapping[str, str]  # of a 200 and of a 304 alike, built once (every request sends them)

    @classmethod
    def of(cls, document: Any) -> Rendered:
        body = orjson.dumps(document)
        etag = f'"{hashlib.blake2b(body, digest_size=8).hexdigest()}"'
        return cls(body, etag, {"Content-Type": "application/json", "ETag": etag, "Cache-Control": "no-cache"})



def etag_matches(etag: str, if_none_match: str | None) -> bool:
    """Whether an If-None-Match header names this tag (weak tags compare equal, `*` matches all)."""
    if not if_none_match:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in tags or etag in tags


class RenderCache:
    """Rendered documents by name, each kept until its version changes.

    Names are few and fixed (one per endpoint) except single drivers, one per id asked for; the cache
    forgets everything when it grows past `limit`, so scanning ids cannot fill memory.
    """

    def __init__(self, limit: int = 512) -> None:
        self._limit = limit
        self._entries: dict[Hashable, tuple[Hashable, Rendered]] = {}

    def get(self, name: Hashable, version: Hashable, build: Callable[[], Any]) -> Rendered:
        rendered = self._cached(name, version)
        return rendered if rendered is not None else self._keep(name, version, Rendered.of(build()))

    async def get_awaiting(self, name: Hashable, version: Hashable, build: Callable[[], Awaitable[Any]]) -> Rendered:
        """Like `get`, for documents that need an answer from the store first."""
        rendered = self._cached(name, version)
        return rendered if rendered is not None else self._keep(name, version, Rendered.of(await build()))

    def _cached(self, name: Hashable, version: Hashable) -> Rendered | None:
        cached = self._entries.get(name)
        return cached[1] if cached is not None and cached[0] == version else None

    def _keep(self, name: Hashable, version: Hashable, rendered: Rendered) -> Rendered:
        if len(self._entries) >= self._limit:
            self._entries.clear()
        self._entries[name] = (version, rendered)
        return rendered
