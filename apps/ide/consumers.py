"""Websockets: live runs for the page, and the language server for the editor."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from asgiref.typing import ASGIReceiveCallable, ASGISendCallable, Scope
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.db.models import Count, Max
from django.http import Http404
from django.template.loader import render_to_string

from apps.sketches.access import sketch_for_user
from apps.sketches.models import Sketch
from apps.synthesis.access import run_for_user
from apps.synthesis.events import run_group
from apps.synthesis.facts import last_run_facts
from apps.synthesis.models import Run
from apps.synthesis.runs import RunInProgress, give_up_if_stalled, start_run
from inlay.context.facts import SketchFacts
from inlay.sketch.examples import ExampleError
from inlay.synthesis.engine import SketchProblem
from lsp.server import Host, NoFacts, cancel_and_wait
from lsp.session import CLOSE_WAIT_SECONDS, LspSession

# Sketches one language-server connection watches at most: each watcher queries the database
# every INLAY_FACTS_POLL_SECONDS. The sketch page opens one document per connection.
MAX_OPEN_SKETCHES = 32


class RunConsumer(AsyncWebsocketConsumer):
    """Sends the run's panel, re-rendered from the database, whenever a new event is recorded.

    On connect it sends the panel as it stands, which is how a reload or a dropped socket
    catches up. Events are announced on the channel layer; where there is none shared with the
    worker (embedded mode), the consumer looks for new events itself."""

    run: Run
    seen = 0
    over = False
    poller: asyncio.Task[None] | None = None
    watchdog: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        try:
            self.run = await database_sync_to_async(run_for_user)(
                self.scope["user"], self.scope["url_route"]["kwargs"]["run_id"]
            )
        except Http404:
            await self.close(code=4404)
            return
        await self.channel_layer.group_add(run_group(self.run.pk), self.channel_name)
        await self.accept()
        # Once here, then by the watchdog: not on every event's render.
        await database_sync_to_async(give_up_if_stalled)(self.run)
        await self.refresh()
        if settings.INLAY_EVENT_POLL_SECONDS > 0:
            self.poller = asyncio.create_task(self.poll(settings.INLAY_EVENT_POLL_SECONDS))
        self.watchdog = asyncio.create_task(self.watch_for_a_stall())

    async def disconnect(self, code: int) -> None:
        if self.poller is not None:
            self.poller.cancel()
        if self.watchdog is not None:
            self.watchdog.cancel()
        if hasattr(self, "run"):
            await self.channel_layer.group_discard(run_group(self.run.pk), self.channel_name)

    async def run_event(self, message: dict[str, Any]) -> None:
        if message["seq"] > self.seen:
            await self.refresh()

    async def poll(self, interval: float) -> None:
        # A finished run records no more events, so there is nothing left to look for.
        while not self.over:
            await asyncio.sleep(interval)
            if await database_sync_to_async(self._latest_seq)() > self.seen:
                await self.refresh()

    async def watch_for_a_stall(self) -> None:
        """Give the run up if its worker goes silent (see give_up_if_stalled); the failure is an
        event like any other, so the page is re-rendered with it. Looked at a few times within
        INLAY_WORKER_LOST_SECONDS, so a page sees a dead worker even when no worker sweeps."""
        lost, stall = settings.INLAY_WORKER_LOST_SECONDS, settings.INLAY_RUN_STALL_SECONDS
        while not self.over:
            await asyncio.sleep(min(60.0, lost / 3, stall / 4))
            if await database_sync_to_async(give_up_if_stalled)(self.run):
                await self.refresh()

    async def refresh(self) -> None:
        seq, html, self.over = await database_sync_to_async(self._render)()
        self.seen = max(self.seen, seq)
        await self.send(text_data=html)

    def _latest_seq(self) -> int:
        latest = self.run.events.order_by("-seq").values_list("seq", flat=True).first()
        return latest or 0

    def _render(self) -> tuple[int, str, bool]:
        seq = self._latest_seq()
        run = Run.objects.select_related("sketch", "revision").get(pk=self.run.pk)
        return seq, render_to_string("ide/sketch.html#run", {"run": run}), run.done


class LanguageServerConsumer(AsyncWebsocketConsumer):
    """One language server per connection, speaking LSP as one JSON-RPC message per frame.

    The server is the one `inlay lsp --stdio` runs. The web app adds, for a document of one of the
    user's own sketches (`file:///sketches/<id>/sketch.py`), the facts of the sketch's last run
    (hole statuses, failed examples, traced inputs and observed types) and the `inlay.fillHole`
    command, which starts a run. Once such a document is open, the consumer watches the sketch
    for runs ending, wherever they were started (this editor, the page's Fill button, another
    tab), and pushes their facts: up to MAX_OPEN_SKETCHES sketches, until the document is closed
    or the connection ends."""

    session: LspSession | None = None
    watchers: dict[str, asyncio.Task[None]]

    async def __call__(
        self, scope: Scope, receive: ASGIReceiveCallable, send: ASGISendCallable
    ) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            # Channels runs a query on the one database thread before each handler, disconnect
            # included; when that thread is backed up, daphne kills the consumer 10 s after its
            # socket closed (application_close_timeout) without disconnect having run.
            await self._end()

    async def connect(self) -> None:
        if not self.scope["user"].is_authenticated:
            await self.close(code=4401)
            return
        self.watchers = {}
        host = Host(fill_hole=self._fill_hole, facts=self._facts, forget=self._forget)
        self.session = LspSession(self._send_message, host)
        await self.accept()

    async def _send_message(self, text: str) -> None:
        await self.send(text_data=text)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        frame = text_data if text_data is not None else bytes_data
        if self.session is not None and frame is not None:
            await self.session.receive(frame)

    async def disconnect(self, code: int) -> None:
        await self._end()

    async def _end(self) -> None:
        """Close the session, then cancel the watchers and wait for them, a bounded time."""
        if self.session is None:
            return
        # The session first: its work in the background may be opening a sketch even now.
        await self.session.close()
        watchers = list(self.watchers.values())
        self.watchers.clear()
        await cancel_and_wait(watchers, CLOSE_WAIT_SECONDS, "sketch watchers")

    async def _facts(self, uri: str) -> SketchFacts | None:
        """The facts of the document's sketch, read when the editor opens it; from then on its
        runs are watched. NoFacts for a sketch that is not the user's, or one past
        MAX_OPEN_SKETCHES watched."""
        sketch_id = _sketch_id(uri)
        if sketch_id is None:
            return None
        opened: _Opened | None = await database_sync_to_async(self._opened)(sketch_id)
        if opened is None:
            raise NoFacts(f"{uri} is not one of your sketches: it gets no facts from runs.")
        state, facts = opened
        if uri in self.watchers or self.session is None or self.session.closed:
            return facts  # watched already, or the connection is ending
        # Counted only now, after the read: other opens may have been waiting on it too.
        if len(self.watchers) >= MAX_OPEN_SKETCHES:
            raise NoFacts(
                f"{uri} gets no facts from runs: this connection already watches "
                f"{MAX_OPEN_SKETCHES} sketches, the most it may. Close one, then open this one "
                "again."
            )
        self.watchers[uri] = asyncio.create_task(self._watch(uri, sketch_id, state))
        return facts

    def _forget(self, uri: str) -> None:
        """The document was closed: its sketch is no longer watched."""
        watcher = self.watchers.pop(uri, None)
        if watcher is not None:
            watcher.cancel()

    async def _fill_hole(self, uri: str, hole: str, text: str) -> dict[str, Any]:
        """Start a run of the sketch with the editor's text; its facts come when it ends."""
        sketch_id = _sketch_id(uri)
        if sketch_id is None:
            raise ValueError(f"{uri} is not one of your sketches.")
        run_id: int = await database_sync_to_async(self._start_run)(sketch_id, text)
        return {"run": run_id, "hole": hole}

    def _start_run(self, sketch_id: int, text: str) -> int:
        sketch = sketch_for_user(self.scope["user"], sketch_id)
        try:
            return start_run(sketch, self.scope["user"], text).pk
        except (SketchProblem, ExampleError, RunInProgress) as problem:
            raise ValueError(f"Cannot fill this sketch. {problem}") from None

    async def _watch(self, uri: str, sketch_id: int, seen: _RunState) -> None:
        """Push newer facts whenever the sketch's latest run ends, or an inline hole is given an
        example. Polling is two indexed queries a second and needs no channel layer shared with
        the workers."""
        while True:
            await asyncio.sleep(settings.INLAY_FACTS_POLL_SECONDS)
            state = await database_sync_to_async(self._run_state)(sketch_id)
            if state != seen:
                seen = state
                if (state is None or state[1]) and self.session is not None:
                    facts = await database_sync_to_async(self._last_run_facts)(sketch_id)
                    self.session.set_facts(uri, facts)

    def _opened(self, sketch_id: int) -> _Opened | None:
        """The sketch's run state and facts, or None if it is not one of the user's sketches."""
        try:
            sketch = sketch_for_user(self.scope["user"], sketch_id)
        except Http404:
            return None
        return _run_state_of(sketch), last_run_facts(sketch)

    def _run_state(self, sketch_id: int) -> _RunState:
        try:
            return _run_state_of(sketch_for_user(self.scope["user"], sketch_id))
        except Http404:
            return None

    def _last_run_facts(self, sketch_id: int) -> SketchFacts | None:
        try:
            return last_run_facts(sketch_for_user(self.scope["user"], sketch_id))
        except Http404:
            return None


# The latest run of a sketch as a watcher sees it: its id (None: no run yet) and whether it is
# over, and how many examples its inline holes have been given, with the newest one's id.
_RunState = tuple[int | None, bool, tuple[int, int | None]] | None
# What opening a document of a sketch reads: its run state, and the facts of its last run.
_Opened = tuple[_RunState, SketchFacts | None]


def _run_state_of(sketch: Sketch) -> _RunState:
    run = sketch.runs.values_list("pk", "status").first()
    # The examples given to inline holes show in hover: a new one changes the state too.
    given = sketch.hole_examples.aggregate(count=Count("pk"), last=Max("pk"))
    stamp = (given["count"], given["last"])
    return (run[0], run[1] in Run.ENDED, stamp) if run is not None else (None, True, stamp)


def _sketch_id(uri: str) -> int | None:
    """`file:///sketches/7/sketch.py`, as the sketch page names its document, gives 7. Ids have
    at most 18 digits (the database's are 64-bit): a longer one names no sketch."""
    match = re.fullmatch(r"file:///sketches/([0-9]{1,18})/sketch\.py", uri)
    return int(match.group(1)) if match else None
