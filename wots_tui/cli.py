"""The `wots-tui` command."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import click

from wots_tui import __version__
from wots_tui.config import ConfigError, Settings, load_settings
from wots_tui.engine import Engine, SourceSpec
from wots_tui.logs import setup_logging

log = logging.getLogger(__name__)

_IRSDK_FILE = click.option(
    "--irsdk-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Read a captured irsdk memory-map dump, or the live file a fake sim writes, instead of iRacing.",
)
_REFRESH = click.option("--refresh-rate", type=float, help="Screen updates per second (default 5).")


def _settings(**flags: object) -> Settings:
    try:
        return load_settings(**flags)
    except ConfigError as error:
        raise click.ClickException(str(error)) from None


def _run_app(spec: SourceSpec, settings: Settings) -> None:
    from wots_tui.ui.app import WotsApp  # textual loads only for the commands that draw

    log_path = setup_logging(settings.log_level)
    log.info("starting the app on %s (log: %s)", spec.label, log_path)
    WotsApp(Engine(spec, refresh_rate=settings.refresh_rate)).run()


@click.group(invoke_without_command=True)
@_IRSDK_FILE
@_REFRESH
@click.version_option(__version__, prog_name="wots-tui")
@click.pass_context
def main(ctx: click.Context, irsdk_file: Path | None, refresh_rate: float | None) -> None:
    """The drivers in your iRacing session, and what you know about them.

    With no command, shows the live session from iRacing (or from --irsdk-file).
    """
    if ctx.invoked_subcommand is None:
        _run_app(SourceSpec(irsdk_file=irsdk_file), _settings(refresh_rate=refresh_rate))


@main.command()
@click.option("--seed", type=int, default=7, show_default=True, help="Which scripted field and race to play.")
@click.option("--start-at", type=float, default=240.0, show_default=True, help="Race time, in seconds, to start from.")
@_REFRESH
def demo(seed: int, start_at: float, refresh_rate: float | None) -> None:
    """The app on a built-in simulated 60-car multi-class race (no iRacing needed)."""
    _run_app(SourceSpec(demo=True, demo_seed=seed, demo_start_at=start_at), _settings(refresh_rate=refresh_rate))


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
