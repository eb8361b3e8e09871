"""A server's admin actions (AMS2 dedicated servers): what can be sent, and the one error they raise.

The confirmation a racer sees says exactly what will be sent; these are the words and the choices.
"""

from __future__ import annotations

from dataclasses import dataclass


class AdminError(Exception):
    """An admin action that was refused (no admin login, an AI car) or failed at the server; one line."""


@dataclass(frozen=True, slots=True)
class Ban:
    """How long a kicked driver stays out: the server's temporary ban, in seconds (0: a kick alone)."""

    seconds: int
    words: str


BANS: tuple[Ban, ...] = (Ban(0, "no ban"), Ban(600, "10 min"), Ban(3600, "1 h"), Ban(86400, "24 h"))

MAX_CHAT = 200  # a chat line longer than this is cut by the game's chat box; the prompt stops there


def kick_request(ref_id: int, ban: Ban) -> str:
    """The request a kick sends, as the confirmation shows it."""
    return f"api/session/kick?refid={ref_id}" + (f"&ban={ban.seconds}" if ban.seconds else "")


def chat_request(message: str, ref_id: int | None) -> str:
    """The request a chat line sends, as the confirmation shows it (the message as typed, not URL-encoded)."""
    return f"api/session/send_chat?message={message}" + (f"&refid={ref_id}" if ref_id is not None else "")
