"""The AMS2 source's cost per poll, steady state: one status read and one event-log read, mapped to a snapshot.

Against the fake AMS2 server (tests/fakes/ams2_server.py, real HTTP on 127.0.0.1, in a thread of its own)
holding a full grid: 24 humans and 8 AI, an Impact every poll. Beside it, in the same run, the baseline: the
bare httpx GETs of the same two endpoints with their JSON parsed, nothing mapped. The source polls twice a
second, so the CPU it costs is twice the per-poll figure. Budget: none in the design; we look at the
mapping's share over the bare requests, and at the CPU at 2 Hz.

    uv run python bench/ams2_poll.py [--polls N]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import threading
import time
from functools import partial
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fakes.ams2_server import FakeAms2Server
from wots_tui.sources.ams2_follow import ServerFollower
from wots_tui.sources.ams2_http import Ams2Http

HUMANS, AI = 24, 8


def serve_in_thread() -> tuple[FakeAms2Server, asyncio.AbstractEventLoop]:
    """The fake server on a loop of its own, with a full grid racing."""
    fake = FakeAms2Server()
    loop = asyncio.new_event_loop()
    ready = threading.Event()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(fake.start())
        ready.set()
        loop.run_forever()

    threading.Thread(target=run, daemon=True).start()
    ready.wait()
    session = fake.session
    session.start(stage="Race1")
    cars = []
    for n in range(HUMANS):
        refid = session.join(f"Racer {n:02}", str(76561198000000000 + n), host=n == 0)
        cars.append(session.add_car(refid, position=n + 1))
    cars += [session.add_ai(f"AI {n}", position=HUMANS + n + 1) for n in range(AI)]
    for car in cars:
        session.state(car, "Racing")
    return fake, loop


def per_poll_ms(poll, polls: int, between) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Median wall and median CPU per poll, in ms: this thread's CPU only (the fake server runs in another)."""
    walls, cpus = [], []
    for _ in range(polls):
        between()
        wall, cpu = time.perf_counter(), time.thread_time()
        poll()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.thread_time() - cpu)
    return statistics.median(walls) * 1000, statistics.median(cpus) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--polls", type=int, default=400)
    polls = parser.parse_args().polls
    fake, loop = serve_in_thread()
    session = fake.session

    def touch() -> None:  # the server's side of a busy race: a car moves, two cars touch
        loop.call_soon_threadsafe(partial(session.set_car, 1, Speed=int(time.time() * 1000) % 300))
        loop.call_soon_threadsafe(session.impact, 2, 3, 200)
        time.sleep(0.002)

    http = Ams2Http(fake.url, "admin", "admin-pw")
    follower = ServerFollower(http, steam_id=76561198000000005)
    follower.connect()
    for _ in range(20):  # warm: names read, log position known, the first roster made
        follower.read()

    bare = httpx.Client(base_url=fake.url, auth=("admin", "admin-pw"))
    next_event = [0]

    def bare_poll() -> None:
        bare.get("/api/session/status?attributes&members&participants").json()
        page = bare.get(f"/api/log/range?offset={next_event[0]}&count=200").json()["response"]
        next_event[0] = page["first"] + page["count"]

    for _ in range(20):
        bare_poll()
    bare_wall, bare_cpu = per_poll_ms(bare_poll, polls, touch)
    wall, cpu = per_poll_ms(follower.read, polls, touch)
    contacts = len(follower._contacts.contacts)
    print(f"AMS2 poll, {HUMANS} humans + {AI} AI, an Impact per poll, {polls} polls (steady state):")
    print(f"  source (status + log, mapped to a snapshot): {wall:.2f} ms wall, {cpu:.2f} ms CPU per poll")
    print(f"  baseline (the same two GETs, JSON parsed):   {bare_wall:.2f} ms wall, {bare_cpu:.2f} ms CPU per poll")
    print(f"  mapping's share: {cpu - bare_cpu:.2f} ms CPU per poll; at 2 polls a second the source costs "
          f"{cpu * 2 / 10:.2f}% of one core (baseline {bare_cpu * 2 / 10:.2f}%)")
    print(f"  ({contacts} contacts folded so far)")
    http.close()
    bare.close()
    loop.call_soon_threadsafe(loop.stop)


if __name__ == "__main__":
    main()
