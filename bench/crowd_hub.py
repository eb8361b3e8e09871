"""The crowd hub under load on a real PostgreSQL: batched lookups and vote ingest, beside bare asyncpg.

A throw-away PostgreSQL (tests/postgres.py: PGHOST, else pg_virtualenv) and the real hub, `python -m wots_tui
hub` in its own process on a free port (vote limits raised so the load is not refused), seeded through COPY
(bench/crowd_seed.py says why not the API) with 20,000 drivers, 2,000 voters and ~200,000 votes. Then, each
after a warm-up, in closed loops (every client its own aiohttp connection and voter token, the next request
as soon as the last is answered):

- POST /v1/lookup of 64 drivers (a roster of one platform: 56 drawn from the drivers with >= 3 voters, 8 from
  any), from 200 clients, and from 1 (the time one lookup takes when nothing waits). Budget: p99 <= 50 ms.
  Also from 200 clients paced to --paced-rate lookups a second in all (Poisson; the app asks once per roster
  change, so 100 a second is 200 racers each changing roster every 2 s): the latency below saturation.
- PUT /v1/votes of 100 votes (the app's MAX_PUSH; 10 sessions of 10 drivers, new and already-rated drivers
  alike) from 200 voters at once. Budget: >= 2,000 votes/s.
- The baseline, in the same run: asyncpg `SELECT 1` on one connection, and from 200 tasks over a pool of the
  hub's size.

The machine's cores are shared by the load generator (this process), the hub and PostgreSQL: the CPU each
used is printed with the figures, in % of one core, with "others": the rest of the machine's busy time
(other programs, and kernel time no process is charged for), which says how quiet the machine was. In a
closed loop, latency = clients / throughput (Little's law), so 200 clients meet p99 <= 50 ms only at well
over 4,000 requests a second.

    uv run python bench/crowd_hub.py [--lookup-seconds 15] [--ingest-seconds 10] [--clients 200]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import asyncpg
import orjson
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.crowd_seed import Seeded, seed, tags_of
from tests.postgres import fresh_database, postgres_server
from wots_tui.annotators.hub_client import MAX_LOOKUP, MAX_PUSH
from wots_tui.domain.crowd import MIN_VOTERS, Vote, driver_refs, vote_object
from wots_tui.hub.settings import HubSettings

DRIVERS, VOTERS, VOTES = 20_000, 2_000, 200_000
KNOWN_PER_ROSTER = 56  # of 64: drivers the crowd has >= 3 voters on; the rest drawn from everyone
ROSTERS = 2_000
SESSIONS_PER_PUSH = 10
LOOKUP_P99_BUDGET_MS = 50.0
INGEST_BUDGET = 2_000.0  # votes a second
NO_LIMIT = 1_000_000_000
TICK = os.sysconf("SC_CLK_TCK")


# what a closed loop measured


@dataclass
class Run:
    latencies: list[float] = field(default_factory=list)  # seconds, of requests begun and ended in the window
    done: int = 0  # requests (or items, for votes) counted in the window
    seconds: float = 0.0
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds per party over the window

    def ms(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000

    @property
    def rate(self) -> float:
        return self.done / self.seconds

    def latency_text(self) -> str:
        return f"p50 {self.ms(0.5):6.2f} ms, p99 {self.ms(0.99):6.2f} ms"

    def cpu_text(self) -> str:
        """Each party's CPU in % of one core (the machine's: of all its cores together)."""
        return ", ".join(f"{party} {seconds / self.seconds * 100:.0f}%" for party, seconds in self.cpu.items())


Request = Callable[[int], Awaitable[int]]  # client number -> items done (0: a failure, already counted)


async def load(clients: int, request: Request, warm_up: float, seconds: float,
               cpu: Callable[[], dict[str, float]], rate: float | None = None) -> Run:
    """`clients` loops sending `request`, measured after `warm_up`. Closed (rate None): the next request as soon
    as the last is answered. Else paced: all together `rate` a second on average (Poisson), each client waiting
    for its last answer (one connection each), so below the hub's capacity the latency is its service time."""
    run = Run()
    begin = time.perf_counter() + warm_up
    end = begin + seconds
    pacing = random.Random(18)

    async def client(number: int) -> None:
        due = time.perf_counter()
        while (started := time.perf_counter()) < end:
            if rate is not None:
                due += pacing.expovariate(rate / clients)
                await asyncio.sleep(max(0.0, due - started))
                started = time.perf_counter()
            items = await request(number)
            finished = time.perf_counter()
            if started >= begin and finished <= end:
                run.latencies.append(finished - started)
                run.done += items
    tasks = [asyncio.create_task(client(n)) for n in range(clients)]
    await asyncio.sleep(begin - time.perf_counter())
    before = cpu()
    await asyncio.sleep(end - time.perf_counter())
    after = cpu()
    await asyncio.gather(*tasks)
    run.seconds = seconds
    run.cpu = {party: after[party] - before[party] for party in after}
    run.cpu["others"] = max(0.0, run.cpu.pop("machine") - sum(run.cpu.values()))  # ticks: a hair off
    return run


# CPU of each party (Linux /proc: a bench, not the app)


def process_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8").rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def postgres_cpu() -> float:
    """CPU seconds of every running postgres process (the hub's backends, the bench's, the server's own)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text(encoding="utf-8").strip() == "postgres":
                    total += process_cpu(int(entry.name))
            except OSError:
                pass  # gone meanwhile
    return total


def machine_cpu() -> float:
    """CPU seconds the whole machine has been busy (all cores; others' programs too)."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(
        int, Path("/proc/stat").read_text(encoding="utf-8").split("\n", 1)[0].split()[1:9])
    return (user + nice + system + irq + softirq + steal) / TICK


def cpu_meter(hub_pid: int) -> Callable[[], dict[str, float]]:
    def measure() -> dict[str, float]:
        own = os.times()
        return {"load generator": own.user + own.system, "hub": process_cpu(hub_pid), "postgres": postgres_cpu(),
                "machine": machine_cpu()}
    return measure


# the hub in its own process


@contextmanager
def hub_process(dsn: str) -> Iterator[tuple[str, int]]:
    """`python -m wots_tui hub` on a free port with vote limits out of the way: (its URL, its pid)."""
    logs = tempfile.TemporaryDirectory(prefix="crowd-hub-bench-")
    env = {**os.environ, "WOTS_HUB_DATABASE_URL": dsn, "XDG_STATE_HOME": logs.name}  # the URL not in `ps`
    process = subprocess.Popen(
        [sys.executable, "-m", "wots_tui", "hub", "--port", "0", "--votes-per-hour", str(NO_LIMIT),
         "--votes-per-day", str(NO_LIMIT)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, encoding="utf-8")
    try:
        line = process.stdout.readline()
        found = re.search(r"listens on (http://\S+)", line)
        if found is None:
            raise SystemExit(f"the hub did not start: {line.strip()} {process.stdout.read().strip()}")
        yield found.group(1), process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)
        process.stdout.close()
        faults = [line for path in Path(logs.name).rglob("*.log")
                  for line in path.read_text(encoding="utf-8").splitlines() if " ERROR " in line]
        if faults:
            print(f"  the hub logged {len(faults)} errors; the first: {faults[0]}")
        logs.cleanup()


async def healthy(url: str) -> int:
    """The hub's schema number, once /v1/health says ok."""
    async with aiohttp.ClientSession() as session:
        for _ in range(200):
            try:
                async with session.get(f"{url}/v1/health") as answer:
                    if answer.status == 200:
                        return (await answer.json())["schema"]
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)
    raise SystemExit("the hub's /v1/health never said ok")


@asynccontextmanager
async def clients_of(tokens: list[str]):  # type: ignore[no-untyped-def]
    """One aiohttp session per voter, each one keep-alive connection and its own token."""
    sessions = [aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1),
                                      headers={"Authorization": f"Bearer {token}",
                                               "Content-Type": "application/json"})
                for token in tokens]
    try:
        yield sessions
    finally:
        for session in sessions:
            await session.close()


# the loads


def rosters(seeded: Seeded, rng: random.Random) -> list[bytes]:
    """POST /v1/lookup bodies: one platform each (a session's field), most drivers known to the crowd."""
    bodies = []
    platforms = list(seeded.drivers)
    shares = [len(seeded.drivers[p]) for p in platforms]
    known = {p: [d for d in seeded.drivers[p] if seeded.voters_of[d] >= MIN_VOTERS] for p in platforms}
    for _ in range(ROSTERS):
        platform = rng.choices(platforms, shares)[0]
        roster = rng.sample(known[platform], KNOWN_PER_ROSTER)
        chosen = set(roster)
        while len(roster) < MAX_LOOKUP:
            driver = rng.choice(seeded.drivers[platform])
            if driver not in chosen:
                chosen.add(driver)
                roster.append(driver)
        bodies.append(orjson.dumps({"drivers": driver_refs(roster)}))
    return bodies


def lookups(url: str, sessions: list[aiohttp.ClientSession], bodies: list[bytes], failures: Counter,
            found: list[int]) -> Request:
    def request_of(number: int) -> Awaitable[int]:
        return lookup(sessions[number], bodies[random.randrange(len(bodies))])

    async def lookup(session: aiohttp.ClientSession, body: bytes) -> int:
        async with session.post(f"{url}/v1/lookup", data=body) as answer:
            raw = await answer.read()
        if answer.status != 200:
            failures[str(answer.status)] += 1
            return 0
        if len(found) < 50:  # a sample of what came back, not a parse of every answer
            found.append(len(orjson.loads(raw)["drivers"]))
        return 1
    return request_of


def pushes(url: str, sessions: list[aiohttp.ClientSession], seeded: Seeded, failures: Counter,
           refused: list[int]) -> Request:
    everyone = [d for drivers in seeded.drivers.values() for d in drivers]
    weights = [seeded.voters_of[d] + 1 for d in everyone]  # popular drivers are met (and rated) again
    rng = random.Random(16)
    session_ids = iter(range(90_000_000, 10**12))

    def batch() -> bytes:
        now = datetime.now(UTC)
        drivers = list(dict.fromkeys(rng.choices(everyone, weights, k=MAX_PUSH)))  # one vote per driver
        sessions = [next(session_ids) for _ in range(SESSIONS_PER_PUSH)]
        reps = [rng.choice((1, 1, 1, 0, -1)) for _ in drivers]
        votes = [Vote(platform, driver_id, rep, tuple(tags_of(rng, rep)), sessions[n % SESSIONS_PER_PUSH], now)
                 for n, ((platform, driver_id), rep) in enumerate(zip(drivers, reps, strict=True))]
        return orjson.dumps({"votes": [vote_object(vote) for vote in votes]})

    async def push(number: int) -> int:
        async with sessions[number].put(f"{url}/v1/votes", data=batch()) as answer:
            raw = await answer.read()
        if answer.status != 200:
            failures[str(answer.status)] += 1
            return 0
        said = orjson.loads(raw)
        refused[0] += len(said["refused"])
        return said["accepted"]
    return push


async def select_one(dsn: str, clients: int, pool_size: int, warm_up: float, seconds: float,
                     cpu: Callable[[], dict[str, float]]) -> Run:
    async with asyncpg.create_pool(dsn, min_size=pool_size, max_size=pool_size) as pool:
        async def query(_: int) -> int:
            async with pool.acquire() as connection:
                await connection.fetchval("SELECT 1")
            return 1
        return await load(clients, query, warm_up, seconds, cpu)


# the run


def verdict(ok: bool, by: str) -> str:
    return "met" if ok else f"MISSED ({by})"


async def bench(dsn: str, url: str, hub_pid: int, args: argparse.Namespace) -> None:
    schema = await healthy(url)
    started = time.perf_counter()
    seeded = await seed(dsn, DRIVERS, VOTERS, VOTES)
    connection = await asyncpg.connect(dsn)
    version = await connection.fetchval("SHOW server_version")
    await connection.close()
    known = sum(1 for n in seeded.voters_of.values() if n >= MIN_VOTERS)
    print(f"Crowd hub bench: PostgreSQL {version}, hub schema {schema}, {os.cpu_count()} cores shared by the "
          f"load generator, the hub and PostgreSQL")
    print(f"  seeded by COPY in {time.perf_counter() - started:.1f} s: {sum(map(len, seeded.drivers.values()))} "
          f"drivers ({known} with >= {MIN_VOTERS} voters), {len(seeded.voters)} voters "
          f"({seeded.new_voters} new), {seeded.votes} votes")
    cpu = cpu_meter(hub_pid)
    pool_size = HubSettings(database_url=dsn).pool_size
    tokens = list(seeded.voters.values())
    rng = random.Random(17)
    bodies = rosters(seeded, rng)
    failures: Counter[str] = Counter()
    found: list[int] = []
    async with clients_of(rng.sample(tokens, args.clients)) as sessions:
        many = await load(args.clients, lookups(url, sessions, bodies, failures, found), 3.0,
                                 args.lookup_seconds, cpu)
        one = await load(1, lookups(url, sessions, bodies, failures, found), 1.0, 5.0, cpu)
        paced = await load(args.clients, lookups(url, sessions, bodies, failures, found), 2.0, 10.0, cpu,
                           args.paced_rate)
    refused = [0]
    async with clients_of(rng.sample(tokens, args.clients)) as sessions:
        ingest = await load(args.clients, pushes(url, sessions, seeded, failures, refused), 2.0,
                                   args.ingest_seconds, cpu)
    bare_one = await select_one(dsn, 1, 1, 1.0, 5.0, cpu)
    bare_many = await select_one(dsn, args.clients, pool_size, 1.0, 5.0, cpu)
    c = args.clients
    print(f"  lookup of {MAX_LOOKUP} drivers, {c} clients, {args.lookup_seconds:.0f} s: {many.latency_text()}, "
          f"{many.rate:7.0f} req/s  (CPU: {many.cpu_text()})")
    print(f"    budget p99 <= {LOOKUP_P99_BUDGET_MS:.0f} ms: "
          f"{verdict(many.ms(0.99) <= LOOKUP_P99_BUDGET_MS, f'{many.ms(0.99) / LOOKUP_P99_BUDGET_MS:.1f}x')}; "
          f"{statistics.mean(found):.0f} of {MAX_LOOKUP} drivers found per answer")
    print(f"    baseline SELECT 1, {c} tasks over a pool of {pool_size}: {bare_many.latency_text()}, "
          f"{bare_many.rate:7.0f} q/s  (CPU: {bare_many.cpu_text()})")
    print(f"  lookup of {MAX_LOOKUP} drivers, 1 client:          {one.latency_text()}, {one.rate:7.0f} req/s  "
          f"(CPU: {one.cpu_text()})")
    print(f"    baseline SELECT 1, one connection:    {bare_one.latency_text()}, {bare_one.rate:7.0f} q/s")
    print(f"  lookup of {MAX_LOOKUP} drivers, {c} clients paced to {args.paced_rate:.0f} req/s in all: "
          f"{paced.latency_text()}, {paced.rate:7.0f} req/s  (CPU: {paced.cpu_text()})")
    print(f"    budget p99 <= {LOOKUP_P99_BUDGET_MS:.0f} ms: {verdict(paced.ms(0.99) <= LOOKUP_P99_BUDGET_MS, f'{paced.ms(0.99) / LOOKUP_P99_BUDGET_MS:.1f}x')}")
    print(f"  ingest, PUT /v1/votes of {MAX_PUSH}, {c} voters at once, {args.ingest_seconds:.0f} s: "
          f"{ingest.rate:7.0f} votes/s ({len(ingest.latencies) / ingest.seconds:.0f} batches/s, "
          f"{ingest.latency_text()} a batch; CPU: {ingest.cpu_text()})")
    print(f"    budget >= {INGEST_BUDGET:.0f} votes/s: "
          f"{verdict(ingest.rate >= INGEST_BUDGET, f'{ingest.rate / INGEST_BUDGET:.0%} of it')}; "
          f"beside {bare_many.rate:.0f} SELECT 1 a second over the pool")
    if failures or refused[0]:
        print(f"  failures by status: {dict(failures)}; votes refused: {refused[0]}")
    print(f"  (closed loops: latency = clients / throughput, so {c} clients see p99 <= "
          f"{LOOKUP_P99_BUDGET_MS:.0f} ms only above ~{c / LOOKUP_P99_BUDGET_MS * 1000:.0f} req/s)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lookup-seconds", type=float, default=15.0)
    parser.add_argument("--ingest-seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--paced-rate", type=float, default=100.0,
                        help="lookups a second from all clients together in the paced run")
    args = parser.parse_args()
    try:
        with postgres_server() as server, fresh_database(server) as dsn, hub_process(dsn) as (url, pid):
            asyncio.run(bench(dsn, url, pid, args))
    except pytest.skip.Exception as skipped:  # tests/postgres.py's word when no PostgreSQL can be had
        raise SystemExit(skipped.msg) from None


if __name__ == "__main__":
    main()
