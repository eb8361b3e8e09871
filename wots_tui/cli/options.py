"""What every `wots-tui` command shares: its options, its settings, opening the notebook."""

from __future__ import annotations

from pathlib import Path

import click

from wots_tui.config import ConfigError, Settings, load_settings
from wots_tui.store import Database, StoreError

IRSDK_FILE = click.option(
    "--irsdk-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Read a captured irsdk memory-map dump, or the live file a fake sim writes, instead of iRacing.",
)
REFRESH = click.option("--refresh-rate", type=float, help="Screen updates per second (default 5).")
DB = click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The notebook file (default: notebook.duckdb in the data folder; the demo keeps its own). Also WOTS_DB.",
)

PORT = click.option("--port", type=int, help="The local API's port (default 5820; 0 picks a free one). Also WOTS_PORT.")
CORS_ORIGIN = click.option(
    "--cors-origin",
    "cors_origins",
    multiple=True,
    help="A web origin allowed to read the API from a browser page, as http://localhost:3000 (repeatable). "
    "Also WOTS_CORS_ORIGINS, comma-separated.",
)


def settings_from(ctx: click.Context, **flags: object) -> Settings:
    """Settings with this command's flags over the group's (`wots-tui --db X demo` and `wots-tui demo --db X` agree)."""
    chosen = {**(ctx.obj or {}), **{k: v for k, v in flags.items() if v is not None}}
    try:
        return load_settings(**chosen)
    except ConfigError as error:
        raise click.ClickException(str(error)) from None


def open_database(path: Path) -> Database:
    try:
        return Database(path)
    except StoreError as error:
        raise click.ClickException(str(error)) from None
