"""`wots-tui import FILE...`: Data API files saved by hand or by the seed's scripts, into the history tables.

Each file is recognised by what it holds, not by its name, and goes in whole or not at all; importing
it again changes nothing. A line per file as it is done and a progress bar on stderr, the summary on
stdout; a file that cannot be imported is one line saying where it is wrong, and the exit code is 1.
"""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path

import click
from rich.console import Console

from wots_tui.cli.history import StageProgress
from wots_tui.cli.options import DB, made_notebook, open_database, settings_from
from wots_tui.logs import setup_logging
from wots_tui.webapi.importer import FileReport, ImportReport, import_files

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
    try:
        with StageProgress(Console(stderr=True, soft_wrap=True)) as progress:  # a file's line is one line
            progress.stage("Importing", total=len(files))

            def told(report: FileReport) -> None:
                progress.say(describe(report))
                progress.advance()

            report = import_files(database, files, on_file=told)
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
    return f"{report.path}: {kind} ({_counts(report.written) or 'nothing to write'})"


def summary(report: ImportReport) -> str:
    skipped = sum(f.note is not None for f in report.files)
    imported = len(report.files) - len(report.failed) - skipped
    said = f"imported {imported} of {_count(len(report.files), 'file', 'files')}"
    counts = _counts(report.written)
    if counts:
        said += f": {counts}"
    if skipped:
        said += f"; {skipped} skipped"
    if report.failed:
        said += f"; {_count(len(report.failed), 'file', 'files')} not imported (said above)"
    return said


def _counts(written: Counter[str]) -> str:
    return ", ".join(_count(written[label], one, many) for label, one, many in _COUNTED if written[label])


def _count(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"
