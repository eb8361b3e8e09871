"""`wots-tui fetch` of 1,000 races from the fake iRacing, 50 ms per answer, against its rate limit.

Budget (ARCHITECTURE.md): <= 1.2x the rate limit's own minimum time for the calls the fetch made.

The fake (tests/fakes/iracing_server.py) counts calls in windows aligned to the epoch, as iRacing does, and
answers 429 over the limit; every answer, the Data API's and the signed files', waits `--latency`. The
minimum is the time the limit alone imposes on that many calls from the moment the fetch started: the first
window holds what is left of it, each later one `limit` calls, so the last call cannot come before the window
it falls in opens. The fetch is the real one (OAuth login, searches, results, seasons, standings, classes,
charts) into a real notebook file; start-up (the fake, the file) is outside the timing.

    uv run python bench/history_fetch.py [--races 1000] [--latency 0.05] [--limit 100] [--window 4]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from fakes.iracing_server import CLIENT_ID, CLIENT_SECRET, PASSWORD, USERNAME, FakeIRacing

from wots_tui.store import Database
from wots_tui.webapi.auth import OAuthSession
from wots_tui.webapi.client import DataApi
from wots_tui.webapi.credentials import CredentialSource
from wots_tui.webapi.fetch import FetchOptions, HistoryFetch
from wots_tui.webapi.tokens import TokenFile

BUDGET = 1.2


class Quiet:
    """The fetch's progress, kept: the bench prints only its figures (and the rate-limit waits it was told)."""

    def __init__(self) -> None:
        self.waits: list[str] = []

    def stage(self, name: str, total: int | None = None) -> None: ...

    def advance(self, done: int = 1) -> None: ...

    def say(self, line: str) -> None:
        self.waits.append(line)


def minimum_time(calls: int, limit: int, window: float, started: float) -> float:
    """The least time `calls` calls take under `limit` per `window` (windows aligned to the epoch)."""
    if calls <= limit:
        return 0.0
    first_window_left = window - started % window
    return first_window_left + (math.ceil(calls / limit) - 2) * window


async def measure(races: int, latency: float, limit: int, window: float) -> None:
    with tempfile.TemporaryDirectory() as folder:
        environ = {
            "IRACING_USERNAME": USERNAME,
            "IRACING_PASSWORD": PASSWORD,
            "IRACING_CLIENT_ID": CLIENT_ID,
            "IRACING_CLIENT_SECRET": CLIENT_SECRET,
        }
        credentials = CredentialSource(environ=environ, dotenv=Path(folder) / ".env")
        database = Database(Path(folder) / "notebook.duckdb")
        progress = Quiet()
        async with FakeIRacing(races=races, latency=latency, rate_limit=(limit, window)) as fake:
            session = OAuthSession(
                oauth_url=fake.oauth_url, token_file=TokenFile(Path(folder) / "token.json"), credentials=credentials
            )
            async with session, DataApi(fake.data_api_url, session, on_wait=progress.say) as api:
                started = time.time()
                summary = await HistoryFetch(api, database, FetchOptions(), progress).run()
                elapsed = time.time() - started
        database.close()
    calls = len(fake.requests)
    refused = sum(1 for request in fake.requests if request.status == 429)
    least = minimum_time(calls, limit, window, started)
    print(f"fetch of {summary.races_new} races ({summary.driver_results:,} driver results), {latency * 1000:.0f} ms "
          f"per answer, limit {limit} calls per {window:g} s")
    print(f"  Data API calls: {calls} ({refused} answered 429), signed files: {len(fake.file_requests)}, "
          f"rate-limit waits told: {len(progress.waits)}")
    print(f"  elapsed {elapsed:.1f} s; the limit's minimum for {calls} calls {least:.1f} s; "
          f"ratio {elapsed / least if least else float('inf'):.2f} (budget <= {BUDGET})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--races", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--limit", type=int, default=100, help="calls per window")
    parser.add_argument("--window", type=float, default=4.0, help="seconds")
    arguments = parser.parse_args()
    asyncio.run(measure(arguments.races, arguments.latency, arguments.limit, arguments.window))


if __name__ == "__main__":
    main()
