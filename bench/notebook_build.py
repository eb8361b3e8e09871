"""Build a 100k-entry notebook file the way the app writes one (used by bench/notebook_100k.py).

NoteRecords with accented names (Schröder, Þórsson, Ødegaard, O'Brien, Weiß...), notes, tags, ratings and
edit times, written with the app's own bulk `save_records` (which computes each entry's search text); a
quarter of them met three times each, written with `record_sightings` (which fills the `met` summary). The
frozen race moment's live drivers (see `live_snapshot`: its 60, plus 4 clones to make a full field of 64)
are among the entries, under their live names. With RACES, that many imported races as well (the real
results bodies varied, as the fake iRacing serves them, written by the app's own `store_result_bodies`).

    uv run python bench/notebook_build.py FILE MOMENT [RACES]
"""

from __future__ import annotations

import sys
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from wots_tui.domain.models import SessionSnapshot
from wots_tui.domain.notebook import NoteRecord
from wots_tui.domain.sightings import Sighting
from wots_tui.sources.fakesim.race import ScriptedRace
from wots_tui.sources.fakesim.sim import write_moment
from wots_tui.sources.iracing import read_once
from wots_tui.store import Database
from wots_tui.store.history import store_result_bodies
from wots_tui.webapi.fetch import RESULTS_PER_WRITE
from wots_tui.store.notebook import save_records
from wots_tui.store.sightings import record_sightings
from wots_tui.store.timestamps import utc_now

ENTRIES = 100_000
LIVE = 64  # a full iRacing field
CLONE_IDS = 9_000_000  # driver ids of the clones that fill the frozen moment up to LIVE
FIRST = [
    "Aoife",
    "Björn",
    "Callum",
    "Chloé",
    "Diego",
    "Elif",
    "Émile",
    "Grace",
    "Hannah",
    "Inês",
    "Jonas",
    "Marek",
    "Siobhán",
]
LAST = [
    "Schröder",
    "O'Brien",
    "Kowalczyk",
    "Þórsson",
    "Ødegaard",
    "García",
    "Nakamura",
    "Weiß",
    "D'Angelo",
    "Silva",
    "Müller",
]
NOTES = [
    "late on the brakes into La Source",
    "clean, gives space",
    "divebombs into T1",
    "fast in sector 2, slow in the bus stop",
    "",
    "apologised after the contact at Pouhon",
    "",
    "weaves on the Kemmel straight",
    "très propre, always leaves a car's width",
]
TAG_SETS = [
    (),
    ("clean",),
    ("clean", "gives_space"),
    ("divebomber",),
    ("fast",),
    ("wrecker", "toxic"),
    ("friend",),
    (),
    ("rival", "fast"),
    ("blocker",),
    (),
]
RATINGS = [None, 1, 0, -1, 1, None, 1]


def write_frozen_moment(path: Path) -> Path:
    write_moment(path, ScriptedRace(), 900.0).close_keeping_status()
    return path


def live_snapshot(moment: Path) -> SessionSnapshot:
    """The frozen moment's snapshot, filled up to LIVE drivers with clones (new ids, new car_idx, their own cars)."""
    snapshot = read_once(moment)
    assert snapshot is not None, moment
    drivers, cars = list(snapshot.drivers), dict(snapshot.cars)
    top = max(d.car_idx for d in drivers)
    for n in range(LIVE - len(drivers)):
        model = drivers[n]
        car_idx = top + 1 + n
        drivers.append(
            replace(
                model,
                car_idx=car_idx,
                driver_id=CLONE_IDS + n,
                name=f"{model.name} II",
                car_number=str(900 + n),
            )
        )
        if model.car_idx in cars:
            cars[car_idx] = cars[model.car_idx]._replace(car_idx=car_idx)
    return replace(snapshot, drivers=tuple(drivers), cars=cars)


def records_for(snapshot: SessionSnapshot) -> list[NoteRecord]:
    now = utc_now()
    live = list(snapshot.drivers)
    records = []
    for i in range(ENTRIES):
        if i < len(live):
            key, name, number = live[i].key, live[i].name, live[i].car_number
        else:
            key = ("iracing", 10_000_000 + i)
            name = f"{FIRST[i % len(FIRST)]} {LAST[(i // len(FIRST)) % len(LAST)]}" + (
                str(i % 10) if i % 5 == 0 else ""
            )
            number = str(i % 999)
        rating = RATINGS[i % len(RATINGS)]
        note = NOTES[i % len(NOTES)]
        tags = TAG_SETS[i % len(TAG_SETS)]
        nickname = f"nick{i}" if i % 9 == 0 else ""
        if rating is None and not note and not tags and not nickname:
            note = "met once, nothing to say"
        updated = now - timedelta(minutes=i)
        records.append(
            NoteRecord(
                key=key,
                name=name,
                car_number=number,
                nickname=nickname,
                rating=rating,
                note=note,
                tag_ids=tags,
                voted_at=updated if rating is not None else None,
                updated_at=updated,
                session_id=250_000_000 + i % 5000,
                subsession_id=80_000_000 + i % 5000,
            )
        )
    return records


def sightings_for(records: list[NoteRecord]) -> list[Sighting]:
    """Three meetings each for a quarter of the entries."""
    now = utc_now()
    return [
        Sighting(
            r.key,
            f"subsession:{70_000_000 + i % 5000 + k}",
            now - timedelta(hours=i + k),
            name=r.name,
            car_number=r.car_number,
            session_id=250_000_000 + i % 5000,
            subsession_id=70_000_000 + i % 5000 + k,
            track="Circuit de Spa-Francorchamps",
            session_type="Race",
            car="Porsche 911 GT3 R",
            car_class="GT3",
            irating=1000 + i % 4000,
        )
        for i, r in enumerate(records)
        if i % 4 == 0
        for k in range(3)
    ]


def build_file(path: Path, moment: Path, races: int = 0) -> None:
    records = records_for(live_snapshot(moment))
    sightings = sightings_for(records)
    database = Database(path)
    try:
        start = time.perf_counter()
        database.run(save_records, records)
        saved = time.perf_counter()
        database.run(record_sightings, sightings)
        done = time.perf_counter()
        drivers = add_races(database, races)
        raced = time.perf_counter()
    finally:
        database.close()
    print(
        f"build: save_records of {len(records):,} entries {saved - start:.1f} s, "
        f"record_sightings of {len(sightings):,} sightings {done - saved:.1f} s, "
        f"{races:,} races ({drivers:,} driver rows) {raced - done:.1f} s",
        file=sys.stderr,
    )


def add_races(database: Database, count: int, batch: int = RESULTS_PER_WRITE) -> int:
    """`count` races varied from the real results bodies; the driver rows written."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from fakes.iracing_data import many_races

    bodies = [race.body() for race in many_races(count)] if count else []
    return sum(
        database.run(store_result_bodies, bodies[start : start + batch]).drivers
        for start in range(0, len(bodies), batch)
    )


if __name__ == "__main__":
    build_file(Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 0)
