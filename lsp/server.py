"""Inlay's language server: LSP over the sketch core, one thin handler per feature.

Holes show up as diagnostics, document symbols and semantic tokens; hover and the ChatLSP requests
(`textDocument/expectedType`, `textDocument/relevantTypes`, `textDocument/relevantHeaders`,
`inlay/holeContext`) give a hole's typed context from `inlay.context.hole_context`; code actions
refactor holes with `lsp.actions`; completion and go-to-definition know the names holes get. Each
handler reads its input, calls the core, and converts positions (`lsp.documents`); nothing else
lives here.

Computing a context may call jedi, which is slow the first time and blocking: those handlers are
async and run the core in a worker thread, so the host's event loop (daphne's, in the web app)
keeps serving other connections.

The stdio server (`python -m lsp --stdio`, `inlay lsp --stdio`) behaves like any language server,
framed by `lsp.stdio`. Both transports hand each message over through `lsp.messages`, which
answers what is no JSON-RPC message instead of letting it stop the server. The web app runs one
embedded server per websocket instead (see `lsp.session`), where `exit` must end that connection
only, never the process, and where a `Host` adds what only the web app can do: facts from the
sketch's last run, and filling a hole.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable, Generator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from importlib import metadata
from typing import Any
from urllib.parse import unquote

import attrs
from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol, lsp_method
from pygls.workspace import TextDocument

from inlay.context import inference
from inlay.context.facts import NO_FACTS, SketchFacts, facts_from_json, facts_markdown
from inlay.context.hole_context import RETURN, HoleContext, hole_context, hover_markdown
from inlay.run.stale import fills_to_check, stale_fills
from inlay.sandbox import SandboxUnavailable
from inlay.sketch import Hole, Param, Problem, Sketch, Span, parse_sketch, reparse
from inlay.sketch.limits import sketch_problem
from lsp import actions, stdio
from lsp.documents import Columns, OpenSketch

HOLE_CONTEXT = "inlay/holeContext"
EXPECTED_TYPE = "textDocument/expectedType"
RELEVANT_TYPES = "textDocument/relevantTypes"
RELEVANT_HEADERS = "textDocument/relevantHeaders"
SET_FACTS = "inlay/setFacts"
FILL_HOLE = "inlay.fillHole"
_SOURCE = "inlay"
# Seconds the text must stay unchanged before fills are checked against their examples again.
STALE_PAUSE = 0.3
# Semantic tokens: holes are functions with the `hole` modifier, which themes can colour.
TOKEN_TYPES = ["function"]
TOKEN_MODIFIERS = ["hole"]

logger = logging.getLogger(__name__)

# What a document whose text Inlay will not read is served as: a sketch with nothing in it.
_NOTHING = parse_sketch("")


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


@attrs.define
class HolePositionRequest:
    """The ChatLSP requests: a document and a position on a hole."""

    id: int | str
    params: types.TextDocumentPositionParams
    method: str
    jsonrpc: str = "2.0"


@attrs.define
class SetFactsParams:
    text_document: types.TextDocumentIdentifier
    facts: dict[str, Any]


@attrs.define
class SetFactsNotification:
    """Facts about a document's holes from a client that runs the sketch (`inlay.context.facts`)."""

    params: SetFactsParams
    method: str = SET_FACTS
    jsonrpc: str = "2.0"


_CUSTOM_REQUESTS: dict[str, type[Any]] = {
    SET_FACTS: SetFactsNotification,
    HOLE_CONTEXT: HoleContextRequest,
    EXPECTED_TYPE: HolePositionRequest,
    RELEVANT_TYPES: HolePositionRequest,
    RELEVANT_HEADERS: HolePositionRequest,
}


class InlayProtocol(LanguageServerProtocol):
    # pygls wraps its version in lru_cache, hence the ignore: the lookup below needs no cache.
    def get_message_type(self, method: str) -> type[Any] | None:  # type: ignore[override]
        # Typed params for our own requests, so a malformed one is rejected as invalid params.
        return _CUSTOM_REQUESTS.get(method) or super().get_message_type(method)

    def _send_response(
        self,
        msg_id: Any,
        result: Any | None = None,
        error: types.ResponseError | None = None,
    ) -> None:
        # pygls answers a request that raised with the Python traceback as the error's `data`
        # (the server's files and lines): the message says what went wrong, the traceback stays
        # in the server's log.
        if error is not None and isinstance(error.data, dict) and "traceback" in error.data:
            error = types.ResponseError(code=error.code, message=error.message)
        super()._send_response(msg_id, result, error)


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


FillHole = Callable[[str, str, str], Awaitable[Any]]
FactsFor = Callable[[str], Awaitable[SketchFacts | None]]


class NoFacts(Exception):
    """A host will give no facts for the document; the message, shown to the user, says why."""


@dataclass(frozen=True)
class Host:
    """What the application embedding the server offers it; the stdio server has none of it.

    `fill_hole(uri, hole, text)` starts filling a hole of the document (whose current text is
    given) and returns what the client should know (for the web app, the run's id and URL).
    `facts(uri)` reads what the last run of the document's sketch found, when it is opened, or
    raises NoFacts; the host can also push newer facts with `InlayServer.set_facts`.
    `forget(uri)` is told when the client closes the document.
    """

    fill_hole: FillHole | None = None
    facts: FactsFor | None = None
    forget: Callable[[str], None] | None = None


class InlayServer(LanguageServer):
    """A pygls server that keeps the parsed sketch, hole contexts and facts of each document."""

    def __init__(self, *, embedded: bool = False, host: Host | None = None) -> None:
        protocol = EmbeddedProtocol if embedded else InlayProtocol
        super().__init__("inlay", _version(), protocol_cls=protocol)
        self.host = host or Host()
        self._sketches: dict[str, Sketch] = {}
        # Documents whose text Inlay will not read (inlay.sketch.limits): the text and why.
        self._refused: dict[str, tuple[str, str]] = {}
        self._contexts: dict[str, tuple[Sketch, dict[str, HoleContext]]] = {}
        self._facts: dict[str, SketchFacts] = {}
        self._background: set[asyncio.Future[None]] = set()
        # Stale fills found by the last check of each document (inlay.run.stale), and the check
        # under way.
        self._stale: dict[str, dict[str, str]] = {}
        self._checks: dict[str, asyncio.Task[None]] = {}
        self._sandbox_missing: str | None = None

    def open_sketch(self, uri: str) -> OpenSketch | None:
        """The sketch of a document the client opened; never one read from the server's disk."""
        document: TextDocument | None = self.workspace.text_documents.get(unquote(uri))
        if document is None:
            return None
        sketch = self._sketches.get(uri)
        refused = self._refused.get(uri)
        # Versions are optional in pygls; comparing the text is exact and costs a memcmp.
        if refused is not None and refused[0] == document.source:
            sketch = _NOTHING
        elif sketch is None or sketch.source != document.source:
            self._refused.pop(uri, None)
            if (problem := sketch_problem(document.source)) is not None:
                # Not parsed (see inlay.sketch.limits): served as no sketch, with the reason.
                self._refused[uri] = (document.source, problem)
                self._sketches.pop(uri, None)
                sketch = _NOTHING
            else:
                sketch = self._sketches[uri] = parse_sketch(document.source)
        encoding = self.workspace.position_encoding or types.PositionEncodingKind.Utf16
        return OpenSketch(uri, document.version, sketch, Columns(document.source, encoding))

    def apply_changes(
        self, uri: str, changes: Sequence[types.TextDocumentContentChangeEvent]
    ) -> None:
        """Re-parse incrementally (`inlay.sketch.reparse`) from the sketch before the edits; pygls
        has already applied them to the document, which `open_sketch` checks against."""
        sketch = self._sketches.get(uri)
        document = self.workspace.text_documents.get(unquote(uri))
        if document is not None and sketch_problem(document.source) is not None:
            sketch = None  # not read incrementally either: `open_sketch` says why
        for change in changes:
            if sketch is None or not isinstance(change, types.TextDocumentContentChangePartial):
                self._sketches.pop(uri, None)  # a whole new text: parsed afresh when read
                return
            encoding = self.workspace.position_encoding or types.PositionEncodingKind.Utf16
            sketch = reparse(sketch, Columns(sketch.source, encoding).edit(change))
        if sketch is not None:
            self._sketches[uri] = sketch

    async def context(self, opened: OpenSketch, hole: Hole) -> HoleContext:
        """The hole's context, computed in a worker thread (jedi blocks) and kept until the
        document's text or its facts change (observed types come from the facts)."""
        sketch, contexts = self._contexts.get(opened.uri, (None, {}))
        if sketch is not opened.sketch:  # a new text: every context of the old one is stale
            contexts = {}
            self._contexts[opened.uri] = (opened.sketch, contexts)
        if hole.name not in contexts:
            observed = self.facts(opened.uri).of(hole.name).observed
            contexts[hole.name] = await asyncio.to_thread(
                partial(hole_context, opened.sketch, hole, observed=observed)
            )
        return contexts[hole.name]

    def in_background(self, work: Awaitable[None]) -> None:
        """Run `work` on the server's loop; kept referenced until done, as asyncio requires."""
        task = asyncio.ensure_future(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        task.add_done_callback(_log_failure)

    async def end_background(self, timeout: float) -> None:
        """Cancel the work under way in the background (after an open, checking fills) and wait
        at most `timeout` seconds for it to end: an embedded server's client has gone, and its
        work must not go on without it."""
        work = [*self._background, *self._checks.values()]
        await cancel_and_wait(work, timeout, "background tasks")

    def facts(self, uri: str) -> SketchFacts:
        """The document's facts, with the stale fills the server found itself."""
        return _with_stale(self._facts.get(uri, NO_FACTS), self._stale.get(uri, {}))

    def set_facts(self, uri: str, facts: SketchFacts | None) -> None:
        self._facts[uri] = facts or NO_FACTS
        self._contexts.pop(uri, None)  # observed types may have changed
        self.publish_diagnostics(uri)
        self.check_fills(uri)

    def check_fills(self, uri: str) -> None:
        """Look for stale fills (inlay.run.stale) once the text has been still for STALE_PAUSE
        seconds; the diagnostics are republished when the check finds something new."""
        running = self._checks.pop(uri, None)
        if running is not None:
            running.cancel()
        opened = self.open_sketch(uri)
        statuses = {name: facts.status for name, facts in self.facts(uri).holes.items()}
        names = fills_to_check(opened.sketch, statuses) if opened is not None else []
        if not names or self._sandbox_missing is not None:
            if self._stale.pop(uri, None):
                self.publish_diagnostics(uri)
            return
        assert opened is not None
        self._checks[uri] = asyncio.ensure_future(self._check_fills(uri, opened.sketch, names))

    async def _check_fills(self, uri: str, sketch: Sketch, names: list[str]) -> None:
        await asyncio.sleep(STALE_PAUSE)
        try:
            found = await asyncio.to_thread(stale_fills, sketch, names)
        except SandboxUnavailable as error:
            self._sandbox_missing = str(error)
            message = f"Inlay cannot check fills against their examples: {error}"
            self.window_log_message(types.LogMessageParams(types.MessageType.Warning, message))
            return
        if self._stale.get(uri, {}) != found:
            self._stale[uri] = found
            self.publish_diagnostics(uri)

    def publish_diagnostics(self, uri: str) -> None:
        opened = self.open_sketch(uri)
        diagnostics = _diagnostics(opened, self.facts(uri)) if opened is not None else []
        if opened is not None and (refused := self._refused.get(uri)) is not None:
            start = types.Position(0, 0)
            where = types.Range(start=start, end=start)
            diagnostics = [_diagnostic(where, refused[1], types.DiagnosticSeverity.Error, "limit")]
        version = opened.version if opened is not None else None
        params = types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=version)
        self.text_document_publish_diagnostics(params)

    def forget(self, uri: str) -> None:
        if self.host.forget is not None:
            self.host.forget(uri)
        self._sketches.pop(uri, None)
        self._refused.pop(uri, None)
        self._facts.pop(uri, None)
        self._contexts.pop(uri, None)
        self._stale.pop(uri, None)
        check = self._checks.pop(uri, None)
        if check is not None:
            check.cancel()


def create_server(*, embedded: bool = False, host: Host | None = None) -> InlayServer:
    """A server with Inlay's features; `embedded` for one that shares its process (see above)."""
    server = InlayServer(embedded=embedded, host=host)
    server.feature(types.TEXT_DOCUMENT_DID_OPEN)(did_open)
    server.feature(types.TEXT_DOCUMENT_DID_CHANGE)(did_change)
    server.feature(types.TEXT_DOCUMENT_DID_CLOSE)(did_close)
    server.feature(types.TEXT_DOCUMENT_HOVER)(hover)
    server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)(document_symbols)
    server.feature(SET_FACTS)(set_facts)
    server.feature(HOLE_CONTEXT)(hole_context_request)
    server.feature(EXPECTED_TYPE)(expected_type)
    server.feature(RELEVANT_TYPES)(relevant_types)
    server.feature(RELEVANT_HEADERS)(relevant_headers)
    kinds = [types.CodeActionKind.RefactorRewrite, types.CodeActionKind.Refactor]
    server.feature(types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(kinds))(code_actions)
    server.feature(types.TEXT_DOCUMENT_COMPLETION)(completion)
    server.feature(types.TEXT_DOCUMENT_DEFINITION)(definition)
    legend = types.SemanticTokensLegend(TOKEN_TYPES, TOKEN_MODIFIERS)
    server.feature(types.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL, legend)(semantic_tokens)
    if server.host.fill_hole is not None:
        server.command(FILL_HOLE)(fill_hole)
    return server


def run_stdio() -> None:
    stdio.serve(create_server())


async def cancel_and_wait(tasks: Sequence[asyncio.Future[Any]], timeout: float, what: str) -> None:
    """Cancel `tasks` and wait at most `timeout` seconds for them to end; those still running
    then (a thread's call cannot be interrupted) are logged as `what`."""
    for task in tasks:
        task.cancel()
    if tasks:
        _, running = await asyncio.wait(tasks, timeout=timeout)
        if running:
            logger.warning("%d %s outlived their session", len(running), what)


# Documents.


def did_open(ls: InlayServer, params: types.DidOpenTextDocumentParams) -> None:
    # Synchronous, so the diagnostics go out before any later request is answered.
    ls.publish_diagnostics(params.text_document.uri)
    ls.in_background(_after_open(ls, params.text_document.uri))


async def _after_open(ls: InlayServer, uri: str) -> None:
    if ls.host.facts is not None:
        try:
            facts = await ls.host.facts(uri)
        except NoFacts as refusal:
            # The document is still served from its text; the user learns why it has no facts.
            warning = types.MessageType.Warning
            ls.window_show_message(types.ShowMessageParams(warning, str(refusal)))
        else:
            ls.set_facts(uri, facts)
    opened = ls.open_sketch(uri)
    if opened is not None:
        # Index the imported modules now, so the first hover does not wait for jedi.
        modules = inference.imported_modules(opened.sketch)
        for module, alias in modules.items():
            await asyncio.to_thread(inference.module_functions, module, alias)


def did_change(ls: InlayServer, params: types.DidChangeTextDocumentParams) -> None:
    ls.apply_changes(params.text_document.uri, params.content_changes)
    ls.publish_diagnostics(params.text_document.uri)
    ls.check_fills(params.text_document.uri)


def did_close(ls: InlayServer, params: types.DidCloseTextDocumentParams) -> None:
    ls.forget(params.text_document.uri)
    ls.publish_diagnostics(params.text_document.uri)  # the document is gone: clears them


def set_facts(ls: InlayServer, params: SetFactsParams) -> None:
    try:
        facts = facts_from_json(params.facts)
    except ValueError as error:
        ls.window_show_message(types.ShowMessageParams(types.MessageType.Error, str(error)))
        return
    ls.set_facts(params.text_document.uri, facts)


# Hover and the typed context (ChatLSP).


async def hover(ls: InlayServer, params: types.HoverParams) -> types.Hover | None:
    opened = ls.open_sketch(params.text_document.uri)
    found = opened.use_at(params.position) if opened is not None else None
    if opened is None or found is None:
        return None
    hole, use = found
    facts = ls.facts(opened.uri).of(hole.name)
    markdown = (
        f"{hover_markdown(await ls.context(opened, hole))}\n\n{facts_markdown(hole.name, facts)}"
    )
    contents = types.MarkupContent(kind=types.MarkupKind.Markdown, value=markdown)
    return types.Hover(contents=contents, range=opened.range(use))


async def hole_context_request(ls: InlayServer, params: HoleContextParams) -> dict[str, Any] | None:
    opened = ls.open_sketch(params.text_document.uri)
    if opened is None:
        return None
    if params.hole is not None:
        hole = opened.hole_named(params.hole)
    else:
        hole = opened.hole_at(params.position) if params.position is not None else None
    if hole is None:
        return None
    facts = ls.facts(opened.uri).of(hole.name)
    return (await ls.context(opened, hole)).to_json() | {"status": facts.status}


async def _context_at(
    ls: InlayServer, params: types.TextDocumentPositionParams
) -> HoleContext | None:
    opened = ls.open_sketch(params.text_document.uri)
    hole = opened.hole_at(params.position) if opened is not None else None
    return await ls.context(opened, hole) if opened is not None and hole is not None else None


async def expected_type(
    ls: InlayServer, params: types.TextDocumentPositionParams
) -> dict[str, Any] | None:
    context = await _context_at(ls, params)
    if context is None:
        return None
    return {
        "hole": context.hole.name,
        "expected_type": context.expected_type,
        "source": context.type_source(RETURN),
        "signature": context.signature(),
    }


async def relevant_types(
    ls: InlayServer, params: types.TextDocumentPositionParams
) -> dict[str, Any] | None:
    context = await _context_at(ls, params)
    if context is None:
        return None
    return {"hole": context.hole.name, "types": list(context.relevant_types)}


async def relevant_headers(
    ls: InlayServer, params: types.TextDocumentPositionParams
) -> dict[str, Any] | None:
    context = await _context_at(ls, params)
    if context is None:
        return None
    return {"hole": context.hole.name, "headers": list(context.relevant_headers)}


# Code actions and commands.


async def code_actions(ls: InlayServer, params: types.CodeActionParams) -> list[types.CodeAction]:
    opened = ls.open_sketch(params.text_document.uri)
    hole = opened.hole_at(params.range.start) if opened is not None else None
    if opened is None or hole is None:
        return []
    context = await ls.context(opened, hole)
    facts = ls.facts(opened.uri).of(hole.name)
    traced, given = facts.traced, facts.given
    edits = {
        f"Extract `{hole.name}` into a function hole": lambda: actions.extract(
            opened.sketch, hole, context.signature(), given
        ),
        f"Make `{hole.name}` an inline hole": lambda: actions.inline(opened.sketch, hole),
        f"Add an example to `{hole.name}`": lambda: actions.add_example(
            opened.sketch, hole, context.signature(), traced[0] if traced else None, given
        ),
        f"Decompose `{hole.name}` into sub-holes": lambda: actions.decompose(opened.sketch, hole),
    }
    found = [action for title, edit in edits.items() if (action := _edit(opened, title, edit))]
    if ls.host.fill_hole is not None:
        command = types.Command(
            title=f"Fill `{hole.name}`", command=FILL_HOLE, arguments=[opened.uri, hole.name]
        )
        found.append(types.CodeAction(title=command.title, command=command))
    return found


def _edit(opened: OpenSketch, title: str, edit: Callable[[], str]) -> types.CodeAction | None:
    """The action as a workspace edit, or None where it does not apply to this hole."""
    try:
        text = edit()
    except actions.ActionError:
        return None
    changes = {opened.uri: opened.text_edits(actions.line_edits(opened.sketch.source, text))}
    return types.CodeAction(
        title=title,
        kind=types.CodeActionKind.RefactorRewrite,
        edit=types.WorkspaceEdit(changes=changes),
    )


async def fill_hole(ls: InlayServer, *arguments: Any) -> Any:
    """`inlay.fillHole [uri, hole]`: hands the document's current text to the host."""
    uri, name = (str(argument) for argument in arguments[:2])
    opened = ls.open_sketch(uri)
    if opened is None or opened.hole_named(name) is None or ls.host.fill_hole is None:
        raise ValueError(f"No hole `{name}` in an open document {uri}.")
    return await ls.host.fill_hole(uri, name, opened.sketch.source)


# Names: completion, definition, symbols, semantic tokens.


def completion(ls: InlayServer, params: types.CompletionParams) -> list[types.CompletionItem]:
    opened = ls.open_sketch(params.text_document.uri)
    if opened is None:
        return []
    holes = {hole.name: hole for hole in opened.sketch.holes}
    items = [
        types.CompletionItem(
            label=hole.name,
            kind=types.CompletionItemKind.Function,
            detail=f"hole: {hole.signature()}",
            documentation=hole.description,
        )
        for hole in holes.values()
    ]
    items += [
        types.CompletionItem(
            label=function.name,
            kind=types.CompletionItemKind.Function,
            detail=f"def {function.name}{_function_detail(function.params, function.returns)}",
        )
        for function in opened.sketch.functions
        if function.name not in holes
    ]
    return items


def definition(ls: InlayServer, params: types.DefinitionParams) -> types.Location | None:
    """From a name to its hole (an inline hole's first use) or function."""
    opened = ls.open_sketch(params.text_document.uri)
    name = opened.name_at(params.position) if opened is not None else None
    if opened is None or name is None:
        return None
    hole = opened.hole_named(name)
    function = opened.sketch.function(name)
    span = hole.span if hole is not None else function.span if function is not None else None
    return types.Location(opened.uri, opened.range(span)) if span is not None else None


def document_symbols(
    ls: InlayServer, params: types.DocumentSymbolParams
) -> list[types.DocumentSymbol]:
    opened = ls.open_sketch(params.text_document.uri)
    return _symbols(opened) if opened is not None else []


def semantic_tokens(ls: InlayServer, params: types.SemanticTokensParams) -> types.SemanticTokens:
    opened = ls.open_sketch(params.text_document.uri)
    if opened is None:
        return types.SemanticTokens(data=[])
    data: list[int] = []
    previous = types.Position(0, 0)
    for span in sorted(_hole_name_spans(opened.sketch), key=lambda span: span.start_byte):
        token = opened.range(span)
        if token.start.line != token.end.line:  # tokens are one line: mark its first line only
            token.end = opened.columns.line_end(token.start.line)
        delta_line = token.start.line - previous.line
        delta_start = token.start.character - (previous.character if delta_line == 0 else 0)
        length = token.end.character - token.start.character
        data += [delta_line, delta_start, length, 0, 1]  # type "function", modifier "hole"
        previous = token.start
    return types.SemanticTokens(data=data)


def _hole_name_spans(sketch: Sketch) -> list[Span]:
    """Each inline hole's description (the callee string) and each function hole's name."""
    spans = []
    for hole in sketch.holes:
        if hole.kind == "function":
            node = sketch.node_at(hole.span.start_byte, hole.span.end_byte, "function_definition")
            name = node.child_by_field_name("name")
            spans += [Span.of(name)] if name is not None else []
            continue
        for use in hole.uses:
            call = sketch.node_at(use.start_byte, use.end_byte, "call")
            callee = call.child_by_field_name("function")
            spans += [Span.of(callee)] if callee is not None else []
    return spans


# Diagnostics.


def _diagnostics(opened: OpenSketch, facts: SketchFacts) -> list[types.Diagnostic]:
    found = [
        _diagnostic(
            opened.range(use),
            _hole_message(hole, facts.of(hole.name).status),
            types.DiagnosticSeverity.Information,
            "hole",
        )
        for hole in opened.sketch.holes
        for use in hole.uses or (hole.span,)
    ]
    found += _fact_diagnostics(opened, facts)
    return found + [_syntax_diagnostic(opened, problem) for problem in opened.sketch.errors]


def _with_stale(facts: SketchFacts, stale: Mapping[str, str]) -> SketchFacts:
    """The facts with the stale fills the server found itself; a client's own word wins."""
    if not stale:
        return facts
    holes = dict(facts.holes)
    for name, mismatch in stale.items():
        holes[name] = replace(facts.of(name), mismatch=facts.of(name).mismatch or mismatch)
    return replace(facts, holes=holes)


def _hole_message(hole: Hole, status: str) -> str:
    # "unfilled" goes without saying for a hole: only a run's news is worth the space.
    news = f" ({status})" if status != "unfilled" else ""
    return f"Hole `{hole.name}`{news}: {hole.description}"


def _fact_diagnostics(opened: OpenSketch, facts: SketchFacts) -> list[types.Diagnostic]:
    """Examples that failed, on the hole that raised or else on the entry, and stale fills."""
    warning = types.DiagnosticSeverity.Warning
    found = []
    for name, hole_facts in facts.holes.items():
        if (where := _range_of_name(opened, name)) is None:
            continue
        for failed in hole_facts.failed:
            message = f"Example `{failed.call}` failed in `{name}`: {failed.message}"
            found.append(_diagnostic(where, message, warning, "example"))
        if hole_facts.mismatch:
            message = f"The fill of `{name}` no longer matches its examples: {hole_facts.mismatch}"
            found.append(_diagnostic(where, message, warning, "stale"))
    entry = _range_of_name(opened, opened.sketch.entry) if opened.sketch.entry else None
    if entry is not None:
        found += [
            _diagnostic(
                entry, f"Example `{failed.call}` failed: {failed.message}", warning, "example"
            )
            for failed in facts.failed
        ]
    return found


def _range_of_name(opened: OpenSketch, name: str) -> types.Range | None:
    """A hole's first use, or the `def` line of the function of that name (a materialized fill)."""
    hole = opened.hole_named(name)
    if hole is not None and hole.kind == "inline":
        return opened.range(hole.span)
    function = opened.sketch.function(name)
    span = function.span if function is not None else hole.span if hole is not None else None
    if span is None:
        return None
    start = opened.columns.position(span.start_line, span.start_column)
    return types.Range(start=start, end=opened.columns.line_end(span.start_line))


def _diagnostic(
    where: types.Range, message: str, severity: types.DiagnosticSeverity, code: str
) -> types.Diagnostic:
    return types.Diagnostic(
        range=where, message=message, severity=severity, source=_SOURCE, code=code
    )


def _syntax_diagnostic(opened: OpenSketch, problem: Problem) -> types.Diagnostic:
    # Problem columns come from CPython's SyntaxError, which counts characters, not bytes.
    start = opened.columns.position_of_character(problem.line, problem.column)
    end = opened.columns.position_of_character(problem.line, problem.column + 1)
    return _diagnostic(
        types.Range(start=start, end=end),
        problem.message,
        types.DiagnosticSeverity.Error,
        "syntax",
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


def _log_failure(task: asyncio.Future[None]) -> None:
    # Logged as it happens, to the server's log only, rather than when asyncio collects the task.
    if not task.cancelled() and (error := task.exception()) is not None:
        logger.error("Background work of the language server failed", exc_info=error)


def _version() -> str:
    try:
        return metadata.version("inlay")
    except metadata.PackageNotFoundError:
        return "0+unknown"  # running from a checkout that was never installed
