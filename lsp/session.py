"""One language server per websocket connection, inside a host's event loop (no Django here).

The web app's Channels consumer creates an `LspSession` when a browser connects (with a `Host`
for what only the web app can do: run facts, filling a hole), passes each websocket frame to
`receive`, pushes newer facts with `set_facts`, and calls `close` on disconnect, which cancels what
the server was still doing for the client. The browser's `@codemirror/lsp-client` sends one
JSON-RPC message per frame with no `Content-Length` header, and expects the same back; a frame
that is no such message is answered with a JSON-RPC error (`lsp.messages`), and the session goes on.

Wiring, mirroring pygls' own `start_ws` (`pygls.io_.run_websocket`): the session installs a writer
on the server's protocol with `protocol.set_writer(writer, include_headers=False)` and hands each
frame to `protocol.handle_message` through `lsp.messages.receive`. pygls calls
`writer.write(bytes)` for every outgoing message and `writer.close()` on `exit`; the embedded
protocol (`create_server(embedded=True)`) closes the writer on `exit` instead of calling
`sys.exit()`, which ends this session only.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable

from inlay.context.facts import SketchFacts
from lsp import messages
from lsp.server import Host, create_server

logger = logging.getLogger(__name__)

# Seconds `close` waits for the server's cancelled background work; a host that waits as long for
# its own stays under daphne's application_close_timeout (10 s), past which it kills the consumer.
CLOSE_WAIT_SECONDS = 3.0

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

    async def receive(self, frame: str | bytes) -> None:
        """Handle one frame from the client, which should hold one JSON-RPC message."""
        if self.closed:
            return
        self._start()
        messages.receive(self._server, frame)

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
        await self._server.end_background(CLOSE_WAIT_SECONDS)
        # Whatever pygls wrote before the close still goes out; the sentinel stops the sender.
        self._outbox.put_nowait(None)
        if self._sender is not None:
            await self._sender
        # shutdown() joins the server's worker threads: wait for them off the host's loop.
        await asyncio.to_thread(self._server.shutdown)
