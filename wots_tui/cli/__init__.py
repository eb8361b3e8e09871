"""The `wots-tui` command."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import click

from wots_tui import __version__
from wots_tui.cli.notebook import notebook
from wots_tui.cli.options import DB, IRSDK_FILE, REFRESH, open_database, settings_from
from wots_tui.config import Settings
from wots_tui.engine import Engine, SourceSpec
from wots_tui.logs import setup_logging

log = logging.getLogger(__name__)

def _run_app(spec: SourceSpec, settings: Settings) -> None:
    from wots_tui.ui.app import WotsApp  # textual loads only for the commands that draw

    log_path = setup_logging(settings.log_level)
    database = open_database(settings.database_path(demo=spec.demo))
    log.info("starting the app on %s with %s (log: %s)", spec.label, database.path, log_path)
    WotsApp(Engine(spec, database, refresh_rate=settings.refresh_rate)).run()


@click.group(invoke_without_command=True)
@IRSDK_FILE
@REFRESH
@DB
@click.version_option(__version__, prog_name="wots-tui")
@click.pass_context
def main(ctx: click.Context, irsdk_file: Path | None, refresh_rate: float | None, db: Path | None) -> None:
    """The drivers in your iRacing session, and what you know about them.

    With no command, shows the live session from iRacing (or from --irsdk-file).
    """
    ctx.obj = {"db": str(db) if db else None}
    if ctx.invoked_subcommand is None:
        _run_app(SourceSpec(irsdk_file=irsdk_file), settings_from(ctx, refresh_rate=refresh_rate))


@main.command()
@click.option("--seed", type=int, default=7, show_default=True, help="Which scripted field and race to play.")
@click.option("--start-at", type=float, default=240.0, show_default=True, help="Race time, in seconds, to start from.")
@REFRESH
@DB
@click.pass_context
def demo(ctx: click.Context, seed: int, start_at: float, refresh_rate: float | None, db: Path | None) -> None:
    """The app on a built-in simulated 60-car multi-class race (no iRacing needed)."""
    settings = settings_from(ctx, refresh_rate=refresh_rate, db=str(db) if db else None)
    _run_app(SourceSpec(demo=True, demo_seed=seed, demo_start_at=start_at), settings)


@main.command()
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="The memory-map file to write.")
@click.option("--seed", type=int, default=7, show_default=True)
@click.option("--start-at", type=float, default=0.0, show_default=True, help="Race time, in seconds, to start from.")
@click.option("--speed", type=float, default=1.0, show_default=True, help="Race seconds per real second.")
def sim(out: Path, seed: int, start_at: float, speed: float) -> None:
    """Run the fake sim alone, writing a live irsdk memory map that any irsdk reader can open."""
    from wots_tui.sources.fakesim.race import ScriptedRace
    from wots_tui.sources.fakesim.sim import FakeSim

    setup_logging()
    fake = FakeSim(out, ScriptedRace(seed), start_at=start_at, speed=speed)
    click.echo(f"fake sim writing {out} at 60 Hz; Ctrl-C to stop")
    fake.start()
    try:
        while True:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()
        click.echo("fake sim stopped")


main.add_command(notebook)
