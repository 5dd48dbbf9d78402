"""Stale fills over stdio: a function a run filled that no longer passes its own examples."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from lsprotocol import types
from pytest_lsp import LanguageClient

from inlay.run.stale import fills_to_check, stale_fills
from inlay.sketch import parse_sketch
from tests.lsp.stdio import TIMEOUT, open_sketch

URI = "file:///accepted.py"
ACCEPTED = '''def reverse_list(xs: list[int]) -> list[int]:
    """Reverse it.

    >>> reverse_list([1, 2])
    [2, 1]
    """
    return xs[::-1]


def main(xs: list[int]) -> list[int]:
    return reverse_list(xs)
'''
CHANGED_EXAMPLE = ACCEPTED.replace("    [2, 1]\n", "    [1, 2]\n")
VERIFIED = {"holes": {"reverse_list": {"status": "verified"}}}


def test_only_filled_functions_with_examples_of_their_own_are_checked() -> None:
    sketch = parse_sketch(ACCEPTED)

    assert fills_to_check(sketch, {"reverse_list": "verified", "main": "verified"}) == [
        "reverse_list"
    ]  # main has no examples of its own
    assert fills_to_check(sketch, {"reverse_list": "failing"}) == []  # it never passed
    unfilled = parse_sketch(ACCEPTED.replace("return xs[::-1]", ""))
    assert fills_to_check(unfilled, {"reverse_list": "verified"}) == []  # a hole again


def test_a_fill_that_fails_its_changed_example_is_stale() -> None:
    assert stale_fills(parse_sketch(ACCEPTED), ["reverse_list"]) == {}
    assert stale_fills(parse_sketch(CHANGED_EXAMPLE), ["reverse_list"]) == {
        "reverse_list": "`reverse_list([1, 2])` gives [2, 1], expected [1, 2]"
    }


async def test_the_server_warns_while_a_fill_disagrees_with_its_examples(
    client: LanguageClient,
) -> None:
    await open_sketch(client, URI, ACCEPTED)
    published = client.protocol.wait_for_notification_async(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    client.protocol.notify("inlay/setFacts", {"textDocument": {"uri": URI}, "facts": VERIFIED})
    await asyncio.wait_for(published, TIMEOUT)

    change(client, CHANGED_EXAMPLE, version=2)
    stale = await diagnostics_where(client, lambda found: bool(stale_of(found)))
    change(client, ACCEPTED, version=3)
    fixed = await diagnostics_where(client, lambda found: not stale_of(found))

    assert [(d.range.start.line, d.message) for d in stale_of(stale)] == [
        (
            0,
            "The fill of `reverse_list` no longer matches its examples: "
            "`reverse_list([1, 2])` gives [2, 1], expected [1, 2]",
        )
    ]
    assert not stale_of(fixed)


def stale_of(diagnostics: list[types.Diagnostic]) -> list[types.Diagnostic]:
    return [d for d in diagnostics if d.code == "stale"]


def change(client: LanguageClient, text: str, version: int) -> None:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=URI, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


async def diagnostics_where(
    client: LanguageClient, wanted: Callable[[list[types.Diagnostic]], bool]
) -> list[types.Diagnostic]:
    """The document's diagnostics once a publication satisfies `wanted` (the check of fills runs
    in the background after a pause, so it is a later publication than the edit's own)."""

    async def poll() -> list[types.Diagnostic]:
        while not wanted(found := list(client.diagnostics.get(URI, []))):
            await asyncio.sleep(0.05)
        return found

    return await asyncio.wait_for(poll(), TIMEOUT)
