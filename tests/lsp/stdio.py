"""Speaking to the stdio server from a test: open a sketch, ask about a position, read answers."""

from __future__ import annotations

import asyncio
from typing import Any

from lsprotocol import types
from pytest_lsp import LanguageClient

# Generous: the first context in a server process may wait for jedi to index a module.
TIMEOUT = 30


async def open_sketch(client: LanguageClient, uri: str, text: str) -> list[types.Diagnostic]:
    # Wait before opening: the client only sees notifications sent after it starts waiting.
    published = client.protocol.wait_for_notification_async(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    item = types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=item))
    params = await asyncio.wait_for(published, TIMEOUT)
    return list(params.diagnostics)


async def hover(client: LanguageClient, uri: str, line: int, character: int) -> types.Hover | None:
    params = types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        position=types.Position(line=line, character=character),
    )
    return await asyncio.wait_for(client.text_document_hover_async(params), TIMEOUT)


async def request(client: LanguageClient, method: str, params: dict[str, Any]) -> Any:
    """A custom request (the ChatLSP methods, `inlay/holeContext`), its answer as plain JSON."""
    result = asyncio.wrap_future(client.protocol.send_request(method, params))
    return plain(await asyncio.wait_for(result, TIMEOUT))


async def hole_context(client: LanguageClient, params: dict[str, Any]) -> Any:
    return await request(client, "inlay/holeContext", params)


def at(uri: str, line: int, character: int) -> dict[str, Any]:
    return {"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}


def plain(value: Any) -> Any:
    """pygls hands untyped results over as namedtuples; compare them as JSON."""
    if hasattr(value, "_asdict"):
        return {key: plain(item) for key, item in value._asdict().items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def span(line: int, start: int, end: int) -> types.Range:
    return types.Range(start=types.Position(line, start), end=types.Position(line, end))


def apply_edits(text: str, edits: list[types.TextEdit]) -> str:
    """The text after a client applies the edits (ASCII text: characters are UTF-16 units)."""
    lines = text.split("\n")
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)

    def offset(position: types.Position) -> int:
        return min(starts[position.line] + position.character, len(text))

    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character))[::-1]:
        text = text[: offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end) :]
    return text
