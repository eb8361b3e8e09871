"""`wots-tui import FILE...`: Data API files saved by hand or by the seed's scripts, into the history tables.

Each file is recognised by what it holds, not by its name, and goes in whole or not at all; importing
it again changes nothing. A line per file as it is done and a progress bar on stderr, the summary on
stdout; a file that cannot be imported is one line saying where it is wrong, and the exit code is 1.
Ctrl-C stops it with one line saying what was imported whole (the files under way wrote nothing), exit 130.
"""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path

import click
from rich.console import Console

from wots_tui.cli.history import StageProgress
from wots_tui.cli.options import DB, made_notebook, open_database, settings_from
from wots_tui.domain.plural import counted
from wots_tui.logs import setup_logging
from wots_tui.webapi.importer import FileReport, ImportInterrupted, ImportReport, import_files

log = logging.getLogger(__name__)

# what a summary counts, in the order it says it: (the importer's label, one, many)
_COUNTED = (
    ("races", "race", "races"),
    ("driver results", "driver result", "driver results"),
    ("races found", "race found", "races found"),
    ("seasons", "season", "seasons"),
    ("standings lists", "standings list", "standings lists"),
    ("standings", "standings row", "standings rows"),
    ("car classes", "car class", "car classes"),
    ("chart points", "chart point", "chart points"),
    ("recent races", "recent race", "recent races"),
    ("members", "member", "members"),
)


@click.command(name="import")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@DB
@click.pass_context
def import_command(ctx: click.Context, files: tuple[Path, ...], db: Path | None) -> None:
    """Import saved Data API files: results/get bodies, search rows, past seasons, standings, car classes,
    chart data, recent races, member info, and the seed scripts' outputs (1-subsessions-output.json ...).

    Each file goes in whole or not at all; importing one again changes nothing.
    """
    settings = settings_from(ctx, db=str(db) if db else None)
    setup_logging(settings.log_level)
    database = open_database(settings, create=True)
    said: set[Path] = set()
    try:
        with StageProgress(Console(stderr=True, soft_wrap=True)) as progress:  # a file's line is one line
            progress.stage("Importing", total=len(files))

            def told(report: FileReport) -> None:
                progress.say(describe(report))
                said.add(report.path)
                progress.advance()

            report = import_files(database, files, on_file=told)
    except ImportInterrupted as stop:
        for finished in stop.report.files:  # committed, but Ctrl-C came before its line
            if finished.path not in said:
                click.echo(describe(finished), err=True)
        click.echo(stopped(stop), err=True)
        ctx.exit(130)
    finally:
        database.close()
    made = made_notebook(settings, database)
    click.echo(summary(report) + (f"; a new notebook at {made}" if made else ""))
    if report.failed:
        ctx.exit(1)


def describe(report: FileReport) -> str:
    """One file's line: what it wrote, what it was and why nothing is in it, or what is wrong with it."""
    if report.error is not None:
        return f"{report.path}: {report.error}; nothing was imported from it"
    if report.note is not None:
        return f"{report.path}: skipped, {report.note}"
    kind = report.kind.value if report.kind else "data"
    said = [counts] if (counts := _counts(report.written)) else []
    said += [f"{counted(n, 'race')} also in {later}, written from there" for later, n in report.written_later.items()]
    return f"{report.path}: {kind} ({'; '.join(said) or 'nothing to write'})"


def summary(report: ImportReport) -> str:
    skipped = sum(f.note is not None for f in report.files)
    imported = len(report.files) - len(report.failed) - skipped
    said = f"imported {imported} of {counted(len(report.files), 'file')}"
    counts = _counts(report.written)
    if counts:
        said += f": {counts}"
    if skipped:
        said += f"; {skipped} skipped"
    if report.failed:
        said += f"; {counted(len(report.failed), 'file')} not imported (said above)"
    return said


def stopped(stop: ImportInterrupted) -> str:
    """The line for Ctrl-C: how many files were imported whole (each said above), and that the files being
    imported, rolled back, and those not begun wrote nothing."""
    done, under_way, not_begun = stop.report.files, stop.under_way, stop.not_begun
    imported = sum(f.error is None and f.note is None for f in done)
    total = len(done) + len(under_way) + len(not_begun)
    said = [f"stopped: {imported} of {counted(total, 'file')} imported whole" + (" (each said above)" if imported else "")]
    if len(under_way) == 1:
        said.append(f"{under_way[0]}, being imported, wrote nothing")
    elif under_way:
        said.append(f"the {len(under_way)} files being imported ({under_way[0]} to {under_way[-1]}) wrote nothing")
    if not_begun:
        nothing = f"the {counted(len(not_begun), 'file')} not begun"
        said.append(said.pop() + f", nor did {nothing}" if under_way else f"{nothing} wrote nothing")
    return "; ".join(said) + "; run the same command again to import the rest"


def _counts(written: Counter[str]) -> str:
    return ", ".join(counted(written[label], one, many) for label, one, many in _COUNTED if written[label])
