"""Websockets: live runs for the page, and the language server for the editor."""

from __future__ import annotations

import asyncio
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.http import Http404
from django.template.loader import render_to_string

from apps.synthesis.access import run_for_user
from apps.synthesis.events import run_group
from apps.synthesis.models import Run
from lsp.session import LspSession


class RunConsumer(AsyncWebsocketConsumer):
    """Sends the run's panel, re-rendered from the database, whenever a new event is recorded.

    On connect it sends the panel as it stands, which is how a reload or a dropped socket
    catches up. Events are announced on the channel layer; where there is none shared with the
    worker (embedded mode), the consumer looks for new events itself."""

    run: Run
    seen = 0
    over = False
    poller: asyncio.Task[None] | None = None

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
        await self.refresh()
        if settings.INLAY_EVENT_POLL_SECONDS > 0:
            self.poller = asyncio.create_task(self.poll(settings.INLAY_EVENT_POLL_SECONDS))

    async def disconnect(self, code: int) -> None:
        if self.poller is not None:
            self.poller.cancel()
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
    """One language server per connection, speaking LSP as one JSON-RPC message per frame."""

    session: LspSession | None = None

    async def connect(self) -> None:
        if not self.scope["user"].is_authenticated:
            await self.close(code=4401)
            return
        self.session = LspSession(self._send_message)
        await self.accept()

    async def _send_message(self, text: str) -> None:
        await self.send(text_data=text)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.session is not None and text_data is not None:
            await self.session.receive(text_data)

    async def disconnect(self, code: int) -> None:
        if self.session is not None:
            await self.session.close()
