"""LSP's base protocol on stdin and stdout, framed so that no input stops the server.

A message is header lines (`Content-Length: <bytes>`, perhaps `Content-Type: ...`), a blank line,
then the body. pygls' own reader waits for good on a length larger than what follows, and once a
body has been misread (a length that is not a number, or counts short) it never finds a header
again. Here a header line that cannot be used (a length that is not a number, is negative or is
over `MAX_MESSAGE_BYTES`, a line that is no header) is logged, and what follows is skipped up to
the next line that ends with a usable `Content-Length` header: the body of a misframed message
runs into the next header with no line break, and JSON has no raw line break inside a string,
so that line is where the next message starts.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sys
from collections.abc import Iterator
from typing import BinaryIO

from pygls.io_ import StdoutWriter
from pygls.lsp.server import LanguageServer

from lsp.messages import MAX_MESSAGE_BYTES, receive

logger = logging.getLogger(__name__)

_HEADER = re.compile(rb"(?P<name>[A-Za-z0-9-]+): *(?P<value>[^\r\n]*)\r\n")
_LENGTH_AT_END = re.compile(rb"Content-Length: *([0-9]+)\r\n\Z", re.IGNORECASE)
# Lines are read at most this long, so a body skipped for its size is never held whole.
_LINE_LIMIT = 65_536
# Enough of the skipped bytes to hold a header that a line split in two.
_LOOKBEHIND = 64


def serve(server: LanguageServer) -> None:
    """Serve one client on stdin and stdout until it sends `exit` or closes stdin."""
    server.protocol.set_writer(StdoutWriter(sys.stdout.buffer))
    try:
        asyncio.run(_serve(server, sys.stdin.buffer))
    except BrokenPipeError:
        logger.error("The client closed its end of stdout; the server stops.")
    except (KeyboardInterrupt, SystemExit):
        pass  # `exit` calls sys.exit(), as pygls' start_io expects
    finally:
        server.shutdown()  # type: ignore[no-untyped-call]  # pygls leaves it unannotated


async def _serve(server: LanguageServer, stdin: BinaryIO) -> None:
    loop = asyncio.get_running_loop()
    bodies = read_bodies(stdin)
    # Blocking reads in pygls' thread pool, as its own reader does: the loop answers meanwhile.
    while (body := await loop.run_in_executor(server.thread_pool, next, bodies, None)) is not None:
        receive(server, body)


def read_bodies(stdin: BinaryIO) -> Iterator[bytes]:
    """The body of each message on `stdin`, in order; what cannot be framed is skipped."""
    length: int | None = None
    lost = False  # past an unusable header, looking for the next usable one
    seen = b""  # the end of what was skipped
    while line := stdin.readline(_LINE_LIMIT):
        if not lost:
            if not line.strip():
                if length is not None:
                    body = stdin.read(length)
                    if len(body) < length:
                        return  # the input ended inside a body
                    yield body
                    length = None
                continue
            header = _HEADER.fullmatch(line)
            if header is not None and header["name"].lower() != b"content-length":
                continue  # Content-Type: the body is UTF-8 JSON whatever it says
            if header is not None and (length := _usable(header["value"])) is not None:
                continue
            logger.warning("Skipping to the next message after a header line %r", line[:100])
            lost, seen = True, b""
        # The line that made it lost can itself end with the next header: `{...}Content-Length: 52`.
        seen = (seen + line)[-_LOOKBEHIND:]
        found = _LENGTH_AT_END.search(seen)
        length = _usable(found[1]) if found is not None else None
        lost = length is None


def _usable(value: bytes) -> int | None:
    """The length a `Content-Length` value gives, if it is one the server reads."""
    if not value.isdigit() or len(value) > len(str(MAX_MESSAGE_BYTES)):
        return None
    length = int(value)
    return length if length <= MAX_MESSAGE_BYTES else None
