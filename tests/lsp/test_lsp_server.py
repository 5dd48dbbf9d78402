"""The language server end to end: the real `python -m lsp --stdio` process, driven over LSP."""

from __future__ import annotations

import asyncio
from textwrap import dedent

from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.stdio import TIMEOUT, hole_context, hover, open_sketch, span

SKETCH = dedent(
    '''\
    def main(xs: list[int]) -> list[int]:
        kept = keep_positive(xs)
        return "reverse the list"(kept)


    def keep_positive(xs: list[int]) -> list[int]:
        """Drop the negative numbers."""
    '''
)

BROKEN = dedent(
    """\
    def main(xs: list[int]) -> list[int]:
        ys = [1, 2
        total = 0
        count = 1
        return "reverse the list"(xs)
    """
)

SHAPES = dedent(
    '''\
    from dataclasses import dataclass

    Grid = list[list[int]]


    @dataclass
    class Point:
        x: int
        y: int


    def shout(text: str) -> str:
        return text.upper()


    def count_cells(grid: Grid) -> int:
        """Count the non-zero cells.

        Zero is the background colour.
        """
        return sum(1 for row in grid for cell in row if cell)


    def centre(grid: Grid) -> Point:
        """The centre of the non-zero cells."""
    '''
)


async def test_it_publishes_a_diagnostic_per_hole(client: LanguageClient) -> None:
    diagnostics = await open_sketch(client, "file:///holes.py", SKETCH)

    found = [(d.code, d.source, d.severity, d.message, d.range) for d in diagnostics]
    assert found == [
        (
            "hole",
            "inlay",
            types.DiagnosticSeverity.Information,
            "Hole `reverse_the_list`: reverse the list",
            span(2, 11, 35),
        ),
        (
            "hole",
            "inlay",
            types.DiagnosticSeverity.Information,
            "Hole `keep_positive`: Drop the negative numbers.",
            types.Range(start=types.Position(5, 0), end=types.Position(6, 36)),
        ),
    ]


async def test_it_republishes_after_an_edit_and_clears_on_close(client: LanguageClient) -> None:
    uri = "file:///edited.py"
    await open_sketch(client, uri, SKETCH)

    published = client.protocol.wait_for_notification_async(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    edit = types.TextDocumentContentChangePartial(range=span(1, 11, 24), text='"sort it"')
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[edit],
        )
    )
    params = await asyncio.wait_for(published, TIMEOUT)
    assert params.version == 2
    assert [d.message for d in params.diagnostics][:2] == [
        "Hole `sort_it`: sort it",
        "Hole `reverse_the_list`: reverse the list",
    ]

    cleared = client.protocol.wait_for_notification_async(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    document = types.TextDocumentIdentifier(uri=uri)
    client.text_document_did_close(types.DidCloseTextDocumentParams(text_document=document))
    assert list((await asyncio.wait_for(cleared, TIMEOUT)).diagnostics) == []


async def test_hover_on_an_inline_hole_shows_its_context(client: LanguageClient) -> None:
    await open_sketch(client, "file:///hover.py", SKETCH)

    result = await hover(client, "file:///hover.py", 2, 16)

    assert result is not None
    assert isinstance(result.contents, types.MarkupContent)
    assert result.contents.kind == types.MarkupKind.Markdown
    assert "**Hole** `reverse_the_list`" in result.contents.value
    assert "reverse the list" in result.contents.value
    assert "Expected type: `list[int]`" in result.contents.value
    assert result.range == span(2, 11, 35)


async def test_hover_on_a_function_hole_shows_its_docstring(client: LanguageClient) -> None:
    await open_sketch(client, "file:///hover-def.py", SKETCH)

    result = await hover(client, "file:///hover-def.py", 5, 6)

    assert result is not None
    assert isinstance(result.contents, types.MarkupContent)
    assert "Drop the negative numbers." in result.contents.value


async def test_hover_on_a_function_hole_lists_its_own_examples(client: LanguageClient) -> None:
    text = SKETCH.replace(
        '"""Drop the negative numbers."""',
        '"""Drop the negative numbers.\n\n    >>> keep_positive([1, -2, 3])\n    [1, 3]\n    """',
    )
    await open_sketch(client, "file:///hover-examples.py", text)

    result = await hover(client, "file:///hover-examples.py", 5, 6)

    assert result is not None and isinstance(result.contents, types.MarkupContent)
    assert "Its examples:\n\n- `keep_positive([1, -2, 3])` → `[1, 3]`" in result.contents.value


async def test_hover_away_from_holes_is_empty(client: LanguageClient) -> None:
    await open_sketch(client, "file:///plain.py", SKETCH)

    assert await hover(client, "file:///plain.py", 1, 5) is None


async def test_hover_survives_a_syntax_error_above_the_hole(client: LanguageClient) -> None:
    diagnostics = await open_sketch(client, "file:///broken.py", BROKEN)

    errors = [d for d in diagnostics if d.code == "syntax"]
    assert len(errors) == 1
    assert errors[0].severity == types.DiagnosticSeverity.Error
    assert errors[0].source == "inlay"
    assert errors[0].range.start == types.Position(1, 9)
    assert "never closed" in errors[0].message

    result = await hover(client, "file:///broken.py", 4, 16)
    assert result is not None
    assert isinstance(result.contents, types.MarkupContent)
    assert "reverse the list" in result.contents.value
    assert "Expected type: `list[int]`" in result.contents.value


async def test_hole_context_has_relevant_types_and_headers(client: LanguageClient) -> None:
    await open_sketch(client, "file:///shapes.py", SHAPES)
    document = {"uri": "file:///shapes.py"}

    by_name = await hole_context(client, {"textDocument": document, "hole": "centre"})
    at_cursor = await hole_context(
        client, {"textDocument": document, "position": {"line": 24, "character": 6}}
    )

    assert by_name == at_cursor
    assert by_name["name"] == "centre"
    assert by_name["kind"] == "function"
    assert by_name["signature"] == "def centre(grid: Grid) -> Point:"
    assert by_name["expected_type"] == "Point"
    assert by_name["params"] == [{"name": "grid", "type": "Grid", "source": "annotation"}]
    assert by_name["relevant_types"] == [
        "Grid = list[list[int]]",
        "@dataclass\nclass Point:\n    x: int\n    y: int",
    ]
    assert by_name["relevant_headers"] == [
        'def count_cells(grid: Grid) -> int:\n    """Count the non-zero cells."""',
        "def shout(text: str) -> str: ...",
    ]


async def test_hole_context_is_null_away_from_holes(client: LanguageClient) -> None:
    await open_sketch(client, "file:///shapes-2.py", SHAPES)
    document = {"uri": "file:///shapes-2.py"}

    assert await hole_context(client, {"textDocument": document, "hole": "nope"}) is None
    position = {"line": 2, "character": 1}
    assert await hole_context(client, {"textDocument": document, "position": position}) is None
    unopened = {"textDocument": {"uri": "file:///never-opened.py"}, "hole": "centre"}
    assert await hole_context(client, unopened) is None


async def test_document_symbols_list_holes_and_functions(client: LanguageClient) -> None:
    await open_sketch(client, "file:///symbols.py", SKETCH)

    params = types.DocumentSymbolParams(
        text_document=types.TextDocumentIdentifier(uri="file:///symbols.py")
    )
    symbols = await asyncio.wait_for(client.text_document_document_symbol_async(params), TIMEOUT)

    assert symbols is not None
    found = [(s.name, s.detail, s.kind) for s in symbols if isinstance(s, types.DocumentSymbol)]
    assert found == [
        ("main", "(xs: list[int]) -> list[int]", types.SymbolKind.Function),
        ("reverse_the_list", "hole", types.SymbolKind.Function),
        ("keep_positive", "hole", types.SymbolKind.Function),
    ]


async def test_positions_count_utf16_units_past_non_ascii_text(client: LanguageClient) -> None:
    line = '    return ["🙂é" + x for x in "reverse the list"(xs)]'
    text = f"def main(xs: list[str]) -> list[str]:\n{line}\n"
    # The editor counts UTF-16 units: the emoji is two of them (and four bytes, one character).
    start = len(line[: line.index('"reverse')].encode("utf-16-le")) // 2
    end = start + len('"reverse the list"(xs)')

    diagnostics = await open_sketch(client, "file:///emoji.py", text)
    result = await hover(client, "file:///emoji.py", 1, start + 1)

    assert [d.range for d in diagnostics] == [span(1, start, end)]
    assert result is not None
    assert result.range == span(1, start, end)


async def test_positions_count_bytes_for_a_utf8_client(utf8_client: LanguageClient) -> None:
    line = '    return ["🙂é" + x for x in "reverse the list"(xs)]'
    text = f"def main(xs: list[str]) -> list[str]:\n{line}\n"
    start = len(line[: line.index('"reverse')].encode("utf-8"))
    end = start + len('"reverse the list"(xs)')

    diagnostics = await open_sketch(utf8_client, "file:///emoji.py", text)

    assert [d.range for d in diagnostics] == [span(1, start, end)]


async def test_edits_typed_one_character_at_a_time_read_as_a_fresh_parse(client: LanguageClient):
    uri = "file:///typed.py"
    await open_sketch(client, uri, SKETCH)
    text = SKETCH
    # Type ` now` into the description, then a new line with a second hole.
    typing = [(2, 28, " "), (2, 29, "n"), (2, 30, "o"), (2, 31, "w")]
    typing += [(6, 36, '\n\nx = "another hole"(1)')]
    for version, (line, character, inserted) in enumerate(typing, start=2):
        published = client.protocol.wait_for_notification_async(
            types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS
        )
        change = types.TextDocumentContentChangePartial(
            range=span(line, character, character), text=inserted
        )
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[change],
            )
        )
        lines = text.split("\n")
        lines[line] = lines[line][:character] + inserted + lines[line][character:]
        text = "\n".join(lines)
        edited = (await asyncio.wait_for(published, TIMEOUT)).diagnostics

    fresh = await open_sketch(client, "file:///fresh.py", text)
    assert list(edited) == fresh
    assert [d.message for d in edited] == [
        "Hole `reverse_the_list_now`: reverse the list now",
        "Hole `keep_positive`: Drop the negative numbers.",
        "Hole `another_hole`: another hole",
    ]


COMMENTED_OUT = "def main(xs: list[int]) -> list[int]:\n    return xs\n" + "    # old\n" * 2_500


async def test_a_text_inlay_will_not_read_gets_the_reason_and_nothing_else(
    client: LanguageClient,
) -> None:
    uri = "file:///commented.py"
    diagnostics = await open_sketch(client, uri, COMMENTED_OUT + '    "sort it"(xs)\n')

    assert [(d.code, d.severity, d.range.start.line) for d in diagnostics] == [
        ("limit", types.DiagnosticSeverity.Error, 0)
    ]
    assert diagnostics[0].message.startswith(
        "Lines 3-2,502 hold 2,500 comment lines with no code between them; Inlay reads at most "
        "2,000 in a row"
    )
    assert await hover(client, uri, 2_502, 6) is None  # on the hole: nothing was read

    # Cut back, the sketch is read again: its hole is back.
    published = client.protocol.wait_for_notification_async(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=SKETCH)],
        )
    )
    params = await asyncio.wait_for(published, TIMEOUT)
    assert "Hole `reverse_the_list`: reverse the list" in [d.message for d in params.diagnostics]
