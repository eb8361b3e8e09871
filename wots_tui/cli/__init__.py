"""The `wots-tui` command."""

from __future__ import annotations

import asyncio
import importlib
import logging
import time
from dataclasses import replace
from pathlib import Path
from typing import ClassVar

import click

from wots_tui import __version__
from wots_tui.annotators import more_annotators
from wots_tui.cli.notebook import notebook
from wots_tui.cli.options import (
    CORS_ORIGIN,
    DB,
    DEMO_CROWD_URL,
    IRSDK_FILE,
    PORT,
    REFRESH,
    REFRESH_SERVED,
    ams2_options,
    made_notebook,
    open_database,
    settings_from,
)
from wots_tui.config import Settings
from wots_tui.engine import Engine, Notice
from wots_tui.logs import setup_logging
from wots_tui.server import ApiServer, ApiUnavailable
from wots_tui.server.headless import serve_headless
from wots_tui.sources.factory import SourceSpec, build_source

log = logging.getLogger(__name__)


def _engine(spec: SourceSpec, settings: Settings, with_api: bool) -> tuple[Engine, ApiServer]:
    """The engine on the chosen source, and the local API on it (a service of the engine's when `with_api`).

    A notebook file that does not exist is made (a notebook moved to a new machine starts empty).
    """
    log_path = setup_logging(settings.log_level)
    database = open_database(settings, create=True, demo=spec.is_demo)
    source = build_source(spec, max_rate=settings.refresh_rate)
    log.info("starting on %s with %s (log: %s)", source.label, database.path, log_path)
    engine = Engine(source, database, annotators=more_annotators(database, settings))
    api = ApiServer(engine, port=settings.port, cors_origins=settings.cors_origins)
    if with_api:
        engine.attach(api)
    return engine, api


def _source_spec(settings: Settings, irsdk_file: Path | None = None, demo: bool = False) -> SourceSpec:
    """The live source the racer chose: the demo or a memory-map file (named on the command line, they win),
    else an AMS2 server (source ams2, from a flag, WOTS_SOURCE or config.toml), else iRacing."""
    if demo:
        return SourceSpec.of("demo")
    if irsdk_file:
        return SourceSpec.of("file", path=irsdk_file)
    if settings.source == "ams2":
        if not settings.ams2_url:
            raise click.UsageError("--source ams2 needs the server's address: --ams2-url http://HOST:9000 "
                                   "(or WOTS_AMS2_URL, or ams2_url in config.toml)")
        return SourceSpec.of("ams2", url=settings.ams2_url, user=settings.ams2_user, password=settings.ams2_password,
                             steam_id=settings.ams2_steam_id)
    return SourceSpec.of("iracing")


def _run_app(spec: SourceSpec, settings: Settings, start: str = "live") -> None:
    from wots_tui.ui.app import WotsApp  # textual loads only for the commands that draw

    WotsApp(app_engine(spec, settings), start=start).run()


def app_engine(spec: SourceSpec, settings: Settings) -> Engine:
    """The engine the app runs on; a notebook the racer named that had to be made is told on screen."""
    engine, _ = _engine(spec, settings, with_api=True)
    made = made_notebook(settings, engine.database)
    if made is not None:
        told = f"{made} did not exist: this is a new, empty notebook"
        engine.tell(Notice(told, "New notebook", "information"))
    return engine


def _flags(
    refresh_rate: str | None, db: Path | None, port: str | None, cors_origins: tuple[str, ...], **source: str | None
) -> dict[str, object]:
    """The options every command shares, as settings (None where not given, so config and WOTS_* apply);
    `source`: --source and the AMS2 server's options, on the commands that read a live session."""
    db_text = str(db) if db else None
    return {"refresh_rate": refresh_rate, "db": db_text, "port": port, "cors_origins": cors_origins or None, **source}


class _Commands(click.Group):
    """The commands, those of the racing history loaded only when run (or listed by --help): the live app
    does not pay at start-up for the Data API's client, OAuth and progress bars (about 180 ms of imports)."""

    LAZY: ClassVar[dict[str, tuple[str, str]]] = {
        "fetch": ("wots_tui.cli.history", "fetch"),
        "hub": ("wots_tui.cli.hub", "hub"),
        "crowd": ("wots_tui.cli.crowd", "crowd"),
        "import": ("wots_tui.cli.imports", "import_command"),
        "login": ("wots_tui.cli.history", "login"),
        "logout": ("wots_tui.cli.history", "logout"),
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.LAZY])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.LAZY:
            module, command = self.LAZY[name]
            return getattr(importlib.import_module(module), command)
        return super().get_command(ctx, name)


@click.group(cls=_Commands, invoke_without_command=True)
@IRSDK_FILE
@ams2_options
@REFRESH
@DB
@PORT
@CORS_ORIGIN
@click.version_option(__version__, prog_name="wots-tui")
@click.pass_context
def main(
    ctx: click.Context,
    irsdk_file: Path | None,
    refresh_rate: str | None,
    db: Path | None,
    port: str | None,
    cors_origins: tuple[str, ...],
    **source: str | None,
) -> None:
    """The drivers in your iRacing session (or on an AMS2 dedicated server), and what you know about them.

    With no command, shows the live session from iRacing (or from --irsdk-file, or from an AMS2
    server: see --source), and serves the local API for overlays on http://localhost:5820.
    """
    ctx.obj = _flags(refresh_rate, db, port, cors_origins, **source)
    if ctx.invoked_subcommand is None:
        settings = settings_from(ctx)
        _run_app(_source_spec(settings, irsdk_file), settings)


@main.command()
@click.option("--seed", type=int, default=7, show_default=True, help="Which scripted field and race to play.")
@click.option("--start-at", type=float, default=240.0, show_default=True, help="Race time, in seconds, to start from.")
@REFRESH
@DB
@PORT
@CORS_ORIGIN
@DEMO_CROWD_URL
@click.pass_context
def demo(
    ctx: click.Context,
    seed: int,
    start_at: float,
    refresh_rate: str | None,
    db: Path | None,
    port: str | None,
    cors_origins: tuple[str, ...],
    crowd_url: str | None,
) -> None:
    """The app on a built-in simulated 60-car multi-class race (no iRacing needed)."""
    settings = settings_from(ctx, **_flags(refresh_rate, db, port, cors_origins), crowd_url=crowd_url)
    if crowd_url is None and not (ctx.obj or {}).get("crowd_url"):
        # the demo's made-up drivers are never shared with the hub the racer set up for real races: only a
        # hub named on this command line (one to try the crowd with) hears of them
        settings = replace(settings, crowd_url="")
    _run_app(SourceSpec.of("demo", seed=seed, start_at=start_at), settings)


@main.command()
@IRSDK_FILE
@ams2_options
@REFRESH
@DB
@PORT
@CORS_ORIGIN
@click.pass_context
def stats(
    ctx: click.Context,
    irsdk_file: Path | None,
    refresh_rate: str | None,
    db: Path | None,
    port: str | None,
    cors_origins: tuple[str, ...],
    **source: str | None,
) -> None:
    """The app opened on your season stats: your career from the racing history (fetch or import first).

    The live session (iRacing, or --irsdk-file) and the local API run as with no command; Tab goes to them.
    """
    settings = settings_from(ctx, **_flags(refresh_rate, db, port, cors_origins, **source))
    _run_app(_source_spec(settings, irsdk_file), settings, start="stats")


@main.command()
@IRSDK_FILE
@click.option("--demo", "demo_race", is_flag=True, help="Serve the built-in simulated race (no iRacing needed).")
@ams2_options
@REFRESH_SERVED
@DB
@PORT
@CORS_ORIGIN
@click.pass_context
def serve(
    ctx: click.Context,
    irsdk_file: Path | None,
    demo_race: bool,
    refresh_rate: str | None,
    db: Path | None,
    port: str | None,
    cors_origins: tuple[str, ...],
    **source: str | None,
) -> None:
    """The local API for overlays with no terminal UI (a streaming PC, an AMS2 server's admin PC, or overlays only)."""
    if demo_race and irsdk_file:
        raise click.UsageError("choose one source: --demo or --irsdk-file")
    settings = settings_from(ctx, **_flags(refresh_rate, db, port, cors_origins, **source))
    engine, api = _engine(_source_spec(settings, irsdk_file, demo_race), settings, with_api=False)
    made = made_notebook(settings, engine.database)
    told = click.echo if made is None else lambda line: click.echo(f"{line} (a new notebook at {made})")
    try:
        asyncio.run(serve_headless(engine, api, announce=told))
    except KeyboardInterrupt:
        click.echo("stopped")
    except ApiUnavailable as error:
        raise click.ClickException(str(error)) from None


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
