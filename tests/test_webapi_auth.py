"""The iRacing OAuth login against the fake OAuth server on 127.0.0.1, through a real httpx client.

Masks, the three grants, rotation of single-use refresh tokens, one refresh among sessions and processes
sharing a token file, a 401's renewal, every refusal as one line, the token file (0600, replaced whole),
the credentials' sources, and no secret in any log line or message.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import hashlib
import json
import logging
import os
import socket
import stat
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fakes.oauth_server import FakeOAuth, serve

from wots_tui.config import IRacingLogin
from wots_tui.webapi import auth as auth_module
from wots_tui.webapi import tokens
from wots_tui.webapi.auth import OAuthSession, login_in_browser, mask
from wots_tui.webapi.browser_login import s256
from wots_tui.webapi.credentials import CredentialSource, read_dotenv
from wots_tui.webapi.errors import LoginError
from wots_tui.webapi.tokens import TokenFile, Tokens

REPO = Path(__file__).resolve().parent.parent
USERNAME = "Racer.One@Example.com"  # mixed case: the mask must lowercase it
PASSWORD = "hunter2-pw20"  # masked with the username, it holds + and /: the form must percent-encode them
CLIENT_ID = "wots-tui-test"
CLIENT_SECRET = "client-secret-20"  # likewise
PUBLIC_CLIENT = "wots-tui-public"  # a PKCE client with no secret
ENVIRON = {
    "IRACING_USERNAME": USERNAME,
    "IRACING_PASSWORD": PASSWORD,
    "IRACING_CLIENT_ID": CLIENT_ID,
    "IRACING_CLIENT_SECRET": CLIENT_SECRET,
}
SECRETS = [PASSWORD, CLIENT_SECRET, mask(PASSWORD, USERNAME), mask(CLIENT_SECRET, CLIENT_ID)]


class Clock:
    """Time that moves only when a test says so; the fake and the sessions share it."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def oauth(clock: Clock) -> AsyncIterator[tuple[FakeOAuth, str]]:
    fake = FakeOAuth({USERNAME: PASSWORD}, {CLIENT_ID: CLIENT_SECRET, PUBLIC_CLIENT: None}, clock=clock)
    async with serve(fake) as url:
        yield fake, url


@pytest.fixture
def token_file(tmp_path: Path) -> TokenFile:
    return TokenFile(tmp_path / "data" / "iracing-token.json")


def credentials(tmp_path: Path, environ: dict[str, str] | None = None, **options) -> CredentialSource:
    """Credentials from `environ` (all four by default), with no .env file and no one to ask."""
    options.setdefault("dotenv", tmp_path / "no.env")
    options.setdefault("config_file", tmp_path / "config.toml")
    return CredentialSource(environ=ENVIRON if environ is None else environ, **options)


def session(url: str, token_file: TokenFile, clock: Clock, creds: CredentialSource) -> OAuthSession:
    return OAuthSession(oauth_url=url, token_file=token_file, credentials=creds, clock=clock)


def form_of(body: bytes) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(body.decode("ascii"), keep_blank_values=True).items()}


# --- masks ---------------------------------------------------------------------------------------------


def test_mask_is_base64_of_the_sha256_of_the_secret_and_the_trimmed_lowercased_identifier():
    by_hand = base64.b64encode(hashlib.sha256(b"MyPassWord" + b"clunky@iracing.com").digest()).decode()
    assert mask("MyPassWord", "CLunky@iracing.Com") == by_hand
    # iRacing's own worked examples (its legacy-login docs, repeated in aydsko-iracingdata's and other tests)
    assert by_hand == "xGKecAR27ALXNuMLsGaG0v5Q9pSs2tZTZRKNgmHMg+Q="
    assert mask("SuperSecure123", "john.smith@iracing.com") == "3NkLTzZtITXmFo7HHDwbGEnZox4VfwLMHHaNZzdNuE4="
    assert mask("MyPassWord", "  CLUNKY@iracing.com \n") == by_hand
    assert mask("MyPassword", "CLunky@iracing.Com") != by_hand  # the secret itself is not lowercased


def test_pkce_challenge_is_rfc7636s_worked_example():
    assert (
        s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    )


# --- the password_limited grant ------------------------------------------------------------------------


async def test_a_first_bearer_logs_in_with_both_masks_percent_encoded_and_saves_the_tokens(
    oauth, token_file, clock, tmp_path
):
    fake, url = oauth
    async with session(url, token_file, clock, credentials(tmp_path)) as auth:
        token = await auth.bearer()
        assert (auth.logins, auth.refreshes) == (1, 0)
    assert fake.bearer_is_valid(f"Bearer {token}")
    raw = fake.bodies[0]
    assert b"%2B" in raw and b"%2F" in raw and b"%3D" in raw  # + / = arrive percent-encoded
    assert b"+" not in raw and PASSWORD.encode() not in raw and CLIENT_SECRET.encode() not in raw
    form = form_of(raw)
    assert form == {
        "grant_type": "password_limited",
        "client_id": CLIENT_ID,
        "client_secret": mask(CLIENT_SECRET, CLIENT_ID),
        "username": USERNAME,
        "password": mask(PASSWORD, USERNAME),
        "scope": "iracing.auth",
    }
    saved = token_file.load()
    assert saved is not None and saved.access_token == token
    assert saved.access_expires_at == clock.now + 600  # absolute, from expires_in
    assert saved.refresh_expires_at == clock.now + 7 * 86400  # from refresh_token_expires_in
    assert (saved.client_id, saved.confidential) == (CLIENT_ID, True)


async def test_a_saved_token_is_used_as_it_is_without_asking_the_server(oauth, token_file, clock, tmp_path):
    fake, url = oauth
    async with session(url, token_file, clock, credentials(tmp_path)) as first:
        token = await first.bearer()
    clock.now += 500  # still more than a minute left
    async with session(url, token_file, clock, credentials(tmp_path, environ={})) as second:
        assert await second.bearer() == token
        assert (second.logins, second.refreshes) == (0, 0)
    assert fake.grants == ["password_limited"]


# --- the refresh_token grant ---------------------------------------------------------------------------


async def test_a_token_near_its_expiry_is_refreshed_with_the_masked_secret_and_the_refresh_token_rotates(
    oauth, token_file, clock, tmp_path
):
    fake, url = oauth
    async with session(url, token_file, clock, credentials(tmp_path)) as auth:
        first = await auth.bearer()
        old_refresh = token_file.load().refresh_token
        clock.now += 550  # 50 s left: less than the minute a token must outlive its call
        second = await auth.bearer()
        assert second != first and (auth.logins, auth.refreshes) == (1, 1)
    assert form_of(fake.bodies[1]) == {
        "grant_type": "refresh_token",
        "client_id": CLIENT_ID,
        "client_secret": mask(CLIENT_SECRET, CLIENT_ID),
        "refresh_token": old_refresh,
    }
    saved = token_file.load()
    assert saved.access_token == second and saved.refresh_token != old_refresh
    assert saved.access_expires_at == clock.now + 600
    async with httpx.AsyncClient() as http:  # the old refresh token was single-use
        again = await http.post(f"{url}/token", data=form_of(fake.bodies[1]))
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


async def test_a_refused_refresh_is_followed_by_one_full_login(oauth, token_file, clock, tmp_path):
    fake, url = oauth
    async with session(url, token_file, clock, credentials(tmp_path)) as first:
        await first.bearer()
    clock.now += 600
    fake.fail_next("invalid_grant")  # the saved refresh token was used elsewhere, or revoked
    async with session(url, token_file, clock, credentials(tmp_path)) as second:
        token = await second.bearer()
        assert (second.logins, second.refreshes) == (1, 0)
    assert fake.grants == ["password_limited", "refresh_token", "password_limited"]
    assert token_file.load().access_token == token


async def test_a_run_never_logs_in_twice(oauth, token_file, clock, tmp_path):
    """A run whose own login's refresh token is refused stops: a second login could be the first of a loop."""
    fake, url = oauth
    async with session(url, token_file, clock, credentials(tmp_path)) as auth:
        await auth.bearer()
        clock.now += 600
        fake.fail_next("invalid_grant")
        with pytest.raises(LoginError) as refused:
            await auth.bearer()
        assert "not logging in twice in one run" in one_line(refused.value)
        with pytest.raises(LoginError):
            await auth.renew("any")
    assert fake.grants == ["password_limited", "refresh_token"] and fake.logins == 1


async def test_an_expired_refresh_token_is_not_tried(oauth, token_file, clock, tmp_path):
    fake, url = oauth
    async with session(url, token_file, clock, credentials(tmp_path)) as first:
        await first.bearer()
    clock.now += 8 * 86400
    async with session(url, token_file, clock, credentials(tmp_path)) as second:
        await second.bearer()
    assert fake.grants == ["password_limited", "password_limited"]


async def test_a_401_renews_once_however_many_calls_saw_it(oauth, token_file, clock, tmp_path):
    fake, url = oauth
    async with session(url, token_file, clock, credentials(tmp_path)) as auth:
        first = await auth.bearer()
        fake.expire_access_tokens()  # the server stops taking it; the client's clock cannot know
        assert not fake.bearer_is_valid(f"Bearer {first}")
        renewed = await asyncio.gather(*(auth.renew(first) for _ in range(4)))  # four calls in flight got 401
        assert len(set(renewed)) == 1 and fake.bearer_is_valid(f"Bearer {renewed[0]}")
        assert await auth.renew(first) == renewed[0]  # a late 401 for the old token: already replaced
        assert await auth.bearer() == renewed[0]
        assert (auth.logins, auth.refreshes) == (1, 1)
    assert fake.grants == ["password_limited", "refresh_token"]


async def test_two_sessions_on_one_token_file_refresh_once(oauth, token_file, clock, tmp_path):
    fake, url = oauth
    async with session(url, token_file, clock, credentials(tmp_path)) as auth:
        await auth.bearer()
    clock.now += 600
    fake.delay = 0.2  # both ask while the first refresh is still on its way
    one = session(url, token_file, clock, credentials(tmp_path))
    other = session(url, token_file, clock, credentials(tmp_path))
    tokens = await asyncio.gather(one.bearer(), other.bearer())
    await one.aclose()
    await other.aclose()
    assert tokens[0] == tokens[1] == token_file.load().access_token
    assert fake.grants == ["password_limited", "refresh_token"]
    assert one.refreshes + other.refreshes == 1


async def test_processes_sharing_a_token_file_refresh_once(tmp_path, token_file):
    """Three real processes find the saved access token expired at once: one refreshes, the others wait
    for the lock, read the file again and use its new token."""
    fake = FakeOAuth({USERNAME: PASSWORD}, {CLIENT_ID: CLIENT_SECRET})
    fake.delay = 0.3
    async with serve(fake) as url:
        async with OAuthSession(
            oauth_url=url, token_file=token_file, credentials=credentials(tmp_path)
        ) as auth:
            await auth.bearer()
        token_file.save(dataclasses.replace(token_file.load(), access_expires_at=0.0))
        script = textwrap.dedent(
            f"""
            import asyncio, hashlib, os
            from pathlib import Path
            from wots_tui.webapi.auth import OAuthSession
            from wots_tui.webapi.credentials import CredentialSource
            from wots_tui.webapi.tokens import TokenFile

            async def main():
                creds = CredentialSource(environ=os.environ, dotenv=Path({str(tmp_path / "no.env")!r}))
                tokens = TokenFile(Path({str(token_file.path)!r}))
                async with OAuthSession(oauth_url={url!r}, token_file=tokens, credentials=creds) as auth:
                    print(hashlib.sha256((await auth.bearer()).encode()).hexdigest(), auth.refreshes)

            asyncio.run(main())
            """
        )
        environ = {**os.environ, **ENVIRON}
        processes = [
            await asyncio.create_subprocess_exec(
                sys.executable,
                "-c",
                script,
                cwd=REPO,
                env=environ,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            for _ in range(3)
        ]
        outputs = [await process.communicate() for process in processes]
    assert all(process.returncode == 0 for process in processes), [err.decode() for _, err in outputs]
    answers = [out.decode().split() for out, _ in outputs]
    newest = hashlib.sha256(token_file.load().access_token.encode()).hexdigest()
    assert {digest for digest, _ in answers} == {newest}
    assert sorted(int(refreshes) for _, refreshes in answers) == [0, 0, 1]
    assert fake.grants == ["password_limited", "refresh_token"]


# --- refusals, each one line ---------------------------------------------------------------------------


def one_line(error: LoginError) -> str:
    text = str(error)
    assert "\n" not in text and text
    assert not any(secret in text for secret in SECRETS)
    return text


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({**ENVIRON, "IRACING_PASSWORD": "wrong"}, "check IRACING_USERNAME and IRACING_PASSWORD"),
        (
            {**ENVIRON, "IRACING_USERNAME": "nobody@example.com"},
            "check IRACING_USERNAME and IRACING_PASSWORD",
        ),
        ({**ENVIRON, "IRACING_CLIENT_SECRET": "wrong"}, "check IRACING_CLIENT_ID and IRACING_CLIENT_SECRET"),
        ({**ENVIRON, "IRACING_CLIENT_ID": "unknown"}, "check IRACING_CLIENT_ID and IRACING_CLIENT_SECRET"),
    ],
    ids=["password", "username", "client-secret", "client-id"],
)
async def test_wrong_credentials_say_which_to_check_and_write_nothing(
    oauth, token_file, clock, tmp_path, environ, expected
):
    fake, url = oauth
    async with session(url, token_file, clock, credentials(tmp_path, environ)) as auth:
        with pytest.raises(LoginError) as refused:
            await auth.bearer()
    assert expected in one_line(refused.value)
    assert not token_file.path.exists()
    assert fake.logins == 0


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        ("rate_limited", "too many logins in the last hour (iRacing allows about 12); wait an hour"),
        ("unauthorized_client", "too many logins in the last hour (iRacing allows about 12); wait an hour"),
        (
            "grant_not_allowed",
            (
                "iRacing refused the login (unauthorized_client: Client is not authorized for this grant "
                "type); the client may not be registered for this login, or the account not on its list of users"
            ),
        ),
        (
            "two_factor",
            "needs two-factor login, which the password login cannot do; use `wots-tui login --browser`",
        ),
        ("server_down", "iRacing's login server answered a web page, not a token; try again later"),
    ],
)
async def test_a_refused_login_is_one_line_and_is_not_tried_again(
    oauth, token_file, clock, tmp_path, fault, expected
):
    fake, url = oauth
    fake.fail_next(fault)
    async with session(url, token_file, clock, credentials(tmp_path)) as auth:
        for _ in range(2):  # the second call gets the same answer, without asking the server again
            with pytest.raises(LoginError) as refused:
                await auth.bearer()
            assert expected in one_line(refused.value)
    assert fake.grants == ["password_limited"]
    assert not token_file.path.exists()


async def test_an_unreachable_login_server_is_one_line(token_file, clock, tmp_path):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    url = f"http://127.0.0.1:{port}/oauth2"
    async with session(url, token_file, clock, credentials(tmp_path)) as auth:
        with pytest.raises(LoginError) as refused:
            await auth.bearer()
    assert one_line(refused.value).startswith(
        f"cannot reach iRacing's login server at {url}/token (ConnectError)"
    )


async def test_a_token_answer_slower_than_the_deadline_is_one_line_and_lets_the_lock_go(
    oauth, token_file, clock, tmp_path, monkeypatch
):
    """The whole answer has a deadline (httpx's timeout is per read): the token lock is held no longer."""
    monkeypatch.setattr(auth_module, "TOKEN_TIMEOUT", 0.1)
    fake, url = oauth
    fake.delay = 0.5
    async with (
        httpx.AsyncClient(timeout=None) as http,
        OAuthSession(
            oauth_url=url, token_file=token_file, credentials=credentials(tmp_path), http=http, clock=clock
        ) as auth,
    ):
        with pytest.raises(LoginError) as refused:
            await auth.bearer()
    assert one_line(refused.value).startswith(
        f"cannot reach iRacing's login server at {url}/token (TimeoutError)"
    )
    assert not token_file.lock_path.exists() and not token_file.path.exists()


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (httpx.Response(502, text="<html>Bad gateway</html>"), "answered a web page, not a token"),
        (httpx.Response(200, json={"token_type": "Bearer"}), "answered HTTP 200, not a token"),
        (httpx.Response(400, json={"error": "invalid_scope"}), "iRacing refused the login (invalid_scope)"),
    ],
    ids=["html", "no-token", "other-error"],
)
async def test_an_answer_that_is_not_a_token_is_one_line(token_file, clock, tmp_path, answer, expected):
    def handler(request: httpx.Request) -> httpx.Response:
        return answer

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        auth = OAuthSession(
            oauth_url="https://oauth.invalid/oauth2",
            token_file=token_file,
            credentials=credentials(tmp_path),
            http=http,
            clock=clock,
        )
        with pytest.raises(LoginError) as refused:
            await auth.bearer()
    assert expected in one_line(refused.value)
    assert not token_file.path.exists()


@pytest.mark.parametrize(
    "missing", ["IRACING_CLIENT_ID", "IRACING_CLIENT_SECRET", "IRACING_USERNAME", "IRACING_PASSWORD"]
)
async def test_a_missing_credential_names_the_variable_and_the_config_file(
    oauth, token_file, clock, tmp_path, missing
):
    fake, url = oauth
    environ = {name: value for name, value in ENVIRON.items() if name != missing}
    async with session(url, token_file, clock, credentials(tmp_path, environ)) as auth:
        with pytest.raises(LoginError) as refused:
            await auth.bearer()
    key = missing.removeprefix("IRACING_").lower()
    assert (
        one_line(refused.value)
        == f"set {missing}, or {key} in [iracing] of config.toml ({tmp_path / 'config.toml'})"
    )
    assert fake.grants == []


async def test_no_secret_reaches_a_log_line_or_a_message(oauth, token_file, clock, tmp_path, caplog):
    """Every path through the login, logged at DEBUG (httpx's lines too): none carries a secret or token.
    The httpx logger gets its own level: the app's setup_logging (run by an earlier test) quiets it."""
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="httpx")
    fake, url = oauth
    messages = []
    async with session(url, token_file, clock, credentials(tmp_path)) as auth:
        first = await auth.bearer()
        clock.now += 600
        await auth.bearer()
        fake.expire_access_tokens()
        await auth.renew(await auth.bearer())
    clock.now += 600
    fake.fail_next("invalid_grant")
    async with session(url, token_file, clock, credentials(tmp_path)) as auth:
        await auth.bearer()
    for fault in ("rate_limited", "two_factor", "server_down"):
        fake.fail_next(fault)
        token_file.remove()
        async with session(url, token_file, clock, credentials(tmp_path)) as auth:
            with pytest.raises(LoginError) as refused:
                await auth.bearer()
            messages.append(str(refused.value))
    async with session(
        url, token_file, clock, credentials(tmp_path, {**ENVIRON, "IRACING_PASSWORD": "x"})
    ) as auth:
        with pytest.raises(LoginError) as refused:
            await auth.bearer()
        messages.append(str(refused.value))
    assert "httpx" in caplog.text and fake.refreshes == 2  # the log was on, and every path was taken
    told = caplog.text + "\n".join(messages) + "\n".join(repr(r.args) for r in caplog.records)
    for secret in [*SECRETS, *fake.issued, first]:
        assert secret not in told


# --- the token file ------------------------------------------------------------------------------------


TOKENS = Tokens("access-1", 1.0, "refresh-1", 2.0, CLIENT_ID, True)


def test_the_token_file_is_replaced_whole_and_removed(token_file):
    token_file.save(TOKENS)
    assert token_file.load() == TOKENS
    newer = dataclasses.replace(TOKENS, access_token="access-2", refresh_token="refresh-2")
    token_file.save(newer)
    assert token_file.load() == newer
    assert sorted(p.name for p in token_file.path.parent.iterdir()) == ["iracing-token.json"]  # no temp left
    assert token_file.remove() is True
    assert token_file.remove() is False
    assert token_file.load() is None


@pytest.mark.skipif(
    os.name == "nt", reason="Windows files have no POSIX mode bits (the data folder is the racer's)"
)
def test_the_token_file_is_readable_by_its_owner_alone(token_file):
    token_file.save(TOKENS)
    assert stat.S_IMODE(token_file.path.stat().st_mode) == 0o600
    token_file.path.chmod(0o644)
    token_file.save(TOKENS)
    assert stat.S_IMODE(token_file.path.stat().st_mode) == 0o600  # a new file replaced the old one


def test_tokens_print_without_their_tokens():
    shown = repr(Tokens("access-secret-value", 1.0, "refresh-secret-value", None, CLIENT_ID, True))
    assert "access-secret-value" not in shown and "refresh-secret-value" not in shown
    assert CLIENT_ID in shown


@pytest.mark.parametrize("damaged", ['{"access_token": 1}', "not json", '{"access_token": "a"'])
def test_a_damaged_token_file_reads_as_none_and_says_so_in_the_log(token_file, caplog, damaged):
    token_file.path.parent.mkdir(parents=True)
    token_file.path.write_text(damaged, encoding="utf-8")
    assert token_file.load() is None
    assert "not one wots-tui wrote" in caplog.text


async def test_a_damaged_token_file_is_replaced_by_a_login(oauth, token_file, clock, tmp_path):
    token_file.path.parent.mkdir(parents=True)
    token_file.path.write_text("{", encoding="utf-8")
    _, url = oauth
    async with session(url, token_file, clock, credentials(tmp_path)) as auth:
        token = await auth.bearer()
    assert token_file.load().access_token == token


def test_the_lock_is_one_holders_and_one_left_by_a_killed_process_is_broken_within_a_minute(token_file):
    held = token_file.lock()
    assert held.acquire_once()
    waiting = token_file.lock()
    assert not waiting.acquire_once()  # a fresh lock is respected
    assert "pid" in held.path.read_text(encoding="utf-8") and "token" not in held.path.read_text(
        encoding="utf-8"
    )
    old = held.path.stat().st_mtime - 50
    os.utime(held.path, (old, old))  # its holder was killed 50 s ago, in the middle of a refresh
    assert waiting.acquire_once()  # broken, and taken at once
    held.release()  # the dead holder's late release leaves the new holder's lock alone
    assert waiting.path.exists()
    waiting.release()
    assert not waiting.path.exists()
    assert sorted(p.name for p in token_file.path.parent.iterdir()) == []


async def test_a_session_waiting_for_another_processs_lock_says_so_once_with_its_pid(
    oauth, token_file, clock, tmp_path, monkeypatch
):
    monkeypatch.setattr(tokens, "SAY_WAIT_AFTER", 0.0)  # at once, not after a second
    fake, url = oauth
    async with session(url, token_file, clock, credentials(tmp_path)) as auth:
        await auth.bearer()
    clock.now += 600
    held = token_file.lock()
    assert held.acquire_once()  # as another wots-tui would, while it refreshes
    held.path.write_text("pid 4242 a1b2c3\n", encoding="utf-8")
    said: list[str] = []

    def on_wait(line: str) -> None:
        said.append(line)
        asyncio.get_running_loop().call_later(0.3, held.path.unlink)  # the other one finishes later

    async with OAuthSession(
        oauth_url=url, token_file=token_file, credentials=credentials(tmp_path), clock=clock, on_wait=on_wait
    ) as auth:
        await auth.bearer()
        assert auth.refreshes == 1
    assert said == [
        (
            "waiting for another wots-tui (pid 4242) to finish its iRacing login; a lock it left behind "
            f"({token_file.lock_path}) is broken after 45 s"
        )
    ]
    assert fake.grants == ["password_limited", "refresh_token"]


async def test_credentials_are_asked_for_before_the_lock_is_taken(oauth, token_file, clock, tmp_path):
    """A prompt may take the racer minutes: meanwhile other processes must not wait for the lock."""
    fake, url = oauth
    async with session(url, token_file, clock, credentials(tmp_path)) as auth:
        await auth.bearer()
    clock.now += 600  # the next run refreshes, and must be told the client secret
    locked_when_asked: list[bool] = []

    def prompt(question: str, secret: bool) -> str:
        locked_when_asked.append(token_file.lock_path.exists())
        return {"iRacing OAuth client secret": CLIENT_SECRET}[question]

    environ = {name: value for name, value in ENVIRON.items() if name != "IRACING_CLIENT_SECRET"}
    async with session(url, token_file, clock, credentials(tmp_path, environ, prompt=prompt)) as auth:
        await auth.bearer()
        assert (auth.logins, auth.refreshes) == (0, 1)
    assert locked_when_asked == [False]
    assert fake.grants == ["password_limited", "refresh_token"]


# --- credentials ---------------------------------------------------------------------------------------


def test_environment_wins_over_dotenv_which_wins_over_config(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text("IRACING_USERNAME=dotenv@example.com\nIRACING_PASSWORD=from-dotenv\n", encoding="utf-8")
    login = IRacingLogin(
        username="config@example.com", client_id="config-client", password="p", client_secret="s"
    )
    source = CredentialSource(
        environ={"IRACING_USERNAME": "env@example.com", "IRACING_CLIENT_SECRET": " "},
        dotenv=dotenv,
        login=login,
    )
    assert source.account() == ("env@example.com", "from-dotenv")
    assert source.client() == ("config-client", "s")  # a blank variable counts as unset


def test_only_the_username_and_the_client_id_are_trimmed_a_secret_is_taken_as_written(tmp_path):
    answers = {"iRacing password": " pass word ", "iRacing OAuth client secret": "\tsecret "}
    source = CredentialSource(
        environ={"IRACING_USERNAME": "  racer@example.com\n", "IRACING_CLIENT_ID": " client-1 "},
        dotenv=tmp_path / "no.env",
        prompt=lambda question, secret: answers[question],
    )
    assert source.account() == ("racer@example.com", " pass word ")
    assert source.client() == ("client-1", "\tsecret ")
    spaced = CredentialSource(
        environ={"IRACING_PASSWORD": " pw ", "IRACING_CLIENT_SECRET": "s ", "IRACING_USERNAME": "u"},
        dotenv=tmp_path / "no.env",
        login=IRacingLogin(client_id="c"),
    )
    assert spaced.account() == ("u", " pw ") and spaced.client() == ("c", "s ")


def test_dotenv_reads_quotes_comments_export_and_skips_a_bad_line_without_showing_it(tmp_path, caplog):
    dotenv = tmp_path / ".env"
    dotenv.write_bytes(
        "\ufeff# iRacing\n"
        "export IRACING_USERNAME = racer@example.com   # the account\n"
        'IRACING_PASSWORD="p#ss \\"word\\" \\\\ x"\n'
        "IRACING_CLIENT_ID='my-client # not a comment'\n"
        "IRACING_CLIENT_SECRET=abc+/=def\n"
        "this line has no-equals-secret\n"
        'BROKEN="unclosed-secret\n'
        "\n".encode()
    )
    assert read_dotenv(dotenv) == {
        "IRACING_USERNAME": "racer@example.com",
        "IRACING_PASSWORD": 'p#ss "word" \\ x',
        "IRACING_CLIENT_ID": "my-client # not a comment",
        "IRACING_CLIENT_SECRET": "abc+/=def",
    }
    assert f"{dotenv}:6 is not KEY=VALUE" in caplog.text and f"{dotenv}:7 is not KEY=VALUE" in caplog.text
    assert "secret" not in caplog.text.replace("iracing-token", "")


def test_a_dotenv_that_is_not_utf8_is_one_line(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_bytes(b"IRACING_PASSWORD=caf\xe9\n")
    source = CredentialSource(environ={}, dotenv=dotenv)
    with pytest.raises(LoginError, match=r"\.env: not UTF-8 text; save it as UTF-8$"):
        source.account()


def test_the_prompt_asks_only_for_what_is_missing_only_when_called_and_once(tmp_path):
    asked: list[tuple[str, bool]] = []

    def prompt(question: str, secret: bool) -> str:
        asked.append((question, secret))
        return {"iRacing username (email)": "asked@example.com", "iRacing password": "asked-pw"}[question]

    source = CredentialSource(
        environ={"IRACING_CLIENT_ID": "c", "IRACING_CLIENT_SECRET": "s"},
        dotenv=tmp_path / "no.env",
        prompt=prompt,
    )
    assert asked == []
    assert source.client() == ("c", "s") and asked == []
    assert source.account() == ("asked@example.com", "asked-pw")
    assert source.account() == ("asked@example.com", "asked-pw")
    assert asked == [("iRacing username (email)", False), ("iRacing password", True)]


def test_a_public_client_has_no_secret_and_is_not_asked_for_one(tmp_path):
    def prompt(question: str, secret: bool) -> str:
        raise AssertionError(f"asked {question}")

    source = CredentialSource(
        environ={"IRACING_CLIENT_ID": PUBLIC_CLIENT}, dotenv=tmp_path / "no.env", prompt=prompt
    )
    assert source.client(need_secret=False) == (PUBLIC_CLIENT, None)


# --- the browser: authorization_code with PKCE ---------------------------------------------------------


class Browser:
    """`open_url` doing the browser's part: it loads the login page and follows the redirects (the fake
    approves at once) back to the loopback server; `finished()` waits for the pages it ended on."""

    def __init__(self) -> None:
        self._visits: list[asyncio.Future[httpx.Response]] = []

    def __call__(self, url: str) -> None:
        self._visits.append(asyncio.ensure_future(self._visit(url)))

    async def _visit(self, url: str) -> httpx.Response:
        async with httpx.AsyncClient(follow_redirects=True) as http:
            return await http.get(url)

    async def finished(self) -> list[httpx.Response]:
        return list(await asyncio.gather(*self._visits))


@pytest.mark.parametrize(("client_id", "secret"), [(PUBLIC_CLIENT, None), (CLIENT_ID, CLIENT_SECRET)])
async def test_the_browser_login_end_to_end(oauth, token_file, clock, tmp_path, client_id, secret):
    fake, url = oauth
    browser = Browser()
    await login_in_browser(
        oauth_url=url, client_id=client_id, client_secret=secret, token_file=token_file, open_url=browser
    )
    [page] = await browser.finished()
    assert page.status_code == 200 and "You can close this tab" in page.text
    asked = parse_qs(urlsplit(str(page.history[0].url)).query)
    assert asked["code_challenge_method"] == ["S256"] and asked["scope"] == ["iracing.auth"]
    assert urlsplit(str(page.url)).hostname == "127.0.0.1"
    exchange = form_of(fake.bodies[0])
    assert exchange["grant_type"] == "authorization_code"
    assert s256(exchange["code_verifier"]) == asked["code_challenge"][0]
    assert exchange["redirect_uri"] == asked["redirect_uri"][0]
    if secret is None:
        assert "client_secret" not in exchange  # a public client sends none
    else:
        assert exchange["client_secret"] == mask(secret, client_id)
    saved = token_file.load()
    assert (saved.client_id, saved.confidential) == (client_id, secret is not None) and fake.logins == 1
    # later runs refresh with the same client, asking for nothing (no credentials anywhere, no prompt)
    clock.now = saved.access_expires_at
    creds = credentials(tmp_path, environ={}) if secret is None else credentials(tmp_path)
    async with session(url, token_file, clock, creds) as auth:
        assert fake.bearer_is_valid(f"Bearer {await auth.bearer()}")
        assert (auth.logins, auth.refreshes) == (0, 1)


@pytest.mark.parametrize("why", ["refresh-token-expired", "refresh-token-refused"])
async def test_a_browser_login_that_can_no_longer_be_refreshed_says_to_log_in_in_the_browser_again(
    oauth, token_file, clock, tmp_path, why
):
    fake, url = oauth
    await login_in_browser(
        oauth_url=url, client_id=PUBLIC_CLIENT, client_secret=None, token_file=token_file, open_url=Browser()
    )
    saved = token_file.load()
    if why == "refresh-token-expired":
        clock.now = saved.refresh_expires_at
    else:
        clock.now = saved.access_expires_at
        fake.fail_next("invalid_grant")
    asked: list[str] = []

    def prompt(question: str, secret: bool) -> str:
        asked.append(question)
        return "an answer"

    creds = credentials(tmp_path, {"IRACING_CLIENT_ID": PUBLIC_CLIENT}, prompt=prompt)
    async with session(url, token_file, clock, creds) as auth:
        for _ in range(2):
            with pytest.raises(LoginError) as refused:
                await auth.bearer()
            assert (
                one_line(refused.value)
                == "your browser login has expired: run `wots-tui login --browser` again"
            )
    assert asked == [] and "password_limited" not in fake.grants


async def test_an_expired_browser_login_gives_way_to_a_password_login_when_a_client_secret_is_set(
    oauth, token_file, clock, tmp_path
):
    fake, url = oauth
    await login_in_browser(
        oauth_url=url, client_id=PUBLIC_CLIENT, client_secret=None, token_file=token_file, open_url=Browser()
    )
    clock.now = token_file.load().refresh_expires_at
    async with session(url, token_file, clock, credentials(tmp_path)) as auth:
        await auth.bearer()
        assert auth.logins == 1
    assert fake.grants == ["authorization_code", "password_limited"]
    assert token_file.load().client_id == CLIENT_ID


async def test_the_browser_login_ignores_an_answer_for_another_state(oauth, token_file):
    fake, url = oauth
    browser = Browser()
    strays: list[asyncio.Future[list[httpx.Response]]] = []

    async def stray_answers(redirect_uri: str) -> list[httpx.Response]:
        async with httpx.AsyncClient() as http:
            return [
                await http.get(f"{redirect_uri}?code=forged&state=not-this-one"),
                await http.get(redirect_uri.replace("/callback", "/favicon.ico")),
            ]

    def open_url(login_page: str) -> None:
        """Another page's answer and a favicon reach the loopback server first; then the real login."""
        stray = asyncio.ensure_future(stray_answers(parse_qs(urlsplit(login_page).query)["redirect_uri"][0]))
        stray.add_done_callback(lambda _: browser(login_page))
        strays.append(stray)

    await login_in_browser(
        oauth_url=url, client_id=PUBLIC_CLIENT, client_secret=None, token_file=token_file, open_url=open_url
    )
    assert [answer.status_code for answer in await strays[0]] == [400, 404]
    assert [page.status_code for page in await browser.finished()] == [200]
    assert form_of(fake.bodies[0])["code"] != "forged" and len(fake.bodies) == 1
    assert token_file.load() is not None


async def test_a_declined_browser_login_is_one_line_and_saves_nothing(oauth, token_file):
    fake, url = oauth
    fake.fail_next("access_denied")
    browser = Browser()
    with pytest.raises(LoginError) as refused:
        await login_in_browser(
            oauth_url=url,
            client_id=PUBLIC_CLIENT,
            client_secret=None,
            token_file=token_file,
            open_url=browser,
        )
    assert one_line(refused.value) == "the login was declined in the browser; run it again and allow wots-tui"
    [page] = await browser.finished()
    assert page.status_code == 400 and "did not complete" in page.text
    assert not token_file.path.exists() and fake.bodies == []


async def test_a_browser_login_no_one_finishes_gives_up_in_one_line(oauth, token_file):
    _, url = oauth
    with pytest.raises(LoginError) as refused:
        await login_in_browser(
            oauth_url=url,
            client_id=PUBLIC_CLIENT,
            client_secret=None,
            token_file=token_file,
            open_url=lambda login_page: None,
            timeout=0.1,
        )
    assert one_line(refused.value) == "no answer from the browser within 0.1 seconds; run the login again"
    assert not token_file.path.exists()


async def test_the_fake_refuses_a_code_with_the_wrong_verifier(oauth):
    """The end-to-end test's success means something: the fake does check the PKCE verifier."""
    _, url = oauth
    async with httpx.AsyncClient() as http:
        authorize = await http.get(
            f"{url}/authorize",
            params={
                "response_type": "code",
                "client_id": PUBLIC_CLIENT,
                "redirect_uri": "http://127.0.0.1:9/callback",
                "code_challenge": s256("the-right-verifier-" + "x" * 30),
                "code_challenge_method": "S256",
                "state": "s",
                "scope": "iracing.auth",
            },
        )
        code = parse_qs(urlsplit(authorize.headers["location"]).query)["code"][0]
        exchange = await http.post(
            f"{url}/token",
            data={
                "grant_type": "authorization_code",
                "client_id": PUBLIC_CLIENT,
                "code": code,
                "redirect_uri": "http://127.0.0.1:9/callback",
                "code_verifier": "a-wrong-verifier-" + "x" * 30,
            },
        )
    assert exchange.status_code == 400 and exchange.json()["error"] == "invalid_grant"


def test_tokens_on_file_are_plain_json_of_the_documented_fields(token_file):
    token_file.save(Tokens("a", 10.0, None, None, PUBLIC_CLIENT, False))
    assert json.loads(token_file.path.read_text(encoding="utf-8")) == {
        "access_token": "a",
        "access_expires_at": 10.0,
        "refresh_token": None,
        "refresh_expires_at": None,
        "client_id": PUBLIC_CLIENT,
        "confidential": False,
    }
