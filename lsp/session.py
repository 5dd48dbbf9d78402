"""One language server per websocket connection, inside a host's event loop (no Django here).

The web app's Channels consumer creates an `LspSession` when a browser connects (with a `Host`
for what only the web app can do: run facts, filling a hole), passes each websocket frame to
`receive`, pushes newer facts with `set_facts`, and calls `close` on disconnect. The browser's
`@codemirror/lsp-client` sends one JSON-RPC message per frame with no `Content-Length` header, and
expects the same back.

Wiring, mirroring pygls' own `start_ws` (`pygls.io_.run_websocket`): the session installs a writer
on the server's protocol with `protocol.set_writer(writer, include_headers=False)` and hands each
decoded message to `protocol.handle_message`. pygls calls `writer.write(bytes)` for every outgoing
message and `writer.close()` on `exit`; the embedded protocol (`create_server(embedded=True)`)
closes the writer on `exit` instead of calling `sys.exit()`, which ends this session only.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from pygls.exceptions import JsonRpcException

from inlay.context.facts import SketchFacts
from lsp.server import Host, create_server

logger = logging.getLogger(__name__)

Send = Callable[[str], Awaitable[None]] | Callable[[str], None]


class _Writer:
    """pygls' writer interface (`write`, `close`), feeding the session's outbox."""

    def __init__(self, session: LspSession) -> None:
        self._session = session

    def write(self, data: bytes) -> None:
        self._session._post(data.decode("utf-8"))

    def close(self) -> None:
        self._session._begin_close()


class LspSession:
    """One client's language server: its own documents, its own lifetime."""

    def __init__(self, send: Send, host: Host | None = None) -> None:
        self._send = send
        self._server = create_server(embedded=True, host=host)
        self._server.protocol.set_writer(_Writer(self), include_headers=False)
        # One sender task drains the outbox, so messages reach the client in the order pygls
        # wrote them even when `send` awaits.
        self._outbox: asyncio.Queue[str | None] = asyncio.Queue()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._sender: asyncio.Task[None] | None = None
        self._closing: asyncio.Task[None] | None = None

    @property
    def closed(self) -> bool:
        """True once the client sent `exit`, sending failed, or `close` was called."""
        return self._closing is not None

    async def receive(self, text: str) -> None:
        """Handle one JSON-RPC message from the client."""
        if self.closed:
            return
        self._start()
        protocol = self._server.protocol
        try:
            raw = json.loads(text)
        except ValueError as error:
            logger.warning("Ignored a frame that is not JSON: %s", error)
            return
        try:
            message = protocol.structure_message(raw)
        except JsonRpcException as error:
            self._reject(raw, error)
            return
        try:
            protocol.handle_message(message)
        except Exception as error:
            logger.exception("Unable to handle a message from the client")
            self._server.report_server_error(error, JsonRpcException)

    async def close(self) -> None:
        await self._begin_close()

    def set_facts(self, uri: str, facts: SketchFacts | None) -> None:
        """Newer facts about an open document (after a run): diagnostics are republished."""
        if not self.closed:
            self._server.set_facts(uri, facts)

    def _start(self) -> None:
        if self._sender is None:
            self._loop = asyncio.get_running_loop()
            self._sender = self._loop.create_task(self._drain())

    def _reject(self, raw: Any, error: JsonRpcException) -> None:
        """Answer a request pygls could not decode: pygls only logs it; the client would wait."""
        logger.warning("Rejected a message from the client: %s", error)
        if isinstance(raw, dict) and "id" in raw and "method" in raw:
            reply = {"code": error.code, "message": error.message}
            self._post(json.dumps({"jsonrpc": "2.0", "id": raw["id"], "error": reply}))

    def _post(self, text: str) -> None:
        if self.closed or self._loop is None:
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self._loop:
            self._outbox.put_nowait(text)
        else:  # a handler running in pygls' thread pool
            self._loop.call_soon_threadsafe(self._outbox.put_nowait, text)

    async def _drain(self) -> None:
        while (text := await self._outbox.get()) is not None:
            try:
                sent = self._send(text)
                if inspect.isawaitable(sent):
                    await sent
            except Exception as error:
                # Expected when the websocket went away first: not worth a traceback.
                logger.warning("Could not send to the client (%r); closing the session", error)
                self._begin_close()
                return

    def _begin_close(self) -> asyncio.Task[None]:
        if self._closing is None:
            self._closing = asyncio.ensure_future(self._shut_down())
        return self._closing

    async def _shut_down(self) -> None:
        # Whatever pygls wrote before the close still goes out; the sentinel stops the sender.
        self._outbox.put_nowait(None)
        if self._sender is not None:
            await self._sender
        # shutdown() joins the server's worker threads: wait for them off the host's loop.
        await asyncio.to_thread(self._server.shutdown)
