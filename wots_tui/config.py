"""Settings: defaults < config.toml < environment (WOTS_*) < command-line flags; per-OS folders."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

import platformdirs

APP_NAME = "wots-tui"


KINDS = {float: "a number", int: "a whole number", str: "text", tuple: "a list of text"}


class ConfigError(ValueError):
    """A config file or variable that cannot be used; the message is one line for the racer."""


@dataclass(frozen=True, slots=True)
class Settings:
    refresh_rate: float = 5.0  # live screen and snapshot publishing, per second
    log_level: str = "INFO"
    db: str = ""  # the notebook file; empty: notebook.duckdb in the data folder
    port: int = 5820  # the local API, on 127.0.0.1 and ::1 (WOTS's own default)
    cors_origins: tuple[str, ...] = ()  # web origins allowed to read the API from a browser page

    def database_path(self, demo: bool = False) -> Path:
        """The notebook file: the one chosen, else the racer's own, else (for the demo) one of the demo's own."""
        if self.db:
            return Path(self.db).expanduser()
        return data_dir() / ("demo-notebook.duckdb" if demo else "notebook.duckdb")


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
    settings = Settings()
    path = config_file or config_dir() / "config.toml"
    if path.exists():
        try:
            with open(path, "rb") as f:
                settings = _apply(settings, tomllib.load(f), f"{path}")
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"{path}: not valid TOML ({error})") from None
    env = os.environ if environ is None else environ
    from_env = {f.name: env[f"WOTS_{f.name.upper()}"] for f in fields(Settings) if f"WOTS_{f.name.upper()}" in env}
    settings = _apply(settings, from_env, "environment")
    return _apply(settings, {k: v for k, v in flags.items() if v is not None}, "command line")


def _apply(settings: Settings, values: Mapping[str, Any], origin: str) -> Settings:
    known = {f.name: f for f in fields(Settings)}
    changes = {}
    for name, value in values.items():
        if name not in known:
            continue
        default = getattr(Settings(), name)
        try:
            changes[name] = _origins(value) if isinstance(default, tuple) else type(default)(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{origin}: {name} must be {KINDS[type(default)]}, not {value!r}") from None
    result = replace(settings, **changes)
    if result.refresh_rate <= 0 or result.refresh_rate > 60:
        raise ConfigError(f"{origin}: refresh_rate must be between 0 and 60 per second")
    if not 0 <= result.port <= 65535:
        raise ConfigError(f"{origin}: port must be between 1 and 65535 (0 picks a free one), not {result.port}")
    return result


def _origins(value: Any) -> tuple[str, ...]:
    """A list of origins: from TOML a list, from the environment one comma-separated string."""
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not all(isinstance(item, str) for item in items):
        raise TypeError(value)
    return tuple(item.strip().rstrip("/") for item in items if item.strip())
