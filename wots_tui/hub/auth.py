"""Voters' tokens: `<voterId>.<secret>`, the secret random, only its sha256 kept, compared in constant time."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from wots_tui.domain.crowd import INT64_MAX

SECRET_BYTES = 32
_NO_SUCH_VOTER = hashlib.sha256(b"no such voter").digest()  # compared against, so an unknown id costs the same


class BadToken(Exception):
    """A missing or malformed token, or one the hub did not issue; the message never holds the token."""


def new_secret() -> tuple[str, bytes]:
    """A fresh secret and the hash that is stored of it."""
    secret = secrets.token_urlsafe(SECRET_BYTES)
    return secret, secret_hash(secret)


def secret_hash(secret: str) -> bytes:
    return hashlib.sha256(secret.encode("utf-8")).digest()


def token_of(voter_id: int, secret: str) -> str:
    return f"{voter_id}.{secret}"


def bearer(header: str | None) -> tuple[int, str]:
    """(voter id, secret) from an Authorization header; BadToken when it is not `Bearer <voterId>.<secret>`."""
    if not header:
        raise BadToken("this needs a voter's token: Authorization: Bearer <token> (POST /v1/voters issues one)")
    scheme, _, token = header.partition(" ")
    voter, dot, secret = token.strip().partition(".")
    if scheme.lower() != "bearer" or not dot or not secret or not (voter.isascii() and voter.isdigit()) or len(voter) > 19:
        raise BadToken("the Authorization header is not Bearer <voterId>.<secret>")
    voter_id = int(voter)
    if not 0 < voter_id <= INT64_MAX:
        raise BadToken("the Authorization header is not Bearer <voterId>.<secret>")
    return voter_id, secret


class KnownHashes:
    """The stored hashes of voters' tokens, each read from the database once: a voter's token never changes,
    so a request need not ask for it again. Bounded; the oldest read is forgotten first. A token that does
    not match is checked against the database again (a database made anew reuses voter ids)."""

    def __init__(self, size: int = 100_000) -> None:
        self._size = size
        self._hashes: dict[int, bytes] = {}

    def get(self, voter_id: int) -> bytes | None:
        return self._hashes.get(voter_id)

    def add(self, voter_id: int, stored: bytes) -> None:
        if len(self._hashes) >= self._size:
            del self._hashes[next(iter(self._hashes))]
        self._hashes[voter_id] = stored


def matches(secret: str, stored: bytes) -> bool:
    """Whether `secret` hashes to `stored`, compared in constant time."""
    return hmac.compare_digest(secret_hash(secret), stored)


def check_secret(secret: str, stored: bytes | None) -> None:
    """BadToken unless `secret` hashes to `stored` (None: no such voter; compared all the same)."""
    if not matches(secret, stored if stored is not None else _NO_SUCH_VOTER) or stored is None:
        raise BadToken("this token is not one the hub issued")
