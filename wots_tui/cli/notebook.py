"""`wots-tui notebook export|import`: the notebook in and out as WOTS JSON or CSV."""

from __future__ import annotations

import os
from pathlib import Path

import click
import duckdb
import orjson

from wots_tui.cli.options import DB, open_database, settings_from
from wots_tui.domain.notebook import Catalogue, Key, MergeAction, MergeStep, NoteRecord, Tag, merge_plan
from wots_tui.domain.notebook_csv import from_csv, to_csv
from wots_tui.domain.wots_shape import ShapeError, entry_id, notebook_document, records_from_document
from wots_tui.store.notebook import load_all, load_records, save_records
from wots_tui.store.tags import load_tags, save_tags


@click.group()
def notebook() -> None:
    """Export the notebook, or merge another one into it."""


@notebook.command()
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write here instead of to the screen.")
@DB
@click.pass_context
def export(ctx: click.Context, fmt: str, out: Path | None, db: Path | None) -> None:
    """Every entry, in the shape of the WOTS local API's /api/notebook (JSON) or one row per driver (CSV)."""
    database = open_database(settings_from(ctx, db=str(db) if db else None).database_path())
    try:
        records, tags = database.run(_everything)
    finally:
        database.close()
    document = notebook_document(records, Catalogue(tags))
    if fmt == "json":
        data = orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n"
    else:
        data = to_csv(document["entries"].values()).encode("utf-8")
    if out is None:
        click.echo(data.decode("utf-8"), nl=False)
        return
    partial = out.with_name(out.name + ".partial")  # a failed export never leaves half a file behind
    partial.write_bytes(data)
    os.replace(partial, out)
    click.echo(f"exported {len(records)} entries to {out}", err=True)


@notebook.command(name="import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Only print what would change (every entry), write nothing.")
@click.option("--verbose", "-v", is_flag=True, help="Print every entry added or updated, not only the summary.")
@DB
@click.pass_context
def import_(ctx: click.Context, file: Path, dry_run: bool, verbose: bool, db: Path | None) -> None:
    """Merge an exported notebook (JSON or CSV) into this one: a driver we lack is added, the newer edit wins.

    The file is read whole first; if anything in it is wrong, nothing is written. Everything it
    changes is written in one transaction.
    """
    incoming, incoming_tags = _read(file)
    database = open_database(settings_from(ctx, db=str(db) if db else None).database_path())
    try:
        existing, tags = database.run(_known, [r.key for r in incoming])
        plan = merge_plan({r.key: r for r in existing}, incoming)
        new_tags = _new_tags(tags, incoming_tags)
        if dry_run or verbose:
            for step in plan:
                if step.action is not MergeAction.KEEP:
                    click.echo(_describe(step))
        if not dry_run:
            database.run(_apply, plan, new_tags)
    finally:
        database.close()
    counts = {action: sum(step.action is action for step in plan) for action in MergeAction}
    added, updated = ("would add", "would update") if dry_run else ("added", "updated")
    click.echo(
        f"{file.name}: {added} {counts[MergeAction.ADD]}, {updated} {counts[MergeAction.UPDATE]}, "
        f"kept {counts[MergeAction.KEEP]} (ours as new or newer), {len(new_tags)} new tags"
    )


def _read(file: Path) -> tuple[list[NoteRecord], list[Tag]]:
    try:
        data = file.read_bytes()
        document = from_csv(data.decode("utf-8-sig")) if file.suffix.lower() == ".csv" else orjson.loads(data)
        return records_from_document(document)
    except orjson.JSONDecodeError as error:
        raise click.ClickException(f"{file}: not valid JSON ({error}); nothing was imported") from None
    except UnicodeDecodeError:
        raise click.ClickException(f"{file}: not UTF-8 text; nothing was imported") from None
    except ShapeError as error:
        raise click.ClickException(f"{file}: {error}; nothing was imported") from None


def _new_tags(catalogue: list[Tag], incoming: list[Tag]) -> list[Tag]:
    """Tags the other notebook used that ours lacks, added as the racer's own at the end of the catalogue."""
    known = {t.id for t in catalogue}
    last = max((t.order for t in catalogue), default=0)
    fresh = [t for t in incoming if t.id not in known]
    return [Tag(t.id, t.name, t.icon, t.category, t.colour, None, last + i, False) for i, t in enumerate(fresh, start=1)]


def _everything(cursor: duckdb.DuckDBPyConnection) -> tuple[list[NoteRecord], list[Tag]]:
    return load_all(cursor), load_tags(cursor)


def _known(cursor: duckdb.DuckDBPyConnection, keys: list[Key]) -> tuple[list[NoteRecord], list[Tag]]:
    """Our entries of the drivers an import brings, and our tag catalogue."""
    return load_records(cursor, keys), load_tags(cursor)


def _apply(cursor: duckdb.DuckDBPyConnection, plan: list[MergeStep], new_tags: list[Tag]) -> None:
    save_tags(cursor, new_tags)
    save_records(cursor, [step.result for step in plan if step.result is not None])


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
