"""The ChatLSP requests over stdio: expected type, relevant types, relevant headers, and the
whole context in one `inlay/holeContext`, on hand-written and DARC sketches."""

from __future__ import annotations

import ast
import asyncio
from textwrap import dedent
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from inlay.sketch import Hole, Span, parse_sketch
from tests.darc import darc_sketch
from tests.lsp.stdio import TIMEOUT, at, hole_context, hover, open_sketch, request

TYPED = dedent(
    '''\
    from dataclasses import dataclass
    from typing import NamedTuple

    Colour = int
    Grid = list[list[Colour]]


    @dataclass
    class Point:
        row: int
        col: int


    class Box(NamedTuple):
        top_left: Point
        bottom_right: Point


    Boxes = list[Box]


    def bounding_box(grid: Grid, colour: Colour) -> Box:
        """The smallest box holding every cell of that colour."""


    def area(box: Box) -> int:
        return (box.bottom_right.row - box.top_left.row) * (box.bottom_right.col - box.top_left.col)


    def shout(text: str) -> str:
        return text.upper()


    def main(grid: Grid) -> Boxes:
        colours = sorted({cell for row in grid for cell in row})
        boxes = [bounding_box(grid, colour) for colour in colours]
        return "keep the boxes larger than one cell"(boxes)
    '''
)


def position_of(text: str, needle: str) -> tuple[int, int]:
    """Line and column (ASCII text) of the first occurrence of `needle`, plus one character."""
    before = text[: text.index(needle)]
    return before.count("\n"), len(before.rsplit("\n", 1)[-1]) + 1


TYPED_HOLE = at("file:///typed.py", *position_of(TYPED, '"keep the boxes'))


async def test_expected_type_comes_from_the_return_annotation(client: LanguageClient) -> None:
    await open_sketch(client, "file:///typed.py", TYPED)

    answer = await request(client, "textDocument/expectedType", TYPED_HOLE)

    assert answer == {
        "hole": "keep_the_boxes_larger_than_one",
        "expected_type": "Boxes",
        "source": "annotation",
        "signature": "def keep_the_boxes_larger_than_one(boxes: list[Box]) -> Boxes:",
    }


async def test_relevant_types_follow_aliases_dataclasses_and_named_tuples(
    client: LanguageClient,
) -> None:
    await open_sketch(client, "file:///typed.py", TYPED)

    answer = await request(client, "textDocument/relevantTypes", TYPED_HOLE)

    assert answer["types"] == [
        "@dataclass\nclass Point:\n    row: int\n    col: int",
        "class Box(NamedTuple):\n    top_left: Point\n    bottom_right: Point",
        "Boxes = list[Box]",
    ]


async def test_relevant_headers_rank_the_functions_on_the_holes_types_first(
    client: LanguageClient,
) -> None:
    await open_sketch(client, "file:///typed.py", TYPED)

    answer = await request(client, "textDocument/relevantHeaders", TYPED_HOLE)

    assert answer["headers"] == [
        "def bounding_box(grid: Grid, colour: Colour) -> Box:\n"
        '    """The smallest box holding every cell of that colour."""',
        "def area(box: Box) -> int: ...",
        "def shout(text: str) -> str: ...",
    ]


async def test_a_function_holes_context_covers_its_signature(client: LanguageClient) -> None:
    await open_sketch(client, "file:///typed.py", TYPED)
    line, column = position_of(TYPED, "def bounding_box")

    expected = await request(client, "textDocument/expectedType", at("file:///typed.py", line, 5))
    kinds = await request(client, "textDocument/relevantTypes", at("file:///typed.py", line, 5))

    assert expected["expected_type"] == "Box"
    assert kinds["types"] == [
        "Colour = int",
        "Grid = list[list[Colour]]",
        "@dataclass\nclass Point:\n    row: int\n    col: int",
        "class Box(NamedTuple):\n    top_left: Point\n    bottom_right: Point",
    ]


async def test_hole_context_gathers_what_the_three_requests_answer(
    client: LanguageClient,
) -> None:
    await open_sketch(client, "file:///typed.py", TYPED)

    context = await hole_context(client, TYPED_HOLE)
    expected = await request(client, "textDocument/expectedType", TYPED_HOLE)
    kinds = await request(client, "textDocument/relevantTypes", TYPED_HOLE)
    headers = await request(client, "textDocument/relevantHeaders", TYPED_HOLE)

    assert context["expected_type"] == expected["expected_type"]
    assert context["signature"] == expected["signature"]
    assert context["relevant_types"] == kinds["types"]
    assert context["relevant_headers"] == headers["headers"]
    assert context["status"] == "unfilled"


async def test_jedi_types_the_variable_passed_to_an_inline_hole(client: LanguageClient) -> None:
    text = dedent(
        """\
        def main(xs: list[int]) -> int:
            ys = sorted(xs)
            return "the middle value"(ys)
        """
    )
    await open_sketch(client, "file:///sorted.py", text)

    context = await hole_context(client, at("file:///sorted.py", 2, 15))

    assert context["params"] == [{"name": "ys", "type": "list[int]", "source": "inferred"}]
    assert context["signature"] == "def the_middle_value(ys: list[int]) -> int:"


async def test_a_hole_assigned_to_the_returned_name_expects_the_return_type(
    client: LanguageClient,
) -> None:
    text = dedent(
        """\
        def main(words: list[str]) -> dict[str, int]:
            counts = "count each word"(words)
            return counts
        """
    )
    await open_sketch(client, "file:///counts.py", text)

    answer = await request(client, "textDocument/expectedType", at("file:///counts.py", 1, 15))

    assert answer["expected_type"] == "dict[str, int]"
    assert answer["source"] == "inferred"


async def test_headers_from_an_imported_module_follow_the_sketchs_own(
    client: LanguageClient,
) -> None:
    text = dedent(
        """\
        import math


        def norm(x: float, y: float) -> float:
            return math.sqrt(x * x + y * y)


        def main(points: list[tuple[float, float]]) -> float:
            return "the largest distance between two points"(points)
        """
    )
    await open_sketch(client, "file:///math.py", text)

    answer = await request(client, "textDocument/relevantHeaders", at("file:///math.py", 8, 15))

    headers = answer["headers"]
    assert headers[0] == "def norm(x: float, y: float) -> float: ..."
    from_math = [header for header in headers[1:] if header.startswith("def math.")]
    assert from_math == headers[1:]
    assert 1 <= len(from_math) <= 8
    assert all("float" in header for header in from_math)
    # Of the functions that fit as well, the one the sketch already calls comes first.
    only_float = [header for header in from_math if "tuple" not in header]
    assert only_float[0] == "def math.sqrt(x: _SupportsFloatOrIndex, /) -> float"


async def test_hover_expected_type_and_context_survive_an_unclosed_bracket(
    client: LanguageClient,
) -> None:
    text = dedent(
        """\
        def main(xs: list[int]) -> list[int]:
            ys = sorted(xs)
            zs = [1, 2
            total = 0
            count = 1
            return "reverse the list"(ys)
        """
    )
    await open_sketch(client, "file:///unclosed.py", text)
    hole = at("file:///unclosed.py", 5, 16)

    shown = await hover(client, "file:///unclosed.py", 5, 16)
    expected = await request(client, "textDocument/expectedType", hole)
    context = await hole_context(client, hole)

    assert shown is not None
    assert isinstance(shown.contents, types.MarkupContent)
    assert "reverse the list" in shown.contents.value
    assert expected["expected_type"] == "list[int]"
    assert context["name"] == "reverse_the_list"
    assert context["expected_type"] == "list[int]"


UNTYPED = 'def main(grid, colour):\n    return "count the cells of that colour"(grid, colour)\n'
OBSERVED = {
    "holes": {
        "count_the_cells_of_that_colour": {
            "status": "verified",
            "observed": {"args": ["list[list[int]]", "int"], "returns": "int", "calls": 3},
        }
    }
}


async def test_types_observed_in_the_last_trace_stand_in_where_nothing_is_written(
    client: LanguageClient,
) -> None:
    await open_sketch(client, "file:///untyped.py", UNTYPED)
    hole = at("file:///untyped.py", 1, 16)
    before = await request(client, "textDocument/expectedType", hole)

    await set_facts(client, "file:///untyped.py", OBSERVED)
    expected = await request(client, "textDocument/expectedType", hole)
    context = await hole_context(client, hole)
    shown = await hover(client, "file:///untyped.py", 1, 16)

    assert before["expected_type"] is None and before["source"] is None
    assert expected["expected_type"] == "int" and expected["source"] == "observed"
    assert context["params"] == [
        {"name": "grid", "type": "list[list[int]]", "source": "observed"},
        {"name": "colour", "type": "int", "source": "observed"},
    ]
    assert context["signature"] == (
        "def count_the_cells_of_that_colour(grid: list[list[int]], colour: int) -> int:"
    )
    assert shown is not None and isinstance(shown.contents, types.MarkupContent)
    assert "Expected type: `int` (observed in the last traced run)" in shown.contents.value


async def test_a_written_annotation_wins_over_an_observed_type(client: LanguageClient) -> None:
    text = UNTYPED.replace("def main(grid, colour):", "def main(grid, colour: int) -> float:")
    await open_sketch(client, "file:///annotated.py", text)
    await set_facts(client, "file:///annotated.py", OBSERVED)

    context = await hole_context(client, at("file:///annotated.py", 1, 16))

    assert context["expected_type"] == "float" and context["expected_type_source"] == "annotation"
    assert context["params"][0] == {"name": "grid", "type": "list[list[int]]", "source": "observed"}
    assert context["params"][1]["source"] != "observed"


async def set_facts(client: LanguageClient, uri: str, facts: dict[str, Any]) -> None:
    """Send a run's facts and wait for the diagnostics they cause: the server has them then."""
    published = client.protocol.wait_for_notification_async(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    client.protocol.notify("inlay/setFacts", {"textDocument": {"uri": uri}, "facts": facts})
    await asyncio.wait_for(published, TIMEOUT)


def uses_inside(hole: Hole, span: Span) -> bool:
    return any(span.start_byte <= use.start_byte < span.end_byte for use in hole.uses)


def callers(text: str, names: set[str]) -> set[str]:
    """`names` and the top-level functions that reach one of them, read with CPython's `ast`."""
    calls = {
        node.name: {
            call.func.id
            for call in ast.walk(node)
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
        }
        for node in ast.parse(text).body
        if isinstance(node, ast.FunctionDef)
    }
    found = set(names)
    while grown := {name for name, called in calls.items() if called & found} - found:
        found |= grown
    return found


# DARC: human-written ANPL sketches (numpy grids, holes chained through variables).

DARC_TASKS = ["0", "10", "101", "105", "108", "111", "112"]


@pytest.mark.parametrize("task", DARC_TASKS)
async def test_every_darc_hole_gets_a_consistent_context(client: LanguageClient, task: str):
    text = darc_sketch(task)
    uri = f"file:///darc/{task}.py"
    await open_sketch(client, uri, text)
    sketch = parse_sketch(text)

    for hole in sketch.holes:
        where = at(uri, hole.span.start_line, hole.span.start_column + 1)
        context = await hole_context(client, where)
        expected = await request(client, "textDocument/expectedType", where)
        headers = await request(client, "textDocument/relevantHeaders", where)

        assert context["name"] == expected["hole"] == headers["hole"] == hole.name
        assert context["expected_type"] == expected["expected_type"]
        assert context["relevant_headers"] == headers["headers"]
        # Every other function is offered, but for those a fill calling them would recurse
        # through: the hole itself, those it is used in, and every function calling one of them.
        around = {
            function.name
            for function in sketch.functions
            if function.name == hole.name or uses_inside(hole, function.span)
        }
        offered = {header.split("(")[0].removeprefix("def ") for header in headers["headers"]}
        assert offered == {function.name for function in sketch.functions} - callers(text, around)


async def test_darc_holes_chained_through_the_returned_grid_are_typed(client: LanguageClient):
    # Task 105 builds `output_grid` hole by hole, and `main` returns it as an np.ndarray.
    text = darc_sketch("105")
    await open_sketch(client, "file:///darc/105.py", text)
    line, column = position_of(text, '"put the input_grid at the top-left')

    context = await hole_context(client, at("file:///darc/105.py", line, column))

    assert context["expected_type"] == "np.ndarray"
    assert context["expected_type_source"] == "inferred"
    assert context["params"] == [
        {"name": "input_grid", "type": "np.ndarray", "source": "annotation"},
        {"name": "output_grid", "type": "np.ndarray", "source": "inferred"},
    ]


async def test_darc_headers_put_the_function_that_fits_first(client: LanguageClient):
    # In task 101 the hole takes the grid and one of `find_black_squares`'s results.
    text = darc_sketch("101")
    await open_sketch(client, "file:///darc/101.py", text)
    line, column = position_of(text, '"color the square red')

    context = await hole_context(client, at("file:///darc/101.py", line, column))

    assert context["params"][1] == {
        "name": "square",
        "type": "tuple[int, int, int]",
        "source": "inferred",
    }
    assert context["relevant_headers"][0].startswith("def find_black_squares(grid: np.ndarray)")
