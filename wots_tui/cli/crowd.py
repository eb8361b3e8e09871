"""`wots-tui crowd sync`: what the app does in the background, from the command line, once.

It sends the votes that wait (every rated entry whose rating or built-in tags the hub has not acknowledged,
an import's included, and withdrawals), then asks the hub about every noted driver, 64 a request, and keeps
the answers in the notebook file (the app shows them while the hub is away). A hub that does not answer is
one line and exit 1: nothing is lost, the votes still wait in the notebook.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import click

from wots_tui.annotators.crowd import CrowdAnnotator, Sent
from wots_tui.annotators.hub_client import MAX_LOOKUP, HubError
from wots_tui.annotators.voter_token import VoterTokenError
from wots_tui.cli.options import CROWD_URL, DB, open_database, settings_from
from wots_tui.domain.plural import counted
from wots_tui.logs import setup_logging
from wots_tui.store import Database
from wots_tui.store.crowd import noted_drivers


@click.group()
def crowd() -> None:
    """Crowd reputation: share your ratings and built-in tags with a hub (crowd_url), see what its voters think."""


@crowd.command()
@DB
@CROWD_URL
@click.pass_context
def sync(ctx: click.Context, db: Path | None, crowd_url: str | None) -> None:
    """Send the votes that wait and fetch the crowd's data for every driver in the notebook."""
    settings = settings_from(ctx, db=str(db) if db else None, crowd_url=crowd_url)
    if not settings.crowd_url:
        raise click.UsageError("crowd sync needs a hub: --crowd-url URL (or WOTS_CROWD_URL, or crowd_url in config.toml)")
    setup_logging(settings.log_level)
    database = open_database(settings, create=False)
    try:
        sent, pulled = asyncio.run(_sync(database, settings.crowd_url, settings.ams2_steam_id))
    except (HubError, VoterTokenError) as error:
        raise click.ClickException(f"{error}; nothing was lost: your votes wait in the notebook for the next sync") from None
    finally:
        database.close()
    click.echo(summary(sent, pulled))


async def _sync(database: Database, hub: str, steam_id: int | None) -> tuple[Sent, int]:
    """Push, then pull for the noted drivers a batch at a time; the drivers the crowd had data on."""
    annotator = CrowdAnnotator(database, hub, steam_id=steam_id)
    try:
        sent = await annotator.push_waiting()
        pulled, after = 0, None
        while keys := await database.call(noted_drivers, after, MAX_LOOKUP):
            pulled += len(await annotator.pull(keys))
            after = keys[-1]
        return sent, pulled
    finally:
        await annotator.close()


def summary(sent: Sent, pulled: int) -> str:
    """One line: pushed N, refused M (each kind of refusal with its count and the hub's line for the first)."""
    kinds: dict[str, list[str]] = {}
    for refusal in sent.refused:
        kinds.setdefault(refusal.code, []).append(refusal.reason)
    why = "; ".join(f"{len(reasons)} {code}: {reasons[0]}" + (" and others" if len(reasons) > 1 else "")
                    for code, reasons in kinds.items())
    withdrew = f", withdrew {sent.withdrawn:,}" if sent.withdrawn else ""
    return (f"pushed {counted(sent.votes, 'vote')}{withdrew}, refused {len(sent.refused):,}{f' ({why})' if why else ''}, "
            f"pulled crowd data for {counted(pulled, 'driver')}")
