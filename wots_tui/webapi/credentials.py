"""Where the iRacing login comes from: the environment, then a `.env` file in the working folder, then
config.toml's `[iracing]` section, then (at a terminal) a prompt.

The variables are the ones iRacing-API-Scripts' auth.sh uses, so a racer's existing `.env` works as it is.
Nothing is read or asked before it is needed, and each answer to a prompt is asked once.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path

from wots_tui.config import IRacingLogin, config_dir
from wots_tui.webapi.errors import LoginError

log = logging.getLogger(__name__)

Prompt = Callable[[str, bool], str]  # (what to ask, whether the answer is a secret not to echo) -> the answer

# each credential: its variable, its key in [iracing], what a prompt asks, whether it is a secret
USERNAME = ("IRACING_USERNAME", "username", "iRacing username (email)", False)
PASSWORD = ("IRACING_PASSWORD", "password", "iRacing password", True)
CLIENT_ID = ("IRACING_CLIENT_ID", "client_id", "iRacing OAuth client id", False)
CLIENT_SECRET = ("IRACING_CLIENT_SECRET", "client_secret", "iRacing OAuth client secret", True)
Credential = tuple[str, str, str, bool]


class CredentialSource:
    """The racer's OAuth client and account, each value from the first place that has it.

    `prompt` is None when no one can answer (not a terminal): a missing value is then a LoginError naming
    the variable to set and the config file's own path.
    """

    def __init__(
        self,
        *,
        environ: Mapping[str, str] | None = None,
        dotenv: Path | None = None,
        login: IRacingLogin | None = None,
        prompt: Prompt | None = None,
        config_file: Path | None = None,
    ) -> None:
        self._environ = os.environ if environ is None else environ
        self._dotenv_path = Path.cwd() / ".env" if dotenv is None else dotenv
        self._dotenv: dict[str, str] | None = None  # read at the first value it may hold
        self._login = login or IRacingLogin()
        self._prompt = prompt
        self._config_file = config_file or config_dir() / "config.toml"
        self._answers: dict[str, str] = {}

    def client(self, *, need_secret: bool = True) -> tuple[str, str | None]:
        """The client id and its secret; without `need_secret` a missing secret is None (a public client)."""
        client_id = self._value(CLIENT_ID)
        secret = self._value(CLIENT_SECRET) if need_secret else self._found(CLIENT_SECRET)
        return client_id, secret

    def has_client_secret(self) -> bool:
        """Whether a client secret is set somewhere (asking no one): a password login can be tried."""
        return self._found(CLIENT_SECRET) is not None

    def account(self) -> tuple[str, str]:
        """The username (email) and password for the password_limited login."""
        return self._value(USERNAME), self._value(PASSWORD)

    def _value(self, credential: Credential) -> str:
        variable, key, question, secret = credential
        found = self._found(credential)
        if found is not None:
            return found
        if self._prompt is None:
            raise LoginError(f"set {variable}, or {key} in [iracing] of config.toml ({self._config_file})")
        answer = _as_given(self._prompt(question, secret), secret)
        if not answer.strip():
            raise LoginError(f"no {question} given; set {variable} to skip the question")
        self._answers[variable] = answer
        return answer

    def _found(self, credential: Credential) -> str | None:
        """The value from the environment, the .env file, config.toml or an earlier answer; else None.
        A blank value counts as unset."""
        variable, key, _, secret = credential
        for value in (
            self._environ.get(variable, ""),
            self._dotenv_values().get(variable, ""),
            getattr(self._login, key),
            self._answers.get(variable, ""),
        ):
            if value.strip():
                return _as_given(value, secret)
        return None

    def _dotenv_values(self) -> dict[str, str]:
        if self._dotenv is None:
            self._dotenv = read_dotenv(self._dotenv_path)
        return self._dotenv


def _as_given(value: str, secret: bool) -> str:
    """A username or client id without the spaces around it; a password or client secret exactly as
    written (a space in it may be meant, and trimming it would make the login fail for no visible reason)."""
    return value if secret else value.strip()


def read_dotenv(path: Path) -> dict[str, str]:
    """KEY=VALUE lines (an `export ` before the key, quotes and comments allowed); {} when there is no file.

    A line that is not KEY=VALUE is skipped with a log line naming its number (never its text: it may hold
    a secret); the file may be shared with other tools.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return {}
    except UnicodeDecodeError:
        raise LoginError(f"{path}: not UTF-8 text; save it as UTF-8") from None
    except OSError as error:
        raise LoginError(f"cannot read {path}: {error.strerror or type(error).__name__}") from None
    values: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        entry = _entry(line)
        if entry is None:
            log.warning("%s:%d is not KEY=VALUE; skipped", path, number)
        else:
            values[entry[0]] = entry[1]
    return values


_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _entry(line: str) -> tuple[str, str] | None:
    """A line's (key, value), or None when it is not KEY=VALUE."""
    key, equals, rest = line.removeprefix("export ").partition("=")
    key = key.strip()
    value = _unquoted(rest.strip())
    return (key, value) if equals and _KEY.fullmatch(key) and value is not None else None


def _unquoted(text: str) -> str | None:
    """A value: in double quotes (with \\" and \\\\ escapes) or single quotes (as written), else up to a
    ` #` comment; None when a quote is not closed."""
    if text[:1] in ("'", '"'):
        quote, characters, escaped = text[0], [], False
        for index, character in enumerate(text[1:], start=1):
            if escaped:
                characters.append(character)
                escaped = False
            elif character == "\\" and quote == '"':
                escaped = True
            elif character == quote:
                after = text[index + 1 :].strip()
                return "".join(characters) if not after or after.startswith("#") else None
            else:
                characters.append(character)
        return None
    comment = text.find(" #")
    return (text if comment < 0 else text[:comment]).strip()
