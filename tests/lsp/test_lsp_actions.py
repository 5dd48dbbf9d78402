"""Code actions on holes, completion, definition, semantic tokens and run facts, over stdio."""

from __future__ import annotations

import asyncio
from textwrap import dedent

from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.stdio import TIMEOUT, apply_edits, hover, open_sketch

SKETCH = dedent(
    '''\
    def main(xs: list[int]) -> list[int]:
        ys = sorted(xs)
        return "reverse the list"(ys)


    def keep_positive(xs: list[int]) -> list[int]:
        """Drop the negative numbers."""


    def run(xs: list[int]) -> list[int]:
        return keep_positive(xs)
    '''
)
EXTRACTED = dedent(
    '''\
    def reverse_the_list(ys: list[int]) -> list[int]:
        """reverse the list"""


    def main(xs: list[int]) -> list[int]:
        ys = sorted(xs)
        return reverse_the_list(ys)


    def keep_positive(xs: list[int]) -> list[int]:
        """Drop the negative numbers."""


    def run(xs: list[int]) -> list[int]:
        return keep_positive(xs)
    '''
)
URI = "file:///actions.py"


async def actions_at(
    client: LanguageClient, line: int, character: int, uri: str = URI
) -> dict[str, types.CodeAction]:
    where = types.Range(start=types.Position(line, character), end=types.Position(line, character))
    params = types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        range=where,
        context=types.CodeActionContext(diagnostics=[]),
    )
    found = await asyncio.wait_for(client.text_document_code_action_async(params), TIMEOUT)
    return {action.title: action for action in found or [] if isinstance(action, types.CodeAction)}


def applied(text: str, action: types.CodeAction, uri: str = URI) -> str:
    assert action.edit is not None and action.edit.changes is not None
    return apply_edits(text, list(action.edit.changes[uri]))


async def test_an_inline_hole_is_extracted_into_a_typed_function_hole(client: LanguageClient):
    await open_sketch(client, URI, SKETCH)

    found = await actions_at(client, 2, 15)

    assert set(found) == {
        "Extract `reverse_the_list` into a function hole",
        "Add an example to `reverse_the_list`",
    }
    action = found["Extract `reverse_the_list` into a function hole"]
    assert action.kind == types.CodeActionKind.RefactorRewrite
    assert applied(SKETCH, action) == EXTRACTED


async def test_a_called_function_hole_is_made_inline_again(client: LanguageClient):
    await open_sketch(client, "file:///extracted.py", EXTRACTED)

    found = await actions_at(client, 0, 6, "file:///extracted.py")

    action = found["Make `reverse_the_list` an inline hole"]
    assert applied(EXTRACTED, action, "file:///extracted.py") == SKETCH


async def test_an_example_goes_into_the_function_holes_docstring(client: LanguageClient):
    await open_sketch(client, URI, SKETCH)

    action = (await actions_at(client, 5, 6))["Add an example to `keep_positive`"]

    assert (
        applied(SKETCH, action)
        .split("def run")[0]
        .endswith(
            dedent(
                '''\
            def keep_positive(xs: list[int]) -> list[int]:
                """Drop the negative numbers.

                >>> keep_positive(xs)
                ...
                """


            '''
            )
        )
    )


async def test_an_example_for_an_inline_hole_extracts_it_first(client: LanguageClient):
    await open_sketch(client, URI, SKETCH)

    action = (await actions_at(client, 2, 15))["Add an example to `reverse_the_list`"]

    assert applied(SKETCH, action).startswith(
        dedent(
            '''\
            def reverse_the_list(ys: list[int]) -> list[int]:
                """reverse the list

                >>> reverse_the_list(ys)
                ...
                """
            '''
        )
    )


async def test_a_function_hole_is_decomposed_into_two_sub_holes(client: LanguageClient):
    await open_sketch(client, URI, SKETCH)

    action = (await actions_at(client, 5, 6))["Decompose `keep_positive` into sub-holes"]

    assert dedent(
        '''\
            def keep_positive(xs: list[int]) -> list[int]:
                """Drop the negative numbers."""
                step_1 = "step 1 of keep_positive"(xs)
                return "step 2 of keep_positive"(step_1)
            '''
    ) in applied(SKETCH, action)


async def test_no_actions_away_from_holes_and_no_fill_without_a_web_app(client: LanguageClient):
    await open_sketch(client, URI, SKETCH)

    assert await actions_at(client, 1, 6) == {}
    assert not any(title.startswith("Fill") for title in await actions_at(client, 5, 6))


async def test_completion_offers_hole_and_helper_names(client: LanguageClient):
    await open_sketch(client, URI, SKETCH)
    params = types.CompletionParams(
        text_document=types.TextDocumentIdentifier(uri=URI), position=types.Position(1, 9)
    )

    answer = await asyncio.wait_for(client.text_document_completion_async(params), TIMEOUT)

    items = answer.items if isinstance(answer, types.CompletionList) else answer or []
    details = {item.label: item.detail for item in items}
    assert details == {
        "reverse_the_list": "hole: def reverse_the_list(ys) -> list[int]:",
        "keep_positive": "hole: def keep_positive(xs: list[int]) -> list[int]:",
        "main": "def main(xs: list[int]) -> list[int]",
        "run": "def run(xs: list[int]) -> list[int]",
    }


async def test_definition_goes_from_a_materialized_name_to_its_hole(client: LanguageClient):
    text = SKETCH + "\n\ndef again(xs: list[int]) -> list[int]:\n    return reverse_the_list(xs)\n"
    await open_sketch(client, URI, text)

    async def definition(line: int, character: int) -> types.Location:
        params = types.DefinitionParams(
            text_document=types.TextDocumentIdentifier(uri=URI),
            position=types.Position(line, character),
        )
        found = await asyncio.wait_for(client.text_document_definition_async(params), TIMEOUT)
        assert isinstance(found, types.Location)
        return found

    inline = await definition(14, 14)
    function = await definition(10, 14)

    assert inline.range.start == types.Position(2, 11)  # the hole's first use
    assert function.range.start == types.Position(5, 0)  # the function hole


async def test_semantic_tokens_mark_each_hole(client: LanguageClient):
    await open_sketch(client, URI, SKETCH)
    params = types.SemanticTokensParams(text_document=types.TextDocumentIdentifier(uri=URI))

    tokens = await asyncio.wait_for(
        client.text_document_semantic_tokens_full_async(params), TIMEOUT
    )

    assert tokens is not None
    # Relative encoding: (line delta, start delta, length, type "function", modifier "hole").
    assert list(tokens.data) == [2, 11, 18, 0, 1, 3, 4, 13, 0, 1]


async def test_facts_of_a_run_become_diagnostics_and_hover(client: LanguageClient):
    await open_sketch(client, URI, SKETCH)
    facts = {
        "run": 7,
        "holes": {
            "reverse_the_list": {
                "status": "failing",
                "failed": [{"call": "main([1, 2])", "message": "expected [2, 1], got [1, 2]"}],
                "traced": [{"args": ["list int (2,)"], "result": None}],
            },
            "run": {"status": "verified", "mismatch": "main([3]) now gives [] instead of [3]"},
        },
        "failed": [{"call": "main([])", "message": "IndexError: list index out of range"}],
    }

    published = client.protocol.wait_for_notification_async(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    document = {"uri": URI}
    client.protocol.notify("inlay/setFacts", {"textDocument": document, "facts": facts})
    diagnostics = (await asyncio.wait_for(published, TIMEOUT)).diagnostics
    shown = await hover(client, URI, 2, 15)

    found = [(d.code, d.range.start.line, d.message) for d in diagnostics if d.severity == 2]
    assert found == [
        (
            "example",
            2,
            "Example `main([1, 2])` failed in `reverse_the_list`: expected [2, 1], got [1, 2]",
        ),
        (
            "stale",
            9,
            "The fill of `run` no longer matches its examples: main([3]) now gives [] instead "
            "of [3]",
        ),
        ("example", 0, "Example `main([])` failed: IndexError: list index out of range"),
    ]
    assert "Hole `reverse_the_list` (failing): reverse the list" in [d.message for d in diagnostics]
    assert shown is not None and isinstance(shown.contents, types.MarkupContent)
    assert "Status: **failing**" in shown.contents.value
    assert "`(list int (2,))`" in shown.contents.value


async def test_extracting_an_inline_hole_writes_the_examples_given_to_it_as_doctests(
    client: LanguageClient,
):
    uri = "file:///given.py"
    await open_sketch(client, uri, SKETCH)
    given = [{"args": "[1, 2]", "output": "[2, 1]"}, {"args": "[]", "output": "[]"}]
    facts = {"holes": {"reverse_the_list": {"status": "unfilled", "given": given}}}
    published = client.protocol.wait_for_notification_async(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    client.protocol.notify("inlay/setFacts", {"textDocument": {"uri": uri}, "facts": facts})
    await asyncio.wait_for(published, TIMEOUT)

    shown = await hover(client, uri, 2, 15)
    action = (await actions_at(client, 2, 15, uri))[
        "Extract `reverse_the_list` into a function hole"
    ]

    assert shown is not None and isinstance(shown.contents, types.MarkupContent)
    assert "- `reverse_the_list([1, 2]) → [2, 1]`" in shown.contents.value
    assert applied(SKETCH, action, uri).startswith(
        dedent(
            '''\
            def reverse_the_list(ys: list[int]) -> list[int]:
                """reverse the list

                >>> reverse_the_list([1, 2])
                [2, 1]

                >>> reverse_the_list([])
                []
                """
            '''
        )
    )
