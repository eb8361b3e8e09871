"""`wots-tui hub`: the crowd hub on a PostgreSQL database, until Ctrl-C."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import fields

import click

from wots_tui.hub.app import running
from wots_tui.hub.settings import HubError, HubSettings, safe_url
from wots_tui.logs import setup_logging

log = logging.getLogger(__name__)

_DEFAULTS = {field.name: field.default for field in fields(HubSettings)}  # one place for them: HubSettings


@click.command()
@click.option("--database-url", envvar="WOTS_HUB_DATABASE_URL", metavar="URL", default="",
              help="The hub's PostgreSQL: postgresql://USER:PASSWORD@HOST:PORT/DB. Also WOTS_HUB_DATABASE_URL "
                   "(keeps the password out of the shell's history).")
@click.option("--host", default=_DEFAULTS["host"], show_default=True, help="The address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=_DEFAULTS["port"], show_default=True,
              help="The port to listen on (0 picks a free one).")
@click.option("--votes-per-hour", type=click.IntRange(min=1), default=_DEFAULTS["votes_per_hour"],
              show_default=True, help="Votes one voter may send in an hour.")
@click.option("--votes-per-day", type=click.IntRange(min=1), default=_DEFAULTS["votes_per_day"],
              show_default=True, help="Votes one voter may send in 24 hours.")
@click.option("--session-cap", type=click.IntRange(min=1), default=_DEFAULTS["session_cap"], show_default=True,
              help="Drivers one voter may rate naming one session.")
def hub(database_url: str, host: str, port: int, votes_per_hour: int, votes_per_day: int, session_cap: int) -> None:
    """The crowd hub: racers who opt in share their ratings and tags of drivers through it."""
    try:
        settings = HubSettings(database_url=database_url, host=host, port=port, votes_per_hour=votes_per_hour,
                               votes_per_day=votes_per_day, session_cap=session_cap)
    except HubError as error:
        raise click.ClickException(str(error)) from None
    log_path = setup_logging()
    log.info("starting the hub on %s with %r (log: %s)", safe_url(database_url), settings, log_path)
    try:
        asyncio.run(_serve(settings))
    except KeyboardInterrupt:
        click.echo("stopped")
    except HubError as error:
        log.warning("the hub did not start: %s", error)
        raise click.ClickException(str(error)) from None


async def _serve(settings: HubSettings) -> None:
    async with running(settings) as url:
        click.echo(f"The crowd hub listens on {url} (database {safe_url(settings.database_url)}); Ctrl-C to stop")
        await asyncio.Event().wait()
