"""`wots-tui import`: saved Data API files into the history tables, each file whole or not at all.

Results files, most of an import, are read by DuckDB itself: `read_json` over a batch of files at once,
straight into the staging tables (store/history_results.py), a few set-based statements writing them. A
file DuckDB cannot read that way (bad JSON, another shape, the seed's `,]` in the middle) goes the other
way: read whole in Python (webapi/shapes.py says what it is, or where it is wrong) and stored in one
transaction of its own. A batch whose write fails is written again file by file, so a bad file never
takes another with it, and never writes a part of itself. Storing is idempotent: importing a file again
changes nothing.
"""

from __future__ import annotations

import logging
import re
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from wots_tui.store import Database
from wots_tui.store import history as h
from wots_tui.store.errors import first_line
from wots_tui.store.history_results import (
    Stored,
    clear_staged,
    drop_staged,
    stage_files,
    staged_files,
    store_staged,
)
from wots_tui.webapi.shapes import (
    Kind,
    ShapeError,
    read_json,
    recognise,
    search_answer_rows,
    seed_standing_rows,
)

log = logging.getLogger(__name__)

# DuckDB's JSON reader wants buffers of 32 MB per file it reads at once: the store's 64 MB is too little
IMPORT_MEMORY = "1GB"
BATCH_FILES = 256
BATCH_BYTES = 128 * 1024 * 1024
BODIES_PER_STATEMENT = 200  # results bodies read in Python are handed to DuckDB this many at a time
_GLOB = re.compile(r"[*?\[\]{}]")  # read_json takes a name with these as a pattern
_TRAILING_COMMA = re.compile(rb",\s*\]\s*$")


@dataclass(slots=True)
class FileReport:
    """One file's outcome: what it was, what it wrote, or the one line saying why nothing was written."""

    path: Path
    kind: Kind | None = None
    written: Counter[str] = field(default_factory=Counter)
    error: str | None = None
    note: str | None = None  # recognised, but nothing in it to store


@dataclass(slots=True)
class ImportReport:
    files: list[FileReport]

    @property
    def failed(self) -> list[FileReport]:
        return [f for f in self.files if f.error is not None]

    @property
    def written(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for report in self.files:
            total.update(report.written)
        return total


def import_files(
    database: Database, paths: Iterable[Path], on_file: Callable[[FileReport], None] | None = None
) -> ImportReport:
    """Import each file in its own transaction; a bad file is reported (its error names the position)."""
    files = list(dict.fromkeys(Path(p) for p in paths))
    reports: dict[Path, FileReport] = {}
    later: list[tuple[FileReport, list[dict]]] = []  # standings rows wait for their list's header
    headers: list[tuple[Path, dict]] = []

    def done(report: FileReport) -> None:
        reports[report.path] = report
        log.info("import %s: %s", report.path, report.error or report.note or dict(report.written))
        if on_file is not None:
            on_file(report)

    with _bulk_settings(database), tempfile.TemporaryDirectory(prefix="wots-import-") as scratch:
        for batch in _batches(files):
            stored, aside = _by_duckdb(database, batch, Path(scratch))
            for path in batch:
                if path in stored:
                    done(_results_report(path, stored[path]))
                elif path in aside:
                    report, value = _by_python(database, path)
                    if report.kind is Kind.STANDINGS_HEADER:
                        headers.append((path, value))
                    if report.kind is Kind.STANDINGS_ROWS and report.error is None:
                        later.append((report, value))
                        continue
                    done(report)
        for report, rows in later:
            done(_with_header(database, report, rows, headers))
    return ImportReport([reports[p] for p in files])


@contextmanager
def _bulk_settings(database: Database) -> Iterator[None]:
    """DuckDB's JSON reader needs more memory than the app gives the store, and runs faster when it need
    not keep the files' order; both as they were afterwards."""
    before = database.run(lambda c: c.execute(
        "SELECT current_setting('memory_limit'), current_setting('preserve_insertion_order')").fetchone())
    database.run(lambda c: c.execute(f"SET memory_limit = '{IMPORT_MEMORY}'; SET preserve_insertion_order = false"))
    try:
        yield
    finally:
        memory, order = before or ("64MB", True)
        database.run(clear_staged)
        try:
            database.run(lambda c: c.execute(f"SET memory_limit = '{memory}'; SET preserve_insertion_order = {order}"))
        except duckdb.Error as error:  # DuckDB still holds more than that: it lets go as the file closes
            log.info("import: the store's memory limit stays raised until it closes (%s)", first_line(error))


def _batches(files: Sequence[Path]) -> Iterator[list[Path]]:
    batch: list[Path] = []
    size = 0
    for path in files:
        length = _size(path)
        if batch and (len(batch) >= BATCH_FILES or size + length > BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(path)
        size += length
    if batch:
        yield batch


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _by_duckdb(database: Database, batch: list[Path], scratch: Path) -> tuple[dict[Path, Stored], set[Path]]:
    """The batch's results files read and written by DuckDB; the rest (and files it cannot read) set aside."""
    readable = {name: path for path in batch if (name := _readable(path, scratch)) is not None}
    aside = set(batch) - set(readable.values())
    names = list(readable)
    while names:
        try:
            database.run(stage_files, names)
            break
        except duckdb.Error as error:
            culprit = next((n for n in names if f'"{n}"' in str(error)), None)
            log.info("import: DuckDB cannot read %s as results (%s)", culprit or "a batch", first_line(error))
            unread = [culprit] if culprit else names
            aside.update(readable[n] for n in unread)
            names = [n for n in names if n not in unread]
    if not names:
        return {}, aside
    results = database.run(staged_files)
    aside.update(readable[n] for n in names if n not in results)
    names = [n for n in names if n in results]
    try:
        stored = database.run(_store_only, [n for n in readable if n not in names])
    except duckdb.Error as error:
        log.info("import: a batch failed (%s), written again file by file", first_line(error))
        aside.update(readable[n] for n in names)  # each now read again on its own, and named if bad
        return {}, aside
    return {readable[n]: stored.get(n, Stored()) for n in names}, aside


def _store_only(cursor: duckdb.DuckDBPyConnection, others: list[str]) -> dict[str | None, Stored]:
    """The staged results files written, without the staged files that hold anything else."""
    drop_staged(cursor, others)
    return store_staged(cursor)


def _readable(path: Path, scratch: Path) -> str | None:
    """The name DuckDB reads `path` by: its own, or a copy's (a name it would take as a pattern, or the seed's
    `,]` at the end); None for a file it cannot be handed."""
    try:
        resolved = path.resolve()
        with resolved.open("rb") as file:
            file.seek(max(0, resolved.stat().st_size - 64))
            tail = file.read()
    except OSError:
        return None
    comma = _TRAILING_COMMA.search(tail)
    if comma is None and not _GLOB.search(str(resolved)):
        return str(resolved)
    copy = scratch / f"{sum(1 for _ in scratch.iterdir())}.json"  # copies are rare: a count is name enough
    try:
        with resolved.open("rb") as source, copy.open("wb") as target:
            if comma is None:
                shutil.copyfileobj(source, target)
            else:
                _copy_without(source, target, resolved.stat().st_size - len(tail) + comma.start())
    except OSError:
        return None
    return str(copy)


def _copy_without(source: Any, target: Any, at: int) -> None:
    """Copy `source` without its byte at `at` (the seed's trailing comma)."""
    remaining = at
    while remaining > 0:
        chunk = source.read(min(remaining, 1 << 20))
        if not chunk:
            break
        target.write(chunk)
        remaining -= len(chunk)
    source.read(1)
    shutil.copyfileobj(source, target)


def _by_python(database: Database, path: Path) -> tuple[FileReport, Any]:
    """One file read whole, recognised and stored in one transaction; or the line saying what is wrong."""
    try:
        value = read_json(path.read_bytes())
        kind = recognise(value)
    except ShapeError as error:
        return FileReport(path, error=str(error)), None
    except OSError as error:
        return FileReport(path, error=f"cannot read it ({error.strerror or error})"), None
    if kind is Kind.SEARCH_ANSWER:
        note = f"a search answer: its {search_answer_rows(value)} rows are in the chunk files it lists; import those"
        return FileReport(path, kind, note=note), value
    if kind is Kind.STANDINGS_ROWS:
        return FileReport(path, kind), value
    try:
        written = database.run(_WRITERS[kind], value)
    except duckdb.Error as error:
        return FileReport(path, kind, error=f"{kind.value} that could not be stored ({first_line(error)})"), value
    return FileReport(path, kind, written), value


def _with_header(database: Database, report: FileReport, rows: list[dict], headers: list[tuple[Path, dict]]) -> FileReport:
    """Standings rows stored under the list they belong to: the header of this import that names the file among
    its chunks, or the only header of this import."""
    named = [h for p, h in headers if report.path.name in _chunk_names(h)]
    chosen = named or [h for _, h in headers]
    if len(chosen) != 1:
        report.error = ("standings rows without their list: import them with the standings answer (the header "
                        "whose chunk_info lists them), one list at a time")
        return report
    try:
        report.written["standings"] = database.run(h.store_standings, chosen[0], rows)
    except duckdb.Error as error:
        report.error = f"standings rows that could not be stored ({first_line(error)})"
    return report


def _chunk_names(header: dict) -> set[str]:
    names = (header.get("chunk_info") or {}).get("chunk_file_names") or []
    return {str(n).split("?")[0] for n in names}


def _results_report(path: Path, stored: Stored) -> FileReport:
    kind = Kind.RESULTS if stored.races == 1 else Kind.RESULTS_LIST
    return FileReport(path, kind, Counter({"races": stored.races, "driver results": stored.drivers}))


def _results(cursor: duckdb.DuckDBPyConnection, value: Any) -> Counter[str]:
    bodies = value if isinstance(value, list) else [value]
    total = Stored()
    for start in range(0, len(bodies), BODIES_PER_STATEMENT):
        stored = h.store_result_bodies(cursor, bodies[start : start + BODIES_PER_STATEMENT])
        total = Stored(total.races + stored.races, total.drivers + stored.drivers)
    return Counter({"races": total.races, "driver results": total.drivers})


def _standings_list(cursor: duckdb.DuckDBPyConnection, header: dict) -> int:
    """A standings header alone: the list (its rows come in chunk files, or with the fetch)."""
    h.store_standings(cursor, header, [])
    return 1


def _counted(label: str, store: Callable[[duckdb.DuckDBPyConnection, Any], int], many: bool = False):  # type: ignore[no-untyped-def]
    """A writer for a kind: `store` on the value (on each item of it when `many`), counted under `label`."""

    def write(cursor: duckdb.DuckDBPyConnection, value: Any) -> Counter[str]:
        items = value if many else [value]
        return Counter({label: sum(store(cursor, item) for item in items)})

    return write


_WRITERS: dict[Kind, Callable[[duckdb.DuckDBPyConnection, Any], Counter[str]]] = {
    Kind.RESULTS: _results,
    Kind.RESULTS_LIST: _results,
    Kind.SEARCH_ROWS: _counted("races found", h.store_search_rows),
    Kind.SEARCH_CHUNKS: _counted("races found", h.store_search_rows, many=True),
    Kind.PAST_SEASONS: _counted("seasons", h.store_past_seasons),
    Kind.PAST_SEASONS_LIST: _counted("seasons", h.store_past_seasons, many=True),
    Kind.STANDINGS_HEADER: _counted("standings lists", _standings_list),
    Kind.SEED_STANDINGS: _counted("standings", lambda c, rows: h.store_standing_rows(c, seed_standing_rows(rows))),
    Kind.CAR_CLASSES: _counted("car classes", h.store_car_classes),
    Kind.CHART: _counted("chart points", h.store_chart),
    Kind.RECENT_RACES: _counted("recent races", h.store_recent_races),
    Kind.MEMBER: _counted("members", h.store_member),
}
