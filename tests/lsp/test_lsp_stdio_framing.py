"""The stdio server after input it cannot frame: the real `python -m lsp --stdio`, fed raw bytes.

Reported (finding 6): after a header it could not use, `inlay lsp --stdio` never answered again."""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

import pytest

from lsp.messages import MAX_MESSAGE_BYTES
from tests.lsp.stdio import TIMEOUT

INITIALIZE = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}}


def framed(message: dict[str, Any]) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


async def read_message(stdout: asyncio.StreamReader) -> dict[str, Any]:
    length = None
    while (line := await stdout.readline()) != b"\r\n":
        name, _, value = line.decode().partition(":")
        if name == "Content-Length":
            length = int(value)
    assert length is not None
    answer: dict[str, Any] = json.loads(await stdout.readexactly(length))
    return answer


async def answers_after(garbage: bytes) -> list[dict[str, Any]]:
    """What the server writes when `garbage` comes before an `initialize` request, up to the
    answer to that request."""
    server = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "lsp",
        "--stdio",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert server.stdin is not None and server.stdout is not None
    try:
        server.stdin.write(garbage + framed(INITIALIZE))
        await server.stdin.drain()
        answers = [await asyncio.wait_for(read_message(server.stdout), TIMEOUT)]
        while answers[-1].get("id") != INITIALIZE["id"]:
            answers.append(await asyncio.wait_for(read_message(server.stdout), TIMEOUT))
        server.stdin.close()  # end of input: the server stops, as when an editor quits
        await asyncio.wait_for(server.wait(), TIMEOUT)
    finally:
        if server.returncode is None:
            server.kill()
            await server.wait()
    return answers


BODY = json.dumps({"jsonrpc": "2.0", "method": "initialized", "params": {}}).encode()
GARBAGE = {
    "a length that is not a number, then a negative one": (
        b"Content-Length: abc\r\n\r\nContent-Length: -5\r\n\r\n"
    ),
    "the same, each with the body its client meant": (
        b"Content-Length: abc\r\n\r\n" + BODY + b"Content-Length: -5\r\n\r\n" + BODY
    ),
    "a length far beyond what follows": b"Content-Length: 99999999999999999999\r\n\r\n",
    "a message over the size limit, body and all": (
        b"Content-Length: %d\r\n\r\n" % (MAX_MESSAGE_BYTES + 1) + b"#" * (MAX_MESSAGE_BYTES + 1)
    ),
    "a header line that is no header": b"{}\r\nContent-Length: 2\r\n\r\n{}",
}


@pytest.mark.parametrize("garbage", GARBAGE.values(), ids=GARBAGE)
async def test_the_server_skips_a_header_it_cannot_use_and_answers_the_next_request(
    garbage: bytes,
) -> None:
    answers = await answers_after(garbage)

    assert answers[-1]["result"]["serverInfo"]["name"] == "inlay"


async def test_a_body_counted_short_is_a_parse_error_and_reading_goes_on() -> None:
    # The client counted 5 bytes where it wrote more: the rest of its body runs into the next
    # header, which the server still finds.
    answers = await answers_after(b"Content-Length: 5\r\n\r\n" + BODY)

    error = {"code": -32700, "message": "Parse error: the message is not JSON."}
    assert answers[0] == {"jsonrpc": "2.0", "id": None, "error": error}
    assert answers[-1]["result"]["serverInfo"]["name"] == "inlay"
