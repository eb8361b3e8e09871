"""A notebook of 100,000 entries in DuckDB: screen ready, every keystroke of a search, the live join, RSS, import.

Every figure is printed beside its budget (Budgets, ARCHITECTURE.md) and a baseline measured in the same run
(benches print, never assert). The 100k file is built first in another process (bench/notebook_build.py:
NoteRecords with accented names written by the app's own `save_records`, a quarter of them with three
sightings each through `record_sightings`, which fills `met`; the frozen race moment's live drivers are
among them), so building pollutes neither this process's memory nor its timings.

  1. Screen ready, budget <= 200 ms: from opening the file to the first page of the notebook screen's default
     search: `Database(path)` (connect, migrations check, built-in tags), what the app does on open (load_tags,
     count_entries, count_drivers_seen in one call, as the annotator does), then
     `search_page(NotebookQuery(), [], 0, 100)`. A fresh Database each run, closed after (not timed); median
     and worst of several runs. Baseline: DuckDB alone reading the table,
     `duckdb.connect(path, read_only=True).execute("SELECT * FROM notebook").fetchall()`.
  2. Every keystroke of a search, budget <= 20 ms median and <= 50 ms worst, first key included (cold: right
     after a fresh open and the tag catalogue, nothing searched before): for each prefix of TYPED (and of
     FOLDED, whose hits are all Þórsson, found only through folding), `search_terms` + `search_page(..., 0, 100)`.
     Baseline: a naive Python scan of all records held in memory (lower-cased name, nickname and note; every
     word must be in them), the same keystrokes. A second, untimed pass says where each keystroke's time goes,
     statement by statement.
  3. Join with 64 live drivers, budget <= 2 ms per roster change: what the engine does when the roster
     changes: `_roster_loaded(sightings, keys)` on the store (sightings written, met summary, the 64 entries
     and their tags read), then entry_of per driver and `build_board(snapshot, 1, annotations)`. Each change
     has a new meeting key so its sightings really are written. The frozen moment has 60 drivers; 4 clones
     (new ids, own cars) make the 64 of a full iRacing field. Median over ROSTER_CHANGES changes, and the
     parts. Baseline: `build_board(snapshot, 1)` with no annotations.
  4. Whole-app RSS, budget <= 150 MB with 100k entries and 10,000 imported races in the file: the real app (`python -m wots_tui --irsdk-file MOMENT --db FILE
     --port 0`) in a 160x50 pty (bench/ptyrun.py), on the frozen moment; after the first frame ("Spa"): F2
     (the notebook screen), 1 s, "/" and "schr" one key at a time, 2 s; then VmRSS and VmHWM from
     /proc/<pid>/status. Baseline: the same run on an empty notebook file.
  5. `notebook import` of the 100k WOTS export into a fresh file, budget <= 10 s: the whole command in a
     subprocess (its summary must say "added 100000"). Baseline: DuckDB's own read_json of the same file
     (entries unnested and counted), also a whole `python -c` subprocess; the app's start-up alone
     (`notebook --help`) is shown too, and the phases of the import timed in this process.

Everything lives in a temporary folder: the notebook files, and XDG_* (config, data, state, cache) of every
child point there, WOTS_* variables dropped, so nothing touches the developer's files.

    uv run python bench/notebook_100k.py
    uv run python bench/notebook_100k.py --build FILE   # only build the 100k file (bench/api_notebook_100k.py)
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
from notebook_build import ENTRIES, build_file, live_snapshot, write_frozen_moment
from ptyrun import PtyChild, terminal_env

from wots_tui.annotators.notebook import _opened, _roster_loaded
from wots_tui.cli.notebook import _apply, _known, _new_tags, _read
from wots_tui.domain.board import build_board
from wots_tui.domain.notebook import Catalogue, NotebookQuery, NoteRecord, entry_of, merge_plan, search_terms
from wots_tui.domain.sightings import sightings_from
from wots_tui.store import Database
from wots_tui.store.notebook import load_all, search_page
from wots_tui.store.tags import load_tags
from wots_tui.store.timestamps import utc_now

HERE = Path(__file__).parent
TYPED = "schröder late"  # what a racer types, one keystroke at a time
RACES = 10_000  # imported races in the file beside the notebook (the memory budget's)
FOLDED = "thorsson"  # typed without accents: every hit is a Þórsson, found through folding alone
PAGE = 100  # the notebook screen's page
OPEN_RUNS = 7
ROSTER_CHANGES = 50
SIZE = (160, 50)
APP_MARKER = b"Spa"
F2 = b"\x1bOQ"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def hermetic_env(tmp: Path) -> dict[str, str]:
    """Our environment without WOTS_* and with every per-user folder in `tmp` (as bench/terminal_load.py)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WOTS_")}
    for kind in ("config", "data", "state", "cache"):
        env[f"XDG_{kind.upper()}_HOME"] = str(tmp / kind)
    return terminal_env(env)


# ---------------------------------------------------------------- where a call's time goes


class TimedCursor:
    """A cursor that notes how long each statement took (execute + fetch), for the untimed breakdowns."""

    def __init__(self, cursor: duckdb.DuckDBPyConnection, log: list[list[Any]]) -> None:
        self._cursor = cursor
        self._log = log

    def execute(self, sql: str, params: object = None) -> TimedCursor:
        start = time.perf_counter()
        self._cursor.execute(sql, params) if params is not None else self._cursor.execute(sql)
        self._log.append([label(sql), time.perf_counter() - start])
        return self

    def _fetch(self, how: str) -> Any:
        start = time.perf_counter()
        result = getattr(self._cursor, how)()
        self._log[-1][1] += time.perf_counter() - start
        return result

    def fetchall(self) -> Any:
        return self._fetch("fetchall")

    def fetchone(self) -> Any:
        return self._fetch("fetchone")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)


LABELS = (
    ("count(*) OVER ()", "search: matching page + count(*) OVER ()"),
    ("list(n.tag_id ORDER BY", "tags of the rows read"),
    ("CREATE OR REPLACE TEMP TABLE seen", "sightings: temp table"),
    ("INSERT INTO sightings", "sightings: insert"),
    ("INSERT INTO drivers SELECT platform", "sightings: drivers upsert"),
    ("INSERT INTO met", "sightings: met summary upsert"),
    ("DROP TABLE seen", "sightings: drop temp table"),
    (
        "SELECT n.platform, n.driver_id, coalesce(d.name, ''), n.nickname, n.note, n.search_text",
        "refresh_search_text: read",
    ),
    ("UPDATE notebook n SET search_text", "refresh_search_text: update"),
    ("SELECT platform, driver_id, times, last_met FROM met", "times_met"),
    ("SELECT count(*) FROM met", "count_drivers_seen"),
    ("SELECT count(*) FROM notebook", "count_entries"),
    ("FROM tags ORDER BY", "load_tags"),
    (
        "FROM notebook n LEFT JOIN drivers d USING (platform, driver_id) LEFT JOIN met m",
        "load_records: entries",
    ),
    ("INSERT INTO notebook (platform", "save_records: notebook upsert"),
    ("INSERT INTO drivers SELECT * FROM (SELECT unnest", "save_records: drivers upsert"),
    ("INSERT INTO driver_tags", "save_records: tags insert"),
    ("DELETE FROM driver_tags n WHERE", "save_records: old tags delete"),
    ("INSERT INTO tags", "save_tags"),
)


def label(sql: str) -> str:
    for needle, name in LABELS:
        if needle in sql:
            return name
    return " ".join(sql.split())[:60]


def timed_run(database: Database, work: Callable[..., Any], *args: Any) -> tuple[Any, float, list[list[Any]]]:
    """`database.run(work, *args)` with each statement timed; (result, whole call s, [[statement, s], ...])."""
    log: list[list[Any]] = []
    start = time.perf_counter()
    result = database.run(lambda cursor, *a: work(TimedCursor(cursor, log), *a), *args)
    return result, time.perf_counter() - start, log


def merged(logs: Sequence[list[list[Any]]]) -> list[tuple[str, float, int]]:
    """Statements of several calls: (statement, median s per call, times per call)."""
    names = list(dict.fromkeys(name for log in logs for name, _ in log))
    out = []
    for name in names:
        per_call = [sum(s for n, s in log if n == name) for log in logs]
        out.append((name, statistics.median(per_call), max(sum(n == name for n, _ in log) for log in logs)))
    return out


# ---------------------------------------------------------------- the table


@dataclass
class Row:
    what: str
    figure: str
    budget: str
    verdict: str
    baseline: str


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(
        self,
        what: str,
        value: float | None,
        budget: float | None,
        baseline: str,
        unit: str = "ms",
        figure: str = "",
    ) -> None:
        scale = 1000 if unit == "ms" else 1
        if value is None:
            self.rows.append(
                Row(
                    what,
                    figure or "FAILED",
                    "-" if budget is None else f"<= {budget:g} {unit}",
                    "-",
                    baseline,
                )
            )
            return
        shown = figure or (f"{value * scale:.1f} {unit}" if unit != "MB" else f"{value:.1f} MB")
        if budget is None:
            verdict = "-"
        else:
            v = value * scale if unit != "MB" else value
            verdict = (
                "within"
                if v <= budget
                else f"OVER x{v / budget:.1f}"
                if v >= 2 * budget
                else f"OVER by {v / budget - 1:.0%}"
            )
        self.rows.append(
            Row(what, shown, "-" if budget is None else f"<= {budget:g} {unit}", verdict, baseline)
        )

    def print(self) -> None:
        head = Row("measure", "figure", "budget", "verdict", "baseline (same run)")
        widths = [
            max(len(getattr(r, f)) for r in [head, *self.rows])
            for f in ("what", "figure", "budget", "verdict")
        ]
        for i, r in enumerate([head, *self.rows]):
            cells = [r.what, r.figure, r.budget, r.verdict]
            print("  ".join(c.ljust(w) for c, w in zip(cells, widths)) + "  " + r.baseline)
            if i == 0:
                print("  ".join("-" * w for w in widths) + "  " + "-" * len(head.baseline))


# ---------------------------------------------------------------- 1. screen ready


def screen_ready(path: Path, report: Report) -> None:
    totals, parts, baselines = [], [], []
    for _ in range(OPEN_RUNS):
        start = time.perf_counter()
        raw = duckdb.connect(str(path), read_only=True)
        rows = raw.execute("SELECT * FROM notebook").fetchall()
        raw.close()
        baselines.append(time.perf_counter() - start)
        assert len(rows) == ENTRIES, len(rows)
        del rows

        t0 = time.perf_counter()
        database = Database(path)
        t1 = time.perf_counter()
        _tags, entries, seen = database.run(_opened)
        t2 = time.perf_counter()
        page = database.run(search_page, NotebookQuery(), [], 0, PAGE)
        t3 = time.perf_counter()
        database.close()
        totals.append(t3 - t0)
        parts.append((t1 - t0, t2 - t1, t3 - t2))
        assert entries == ENTRIES and page.total == ENTRIES and len(page.records) == PAGE, (
            entries,
            page.total,
        )
    med = statistics.median
    report.add(
        f"1. screen ready, median of {OPEN_RUNS}",
        med(totals),
        200,
        f"DuckDB SELECT * FROM notebook: median {ms(med(baselines))}, worst {ms(max(baselines))}",
    )
    report.add("   worst", max(totals), 200, "")
    report.notes.append(
        f"1. screen ready, median parts: Database(path) {ms(med(p[0] for p in parts))}, on open (tags, counts; "
        f"{entries:,} entries, {seen:,} drivers seen) {ms(med(p[1] for p in parts))}, first page of the default "
        f"search (sort {NotebookQuery().sort.value}, {PAGE} of {page.total:,}) {ms(med(p[2] for p in parts))}; "
        f"first run {ms(totals[0])}"
    )


# ---------------------------------------------------------------- 2. every keystroke


def keystrokes(path: Path, records: list[NoteRecord], report: Report) -> None:
    texts = [f"{r.name}\n{r.nickname}\n{r.note}" for r in records]
    lines = []
    all_app, all_naive = [], []
    for typed in (TYPED, FOLDED):
        database = Database(path)
        catalogue = Catalogue(database.run(load_tags))
        app, naive, found, naive_found = [], [], [], []
        prefixes = [typed[:n] for n in range(1, len(typed) + 1)]
        for text in prefixes:  # timed: the first key right after the open, cold
            start = time.perf_counter()
            query = NotebookQuery(text=text)
            page = database.run(search_page, query, search_terms(query.text, catalogue), 0, PAGE)
            app.append(time.perf_counter() - start)
            found.append(page.total)
            start = time.perf_counter()
            words = text.lower().split()
            hits = [r for r, t in zip(records, texts) if all(w in t.lower() for w in words)]
            naive.append(time.perf_counter() - start)
            naive_found.append(len(hits))
        logs = []
        for text in prefixes:  # untimed: where each keystroke's time goes (warm, a second pass)
            query = NotebookQuery(text=text)
            _, took, log = timed_run(
                database, search_page, query, search_terms(query.text, catalogue), 0, PAGE
            )
            logs.append((took, log))
        database.close()
        all_app += app
        all_naive += naive
        med = statistics.median
        report.add(f"2. keystroke {typed!r}, median", med(app), 20, f"naive scan: median {ms(med(naive))}")
        report.add(
            f"   worst ({'first key' if app.index(max(app)) == 0 else repr(prefixes[app.index(max(app))])})",
            max(app),
            50,
            f"naive scan: worst {ms(max(naive))}",
        )
        lines.append(
            f"2. keystrokes of {typed!r} (found = the search's total; naive = the naive scan's, no folding):"
        )
        lines.append(
            f"     {'prefix':<16}{'found':>8}{'ms':>8}  {'naive':>7}{'ms':>8}   second pass (warm), ms: whole call = statements + rest"
        )
        for text, took, hits, n_took, n_hits, (whole, log) in zip(
            prefixes, app, found, naive, naive_found, logs
        ):
            split = f"{whole * 1000:.1f} = " + " + ".join(
                f"{name.split(':')[0]} {s * 1000:.1f}" for name, s in log
            )
            split += f" + rest {(whole - sum(s for _, s in log)) * 1000:.1f}"
            lines.append(
                f"     {text!r:<16}{hits:>8,}{took * 1000:>8.1f}  {n_hits:>7,}{n_took * 1000:>8.1f}   {split}"
            )
    report.add(
        "   all keys of both, median",
        statistics.median(all_app),
        20,
        f"naive scan: median {ms(statistics.median(all_naive))}",
    )
    report.notes.extend(lines)


# ---------------------------------------------------------------- 3. the live join


def live_join(path: Path, moment: Path, report: Report) -> None:
    snapshot = live_snapshot(moment)
    keys = [d.key for d in snapshot.drivers]
    database = Database(path)
    catalogue = Catalogue(database.run(load_tags))
    changes, stores, boards, logs = [], [], [], []
    found = 0
    for n in range(ROSTER_CHANGES):
        meeting = f"subsession:{90_000_000 + n}"
        fresh = sightings_from(snapshot, meeting, utc_now())
        start = time.perf_counter()
        met, _seen, records = database.run(_roster_loaded, fresh, keys)
        stored = time.perf_counter()
        by_key = {r.key: r for r in records}
        annotations = {
            k: {"notebook": entry_of(by_key.get(k), catalogue, met[k][0] if k in met else 0)} for k in keys
        }
        board = build_board(snapshot, 1, annotations)
        done = time.perf_counter()
        changes.append(done - start)
        stores.append(stored - start)
        boards.append(done - stored)
        found = len(records)
        assert len(board.rows) == len(keys)
    for n in range(5):  # untimed: the statements of a roster change
        fresh = sightings_from(snapshot, f"subsession:{91_000_000 + n}", utc_now())
        _, _, log = timed_run(database, _roster_loaded, fresh, keys)
        logs.append(log)
    database.close()
    bare = []
    for _ in range(ROSTER_CHANGES):
        start = time.perf_counter()
        build_board(snapshot, 1)
        bare.append(time.perf_counter() - start)
    in_memory = []
    for _ in range(ROSTER_CHANGES):
        start = time.perf_counter()
        build_board(snapshot, 1, annotations)
        in_memory.append(time.perf_counter() - start)
    med = statistics.median
    report.add(
        f"3. roster change, {len(keys)} drivers, median of {ROSTER_CHANGES}",
        med(changes),
        2,
        f"build_board, no notebook: median {ms(med(bare))}",
        figure=f"{med(changes) * 1000:.2f} ms",
    )
    report.add(
        "   of which the store call (_roster_loaded)",
        med(stores),
        None,
        "",
        figure=f"{med(stores) * 1000:.2f} ms",
    )
    report.add(
        "   of which entries + build_board",
        med(boards),
        None,
        f"build_board with annotations already made: {med(in_memory) * 1000:.2f} ms",
        figure=f"{med(boards) * 1000:.2f} ms",
    )
    report.add(
        "   worst change",
        max(changes),
        2,
        f"first change {ms(changes[0])}",
        figure=f"{max(changes) * 1000:.2f} ms",
    )
    report.notes.append(
        f"3. roster change ({len(keys)} keys, {len(fresh)} sightings a change, {found} entries read), "
        "store statements, median per change over 5 untimed changes:"
    )
    for name, s, times in merged(logs):
        report.notes.append(f"     {name:<44}{s * 1000:7.2f} ms" + (f"  (x{times})" if times > 1 else ""))


# ---------------------------------------------------------------- 4. the whole app's memory


@dataclass
class AppMemory:
    rss_mb: float | None = None
    hwm_mb: float | None = None
    stages: list[str] = field(default_factory=list)  # VmRSS/VmHWM along the way
    header: str = ""
    error: str | None = None


def proc_status(pid: int) -> dict[str, float]:
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                out[name] = int(value.split()[0]) / 1024
    return out


def app_memory(db: Path, moment: Path, env: dict[str, str]) -> AppMemory:
    result = AppMemory()
    argv = [sys.executable, "-m", "wots_tui", "--irsdk-file", str(moment), "--db", str(db), "--port", "0"]
    with PtyChild(argv, size=SIZE, env=env) as child:
        if not child.read_until(child.start + 60, marker=APP_MARKER, stop_at_marker=True):
            result.error = f"no first frame ({APP_MARKER.decode()!r} never showed)\n{child.tail_text()}"
            return result

        def pause(seconds: float) -> None:
            child.read_until(time.perf_counter() + seconds)

        def stage(name: str) -> None:
            status = proc_status(child.pid)
            result.stages.append(f"{name} {status.get('VmRSS', 0):.0f}/{status.get('VmHWM', 0):.0f}")

        stage("first frame")
        pause(0.5)
        stage("+0.5 s")
        os.write(child.fd, F2)
        pause(1.0)
        stage("F2 +1 s")
        os.write(child.fd, b"/")
        pause(0.2)
        for key in "schr":
            os.write(child.fd, key.encode())
            pause(0.15)
        pause(2.0)
        if child.eof:
            result.error = f"the app exited\n{child.tail_text()}"
            return result
        status = proc_status(child.pid)
        result.rss_mb, result.hwm_mb = status.get("VmRSS"), status.get("VmHWM")
        result.stages.append(f"typed 'schr' +2 s {result.rss_mb:.0f}/{result.hwm_mb:.0f}")
        shown = re.findall(r"Notebook\s+([\d,]+ of [\d,]+ entr(?:y|ies))", child.tail_text(8192))
        result.header = shown[-1] if shown else "(the notebook header was not seen in the last output)"
    return result


def whole_app(path: Path, empty: Path, moment: Path, env: dict[str, str], report: Report) -> None:
    bare = app_memory(empty, moment, env)
    full = app_memory(path, moment, env)
    base = (
        "FAILED"
        if bare.rss_mb is None
        else f"empty notebook: VmRSS {bare.rss_mb:.1f} MB, VmHWM {bare.hwm_mb:.1f} MB"
    )
    report.add(f"4. whole app VmRSS, 100k + {RACES:,} races, notebook searching", full.rss_mb, 150, base, unit="MB")
    report.add("   VmHWM (peak)", full.hwm_mb, 150, "", unit="MB")
    report.notes.append(
        f"4. the notebook screen's header after typing 'schr': 100k: {full.header!r}; empty: {bare.header!r}"
    )
    for name, res in (("100k ", full), ("empty", bare)):
        report.notes.append(f"4. {name} VmRSS/VmHWM MB along the way: " + ", ".join(res.stages))
    for name, res in (("empty", bare), ("100k", full)):
        if res.error:
            report.notes.append(f"4. the {name} run failed: {res.error}")


# ---------------------------------------------------------------- 5. import


def run_timed(argv: list[str], env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    return time.perf_counter() - start, done


# DuckDB's own reader of the export, the schema given: inferring it from one object of 100k keys takes ~15 s
ENTRY = (
    "STRUCT(custId BIGINT, name VARCHAR, customName VARCHAR, carNumber VARCHAR, seenCount BIGINT, userRep INTEGER, "
    "userNote VARCHAR, userTags STRUCT(id VARCHAR, name VARCHAR, icon VARCHAR, category VARCHAR, color VARCHAR)[], "
    "votedAt TIMESTAMPTZ, sessionId BIGINT, subsessionId BIGINT, platform VARCHAR, updatedAt TIMESTAMPTZ, lastMet TIMESTAMPTZ)"
)
READ_JSON_SQL = (
    f"SELECT count(*), count(e.userNote), sum(len(e.userTags)) FROM (SELECT unnest(map_values(entries)) AS e "
    f"FROM read_json(?, maximum_object_size = 1000000000, columns = {{'count': 'BIGINT', 'entries': 'MAP(VARCHAR, {ENTRY})'}}))"
)
READ_JSON = f"""
import sys, duckdb
(n, notes, tags) = duckdb.connect().execute({READ_JSON_SQL!r}, [sys.argv[1]]).fetchone()
print(n)
"""


def notebook_import(path: Path, tmp: Path, env: dict[str, str], report: Report) -> None:
    app = [sys.executable, "-m", "wots_tui"]
    export = tmp / "export.json"
    exported_s, done = run_timed([*app, "notebook", "export", "--db", str(path), "--out", str(export)], env)
    if done.returncode != 0:
        report.add("5. notebook import (whole command)", None, 10_000 / 1000, "", unit="s")
        report.notes.append(f"5. export failed: {done.stderr.strip()[-600:]}")
        return
    export_said = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else ""
    fresh = tmp / "fresh.duckdb"
    imported_s, done = run_timed([*app, "notebook", "import", str(export), "--db", str(fresh)], env)
    line = (done.stdout.strip().splitlines() or [""])[-1]
    ok = done.returncode == 0 and f"added {ENTRIES:,}," in line
    read_json_s, base = run_timed([sys.executable, "-c", READ_JSON, str(export)], env)
    startup_s, _ = run_timed([*app, "notebook", "--help"], env)
    baseline = (
        f"DuckDB read_json, whole python -c: {read_json_s:.2f} s ({base.stdout.strip() or base.stderr.strip()[-200:]} entries);"
        f" app start-up alone (notebook --help): {startup_s:.2f} s"
    )
    report.add(
        "5. notebook import of 100k (whole command)",
        imported_s if ok else None,
        10,
        baseline,
        unit="s",
        figure="" if ok else f"FAILED ({imported_s:.1f} s)",
    )
    report.notes.append(
        f"5. export of the 100k notebook ({export.stat().st_size / 1e6:.1f} MB of JSON) took {exported_s:.2f} s"
        f" (whole command; it said {export_said!r})"
    )
    report.notes.append(
        f"5. the import said: {line!r}"
        + ("" if ok else f" (exit {done.returncode}; {done.stderr.strip()[-600:]})")
    )

    # the phases of the same import, in this process, into another fresh file (untimed in the table)
    t0 = time.perf_counter()
    incoming, incoming_tags = _read(export)
    t1 = time.perf_counter()
    database = Database(tmp / "phases.duckdb")
    t2 = time.perf_counter()
    (existing, tags, met), known_s, _ = timed_run(database, _known, incoming)
    t3 = time.perf_counter()
    plan = merge_plan({r.key: r for r in existing}, incoming, met, at=utc_now())
    new_tags = _new_tags(tags, incoming_tags)
    t4 = time.perf_counter()
    _, apply_s, log = timed_run(database, _apply, plan, new_tags)
    database.close()
    statements = "; ".join(f"{name} {s:.2f} s" for name, s in sorted(log, key=lambda x: -x[1])[:4])
    report.notes.append(
        f"5. import phases in this process: read + parse + records {t1 - t0:.2f} s, open {t2 - t1:.2f} s, "
        f"our entries of the {len(incoming):,} keys {known_s:.2f} s, merge plan {t4 - t3:.2f} s, "
        f"write (save_tags + save_records) {apply_s:.2f} s\n   largest statements of the write: {statements}"
    )
    start = time.perf_counter()
    inferred = (
        duckdb.connect()
        .execute(
            "SELECT count(*) FROM (SELECT unnest(map_values(entries)) FROM read_json(?, maximum_object_size = 1000000000))",
            [str(export)],
        )
        .fetchone()
    )
    report.notes.append(
        f"5. DuckDB read_json of the export with the schema auto-detected instead (in this process): "
        f"{time.perf_counter() - start:.2f} s for {inferred[0]:,} entries; the baseline gives the schema"
    )


# ---------------------------------------------------------------- main


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--build":
        with tempfile.TemporaryDirectory(prefix="wots-bench-build-") as tmp:
            build_file(Path(sys.argv[2]), write_frozen_moment(Path(tmp) / "moment.irsdk"))
        return 0
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="wots-bench-notebook-") as name:
        tmp = Path(name)
        env = hermetic_env(tmp)
        os.environ.update({k: v for k, v in env.items() if k.startswith("XDG_")})  # this process too
        moment = write_frozen_moment(tmp / "moment.irsdk")
        path, empty = tmp / "notebook.duckdb", tmp / "empty.duckdb"
        built = time.perf_counter()
        subprocess.run(
            [sys.executable, str(HERE / "notebook_build.py"), str(path), str(moment), str(RACES)], check=True, env=env
        )
        build_s = time.perf_counter() - built
        Database(empty).close()
        database = Database(path)
        records = database.run(load_all)  # for the naive baseline of 2.
        database.close()
        print(
            f"built {len(records):,} entries in {build_s:.1f} s (another process); {path.stat().st_size / 1e6:.1f} MB file; "
            f"duckdb {duckdb.__version__}, Python {sys.version.split()[0]}\n",
            flush=True,
        )

        report = Report()
        for step, what in (
            (screen_ready, (path, report)),
            (keystrokes, (path, records, report)),
            (live_join, (path, moment, report)),
        ):
            print(f"  {step.__name__} ...", file=sys.stderr, flush=True)
            step(*what)
        del records
        print("  whole_app ...", file=sys.stderr, flush=True)
        whole_app(path, empty, moment, env, report)
        print("  notebook_import ...", file=sys.stderr, flush=True)
        notebook_import(path, tmp, env, report)

        report.print()
        print()
        for note in report.notes:
            print(note)
        print(f"\n(whole bench {time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
