"""Inlay's language server: LSP over the sketch core, one thin handler per feature.

Holes show up as diagnostics and document symbols, hover shows a hole's typed context, and the
custom request `inlay/holeContext` hands that context to any client as JSON. Each handler reads
its input, calls `lsp.sketch` / `lsp.context`, and converts positions; nothing else lives here.

The stdio server (`python -m lsp --stdio`, `inlay lsp --stdio`) behaves like any language server.
The web app runs one embedded server per websocket instead (see `lsp.session`), where `exit` must
end that connection only, never the process.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Generator
from dataclasses import dataclass
from importlib import metadata
from typing import Any
from urllib.parse import unquote

import attrs
from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol, lsp_method
from pygls.workspace import TextDocument

from lsp.context import hole_context, hover_markdown
from lsp.sketch import Hole, Param, Problem, Sketch, Span, parse_sketch

HOLE_CONTEXT = "inlay/holeContext"
_SOURCE = "inlay"


@attrs.define
class HoleContextParams:
    """Which hole: the one at `position`, or the one called `hole`."""

    text_document: types.TextDocumentIdentifier
    position: types.Position | None = None
    hole: str | None = None


@attrs.define
class HoleContextRequest:
    id: int | str
    params: HoleContextParams
    method: str = HOLE_CONTEXT
    jsonrpc: str = "2.0"


class InlayProtocol(LanguageServerProtocol):
    # pygls wraps its version in lru_cache, hence the ignore: the lookup below needs no cache.
    def get_message_type(self, method: str) -> type[Any] | None:  # type: ignore[override]
        # Typed params for our own request, so a malformed one is rejected as invalid params.
        if method == HOLE_CONTEXT:
            return HoleContextRequest
        return super().get_message_type(method)


class EmbeddedProtocol(InlayProtocol):
    """For a server that shares its process with other connections: `exit` ends only its own."""

    @lsp_method(types.EXIT)
    def lsp_exit(self, *args: Any) -> Generator[Any, Any, None]:
        if (user_handler := self.fm.features.get(types.EXIT)) is not None:
            yield user_handler, args, None
        # pygls would call sys.exit() here; closing the writer ends the session instead.
        closing = self.writer.close() if self.writer is not None else None
        if inspect.isawaitable(closing):
            asyncio.ensure_future(closing)


class _Columns:
    """Converts tree-sitter's UTF-8 byte columns to the client's position encoding and back."""

    def __init__(self, source: str, encoding: str) -> None:
        self._lines = source.split("\n")
        self._encoding = encoding

    def position(self, line: int, byte_column: int) -> types.Position:
        prefix = self._line(line).encode("utf-8")[:byte_column].decode("utf-8", errors="ignore")
        return types.Position(line=line, character=self._units(prefix))

    def position_of_character(self, line: int, character: int) -> types.Position:
        return types.Position(line=line, character=self._units(self._line(line)[:character]))

    def byte_column(self, position: types.Position) -> int:
        units = byte_column = 0
        for character in self._line(position.line):
            if units >= position.character:
                break
            units += self._units(character)
            byte_column += len(character.encode("utf-8"))
        return byte_column

    def _line(self, line: int) -> str:
        return self._lines[line] if 0 <= line < len(self._lines) else ""

    def _units(self, text: str) -> int:
        if self._encoding == types.PositionEncodingKind.Utf8:
            return len(text.encode("utf-8"))
        if self._encoding == types.PositionEncodingKind.Utf32:
            return len(text)
        return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True)
class OpenSketch:
    """The sketch of one open document, with positions in the client's units."""

    uri: str
    version: int | None
    sketch: Sketch
    columns: _Columns

    def range(self, span: Span) -> types.Range:
        return types.Range(
            start=self.columns.position(span.start_line, span.start_column),
            end=self.columns.position(span.end_line, span.end_column),
        )

    def use_at(self, position: types.Position) -> tuple[Hole, Span] | None:
        """The innermost hole use (or function hole) under the cursor."""
        line, column = position.line, self.columns.byte_column(position)
        uses = [
            (hole, use)
            for hole in self.sketch.holes
            for use in hole.uses or (hole.span,)
            if use.contains(line, column)
        ]
        return min(uses, key=lambda found: found[1].end_byte - found[1].start_byte, default=None)

    def hole_named(self, name: str) -> Hole | None:
        return next((hole for hole in self.sketch.holes if hole.name == name), None)


class InlayServer(LanguageServer):
    """A pygls server that keeps the parsed sketch of each open document."""

    def __init__(self, *, embedded: bool = False) -> None:
        protocol = EmbeddedProtocol if embedded else InlayProtocol
        super().__init__("inlay", _version(), protocol_cls=protocol)
        self._sketches: dict[str, Sketch] = {}

    def open_sketch(self, uri: str) -> OpenSketch | None:
        """The sketch of a document the client opened; never one read from the server's disk."""
        document: TextDocument | None = self.workspace.text_documents.get(unquote(uri))
        if document is None:
            return None
        sketch = self._sketches.get(uri)
        # Versions are optional in pygls; comparing the text is exact and costs a memcmp.
        if sketch is None or sketch.source != document.source:
            sketch = self._sketches[uri] = parse_sketch(document.source)
        encoding = self.workspace.position_encoding or types.PositionEncodingKind.Utf16
        columns = _Columns(document.source, encoding)
        return OpenSketch(uri, document.version, sketch, columns)

    def publish_diagnostics(self, uri: str) -> None:
        opened = self.open_sketch(uri)
        diagnostics = _diagnostics(opened) if opened is not None else []
        version = opened.version if opened is not None else None
        params = types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=version)
        self.text_document_publish_diagnostics(params)

    def forget(self, uri: str) -> None:
        self._sketches.pop(uri, None)


def create_server(*, embedded: bool = False) -> InlayServer:
    """A server with Inlay's features; `embedded` for one that shares its process (see above)."""
    server = InlayServer(embedded=embedded)
    server.feature(types.TEXT_DOCUMENT_DID_OPEN)(did_open)
    server.feature(types.TEXT_DOCUMENT_DID_CHANGE)(did_change)
    server.feature(types.TEXT_DOCUMENT_DID_CLOSE)(did_close)
    server.feature(types.TEXT_DOCUMENT_HOVER)(hover)
    server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)(document_symbols)
    server.feature(HOLE_CONTEXT)(hole_context_request)
    return server


def run_stdio() -> None:
    create_server().start_io()


def did_open(ls: InlayServer, params: types.DidOpenTextDocumentParams) -> None:
    ls.publish_diagnostics(params.text_document.uri)


def did_change(ls: InlayServer, params: types.DidChangeTextDocumentParams) -> None:
    ls.publish_diagnostics(params.text_document.uri)


def did_close(ls: InlayServer, params: types.DidCloseTextDocumentParams) -> None:
    ls.forget(params.text_document.uri)
    ls.publish_diagnostics(params.text_document.uri)  # the document is gone: clears them


def hover(ls: InlayServer, params: types.HoverParams) -> types.Hover | None:
    opened = ls.open_sketch(params.text_document.uri)
    found = opened.use_at(params.position) if opened is not None else None
    if opened is None or found is None:
        return None
    hole, use = found
    markdown = hover_markdown(hole_context(opened.sketch, hole))
    contents = types.MarkupContent(kind=types.MarkupKind.Markdown, value=markdown)
    return types.Hover(contents=contents, range=opened.range(use))


def hole_context_request(ls: InlayServer, params: HoleContextParams) -> dict[str, Any] | None:
    opened = ls.open_sketch(params.text_document.uri)
    if opened is None:
        return None
    if params.hole is not None:
        hole = opened.hole_named(params.hole)
    else:
        found = opened.use_at(params.position) if params.position is not None else None
        hole = found[0] if found is not None else None
    return hole_context(opened.sketch, hole).to_json() if hole is not None else None


def document_symbols(
    ls: InlayServer, params: types.DocumentSymbolParams
) -> list[types.DocumentSymbol]:
    opened = ls.open_sketch(params.text_document.uri)
    return _symbols(opened) if opened is not None else []


def _diagnostics(opened: OpenSketch) -> list[types.Diagnostic]:
    holes = [
        types.Diagnostic(
            range=opened.range(use),
            message=f"Hole `{hole.name}`: {hole.description}",
            severity=types.DiagnosticSeverity.Information,
            source=_SOURCE,
            code="hole",
        )
        for hole in opened.sketch.holes
        for use in hole.uses or (hole.span,)
    ]
    return holes + [_syntax_diagnostic(opened, problem) for problem in opened.sketch.errors]


def _syntax_diagnostic(opened: OpenSketch, problem: Problem) -> types.Diagnostic:
    # Problem columns come from CPython's SyntaxError, which counts characters, not bytes.
    start = opened.columns.position_of_character(problem.line, problem.column)
    end = opened.columns.position_of_character(problem.line, problem.column + 1)
    return types.Diagnostic(
        range=types.Range(start=start, end=end),
        message=problem.message,
        severity=types.DiagnosticSeverity.Error,
        source=_SOURCE,
        code="syntax",
    )


def _symbols(opened: OpenSketch) -> list[types.DocumentSymbol]:
    holes = {hole.span.start_byte for hole in opened.sketch.holes}
    symbols = [(hole.span, hole.name, "hole") for hole in opened.sketch.holes]
    symbols += [
        (function.span, function.name, _function_detail(function.params, function.returns))
        for function in opened.sketch.functions
        if function.span.start_byte not in holes
    ]
    return [
        types.DocumentSymbol(
            name=name,
            detail=detail,
            kind=types.SymbolKind.Function,
            range=opened.range(span),
            selection_range=opened.range(span),
        )
        for span, name, detail in sorted(symbols, key=lambda symbol: symbol[0].start_byte)
    ]


def _function_detail(params: tuple[Param, ...], returns: str | None) -> str:
    rendered = ", ".join(param.render() for param in params)
    return f"({rendered}) -> {returns}" if returns else f"({rendered})"


def _version() -> str:
    try:
        return metadata.version("inlay")
    except metadata.PackageNotFoundError:
        return "0+unknown"  # running from a checkout that was never installed
