"""`wots-tui notebook export|import`: the notebook in and out as WOTS JSON or CSV.

A bad file is one line naming the file, the entry or line and what is wrong, and nothing is written:
the whole file is read and checked before the notebook is opened.
"""

from __future__ import annotations

import gc
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import click
import duckdb
import orjson

from wots_tui.cli.options import DB, made_notebook, open_database, settings_from
from wots_tui.config import Settings
from wots_tui.domain.json_text import TextError, json_value, utf8_text
from wots_tui.domain.models import SessionFacts
from wots_tui.domain.notebook import (
    Catalogue,
    Key,
    MergeAction,
    MergeStep,
    NoteRecord,
    OurMeetings,
    Tag,
    merge_plan,
)
from wots_tui.domain.notebook_csv import records_from_csv, to_csv
from wots_tui.domain.plural import counted
from wots_tui.domain.wots_shape import ShapeError, entry_id, notebook_document, records_from_document
from wots_tui.logs import setup_logging
from wots_tui.sources.iracing import subsession_meeting
from wots_tui.store.notebook import load_all, load_records, save_records
from wots_tui.store.sightings import holding_meetings, record_meetings, times_met
from wots_tui.store.tags import load_tags, save_tags
from wots_tui.store.timestamps import utc_now

log = logging.getLogger(__name__)


@click.group()
def notebook() -> None:
    """Export the notebook, or merge another one into it."""


def _settings(ctx: click.Context, db: Path | None) -> Settings:
    settings = settings_from(ctx, db=str(db) if db else None)
    setup_logging(settings.log_level)
    return settings


@notebook.command()
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write here instead of to the screen.")
@DB
@click.pass_context
def export(ctx: click.Context, fmt: str, out: Path | None, db: Path | None) -> None:
    """Every entry, in the shape of the WOTS local API's /api/notebook (JSON) or one row per driver (CSV).

    CSV starts with a byte-order mark, so Excel reads accented names right.
    """
    database = open_database(_settings(ctx, db), create=False)
    try:
        records, tags = database.run(_everything)
    finally:
        database.close()
    document = notebook_document(records, Catalogue(tags))
    if fmt == "json":
        data = orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n"
    else:
        data = to_csv(document["entries"].values()).encode("utf-8-sig")
    if out is None:
        click.echo(data, nl=False)  # bytes as they are: the same as --out writes
        return
    partial = out.with_name(out.name + ".partial")  # a failed export never leaves half a file behind
    try:
        partial.write_bytes(data)
        os.replace(partial, out)
    except OSError as error:
        raise click.ClickException(f"{out}: cannot write it ({error.strerror or error})") from None
    log.info("exported %d entries to %s", len(records), out)
    click.echo(f"exported {counted(len(records), 'entry', 'entries')} to {out}", err=True)


@notebook.command(name="import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Only print what would change (every entry), write nothing.")
@click.option("--verbose", "-v", is_flag=True, help="Print every entry added or updated, not only the summary.")
@DB
@click.pass_context
def import_(ctx: click.Context, file: Path, dry_run: bool, verbose: bool, db: Path | None) -> None:
    """Merge an exported notebook (JSON or CSV) into this one: a driver we lack is added, the newer edit wins.

    The file is read whole first; if anything in it is wrong, nothing is written. Everything it
    changes is written in one transaction. A --db file that does not exist is made (a notebook moved
    to a new machine), except by --dry-run. An entry without a time takes the import's.
    """
    settings = _settings(ctx, db)
    with _no_cycle_collection():
        incoming, incoming_tags = _read(file)
        database = open_database(settings, create=not dry_run)
        try:
            existing, tags, met = database.run(_known, incoming)
            plan = merge_plan({r.key: r for r in existing}, incoming, met, at=utc_now())
            new_tags = _new_tags(tags, incoming_tags)
            if dry_run or verbose:
                for step in plan:
                    if step.action is not MergeAction.KEEP:
                        click.echo(_describe(step))
            if not dry_run:
                database.run(_apply, plan, new_tags)
        finally:
            database.close()
    summary = _summary(file, plan, new_tags, dry_run, made_notebook(settings, database))
    log.info("import: %s", summary)
    click.echo(summary)


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """The cycle collector paused: an import's records are a million objects without cycles, and scanning
    them again and again was a fifth of a 100k import."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _summary(file: Path, plan: list[MergeStep], new_tags: list[Tag], dry_run: bool, made: Path | None) -> str:
    counts = {action: sum(step.action is action for step in plan) for action in MergeAction}
    added, updated = ("would add", "would update") if dry_run else ("added", "updated")
    merged = (
        f"{file.name}: {counted(len(plan), 'entry', 'entries')}: {added} {counts[MergeAction.ADD]:,}, "
        f"{updated} {counts[MergeAction.UPDATE]:,}, kept {counts[MergeAction.KEEP]:,} (ours as new or newer)"
    )
    parts = [merged, counted(len(new_tags), "new tag", "new tags")]
    undated = sum(step.result is not None and step.incoming.updated_at is None for step in plan)
    if undated:
        took = "would take" if dry_run else "took"
        parts.append(f"{undated} without updatedAt or votedAt {took} the import's time")
    if made is not None:
        parts.append(f"a new notebook at {made}")
    return "; ".join(parts)


def _read(file: Path) -> tuple[list[NoteRecord], list[Tag]]:
    """The records and tags of an export, each with the meeting of its lastMet; one line if anything is wrong."""
    try:
        text = utf8_text(file.read_bytes())
        if file.suffix.lower() == ".csv":
            records, tags = records_from_csv(text)
        else:
            records, tags = records_from_document(json_value(text))
    except (TextError, ShapeError) as error:
        raise click.ClickException(f"{file}: {error}; nothing was imported") from None
    except OSError as error:
        raise click.ClickException(f"{file}: cannot read it ({error.strerror or error}); nothing was imported") from None
    return [_with_meeting(r) for r in records], tags


def _with_meeting(record: NoteRecord) -> NoteRecord:
    """A record whose lastMet comes without its meeting (WOTS's, or the API's) is taken to be where it was noted."""
    if record.last_met is None or record.last_met_in is not None:
        return record
    facts = SessionFacts(session_id=record.session_id or 0, subsession_id=record.subsession_id or 0)
    return replace(record, last_met_in=subsession_meeting(facts, record.last_met))


def _new_tags(catalogue: list[Tag], incoming: list[Tag]) -> list[Tag]:
    """Tags the other notebook used that ours lacks, added as the racer's own at the end of the catalogue."""
    known = {t.id for t in catalogue}
    last = max((t.order for t in catalogue), default=0)
    fresh = [t for t in incoming if t.id not in known]
    return [Tag(t.id, t.name, t.icon, t.category, t.colour, None, last + i, False) for i, t in enumerate(fresh, start=1)]


def _everything(cursor: duckdb.DuckDBPyConnection) -> tuple[list[NoteRecord], list[Tag]]:
    return load_all(cursor), load_tags(cursor)


def _known(
    cursor: duckdb.DuckDBPyConnection, incoming: list[NoteRecord]
) -> tuple[list[NoteRecord], list[Tag], OurMeetings]:
    """Our entries of the drivers an import brings, our tag catalogue, and what our sightings know of them."""
    records = load_records(cursor, [r.key for r in incoming])
    noted = {r.key for r in records}  # their times met are on their entries
    unnoted: list[Key] = [r.key for r in incoming if r.key not in noted]
    meetings = [(r.key, r.last_met_in) for r in incoming if r.last_met is not None and r.last_met_in is not None]
    met = OurMeetings(times_met(cursor, unnoted) if unnoted else {}, holding_meetings(cursor, meetings))
    return records, load_tags(cursor), met


def _apply(cursor: duckdb.DuckDBPyConnection, plan: list[MergeStep], new_tags: list[Tag]) -> None:
    """Tags, then entries, then the meetings they bring (which count into the entries' times met)."""
    save_tags(cursor, new_tags)
    save_records(cursor, [step.result for step in plan if step.result is not None])
    meetings = [(s.incoming.key, s.incoming.last_met_in, s.incoming.last_met) for s in plan if s.brings_meeting]
    if meetings:
        record_meetings(cursor, meetings)


def _describe(step: MergeStep) -> str:
    record, before = step.result, step.existing
    assert record is not None
    if before is None:
        return f"add     {entry_id(record.key):>10}  {record.name}"
    what = []
    for label, old, new in (
        ("rating", before.rating, record.rating),
        ("nickname", before.nickname, record.nickname),
        ("note", before.note, record.note),
        ("tags", " ".join(before.tag_ids), " ".join(record.tag_ids)),
    ):
        if old != new:
            what.append(f"{label} {old!r} -> {new!r}")
    return f"update  {entry_id(record.key):>10}  {record.name}: {'; '.join(what)}"
