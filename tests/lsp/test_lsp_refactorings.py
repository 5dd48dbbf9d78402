"""The refactorings behind the code actions, straight from the core (no server)."""

from __future__ import annotations

import pytest

from inlay.context.facts import GivenExample, TracedCall
from inlay.sketch import parse_sketch
from lsp import actions

UNCALLED = 'def helper(xs: list[int]) -> int:\n    """Sum it."""\n'


def test_a_function_hole_nobody_calls_cannot_become_inline() -> None:
    sketch = parse_sketch(UNCALLED)

    with pytest.raises(actions.ActionError, match="never called"):
        actions.inline(sketch, sketch.hole("helper"))


def test_an_example_from_a_traced_call_uses_its_values() -> None:
    sketch = parse_sketch(UNCALLED)
    traced = TracedCall(
        args=("list [1, 2, 3]",), result="int 6", literals=("[1, 2, 3]",), result_literal="6"
    )

    text = actions.add_example(sketch, sketch.hole("helper"), "", traced)

    assert text == (
        'def helper(xs: list[int]) -> int:\n    """Sum it.\n\n    >>> helper([1, 2, 3])\n'
        '    6\n    """\n'
    )


def test_an_example_from_a_call_without_literals_names_the_parameters() -> None:
    sketch = parse_sketch(UNCALLED)
    traced = TracedCall(args=("Grid Grid(cells=[])",), result="int 0", literals=None)

    text = actions.add_example(sketch, sketch.hole("helper"), "", traced)

    assert ">>> helper(xs)\n    ...\n" in text


def test_descriptions_with_quotes_survive_extracting_and_inlining() -> None:
    source = "def main(s: str) -> str:\n    return 'say \"hi\" to s'(s)\n"
    sketch = parse_sketch(source)
    hole = sketch.holes[0]

    extracted = actions.extract(sketch, hole, hole.signature())
    back = parse_sketch(extracted)
    inlined = actions.inline(back, back.hole(hole.name))

    assert '    """say "hi" to s"""\n' in extracted
    assert back.hole(hole.name).description == 'say "hi" to s'
    assert 'return "say \\"hi\\" to s"(s)' in inlined
    assert parse_sketch(inlined).holes[0].description == 'say \\"hi\\" to s'


def test_line_edits_touch_only_the_lines_that_changed() -> None:
    old = "a\nb\nc"
    new = "a\nB\nc"

    assert actions.line_edits(old, new) == [actions.LineEdit(1, 2, "B\n")]


GRIDS = '''def turn(grid: list[list[int]]) -> list[list[int]]:
    """Turn it upside down.

    >>> turn([[1]])
    [[1]]

    >>> turn([[1], [2]])
    [[2], [1]]

    >>> turn([])
    []
    """
'''


def test_a_doctest_example_is_rewritten_in_place_and_a_grid_call_continues_with_dots() -> None:
    sketch = parse_sketch(GRIDS)
    grid = GivenExample("[[1, 2],\n [3, 4]]", "[[3, 4],\n\n [1, 2]]")

    text = actions.change_example(sketch, sketch.hole("turn"), 1, grid)

    assert (
        ">>> turn([[1, 2],\n    ...  [3, 4]])\n    [[3, 4],\n     [1, 2]]\n\n    >>> turn([])"
        in text
    )
    examples = parse_sketch(text).hole("turn").examples
    assert [example.args for example in examples] == [([[1]],), ([[1, 2], [3, 4]],), ([],)]
    assert examples[1].output == [[3, 4], [1, 2]]


def test_removing_a_doctest_example_takes_its_blank_line_with_it() -> None:
    sketch = parse_sketch(GRIDS)

    text = actions.change_example(sketch, sketch.hole("turn"), 1)

    assert text == GRIDS.replace("    >>> turn([[1], [2]])\n    [[2], [1]]\n\n", "")
    with pytest.raises(actions.ActionError, match="no doctest example 3"):
        actions.change_example(parse_sketch(text), parse_sketch(text).hole("turn"), 2)
