"""The Data API client against the fake iRacing over real sockets, and the pacing maths on a mock transport.

Over the fake: the real login (auth.OAuthSession on the fake's OAuth server), a real httpx client, the
fake's S3 port refusing any Authorization header. On httpx.MockTransport: the rate-limit window arithmetic,
with a clock that moves only when the transport sleeps.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Self

import httpx
import pytest
from fakes import iracing_data as data
from fakes.iracing_server import (
    BROKEN_LINK,
    CLIENT_ID,
    CLIENT_SECRET,
    FORBIDDEN,
    GATEWAY_TIMEOUT,
    MAINTENANCE,
    PASSWORD,
    RATE_LIMITED,
    SERVER_ERROR,
    UNAUTHORIZED,
    USERNAME,
    FakeIRacing,
    Fault,
    slow,
)

from wots_tui.webapi.auth import OAuthSession
from wots_tui.webapi.client import DataApi
from wots_tui.webapi.credentials import CredentialSource
from wots_tui.webapi.errors import DataApiError, LoginError, Maintenance
from wots_tui.webapi.tokens import TokenFile
from wots_tui.webapi.transport import PacedTransport, RetryPolicy, origin

QUICK = RetryPolicy(backoff=0.01, max_backoff=0.05)  # retries without the real seconds of backoff
MAINTENANCE_NOTE = "The site is currently undergoing maintenance. Please try your request later."


def login(fake: FakeIRacing, folder: Path) -> OAuthSession:
    environ = {
        "IRACING_USERNAME": USERNAME,
        "IRACING_PASSWORD": PASSWORD,
        "IRACING_CLIENT_ID": CLIENT_ID,
        "IRACING_CLIENT_SECRET": CLIENT_SECRET,
    }
    return OAuthSession(
        oauth_url=fake.oauth_url,
        token_file=TokenFile(folder / "iracing-token.json"),
        credentials=CredentialSource(environ=environ, dotenv=folder / ".env"),
    )


@pytest.fixture
async def fake() -> AsyncIterator[FakeIRacing]:
    async with FakeIRacing() as fake:
        yield fake


class Client:
    """A DataApi on a fake, with its login and every line it said while waiting."""

    def __init__(self, fake: FakeIRacing, folder: Path, **options) -> None:
        self.said: list[str] = []
        self.auth = login(fake, folder)
        self.api = DataApi(
            fake.data_api_url, self.auth, on_wait=self.said.append, **{"retry": QUICK, **options}
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.api.aclose()
        await self.auth.aclose()


def no_token_in(text: str, fake: FakeIRacing) -> bool:
    return not any(token in text for token in fake.oauth.issued) and CLIENT_SECRET not in text


# --- bodies, links and chunks -------------------------------------------------------------------------------


async def test_a_call_follows_its_link_to_the_body_without_the_bearer(
    fake: FakeIRacing, tmp_path: Path
) -> None:
    async with Client(fake, tmp_path) as client:
        body = await client.api.get("results/get", subsession_id=45243121)
    assert body == data.seated(data.OFFICIAL_RACE)
    assert [(r.endpoint, r.params, r.status) for r in fake.requests] == [
        ("results/get", {"subsession_id": "45243121"}, 200)
    ]
    [link] = fake.file_requests
    assert link.key.startswith("production/data-server/cache/data-services/results/get/")
    assert (link.status, link.authorization) == (200, False)
    assert client.api.calls == 1


async def test_the_fake_file_port_refuses_a_bearer_as_s3_does(fake: FakeIRacing) -> None:
    url = fake.put_file("some/file.json", b"[]")
    async with httpx.AsyncClient() as http:
        refused = await http.get(url, headers={"Authorization": "Bearer x"})
        unsigned = await http.get(url.split("?")[0])
        fine = await http.get(url)
    assert refused.status_code == 400 and "Only one auth mechanism allowed" in refused.text
    assert unsigned.status_code == 403 and "SignatureDoesNotMatch" in unsigned.text
    assert (fine.status_code, fine.content) == (200, b"[]")


async def test_searches_answer_directly_and_their_rows_come_from_the_chunks(tmp_path: Path) -> None:
    async with FakeIRacing(chunk_size=1) as fake, Client(fake, tmp_path) as client:
        body = await client.api.get(
            "results/search_series",
            season_year=2022,
            season_quarter=2,
            cust_id=data.MEMBER_ID,
            event_types=[5],
            official_only=True,
        )
        rows = await client.api.rows(body, endpoint="results/search_series")
    assert body["type"] == "search_series_results" and body["data"]["chunk_info"]["num_chunks"] == 2
    assert [(row["subsession_id"], row["finish_position"], row["car_class_name"]) for row in rows] == [
        (45243121, 8, "Kia Optima"),
        (46219719, 11, "NECGT3"),
    ]
    assert fake.requests[0].params == {
        "season_year": "2022",
        "season_quarter": "2",
        "cust_id": str(data.MEMBER_ID),
        "event_types": "5",
        "official_only": "true",
    }
    assert len(fake.file_requests) == 2 and not any(r.authorization for r in fake.file_requests)


async def test_a_search_answered_with_a_link_is_followed_too(tmp_path: Path) -> None:
    async with FakeIRacing(search_via_link=True) as fake, Client(fake, tmp_path) as client:
        body = await client.api.get(
            "results/search_hosted",
            start_range_begin="2022-06-01T00:00Z",
            start_range_end="2022-07-01T00:00Z",
            cust_id=data.MEMBER_ID,
        )
        rows = await client.api.rows(body)
    assert [row["subsession_id"] for row in rows] == [46557088]
    assert [r.key.split("/")[0] for r in fake.file_requests] == ["production", "members"]


async def test_chunks_are_concatenated_in_order(tmp_path: Path) -> None:
    async with FakeIRacing(chunk_size=50) as fake, Client(fake, tmp_path) as client:
        header = await client.api.get("stats/season_driver_standings", season_id=3620, car_class_id=48)
        rows = await client.api.rows(header)
    assert header["chunk_info"]["num_chunks"] == 5 and header["customer_rank"] == 45
    assert [row["rank"] for row in rows] == list(range(1, 212))
    assert rows[44]["cust_id"] == data.MEMBER_ID


async def test_empty_and_missing_chunks_add_no_rows(fake: FakeIRacing, tmp_path: Path) -> None:
    folder = "members/messaging-services/short_lived/test/"
    names = []
    for n, content in enumerate([b'[{"n": 1}]', b"[]", b"", b'[{"n": 2}, {"n": 3}]']):
        names.append(fake.put_file(f"{folder}{n}.json", content).removeprefix(f"{fake.files_url}/{folder}"))
    chunked = {"chunk_info": {"base_download_url": f"{fake.files_url}/{folder}", "chunk_file_names": names}}
    async with Client(fake, tmp_path) as client:
        rows = await client.api.rows(chunked)
        nothing = await client.api.get(
            "results/search_series", season_year=2019, season_quarter=1, cust_id=data.MEMBER_ID
        )
        assert nothing["data"]["chunk_info"]["num_chunks"] == 0
        assert await client.api.rows(nothing) == []
        assert await client.api.rows({"chunk_info": None}) == []
        assert await client.api.rows({"data": {"success": True}}) == []
        assert await client.api.rows([]) == []
    assert rows == [{"n": 1}, {"n": 2}, {"n": 3}]


async def test_a_chunk_that_is_not_a_list_of_rows_is_an_error_naming_it(
    fake: FakeIRacing, tmp_path: Path
) -> None:
    url = fake.put_file("folder/0.json", b'{"not": "rows"}')
    base, name = url.split("folder/")
    async with Client(fake, tmp_path) as client:
        with pytest.raises(
            DataApiError, match=r"^stats/x chunk 1 of 1: expected a list of rows, got a JSON dict$"
        ):
            await client.api.rows(
                {"chunk_info": {"base_download_url": base + "folder/", "chunk_file_names": [name]}},
                endpoint="stats/x",
            )


async def test_a_broken_link_is_an_error_naming_the_call(fake: FakeIRacing, tmp_path: Path) -> None:
    fake.inject("results/get", BROKEN_LINK)
    async with Client(fake, tmp_path) as client:
        with pytest.raises(DataApiError) as error:
            await client.api.get("results/get", subsession_id=45243121)
    assert str(error.value) == (
        "results/get (its link): 127.0.0.1 answered 404 Not Found: NoSuchKey: The specified key does not exist."
    )


async def test_a_web_page_where_data_was_expected_is_one_line(fake: FakeIRacing, tmp_path: Path) -> None:
    fake.inject("member/info", Fault(200, b"<!DOCTYPE html><html><body>Log in</body></html>", "text/html"))
    async with Client(fake, tmp_path) as client:
        with pytest.raises(
            DataApiError, match=r"^member/info: 127.0.0.1 answered 200 with a web page, not data$"
        ):
            await client.api.get("member/info")


# --- refusals ------------------------------------------------------------------------------------------------


async def test_a_401_renews_the_token_once_and_tries_again(fake: FakeIRacing, tmp_path: Path) -> None:
    async with Client(fake, tmp_path) as client:
        await client.api.get("member/info")
        fake.oauth.expire_access_tokens()
        body = await client.api.get("member/info")
        assert (client.auth.logins, client.auth.refreshes) == (1, 1)
    assert body["cust_id"] == data.MEMBER_ID
    assert [r.status for r in fake.asked("member/info")] == [200, 401, 200]


async def test_a_401_after_the_renewal_is_a_login_error_with_no_second_renewal(
    fake: FakeIRacing, tmp_path: Path
) -> None:
    fake.inject("member/info", UNAUTHORIZED, times=2)
    async with Client(fake, tmp_path) as client:
        with pytest.raises(LoginError, match="member/info even after a fresh token") as error:
            await client.api.get("member/info")
        assert (client.auth.logins, client.auth.refreshes) == (1, 1)
    assert [r.status for r in fake.requests] == [401, 401]
    assert no_token_in(str(error.value), fake)


async def test_maintenance_stops_at_once_with_iracings_note(fake: FakeIRacing, tmp_path: Path) -> None:
    fake.inject("member/info", MAINTENANCE, times=10)
    async with Client(fake, tmp_path) as client:
        with pytest.raises(Maintenance) as error:
            await client.api.get("member/info")
    assert str(error.value) == f"iRacing says: {MAINTENANCE_NOTE}"
    assert len(fake.requests) == 1


async def test_a_503_from_the_file_host_is_s3_slowing_down_not_maintenance_and_is_retried(
    fake: FakeIRacing, tmp_path: Path
) -> None:
    slow_down = b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"
    fake.inject("s3", Fault(503, slow_down, "application/xml"))
    async with Client(fake, tmp_path) as client:
        body = await client.api.get("member/info")
    assert body["cust_id"] == data.MEMBER_ID
    assert [r.status for r in fake.file_requests] == [503, 200]
    assert client.said[0].startswith("127.0.0.1 answered 503: retry 1 of 4")


async def test_a_refusal_names_the_call_the_status_and_what_iracing_said(
    fake: FakeIRacing, tmp_path: Path
) -> None:
    fake.inject("results/get", FORBIDDEN)
    async with Client(fake, tmp_path) as client:
        with pytest.raises(DataApiError) as forbidden:
            await client.api.get("results/get", subsession_id=45243121)
        with pytest.raises(DataApiError) as unknown:
            await client.api.get("results/get", subsession_id=1)
        with pytest.raises(DataApiError) as too_long:
            await client.api.get(
                "results/search_series",
                finish_range_begin="2022-01-01T00:00Z",
                finish_range_end="2022-05-01T00:00Z",
            )
    assert str(forbidden.value) == "results/get: 127.0.0.1 answered 403 Forbidden: Forbidden"
    assert str(unknown.value) == "results/get: 127.0.0.1 answered 404 Not Found: Not Found"
    assert str(too_long.value) == (
        "results/search_series: 127.0.0.1 answered 400 Bad Request: Bad Request: "
        "finish_range_end may be at most 90 days after finish_range_begin"
    )
    assert len(fake.requests) == 3  # a 4xx is not retried
    assert all(no_token_in(str(e.value), fake) for e in (forbidden, unknown, too_long))


async def test_a_server_error_then_an_answer_is_retried(fake: FakeIRacing, tmp_path: Path) -> None:
    fake.inject("member/info", SERVER_ERROR)
    fake.inject("member/info", GATEWAY_TIMEOUT)
    async with Client(fake, tmp_path) as client:
        body = await client.api.get("member/info")
    assert body["cust_id"] == data.MEMBER_ID
    assert [r.status for r in fake.requests] == [500, 504, 200]
    assert client.api.retries == 2
    assert client.said[0].startswith("127.0.0.1 answered 500: retry 1 of 4 in ")
    assert client.said[1].startswith("127.0.0.1 answered 504: retry 2 of 4 in ")


async def test_server_errors_past_the_retries_are_one_line_naming_the_call(
    fake: FakeIRacing, tmp_path: Path
) -> None:
    fake.inject("member/info", GATEWAY_TIMEOUT, times=5)
    async with Client(fake, tmp_path) as client:
        with pytest.raises(DataApiError) as error:
            await client.api.get("member/info")
    assert str(error.value) == "member/info: 127.0.0.1 answered 504 Gateway Timeout: a web page"
    assert len(fake.requests) == 5


async def test_a_slow_answer_is_retried_and_too_many_are_an_error(fake: FakeIRacing, tmp_path: Path) -> None:
    fake.inject("member/info", slow(5.0))
    fake.inject("carclass/get", slow(5.0), times=5)
    async with Client(fake, tmp_path, timeout=0.2) as client:
        body = await client.api.get("member/info")
        with pytest.raises(DataApiError) as error:
            await client.api.get("carclass/get")
    assert body["cust_id"] == data.MEMBER_ID
    assert str(error.value) == "carclass/get: no answer from 127.0.0.1 after 5 tries (read timeout)"
    assert client.said[0].startswith("no answer from 127.0.0.1 (ReadTimeout): retry 1 of 4 in ")


async def test_a_slow_link_is_retried_too(fake: FakeIRacing, tmp_path: Path) -> None:
    fake.inject("s3", slow(5.0))
    async with Client(fake, tmp_path, timeout=0.2) as client:
        body = await client.api.get("member/info")
    assert body["cust_id"] == data.MEMBER_ID
    assert len(fake.requests) == 1 and len(fake.file_requests) == 1  # the slow one never finished its answer


# --- the rate limit -------------------------------------------------------------------------------------------


async def test_a_429_waits_for_the_reset_says_so_and_tries_again(tmp_path: Path) -> None:
    async with FakeIRacing(rate_limit=(100, 1.0)) as fake, Client(fake, tmp_path) as client:
        fake.inject("member/info", RATE_LIMITED)
        body = await client.api.get("member/info")
    assert body["cust_id"] == data.MEMBER_ID
    assert [r.status for r in fake.requests] == [429, 200]
    assert fake.requests[1].window > fake.requests[0].window  # it waited for the next window
    assert client.said == ["rate limit: waiting 1 s"] or client.said == ["rate limit: waiting 2 s"]


async def test_rate_limit_refusals_past_the_retries_are_one_line(tmp_path: Path) -> None:
    async with FakeIRacing(rate_limit=(100, 1.0)) as fake:
        fake.inject("member/info", RATE_LIMITED, times=3)
        async with Client(
            fake, tmp_path, retry=RetryPolicy(rate_limit_retries=2, rate_limit_margin=0.0)
        ) as client:
            with pytest.raises(DataApiError, match=r"^member/info: iRacing's rate limit still refused it"):
                await client.api.get("member/info")
    assert [r.status for r in fake.requests] == [429, 429, 429]


async def test_pacing_keeps_every_window_within_the_limit(tmp_path: Path) -> None:
    limit = 4
    async with (
        FakeIRacing(rate_limit=(limit, 1.0)) as fake,
        Client(fake, tmp_path, max_in_flight=4) as client,
    ):
        await client.api.get("member/info")  # the first answer tells the limit
        bodies = await asyncio.gather(
            *(client.api.get("results/get", subsession_id=45243121) for _ in range(9))
        )
    assert all(body["subsession_id"] == 45243121 for body in bodies)
    assert {r.status for r in fake.requests} == {200}  # never refused
    per_window = Counter(r.window for r in fake.requests)
    assert max(per_window.values()) <= limit and len(per_window) >= 3
    assert client.api.rate_limit_waits == len(client.said) >= 2
    assert client.said and all(line.startswith("rate limit: waiting ") for line in client.said)
    assert client.api.calls == 10


async def test_no_more_requests_in_flight_than_max_in_flight(tmp_path: Path) -> None:
    async with FakeIRacing(latency=0.05) as fake, Client(fake, tmp_path, max_in_flight=2) as client:
        await asyncio.gather(*(client.api.get("results/get", subsession_id=45243121) for _ in range(6)))
    assert fake.most_in_flight == 2
    assert len(fake.requests) == 6 and len(fake.file_requests) == 6


# --- the pacing maths, on a mock transport with a clock that moves only when the transport sleeps ----------------


class Clock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 3))
        self.now += seconds
        await asyncio.sleep(0)


def paced(handler, clock: Clock, said: list[str] | None = None, **policy) -> httpx.AsyncClient:
    transport = PacedTransport(
        httpx.MockTransport(handler),
        paced_origin=origin("https://members-ng.iracing.com"),
        policy=RetryPolicy(**policy),
        on_wait=said.append if said is not None else None,
        clock=clock,
        sleep=clock.sleep,
        jitter=lambda: 0.5,
    )
    return httpx.AsyncClient(transport=transport, base_url="https://members-ng.iracing.com")


def window(limit: int, remaining: int, reset: float) -> dict[str, str]:
    return {
        "x-ratelimit-limit": str(limit),
        "x-ratelimit-remaining": str(remaining),
        "x-ratelimit-reset": str(reset),
    }


async def test_when_none_remain_it_waits_for_the_reset_before_the_next_request() -> None:
    clock, said = Clock(), []
    reset = clock.now + 10
    sent: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(clock.now)
        remaining = 2 - len(sent) if clock.now < reset else 5
        return httpx.Response(
            200, json={}, headers=window(2, remaining, reset if clock.now < reset else reset + 60)
        )

    async with paced(handler, clock, said, pace_margin=0.25) as http:
        for _ in range(3):
            assert (await http.get("/data/x")).status_code == 200
    assert sent == [clock.now - 10.25, clock.now - 10.25, clock.now]
    assert clock.slept == [10.25] and said == ["rate limit: waiting 11 s"]


async def test_requests_in_flight_count_against_what_remains() -> None:
    clock, release = Clock(), asyncio.Event()
    in_flight = most = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        if request.url.path != "/data/first":
            await release.wait()
        in_flight -= 1
        return httpx.Response(200, json={}, headers=window(10, 3, clock.now + 60))

    async with paced(handler, clock) as http:
        await http.get("/data/first")  # remaining 3 from here on
        calls = [asyncio.create_task(http.get("/data/x")) for _ in range(5)]
        for _ in range(20):
            await asyncio.sleep(0)
        assert in_flight == 3
        release.set()
        await asyncio.gather(*calls)
    assert most == 3


async def test_only_one_request_goes_before_the_first_answer_tells_the_limit() -> None:
    clock, first = Clock(), asyncio.Event()
    started = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal started
        started += 1
        await first.wait()
        return httpx.Response(200, json={}, headers=window(240, 200, clock.now + 60))

    async with paced(handler, clock) as http:
        calls = [asyncio.create_task(http.get("/data/x")) for _ in range(4)]
        for _ in range(20):
            await asyncio.sleep(0)
        assert started == 1
        first.set()
        await asyncio.gather(*calls)
    assert started == 4


def test_answers_out_of_order_keep_the_lowest_remaining_of_a_window() -> None:
    clock = Clock()
    pacer = PacedTransport(
        httpx.MockTransport(lambda request: httpx.Response(200)),
        paced_origin=("https", "h", 443),
        clock=clock,
    ).pacer
    reset = clock.now + 30
    for remaining, at in ((5, reset), (7, reset), (9, reset - 60), (100, reset + 60)):
        pacer.in_flight += 1
        pacer.answered(httpx.Response(200, headers=window(10, remaining, at)))
        if remaining == 7:
            assert (pacer.remaining, pacer.reset_at) == (5, reset)  # an older answer of the same window
        if remaining == 9:
            assert (pacer.remaining, pacer.reset_at) == (5, reset)  # a window already over: ignored
    assert (pacer.remaining, pacer.reset_at, pacer.limit) == (100, reset + 60, 10)  # the next window


@pytest.mark.parametrize(
    ("headers", "wait"),
    [
        ({"x-ratelimit-reset": "1700000012"}, 12.5),  # to the reset, and half a second
        ({"retry-after": "7"}, 7.0),
        ({}, 10.0),  # the default
    ],
)
async def test_a_429_waits_as_its_headers_say(headers: dict[str, str], wait: float) -> None:
    clock, said = Clock(), []
    answers = [httpx.Response(429, text="Rate limit exceeded", headers=headers), httpx.Response(200, json={})]
    async with paced(lambda request: answers.pop(0), clock, said, pace_margin=0.0) as http:
        assert (await http.get("/data/x")).status_code == 200
    assert clock.slept == [wait]
    assert said == [f"rate limit: waiting {int(-(-wait // 1))} s"]


async def test_server_errors_back_off_exponentially_and_503_is_never_retried() -> None:
    clock = Clock()
    statuses = [500, 502, 500, 500, 500]
    async with paced(lambda request: httpx.Response(statuses.pop(0)), clock) as http:
        assert (await http.get("/data/x")).status_code == 500  # retries exhausted: the last answer
    assert clock.slept == [1.0, 2.0, 4.0, 8.0]  # backoff 1 s doubled, jitter at its middle

    clock, calls = Clock(), []
    async with paced(lambda request: calls.append(1) or httpx.Response(503), clock) as http:
        assert (await http.get("/data/x")).status_code == 503
    assert calls == [1] and clock.slept == []


async def test_links_on_another_host_are_not_paced() -> None:
    clock = Clock()
    async with paced(
        lambda request: httpx.Response(200, headers=window(1, 0, clock.now + 50)), clock
    ) as http:
        for _ in range(3):  # paced, the second would wait 50 s for the reset
            assert (await http.get("https://scorpio-assets.s3.amazonaws.com/file")).status_code == 200
    assert clock.slept == []


async def test_the_body_is_read_inside_the_transport_so_a_timeout_while_reading_it_is_retried() -> None:
    class Stalling(httpx.AsyncByteStream):
        async def __aiter__(self) -> AsyncIterator[bytes]:
            raise httpx.ReadTimeout("stalled")
            yield b""

    streams: list[httpx.AsyncByteStream] = [Stalling(), httpx.ByteStream(b'{"cust_id": 341554}')]
    clock = Clock()
    async with paced(lambda request: httpx.Response(200, stream=streams.pop(0)), clock) as http:
        answer = await http.get("/data/x")
    assert answer.json() == {"cust_id": data.MEMBER_ID}
    assert streams == [] and clock.slept == [1.0]
