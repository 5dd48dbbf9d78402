"""One message from a client, from its bytes to pygls, whatever those bytes are.

pygls takes a well-formed JSON-RPC object for granted: given `42`, `[]` or JSON nested deeper than
the parser's stack it raises out of its loop, which ends a websocket session. `receive` checks
first, and answers what it cannot hand on as JSON-RPC 2.0 says: Parse error (-32700) for bytes
that are not JSON, Invalid Request (-32600) for JSON that is no request, notification or
response, or a message over `MAX_MESSAGE_BYTES`; with the message's id when it has a usable one,
else with id null. Both transports use it: stdio once its headers are read (`lsp.stdio`), the
websocket session once per frame (`lsp.session`).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer

# 2,000 lines of 40 characters are 80 KB; daphne closes a websocket whose message passes 1 MiB.
MAX_MESSAGE_BYTES = 1_000_000
PARSE_ERROR = -32700
INVALID_REQUEST = -32600

logger = logging.getLogger(__name__)


def receive(server: LanguageServer, body: str | bytes) -> None:
    """Hand one message to the server, or answer the client why it cannot be handled."""
    size = len(body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body)
    if size > MAX_MESSAGE_BYTES:
        limit = f"at most {MAX_MESSAGE_BYTES:,} bytes; this one has {size:,}."
        _refuse(server, None, INVALID_REQUEST, f"Invalid Request: a message may have {limit}")
        return
    try:
        raw = json.loads(body)
    except ValueError:  # UnicodeDecodeError too, for bytes that are not UTF-8
        _refuse(server, None, PARSE_ERROR, "Parse error: the message is not JSON.")
        return
    except RecursionError:
        _refuse(server, None, PARSE_ERROR, "Parse error: the message nests too deeply to be read.")
        return
    problem = _invalid(raw)
    if problem is not None:
        _refuse(server, _usable_id(raw), INVALID_REQUEST, f"Invalid Request: {problem}")
        return
    try:
        message = server.protocol.structure_message(raw)
    except JsonRpcException as error:
        # pygls only logs what it cannot structure (bad params): a request would go unanswered.
        if "method" in raw and "id" in raw:
            _refuse(server, raw["id"], error.code, error.message)
        return
    try:
        server.protocol.handle_message(message)
    except Exception as error:
        logger.exception("Unable to handle a message from the client")
        server.report_server_error(error, JsonRpcException)


def _invalid(raw: Any) -> str | None:
    """What makes `raw` no JSON-RPC message, or None."""
    if not isinstance(raw, dict):
        return f"a message must be a JSON object, not {type(raw).__name__}."
    if raw.get("jsonrpc") != "2.0":
        return '`jsonrpc` must be "2.0".'
    if "method" not in raw and "id" not in raw:
        return "a message must have a `method`, an `id`, or both."
    if "method" in raw and not isinstance(raw["method"], str):
        return "`method` must be a string."
    if "id" in raw and _usable_id(raw) is None:
        return "`id` must be an integer or a string."
    return None


def _usable_id(raw: Any) -> int | str | None:
    """The message's id, if it is one LSP allows (JSON's true and false are not integers)."""
    found = raw.get("id") if isinstance(raw, dict) else None
    return found if isinstance(found, int | str) and not isinstance(found, bool) else None


def _refuse(server: LanguageServer, msg_id: int | str | None, code: int, message: str) -> None:
    logger.warning("Refused a message from the client: %s", message)
    # Written as a dict: pygls' own response type leaves out an id of None, which JSON-RPC wants
    # as null.
    error = {"jsonrpc": "2.0", "id": msg_id, "error": {"code": code, "message": message}}
    server.protocol._send_data(error)
