"""The racer's voter tokens for crowd hubs: one JSON file in the data folder, `{"voters": {hub url: token}}`.

A hub issues a token once (the first push registers the racer), so losing it makes the racer a new voter:
the file is written as the iRacing token file is (`webapi/tokens.py::TokenFile.save`: a 0600 temporary file
moved over the old one), never printed, and never read into a message.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

from wots_tui.config import data_dir
from wots_tui.webapi.errors import LoginError
from wots_tui.webapi.tokens import TokenFile

log = logging.getLogger(__name__)

FILE_NAME = "crowd-voter.json"


class VoterTokenError(Exception):
    """The token file cannot be read or written; one line naming the file, never a token."""


@dataclass(frozen=True, slots=True)
class _Voters:
    """The file's one field, as TokenFile.save writes a dataclass."""

    voters: dict[str, str] = field(repr=False)


class VoterTokens:
    """The tokens at `path` (default: crowd-voter.json in the data folder), by hub address."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or data_dir() / FILE_NAME

    def __repr__(self) -> str:
        return f"VoterTokens({str(self.path)!r})"

    def get(self, hub: str) -> str | None:
        return self._load().get(hub)

    def put(self, hub: str, token: str) -> None:
        """Keep `token` for `hub`, the other hubs' tokens as they were."""
        self._save({**self._load(), hub: token})

    def forget(self, hub: str) -> None:
        """Drop the token of `hub` (it no longer knows it): the next push registers again."""
        voters = self._load()
        if voters.pop(hub, None) is not None:
            self._save(voters)

    def _save(self, voters: dict[str, str]) -> None:
        """The whole file replaced at once (a reader sees the old one or the new), created 0600."""
        try:
            TokenFile(self.path).save(_Voters(voters))  # type: ignore[arg-type]  # it writes any dataclass's asdict()
        except LoginError as error:  # its line names the iRacing login: keep its reason, say what this was
            reason = str(error).rsplit(": ", 1)[-1]
            raise VoterTokenError(f"cannot save the crowd voter token to {self.path}: {reason}") from None

    def _load(self) -> dict[str, str]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except (OSError, UnicodeDecodeError) as error:
            raise VoterTokenError(f"cannot read the crowd voter token file {self.path}: {type(error).__name__}") from None
        try:
            voters = json.loads(text).get("voters")
        except (ValueError, AttributeError):
            voters = None
        if not isinstance(voters, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in voters.items()):
            log.warning("%s is not a voter token file wots-tui wrote; the next registration replaces it", self.path)
            return {}
        return voters
