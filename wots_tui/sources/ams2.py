"""The AMS2 source: an Automobilista 2 dedicated server's HTTP API, read in a thread of its own.

About twice a second (the server refreshes its attributes at 2 Hz) it reads the session status and what is
new in the event log, and publishes a SessionSnapshot when either moved. Vehicle, class and track names
come from `api/list/*` once per connection. Impacts in the log become contacts (one per touch, only while
the car reporting it is racing). When the server goes away, refuses the login or answers an error page,
the last session stays on screen marked stale and the source keeps trying; a server with no session
running is a calm wait.

What the login may do is learnt at connect: a public-only login cannot see the session (it is told so); a
private one sees it without admin actions; an admin one may message and kick (`Ams2Admin`).
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import Any

from wots_tui.domain.admin import AdminError, Ban
from wots_tui.domain.events import Publish, SourceStale, SourceWaiting
from wots_tui.domain.models import SessionFacts
from wots_tui.domain.wording import sentence
from wots_tui.sources.ams2_follow import ServerFollower
from wots_tui.sources.ams2_http import Ams2Http, Ams2Problem

log = logging.getLogger(__name__)


def stage_meeting(facts: SessionFacts, at: datetime) -> str:
    """One stage of one server session (lobby id and the stage's start) is one meeting; the source names it."""
    return facts.meeting or f"ams2:{facts.session_id}:{at.date().isoformat()}"


class Ams2Source:
    """Follows one AMS2 dedicated server until stopped (the engine's Source)."""

    meeting_key = staticmethod(stage_meeting)

    def __init__(self, url: str, user: str = "", password: str = "", steam_id: int | None = None,
                 max_rate: float = 5.0, poll_interval: float = 0.5, retry_interval: float = 2.0) -> None:
        self._http = Ams2Http(url, user, password)
        self._label = f"AMS2 {self._http.url.split('://', 1)[-1]}"
        self._follower = ServerFollower(self._http, steam_id)
        self._shown = False  # a session is on screen: a problem then makes it stale, not a wait
        self._gap = max(poll_interval, 1 / max_rate)
        self._retry_interval = retry_interval
        self.admin = Ams2Admin(Ams2Http(url, user, password))
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def hint(self) -> str:
        """What the waiting screen adds: how to reach the server, until it answered; then that a session will show."""
        if self._follower.answered:
            return "A session shows here as soon as the server runs one."
        return (f"Looking for the server at {self._http.url}. Its HTTP API must be on (enableHttpApi in its "
                "server.cfg, port 9000 by default) and reachable from here; give a login with --ams2-user and "
                "--ams2-password if it asks for one.")

    @property
    def label(self) -> str:
        """What the header says it reads: the server, and that contacts are off when the log cannot be read."""
        return f"{self._label} · {self._follower.contacts_off}" if self._follower.contacts_off else self._label

    def start(self, publish: Publish) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(publish, self._stop), name="ams2-source", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        """Stop following; the thread closes its own connection (a request under way ends within its timeout)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self.admin.close()

    def _run(self, publish: Publish, stop: threading.Event) -> None:
        """Connect, follow the server, and again after each problem; a problem that repeats is logged once."""
        said = ""
        try:
            while not stop.is_set():
                try:
                    self._follower.connect()
                    self.admin.level_known(self._follower.admin_refusal)
                    said = ""
                    self._follow(publish, stop)
                except Ams2Problem as problem:
                    line = sentence(str(problem))
                    if line != said:
                        log.warning("%s", line)
                    said = line
                    self.admin.level_known(f"{line}: messages and kicks wait for the server")
                    self._trouble(publish, stop, line)
                except Exception as error:  # a bug must not kill the thread, nor leave a frozen session looking live
                    if repr(error) != said:
                        log.exception("reading the AMS2 server failed")
                    said = repr(error)
                    self._trouble(publish, stop, "Reading the AMS2 server failed (the log says why)")
                stop.wait(self._retry_interval)
        finally:
            self._http.close()

    def _trouble(self, publish: Publish, stop: threading.Event, line: str) -> None:
        """Say a problem on screen: the session shown goes stale; with none shown, it is why we wait."""
        if stop.is_set():
            return
        if self._shown:
            publish(SourceStale(f"Last session shown, reconnecting: {line[:1].lower()}{line[1:]}"))
        else:
            publish(SourceWaiting(line))

    def _follow(self, publish: Publish, stop: threading.Event) -> None:
        idle_said = False
        while not stop.is_set():
            snapshot = self._follower.read()
            if stop.is_set():
                return
            if snapshot is None:
                if self._shown:  # the session ended: its last standings stay until the next one starts
                    publish(SourceStale("The session ended: its last standings stay until the server runs another"))
                elif not idle_said:
                    publish(SourceWaiting(self._follower.idle_words()))
                idle_said = True
            elif snapshot is not self._follower.published:
                publish(snapshot)
                self._follower.published, self._shown, idle_said = snapshot, True, False
            stop.wait(self._gap)


class Ams2Admin:
    """Messages and kicks, sent on a connection of their own (the engine calls these from a worker thread)."""

    def __init__(self, http: Ams2Http) -> None:
        self._http = http
        self._lock = threading.Lock()  # one admin request at a time on the one client
        self._refusal: str | None = "Not connected to the AMS2 server yet: messages and kicks wait for it"

    @property
    def refusal(self) -> str | None:
        return self._refusal

    def level_known(self, refusal: str | None) -> None:
        self._refusal = refusal

    def close(self) -> None:
        self._http.close()

    def kick(self, ref_id: int, ban: Ban) -> str:
        self._send("api/session/kick", refid=ref_id, ban=ban.seconds or None)
        return "kicked" + (f", banned for {ban.words}" if ban.seconds else "")

    def send_chat(self, message: str, ref_id: int | None) -> str:
        self._send("api/session/send_chat", message=message, refid=ref_id)
        return "message sent"

    def _send(self, path: str, **params: Any) -> None:
        with self._lock:
            try:
                self._http.get(path, **params)
            except Ams2Problem as problem:
                raise AdminError(sentence(str(problem))) from None

