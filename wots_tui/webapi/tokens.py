"""The OAuth tokens between runs: one JSON file, only ever replaced whole, and a lock beside it.

iRacing's refresh tokens are single-use, so the newest must never be lost: `TokenFile.save` writes a
temporary file (created 0600) in the same folder and moves it over the old one, and the processes sharing
the file refresh one at a time under `TokenFile.lock()`. The lock is a file made with O_EXCL (no fcntl or
msvcrt: it works the same on Windows); one left by a process that died is broken once it is `STALE_AFTER`
seconds old, longer than any login or refresh holds it (the lock is held for one token answer, which
auth.py gives up on after 30 s; credentials are asked for before it is taken). A waiter says once, after
`SAY_WAIT_AFTER` seconds, whose lock it waits for.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from wots_tui.webapi.errors import LoginError

log = logging.getLogger(__name__)

STALE_AFTER = 45.0  # seconds; a lock older than this was left by a process that is gone
SAY_WAIT_AFTER = 1.0  # seconds a waiter waits before it says whose lock it waits for
POLL = 0.05  # seconds between looks at a lock another process holds
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL  # fails if the file exists: no one else's is overwritten
REPLACE_TRIES = 20  # Windows refuses to replace a file another process has open for a moment


@dataclass(frozen=True, slots=True)
class Tokens:
    """What a grant answered, with absolute expiry times (epoch seconds); `repr` shows no token."""

    access_token: str = field(repr=False)
    access_expires_at: float
    refresh_token: str | None = field(default=None, repr=False)
    refresh_expires_at: float | None = None  # None: the server gave no lifetime
    client_id: str = ""  # the client the tokens were issued to: a refresh must name it
    confidential: bool = True  # whether that client has a secret (a refresh must send it, masked)

    def access_usable(self, now: float, margin: float) -> bool:
        return self.access_expires_at - margin > now

    def refresh_usable(self, now: float, margin: float) -> bool:
        if not self.refresh_token:
            return False
        return self.refresh_expires_at is None or self.refresh_expires_at - margin > now


_KINDS = {"access_token": str, "access_expires_at": (int, float), "client_id": str, "confidential": bool}
_OPTIONAL = {"refresh_token": str, "refresh_expires_at": (int, float)}


def _tokens_from(data: Any) -> Tokens | None:
    """Tokens from the file's JSON, or None when it is not what `save` writes."""
    if not isinstance(data, dict) or set(data) != {f.name for f in fields(Tokens)}:
        return None
    for name, kind in _KINDS.items():
        if not isinstance(data[name], kind):
            return None
    for name, kind in _OPTIONAL.items():
        if data[name] is not None and not isinstance(data[name], kind):
            return None
    return Tokens(**data)


class TokenFile:
    """The token file at `path` (the data folder's iracing-token.json in the app)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock_path = path.with_name(path.name + ".lock")

    def load(self) -> Tokens | None:
        """The stored tokens; None when there are none, or the file is damaged (a login replaces it)."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as error:
            raise LoginError(f"cannot read the iRacing token file {self.path}: {_reason(error)}") from None
        try:
            tokens = _tokens_from(json.loads(text))
        except ValueError:
            tokens = None
        if tokens is None:
            log.warning("token file %s is not one wots-tui wrote; the next login replaces it", self.path)
        return tokens

    def save(self, tokens: Tokens) -> None:
        """Replace the file with `tokens` at once: a reader sees the old file or the new, never a part."""
        data = json.dumps(asdict(tokens), indent=2).encode("utf-8")
        temporary = self.path.with_name(f".{self.path.name}.{secrets.token_hex(6)}.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(temporary, _NEW_FILE | getattr(os, "O_BINARY", 0), 0o600)
            with os.fdopen(descriptor, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            _replace(temporary, self.path)
        except OSError as error:
            temporary.unlink(missing_ok=True)
            raise LoginError(f"cannot save the iRacing login to {self.path}: {_reason(error)}") from None

    def remove(self) -> bool:
        """Forget the tokens (`wots-tui logout`); whether there was a file to remove."""
        try:
            self.path.unlink()
        except FileNotFoundError:
            return False
        except OSError as error:
            raise LoginError(f"cannot remove the iRacing token file {self.path}: {_reason(error)}") from None
        return True

    def lock(
        self, stale_after: float = STALE_AFTER, on_wait: Callable[[str], None] | None = None
    ) -> FileLock:
        """Held by one process at a time; `async with` waits for it without blocking the loop, and tells
        `on_wait` (and the log) once if it waits long."""
        return FileLock(self.lock_path, stale_after, on_wait)


class FileLock:
    """A lock file made with O_EXCL; it holds the owner's pid and a random tag, and never a token."""

    def __init__(self, path: Path, stale_after: float, on_wait: Callable[[str], None] | None = None) -> None:
        self.path = path
        self.stale_after = stale_after
        self._on_wait = on_wait
        self._tag = f"pid {os.getpid()} {secrets.token_hex(8)}\n"

    def acquire_once(self) -> bool:
        """Take the lock if it is free, or stale (broken, then taken); whether it is now ours."""
        return self._created() or (self._break_if_stale() and self._created())

    def _created(self) -> bool:
        """Make the lock file with our tag; False when it exists."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(self.path, _NEW_FILE, 0o600)
        except FileExistsError:
            return False
        except OSError as error:
            raise LoginError(f"cannot lock the iRacing token file ({self.path}): {_reason(error)}") from None
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(self._tag)
        return True

    def release(self) -> None:
        """Remove the lock file if it is still ours (not broken as stale and taken by another since)."""
        try:
            if self.path.read_text(encoding="utf-8") == self._tag:
                self.path.unlink()
        except OSError:
            pass

    def _stale(self, path: Path) -> bool:
        return time.time() - path.stat().st_mtime > self.stale_after

    def _break_if_stale(self) -> bool:
        """Remove a lock its owner left behind when it died; whether one was removed (or was gone already).

        It is renamed away, then looked at again: one that turns out fresh was a new owner's, taken
        between the look and the rename by a waiter that broke the same stale lock, and is put back.
        """
        broken = self.path.with_name(f"{self.path.name}.{secrets.token_hex(6)}.stale")
        try:
            if not self._stale(self.path):
                return False
            os.replace(self.path, broken)
            if not self._stale(broken):
                os.replace(broken, self.path)
                return False
        except FileNotFoundError:  # gone already: its owner released it, or another waiter broke it
            return True
        except OSError:
            return False
        log.warning("removed a stale token lock (%s) left by a process that stopped", self.path)
        broken.unlink(missing_ok=True)
        return True

    def _holder(self) -> str:
        """The pid the lock file names ("?" when it cannot be read: it was just released or broken)."""
        try:
            words = self.path.read_text(encoding="utf-8").split()
        except OSError:
            return "?"
        return words[1] if len(words) > 1 and words[0] == "pid" else "?"

    def _say_waiting(self) -> None:
        line = (
            f"waiting for another wots-tui (pid {self._holder()}) to finish its iRacing login; "
            f"a lock it left behind ({self.path}) is broken after {self.stale_after:.0f} s"
        )
        log.info("%s", line)
        if self._on_wait is not None:
            self._on_wait(line)

    async def __aenter__(self) -> Self:
        waiting_since, said = time.monotonic(), False
        while not self.acquire_once():
            if not said and time.monotonic() - waiting_since >= SAY_WAIT_AFTER:
                self._say_waiting()
                said = True
            await asyncio.sleep(POLL)
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.release()


def _replace(source: Path, target: Path) -> None:
    for _ in range(REPLACE_TRIES - 1):
        try:
            os.replace(source, target)
            return
        except PermissionError:  # Windows: a reader has the old file open for a moment
            time.sleep(POLL)
    os.replace(source, target)


def _reason(error: OSError | UnicodeDecodeError) -> str:
    if isinstance(error, UnicodeDecodeError):
        return "not UTF-8 text"
    return error.strerror or type(error).__name__
