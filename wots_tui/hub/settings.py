"""What a hub runs with: where it listens, its database, and the limits that keep one voter from swamping it."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

DEFAULT_PORT = 5830


class HubError(Exception):
    """The hub cannot start or go on; the message is one line and never holds the database's password."""


class HubSettingsError(HubError, ValueError):
    """A setting the hub cannot run with."""


@dataclass(frozen=True, slots=True)
class HubSettings:
    database_url: str = field(default="", repr=False)  # postgresql://user:password@host:port/db: never shown
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    votes_per_hour: int = 600  # per voter
    votes_per_day: int = 3000  # per voter, over the last 24 hours
    session_cap: int = 20  # distinct drivers one voter may rate naming one session
    registrations_per_hour: int = 20  # per client address
    pool_size: int = 20  # database connections per hub process
    connect_timeout: float = 10.0  # seconds, for each new database connection

    def __post_init__(self) -> None:
        check_database_url(self.database_url)
        for name in ("votes_per_hour", "votes_per_day", "session_cap", "registrations_per_hour", "pool_size"):
            if getattr(self, name) < 1:
                raise HubSettingsError(f"{name.replace('_', '-')} must be at least 1")


def check_database_url(url: str) -> None:
    """Refuse, in one line without the password, a database URL that is not a PostgreSQL one."""
    if not url:
        raise HubSettingsError("the hub needs a database: --database-url postgresql://USER:PASSWORD@HOST/DB "
                               "(or WOTS_HUB_DATABASE_URL)")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (a port that is not a number raises here)
    except ValueError:
        raise HubSettingsError(f"the database URL {safe_url(url)} is not a valid URL") from None
    if parts.scheme not in ("postgresql", "postgres"):
        raise HubSettingsError(f"the database URL must start with postgresql://, not {parts.scheme or 'nothing'}:")


def safe_url(url: str) -> str:
    """The URL as it may be shown: its password (in the address or a `password=` parameter) as ***."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return "<unreadable URL>"
    if password is not None:
        parts = parts._replace(netloc=f"{parts.username or ''}:***@{parts.netloc.rpartition('@')[2]}")
    query = [(name, "***" if name == "password" else value) for name, value in parse_qsl(parts.query)]
    return urlunsplit(parts._replace(query=urlencode(query, safe="*")))


def redact(text: str, url: str) -> str:
    """`text` (an error message) with the URL's passwords taken out, wherever a driver may have echoed one."""
    try:
        parts = urlsplit(url)
        passwords = {parts.password or "", *(v for k, v in parse_qsl(parts.query) if k == "password")}
    except ValueError:
        return text
    for password in sorted(passwords - {""}, key=len, reverse=True):
        for secret in (password, unquote(password), quote(password, safe="")):
            text = text.replace(secret, "***")
    return text
