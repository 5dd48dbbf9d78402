"""Messages between the worker and an executor: JSON objects on a pipe, each preceded by its
length as four bytes, big-endian. A length above the reader's limit is a broken peer, not data."""

from __future__ import annotations

import json
import os
import struct
from typing import Any

_HEADER = struct.Struct(">I")


class ProtocolError(RuntimeError):
    """The pipe closed, or carried something that is not a message."""


def write_message(fd: int, message: dict[str, Any]) -> None:
    write_encoded(fd, encode_message(message))


def encode_message(message: dict[str, Any]) -> bytes:
    """The message as it goes on the pipe, for write_encoded."""
    data = json.dumps(message).encode("utf-8")
    return _HEADER.pack(len(data)) + data


def write_encoded(fd: int, data: bytes) -> None:
    while data:
        data = data[os.write(fd, data) :]


def read_message(fd: int, limit: int) -> dict[str, Any]:
    (length,) = _HEADER.unpack(_read_exactly(fd, _HEADER.size))
    if length > limit:
        raise ProtocolError(f"a message of {length} bytes, above the limit of {limit}")
    try:
        message = json.loads(_read_exactly(fd, length))
    except (ValueError, RecursionError) as exc:
        raise ProtocolError(f"a message that is not JSON: {exc}") from None
    if not isinstance(message, dict):
        raise ProtocolError("a message that is not a JSON object")
    return message


def _read_exactly(fd: int, size: int) -> bytes:
    chunks = []
    while size:
        chunk = os.read(fd, min(size, 2**20))
        if not chunk:
            raise ProtocolError("the pipe closed")
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)
