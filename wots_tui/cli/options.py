"""What every `wots-tui` command shares: its options, its settings, opening the notebook."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from wots_tui.config import MAX_REFRESH_RATE, ConfigError, Settings, env_name, flag_name, load_settings
from wots_tui.store import Database, StoreError

log = logging.getLogger(__name__)

IRSDK_FILE = click.option(
    "--irsdk-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Read a captured irsdk memory-map dump, or the live file a fake sim writes, instead of iRacing.",
)


def refresh_rate_option(published_to: str):  # type: ignore[no-untyped-def]
    """--refresh-rate, told by each command where the live session goes (serve has no screen).

    The value is read as text and checked with the other settings, so a bad one names the flag and
    says what it may be.
    """
    return click.option(
        flag_name("refresh_rate"),
        "refresh_rate",
        metavar="N",
        help=f"How often, per second, the live session is published to {published_to} "
        f"(default 5, at most {MAX_REFRESH_RATE:g}). Also {env_name('refresh_rate')}.",
    )


REFRESH = refresh_rate_option("the screen and the local API")
REFRESH_SERVED = refresh_rate_option("the local API")
DB = click.option(
    flag_name("db"),
    "db",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The notebook file (default: notebook.duckdb in the data folder; the demo keeps its own). "
    f"Also {env_name('db')}.",
)
PORT = click.option(
    flag_name("port"),
    "port",
    metavar="N",
    help=f"The local API's port (default 5820; 0 picks a free one). Also {env_name('port')}.",
)
CORS_ORIGIN = click.option(
    flag_name("cors_origins"),
    "cors_origins",
    multiple=True,
    help="A web origin allowed to read the API from a browser page, as http://localhost:3000 (repeatable). "
    f"Also {env_name('cors_origins')}, comma-separated.",
)


def _ams2_option(setting: str, metavar: str, help: str):  # type: ignore[no-untyped-def]
    return click.option(flag_name(setting), setting, metavar=metavar, help=f"{help} Also {env_name(setting)}.")


SOURCE = click.option(
    flag_name("source"),
    "source",
    type=click.Choice(["iracing", "ams2"], case_sensitive=False),
    help=f"Where the live session comes from: iRacing (the default) or an AMS2 dedicated server. Also {env_name('source')}.",
)
AMS2_OPTIONS = (
    SOURCE,
    _ams2_option("ams2_url", "URL", "The AMS2 server's HTTP API, as http://127.0.0.1:9000."),
    _ams2_option("ams2_user", "NAME", "The login for the server's HTTP API (httpApiUsers), if it asks for one."),
    _ams2_option("ams2_password", "PASSWORD", "Its password (the variable, or config.toml, keeps it out of your shell's history)."),
    _ams2_option("ams2_steam_id", "ID", "Your Steam id, to mark your own row when you drive on the server."),
)
AMS2_SETTINGS = ("source", "ams2_url", "ams2_user", "ams2_password", "ams2_steam_id")


def _crowd_url_option(where_else: str):  # type: ignore[no-untyped-def]
    return click.option(
        flag_name("crowd_url"),
        "crowd_url",
        metavar="URL",
        help="A crowd reputation hub to share your ratings and built-in tags with (never notes or nicknames) and to "
        f"show what its voters think, as https://hub.example.org:5830 (default: none, crowd off). {where_else}",
    )


CROWD_URL = _crowd_url_option(f"Also {env_name('crowd_url')}.")
DEMO_CROWD_URL = _crowd_url_option(f"Only this flag: {env_name('crowd_url')} and config.toml are for your real races.")


def ams2_options(command):  # type: ignore[no-untyped-def]
    """--source and the AMS2 server's options, and --crowd-url, on a command that reads a live session."""
    for option in reversed((*AMS2_OPTIONS, CROWD_URL)):
        command = option(command)
    return command


def settings_from(ctx: click.Context, **flags: object) -> Settings:
    """Settings with this command's flags over the group's (`wots-tui --db X demo` and `wots-tui demo --db X` agree)."""
    chosen = {**(ctx.obj or {}), **{k: v for k, v in flags.items() if v is not None}}
    try:
        return load_settings(**chosen)
    except ConfigError as error:
        raise click.ClickException(str(error)) from None


def open_database(settings: Settings, create: bool, demo: bool = False) -> Database:
    """The notebook the settings name; one line if it cannot be opened.

    A file the racer named (--db, WOTS_DB, config.toml) that does not exist is created only when
    `create`; otherwise nothing is made (no file, no folder) and the line names the path. The
    default notebook is created on first use; a new file is logged either way (`Database.created`).
    """
    path = settings.database_path(demo=demo)
    if settings.chose_db and not create and not path.exists():
        raise click.ClickException(f"{path}: no notebook there (check --db or WOTS_DB); nothing was created")
    try:
        database = Database(path)
    except StoreError as error:
        raise click.ClickException(str(error)) from None
    if database.created:
        log.info("created a new notebook at %s", path)
    return database


def made_notebook(settings: Settings, database: Database) -> Path | None:
    """The notebook file the racer named, if opening it made it (the default notebook is made silently)."""
    return database.path if settings.chose_db and database.created else None
