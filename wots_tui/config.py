"""Settings: defaults < config.toml < environment (WOTS_*) < command-line flags; per-OS folders.

A value that cannot be used is one line naming it as the racer wrote it (`--refresh-rate`,
`WOTS_REFRESH_RATE` or `config.toml: refresh_rate`) and what it may be.
"""

from __future__ import annotations

import math
import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import platformdirs

APP_NAME = "wots-tui"

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
SOURCES = ("iracing", "ams2")
MAX_REFRESH_RATE = 60.0


class ConfigError(ValueError):
    """A config file or variable that cannot be used; the message is one line for the racer."""


@dataclass(frozen=True, slots=True)
class IRacingLogin:
    """The `[iracing]` section of config.toml: the racer's OAuth client and account, each optional.

    The secrets never print: `repr` leaves them out, so a logged Settings carries none.
    """

    username: str = ""  # the iRacing account's email
    client_id: str = ""  # the OAuth client iRacing registered
    password: str = field(default="", repr=False)
    client_secret: str = field(default="", repr=False)


LOGIN_KEYS = tuple(f.name for f in fields(IRacingLogin))


@dataclass(frozen=True, slots=True)
class Settings:
    refresh_rate: float = 5.0  # how often the live session is published (screen and API), per second
    log_level: str = "INFO"
    db: str = ""  # the notebook file; empty: notebook.duckdb in the data folder
    port: int = 5820  # the local API, on 127.0.0.1 and ::1 (WOTS's own default)
    cors_origins: tuple[str, ...] = ()  # web origins allowed to read the API from a browser page
    oauth_url: str = "https://oauth.iracing.com/oauth2"  # iRacing's OAuth server: {url}/token, {url}/authorize
    data_api_url: str = "https://members-ng.iracing.com"  # the Data API: {url}/data/...
    iracing: IRacingLogin = IRacingLogin()  # config.toml's [iracing] section only
    source: str = "iracing"  # where the live session comes from: iracing, or ams2 (a dedicated server)
    ams2_url: str = field(default="", repr=False)  # the AMS2 server's HTTP API (http://HOST:9000; may hold a login)
    ams2_user: str = ""  # its login (httpApiUsers in the server's config); empty: none
    ams2_password: str = field(default="", repr=False)
    ams2_steam_id: int | None = None  # the racer's own Steam id, to mark their row when they drive on the server
    crowd_url: str = field(default="", repr=False)  # a crowd reputation hub (http(s)://HOST:5830); empty: crowd off

    @property
    def chose_db(self) -> bool:
        """Whether the racer named the notebook file (a flag, WOTS_DB or config.toml), not the default."""
        return bool(self.db)

    def database_path(self, demo: bool = False) -> Path:
        """The notebook file: the one chosen, else the racer's own, else (for the demo) one of the demo's own."""
        if self.db:
            return Path(self.db).expanduser()
        return data_dir() / ("demo-notebook.duckdb" if demo else "notebook.duckdb")


SETTING_NAMES = tuple(f.name for f in fields(Settings) if f.name != "iracing")
_FLAGS = {"cors_origins": "--cors-origin"}  # flags not spelt as their setting


def flag_name(setting: str) -> str:
    """The command-line flag of a setting, as the racer types it."""
    return _FLAGS.get(setting, "--" + setting.replace("_", "-"))


def env_name(setting: str) -> str:
    return f"WOTS_{setting.upper()}"


def config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def log_dir() -> Path:
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))


def load_settings(
    config_file: Path | None = None, environ: Mapping[str, str] | None = None, **flags: Any
) -> Settings:
    """Settings from config.toml, then WOTS_* variables, then `flags` (None: not given); ConfigError."""
    settings = Settings()
    path = config_file or config_dir() / "config.toml"
    if path.exists():
        try:
            with open(path, "rb") as f:
                from_file = tomllib.load(f)
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"{path}: not valid TOML ({error})") from None
        login = _login(from_file.pop("iracing", {}), path)
        unknown = [key for key in from_file if key not in SETTING_NAMES]
        if unknown:
            known = ", ".join((*SETTING_NAMES, "[iracing]"))
            raise ConfigError(f"{path}: unknown setting {unknown[0]!r} (settings: {known})")
        settings = replace(_apply(settings, from_file, lambda name: f"{path}: {name}"), iracing=login)
    env = os.environ if environ is None else environ
    settings = _apply(settings, {n: env[env_name(n)] for n in SETTING_NAMES if env_name(n) in env}, env_name)
    return _apply(settings, {k: v for k, v in flags.items() if v is not None}, flag_name)


def _login(section: Any, path: Path) -> IRacingLogin:
    """config.toml's `[iracing]` table; a value is never echoed back (it may be a secret)."""
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: iracing must be a section, [iracing], with {', '.join(LOGIN_KEYS)}")
    for key, value in section.items():
        if key not in LOGIN_KEYS:
            raise ConfigError(f"{path}: unknown setting 'iracing.{key}' (in [iracing]: {', '.join(LOGIN_KEYS)})")
        if not isinstance(value, str):
            raise ConfigError(f"{path}: iracing.{key} must be text in quotes")
    secrets = ("password", "client_secret")  # used exactly as written: a space may be part of one
    return IRacingLogin(**{key: value if key in secrets else value.strip() for key, value in section.items()})


def _apply(settings: Settings, values: Mapping[str, Any], named: Callable[[str], str]) -> Settings:
    """`settings` with `values` read by each setting's reader; a refused value names itself with `named`."""
    changes = {}
    for name, value in values.items():
        try:
            changes[name] = _READERS[name](value)
        except _Refused as refusal:
            raise ConfigError(f"{named(name)} must be {refusal.allowed}, not {refusal.shown}") from None
    return replace(settings, **changes)


class _Refused(ValueError):
    """A value a setting cannot take: what the setting allows, and the value as it is shown back."""

    def __init__(self, allowed: str, value: Any, shown: str | None = None) -> None:
        super().__init__(allowed)
        self.allowed = allowed
        self.shown = shown or (f"{value:g}" if isinstance(value, float) else repr(value))


def _number(value: Any, allowed: str) -> float:
    """A number from TOML (not a boolean) or from text."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise _Refused(allowed, value)
    try:
        number = float(value)
    except ValueError:
        raise _Refused(allowed, value) from None
    if not math.isfinite(number):
        raise _Refused(allowed, value)
    return number


def _refresh_rate(value: Any) -> float:
    allowed = f"a number more than 0 and at most {MAX_REFRESH_RATE:g} per second"
    rate = _number(value, allowed)
    if not 0 < rate <= MAX_REFRESH_RATE:
        raise _Refused(allowed, rate)
    return rate


def _port(value: Any) -> int:
    allowed = "a whole number between 1 and 65535 (0 picks a free one)"
    number = _number(value, allowed)
    if not number.is_integer() or isinstance(value, str) and not value.strip().isdigit():
        raise _Refused(allowed, value)
    if not 0 <= number <= 65535:
        raise _Refused(allowed, int(number))
    return int(number)


def _log_level(value: Any) -> str:
    if not isinstance(value, str) or value.strip().upper() not in LOG_LEVELS:
        raise _Refused(f"one of {', '.join(LOG_LEVELS)}", value)
    return value.strip().upper()


def _path_text(value: Any) -> str:
    if not isinstance(value, str):
        raise _Refused("a file path (text)", value)
    return value


def _url(value: Any) -> str:
    allowed = "an http:// or https:// address"
    if not isinstance(value, str) or not value.strip().startswith(("http://", "https://")):
        raise _Refused(allowed, value)
    return value.strip().rstrip("/")


def _origins(value: Any) -> tuple[str, ...]:
    """A list of origins: from TOML a list, from the environment one comma-separated string."""
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not all(isinstance(item, str) for item in items):
        raise _Refused("a list of text (web origins such as http://localhost:3000)", value)
    return tuple(item.strip().rstrip("/") for item in items if item.strip())


def _source(value: Any) -> str:
    if not isinstance(value, str) or value.strip().lower() not in SOURCES:
        raise _Refused(f"one of {', '.join(SOURCES)}", value)
    return value.strip().lower()


def _server_url(value: Any) -> str:
    """A server's address (empty: none); one with a login written into it is never echoed back."""
    if isinstance(value, str) and (value.strip() == "" or value.strip().startswith(("http://", "https://"))):
        return value.strip().rstrip("/")
    hidden = "an address with a login in it" if isinstance(value, str) and "@" in value else None
    raise _Refused("an http:// address, as http://127.0.0.1:9000", value, hidden)


def _hub_url(value: Any) -> str:
    """A crowd hub's address (empty: crowd off), read as a server's address is."""
    try:
        return _server_url(value)
    except _Refused as refusal:
        raise _Refused("an http:// or https:// address, as https://hub.example.org:5830", value, refusal.shown) from None


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise _Refused("text", value)
    return value.strip()


def _secret(value: Any) -> str:
    """A password, used exactly as written (a space may be part of it) and never echoed back."""
    if not isinstance(value, str):
        raise _Refused("text in quotes", value, "what was given")
    return value


def _steam_id(value: Any) -> int | None:
    allowed = "a Steam id: the 17-digit number of a Steam profile, as 76561197960287930"
    text = str(value).strip() if isinstance(value, int | str) and not isinstance(value, bool) else ""
    if text == "":
        if isinstance(value, str):
            return None  # an empty variable: no Steam id
        raise _Refused(allowed, value)
    if not text.isdigit() or len(text) != 17:
        raise _Refused(allowed, value)
    return int(text)


_READERS: dict[str, Callable[[Any], Any]] = {
    "refresh_rate": _refresh_rate,
    "log_level": _log_level,
    "db": _path_text,
    "port": _port,
    "cors_origins": _origins,
    "oauth_url": _url,
    "data_api_url": _url,
    "source": _source,
    "ams2_url": _server_url,
    "ams2_user": _text,
    "ams2_password": _secret,
    "ams2_steam_id": _steam_id,
    "crowd_url": _hub_url,
}


def token_file() -> Path:
    """Where the iRacing OAuth tokens are kept (created 0600; `wots-tui logout` removes it)."""
    return data_dir() / "iracing-token.json"
