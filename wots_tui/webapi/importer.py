"""`wots-tui import`: saved Data API files into the history tables, each file whole or not at all.

Each file is read and recognised whole first (webapi/shapes.py: what it is, or where it is wrong), so
a bad file writes nothing. Results files, most of an import, are written together: their races' rows
gathered (store/history_results.py) and handed to DuckDB in a few statements for hundreds of races at
once. If that write fails, each of those files is written again on its own, so a bad one never takes
another with it, and never writes a part of itself. Every other file is stored in a transaction of its
own. A file too large to hold in memory as Python objects (the seed's 1-subsessions-output.json of
thousands of races) is read item by item by DuckDB and written in one transaction. Storing is
idempotent: importing a file again changes nothing.

Measured (bench/history_import.py): orjson reads the bodies several times faster than DuckDB's own
read_json over the same files (they are mostly helmets, liveries and suits, which we do not keep), and
DuckDB reads the rows picked from them from a file several times faster than from text or from Python
values; so Python reads, DuckDB writes.
"""

from __future__ import annotations

import codecs
import logging
import re
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import duckdb
import orjson

from wots_tui.domain.json_text import TextError, read_json
from wots_tui.store import Database
from wots_tui.store import history as h
from wots_tui.store.errors import first_line
from wots_tui.store.history_results import BadRace, RaceRows, race_rows, write_races
from wots_tui.webapi.shapes import (
    Kind,
    ShapeError,
    is_results,
    recognise,
    search_answer_rows,
    seed_standing_rows,
    unlike_item,
)

log = logging.getLogger(__name__)

# DuckDB's JSON reader takes 32 MB buffers, one per thread: more than the 64 MB the app gives the store
IMPORT_MEMORY = "256MB"
BATCH_DRIVERS = 50_000  # driver rows of the results files written together (about 16 MB of them)
LARGE_FILE = 64 * 1024 * 1024  # an array this large is read item by item
LARGE_BATCH = 200  # results bodies of a large file picked and written at a time
_GLOB = re.compile(r"[*?\[\]{}]")  # DuckDB takes a file name with these as a pattern
_TRAILING_COMMA = re.compile(rb",\s*\]\s*$")  # how the seed's scripts end their arrays


@dataclass(slots=True)
class FileReport:
    """One file's outcome: what it was, what it wrote, or the one line saying why nothing was written."""

    path: Path
    kind: Kind | None = None
    written: Counter[str] = field(default_factory=Counter)
    error: str | None = None
    note: str | None = None  # recognised, but nothing in it to store
    # races of this file that a later file of the same import brings too, written from that one, by file
    written_later: Counter[Path] = field(default_factory=Counter)


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
    """Import each file whole or not at all; a bad file's report says what is wrong and where.

    Ctrl-C (or DuckDB's interrupt) raises ImportInterrupted, saying which files were imported whole; the
    ones under way were rolled back."""
    files = list(dict.fromkeys(Path(p) for p in paths))
    reports: dict[Path, FileReport] = {}
    begun: list[Path] = []  # the files taken up so far, in order

    def done(*finished: FileReport) -> None:
        """Files finished (a batch of results files all at once, as they were committed), then told."""
        reports.update((report.path, report) for report in finished)
        for report in finished:
            log.info("import %s: %s", report.path, report.error or report.note or dict(report.written))
            if on_file is not None:
                on_file(report)

    def interrupted() -> ImportInterrupted:
        log.info("import interrupted after %d of %d files", len(reports), len(files))
        finished = ImportReport([reports[p] for p in files if p in reports])
        return ImportInterrupted(finished, [p for p in begun if p not in reports], files[len(begun):])

    try:
        _import(database, files, begun, done)
    except KeyboardInterrupt:
        raise interrupted() from None
    except (RuntimeError, duckdb.InterruptException) as error:
        if not _is_duckdb_interrupt(error):
            raise
        raise interrupted() from None
    return ImportReport([reports[p] for p in files])


class ImportInterrupted(KeyboardInterrupt):
    """Ctrl-C during an import: the files done before it (`report`), those under way (rolled back: they
    wrote nothing) and those not begun."""

    def __init__(self, report: ImportReport, under_way: list[Path], not_begun: list[Path]) -> None:
        super().__init__("import interrupted")
        self.report, self.under_way, self.not_begun = report, under_way, not_begun


def _is_duckdb_interrupt(error: Exception) -> bool:
    """DuckDB's answer to a Ctrl-C while it runs a statement (a RuntimeError), or to being interrupted."""
    return isinstance(error, duckdb.InterruptException) or str(error) == "Query interrupted"


class Done(Protocol):
    """Told the files finished: `done(*reports)`."""

    def __call__(self, *finished: FileReport) -> None: ...


def _import(database: Database, files: list[Path], begun: list[Path], done: Done) -> None:
    """Each file read, recognised and stored, in order; results files gathered and written together."""
    later: list[tuple[FileReport, list[dict]]] = []  # standings rows wait for their list's header
    headers: list[tuple[Path, dict]] = []
    with _bulk_settings(database), _rows_folder() as folder:
        races = _Races(database, folder, done)
        for path in files:
            begun.append(path)
            if _is_large_array(path):
                races.write()  # the files before it first, as they came
                done(_import_large(database, path, folder))
                continue
            report, value = _read(path)
            if report.error is not None or report.note is not None:
                done(report)
            elif report.kind in (Kind.RESULTS, Kind.RESULTS_LIST):
                races.add(report, value if report.kind is Kind.RESULTS_LIST else [value])
            elif report.kind is Kind.STANDINGS_ROWS:
                later.append((report, value))
            else:
                if report.kind is Kind.STANDINGS_HEADER:
                    headers.append((path, value))
                done(_store(database, report, value))
        races.write()
        for report, rows in later:
            done(_with_header(database, report, rows, headers))


@contextmanager
def _bulk_settings(database: Database) -> Iterator[None]:
    """The store's memory limit raised for DuckDB's JSON reader, and the order of rows it need not keep;
    both as they were afterwards."""
    settings = "SELECT current_setting('memory_limit'), current_setting('preserve_insertion_order')"
    memory, order = database.run(lambda c: c.execute(settings).fetchone()) or ("64MB", True)
    database.run(lambda c: c.execute(f"SET memory_limit = '{IMPORT_MEMORY}'; SET preserve_insertion_order = false"))
    try:
        yield
    finally:
        try:
            database.run(lambda c: c.execute(f"SET memory_limit = '{memory}'; SET preserve_insertion_order = {order}"))
        except duckdb.Error as error:  # DuckDB still holds more than that: it lets go as the file closes
            log.info("import: the store's memory limit stays raised until it closes (%s)", first_line(error))


@contextmanager
def _rows_folder() -> Iterator[Path | None]:
    """Where the gathered rows are written for DuckDB to read (None: a name it would take as a pattern, so
    the rows go as text)."""
    with tempfile.TemporaryDirectory(prefix="wots-import-") as folder:
        yield None if _GLOB.search(folder) else Path(folder)


def _read(path: Path) -> tuple[FileReport, Any]:
    """A file read whole and recognised; or the report saying what is wrong, or that it holds nothing to store."""
    try:
        value: Any = read_json(path.read_bytes(), trailing_commas=True)  # the seed's scripts end arrays with `,]`
        kind = recognise(value)
    except (TextError, ShapeError) as error:
        return FileReport(path, error=str(error)), None
    except OSError as error:
        return FileReport(path, error=f"cannot read it ({error.strerror or error})"), None
    if kind is Kind.SEARCH_ANSWER:
        note = f"a search answer: its {search_answer_rows(value)} rows are in the chunk files it lists; import those"
        return FileReport(path, kind, note=note), value
    return FileReport(path, kind), value


def _is_large_array(path: Path) -> bool:
    """A file too large to read whole (Python's objects take many times the file's size) that holds an array."""
    try:
        if path.stat().st_size < LARGE_FILE:
            return False
        with path.open("rb") as file:
            return file.read(64).removeprefix(codecs.BOM_UTF8).lstrip().startswith(b"[")
    except OSError:
        return False


def _import_large(database: Database, path: Path, folder: Path | None) -> FileReport:
    """A large array of results bodies (the seed's 1-subsessions-output.json) read item by item, DuckDB finding
    the items; written in one transaction, so a bad item anywhere writes nothing."""
    report = FileReport(path, Kind.RESULTS_LIST)
    with tempfile.TemporaryDirectory(prefix="wots-import-") as scratch:
        reader = duckdb.connect(config={"threads": 2, "memory_limit": IMPORT_MEMORY})
        try:
            items = reader.execute(
                "SELECT json FROM read_json_objects(?, format = 'array')", [_readable(path, Path(scratch))]
            )
            report.written.update(database.run(_write_items, items, folder))
        except (duckdb.Error, ShapeError, BadRace, orjson.JSONDecodeError) as error:
            report.error = _item_error(error)
        except OSError as error:
            report.error = f"cannot read it ({error.strerror or error})"
        finally:
            reader.close()
    return report


def _write_items(cursor: duckdb.DuckDBPyConnection, items: duckdb.DuckDBPyConnection, folder: Path | None) -> Counter[str]:
    """Every item a results body, written a batch at a time in the caller's one transaction."""
    written: Counter[str] = Counter()
    number = 0
    while batch := items.fetchmany(LARGE_BATCH):
        bodies = []
        for (text,) in batch:
            number += 1
            body = orjson.loads(text)
            if not is_results(body):
                raise unlike_item(number, Kind.RESULTS.value, body)
            bodies.append(body)
        rows = race_rows(bodies)
        write_races(cursor, rows, folder)
        written.update({"races": len(rows.ids), "driver results": rows.drivers})
    if not number:
        raise ShapeError("an empty array: nothing to import")
    return written


_DUCKDB_JSON_ERROR = re.compile(r"at byte (\d+) in record/value (\d+): (.+?)\.?\s*$", re.MULTILINE)


def _item_error(error: Exception) -> str:
    """One line for what went wrong in a large file: DuckDB counts bytes within the item it was reading."""
    if isinstance(error, duckdb.Error) and (found := _DUCKDB_JSON_ERROR.search(str(error))):
        at, item, what = found.groups()
        if what == "unexpected end of data":
            return "cut off: the JSON ends before it is complete"
        return f"not valid JSON in DuckDB's record {item}, at byte {at} of it ({what})"
    return str(error) if isinstance(error, (ShapeError, BadRace)) else f"could not be read ({first_line(error)})"


def _readable(path: Path, scratch: Path) -> str:
    """The name DuckDB reads `path` by: its own, or a copy's without the seed's `,]` at the end (or whose own
    name it would take as a pattern)."""
    size = path.stat().st_size
    with path.open("rb") as file:
        file.seek(max(0, size - 64))
        tail = file.read()
    comma = _TRAILING_COMMA.search(tail)
    if comma is None and not _GLOB.search(str(path.resolve())):
        return str(path.resolve())
    copy = scratch / "items.json"
    with path.open("rb") as source, copy.open("wb") as target:
        kept = size - len(tail) + comma.start() if comma else size
        while kept > 0 and (chunk := source.read(min(kept, 1 << 20))):
            target.write(chunk)
            kept -= len(chunk)
        if comma:
            source.read(1)
            shutil.copyfileobj(source, target)
    return str(copy)


class _Races:
    """Results files gathered and written together, each file's races whole or none of them.

    A race in two files is written from the later one (both would write the same race)."""

    def __init__(self, database: Database, folder: Path | None, done: Done) -> None:
        self._database, self._folder, self._done = database, folder, done
        self._files: list[tuple[FileReport, RaceRows]] = []
        self._drivers = 0

    def add(self, report: FileReport, bodies: list) -> None:
        try:
            rows = race_rows(bodies)
        except BadRace as error:
            report.error = f"{report.kind.value if report.kind else 'results'} not as the API gives them ({error})"
            self._done(report)
            return
        self._files.append((report, rows))
        self._drivers += rows.drivers
        if self._drivers >= BATCH_DRIVERS:
            self.write()

    def write(self) -> None:
        files, parts = self._files, self._parts()
        self._files, self._drivers = [], 0
        if not parts:
            return
        together = RaceRows()
        for _, part, _ in parts:
            together.extend(part)
        log.info("import: writing the races of %d results files together", len(files))
        try:
            self._database.run(write_races, together, self._folder)
        except duckdb.Error as error:
            log.info("import: %d results files written together failed (%s); now one by one", len(files),
                     first_line(error))
            for report, rows in files:  # whole, in order: a race in two files is the later one's again
                self._write_one(report, rows)
        else:
            for report, part, written_later in parts:
                report.written.update({"races": len(part.ids), "driver results": part.drivers})
                report.written_later.update(written_later)
            self._done(*(report for report, _, _ in parts))

    def _parts(self) -> list[tuple[FileReport, RaceRows, Counter[Path]]]:
        """Each file's rows, without the races a later file brings too, and which later files those are."""
        claimed: dict[int, Path] = {}
        parts = []
        for report, rows in reversed(self._files):
            in_later = rows.ids & claimed.keys()
            part = RaceRows()
            part.extend(rows, leaving_out=frozenset(in_later))
            parts.append((report, part, Counter(claimed[race] for race in in_later)))
            claimed.update(dict.fromkeys(rows.ids - claimed.keys(), report.path))  # the last file's, written
        return parts[::-1]

    def _write_one(self, report: FileReport, rows: RaceRows) -> None:
        try:
            self._database.run(write_races, rows, self._folder)
        except duckdb.Error as error:
            report.error = f"{report.kind.value if report.kind else 'results'} that could not be stored ({first_line(error)})"
            self._done(report)
            return
        report.written.update({"races": len(rows.ids), "driver results": rows.drivers})
        self._done(report)


def _store(database: Database, report: FileReport, value: Any) -> FileReport:
    """A file other than results stored in one transaction."""
    assert report.kind is not None
    try:
        report.written.update(database.run(_WRITERS[report.kind], value))
    except duckdb.Error as error:
        report.error = f"{report.kind.value} that could not be stored ({first_line(error)})"
    return report


def _with_header(database: Database, report: FileReport, rows: list[dict], headers: list[tuple[Path, dict]]) -> FileReport:
    """Standings rows stored under the list they belong to: the header of this import that names the file among
    its chunks, or the only header of this import."""
    named = [header for _, header in headers if report.path.name in _chunk_names(header)]
    chosen = named or [header for _, header in headers]
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


def _standings_list(cursor: duckdb.DuckDBPyConnection, header: dict) -> int:
    """A standings header alone: the list (its rows come in chunk files, or with the fetch)."""
    h.store_standings(cursor, header, [])
    return 1


Writer = Callable[[duckdb.DuckDBPyConnection, Any], Counter[str]]  # a kind's value stored, what it wrote counted


def _counted(label: str, store: Callable[[duckdb.DuckDBPyConnection, Any], int], many: bool = False) -> Writer:
    """A writer for a kind: `store` on the value (on each item of it when `many`), counted under `label`."""

    def write(cursor: duckdb.DuckDBPyConnection, value: Any) -> Counter[str]:
        items = value if many else [value]
        return Counter({label: sum(store(cursor, item) for item in items)})

    return write


_WRITERS: dict[Kind, Writer] = {
    Kind.SEARCH_ROWS: _counted("races found", h.store_search_rows),
    Kind.SEARCH_CHUNKS: _counted("races found", h.store_search_rows, many=True),
    Kind.PAST_SEASONS: _counted("seasons", h.store_past_seasons),
    Kind.PAST_SEASONS_LIST: _counted("seasons", h.store_past_seasons, many=True),
    Kind.STANDINGS_HEADER: _counted("standings lists", _standings_list),
    Kind.SEED_STANDINGS: _counted("standings", lambda c, rows: h.store_standing_rows(c, seed_standing_rows(rows))),
    Kind.CAR_CLASSES: _counted("car classes", h.store_car_classes),
    Kind.CHART: _counted("chart points", h.store_chart),
    Kind.RECENT_RACES: _counted("recent races", h.store_recent_races),
    Kind.MEMBER: _counted("members", h.store_racer),
    Kind.MEMBERS: _counted("members", lambda c, body: sum(h.store_member(c, m) for m in body["members"])),
}
