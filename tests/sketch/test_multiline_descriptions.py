"""Descriptions written across lines, as some DARC sketches do: invalid Python, still holes."""

import ast

from inlay.sketch import parse_sketch
from inlay.sketch.fill import apply_fills
from tests.darc import darc_sketch
from tests.sandboxed import call_main

SKETCH = """def main(grid: list[int]) -> list[int]:
    kept: list[int] = "keep the cells
      that are not zero"(grid)
    return 'sort them,
  biggest first'(kept)
"""


def _text(source, span):
    return source.encode()[span.start_byte : span.end_byte].decode()


def test_a_description_across_lines_is_one_hole_with_its_whitespace_normalised():
    sketch = parse_sketch(SKETCH)

    assert [(h.name, h.description) for h in sketch.holes] == [
        ("keep_the_cells_that_are_not", "keep the cells that are not zero"),
        ("sort_them_biggest_first", "sort them, biggest first"),
    ]
    assert sketch.errors == ()


def test_its_span_is_exact():
    keep = parse_sketch(SKETCH).hole("keep_the_cells_that_are_not")

    assert _text(SKETCH, keep.span) == '"keep the cells\n      that are not zero"(grid)'
    span = keep.span
    assert (span.start_line, span.start_column, span.end_line, span.end_column) == (1, 22, 2, 30)


def test_it_takes_types_from_the_code_around_it_like_any_hole():
    sketch = parse_sketch(SKETCH)

    assert sketch.hole("keep_the_cells_that_are_not").expected_type == "list[int]"
    sort = sketch.hole("sort_them_biggest_first")
    assert sort.expected_type == "list[int]"
    assert [(p.name, p.annotation) for p in sort.params] == [("kept", None)]


def test_positions_after_it_stay_right():
    sketch = parse_sketch(SKETCH)

    assert sketch.hole("sort_them_biggest_first").span.start_line == 3
    assert sketch.hole_at(4, 5) is sketch.hole("sort_them_biggest_first")


def test_filling_it_gives_valid_python():
    sketch = parse_sketch(SKETCH)

    filled = apply_fills(
        sketch,
        {
            "keep_the_cells_that_are_not": "def f(grid):\n    return [c for c in grid if c]\n",
            "sort_them_biggest_first": "def f(kept):\n    return sorted(kept, reverse=True)\n",
        },
    )

    assert call_main(filled, [0, 2, 0, 3, 1]) == [3, 2, 1]


def test_an_unterminated_string_that_is_no_call_stays_an_error():
    sketch = parse_sketch('def main(x):\n    y = "oops\n    return "rev"(x)\n')

    assert [h.description for h in sketch.holes] == ["rev"]
    assert (
        sketch.errors[0].message == "Syntax error: unterminated string literal (detected at line 2)"
    )
    assert (sketch.errors[0].line, sketch.errors[0].column) == (1, 8)


def test_a_quote_that_opens_a_string_on_its_line_closes_no_description():
    # `"(1, 2)"` starts a string: the one left open above is a plain syntax error.
    sketch = parse_sketch('def main():\n    x = "abc\n    y = "(1, 2)"\n    return "rev"(y)\n')

    assert [h.description for h in sketch.holes] == ["rev"]
    assert (sketch.errors[0].line, sketch.errors[0].column) == (1, 8)


def test_a_syntax_error_elsewhere_keeps_its_own_position():
    sketch = parse_sketch(SKETCH + "value = [1, 2\n")

    assert len(sketch.holes) == 2
    assert (sketch.errors[0].line, sketch.errors[0].column) == (5, 8)


def test_darc_143_has_a_description_of_eight_lines():
    source = darc_sketch("143")
    sketch = parse_sketch(source)

    assert sketch.errors == ()
    last = sketch.holes[-1]
    assert last.description.startswith(
        "This function replaces any green pixel in the output grid with black if there is"
    )
    assert last.description.endswith(
        "Returns: A numpy array representing the final modified input grid."
    )
    assert (last.span.start_line, last.span.end_line) == (8, 15)
    assert _text(source, last.span).endswith('input grid."(input_grid, output_grid)')
    assert [p.name for p in last.params] == ["input_grid", "output_grid"]


def test_darc_177_has_one_as_an_if_condition():
    source = darc_sketch("177")
    sketch = parse_sketch(source)

    assert sketch.errors == ()
    check = sketch.holes[-1]
    assert check.description == (
        "Check if a given row has only one color. Args: row: A numpy array representing a row in "
        "the input grid. Returns: A boolean value indicating whether the row has only one color "
        "or not."
    )
    assert [p.name for p in check.params] == ["arg0"]
    fills = {hole.name: f"def {hole.name}(*args):\n    return args[0]\n" for hole in sketch.holes}
    ast.parse(apply_fills(sketch, fills))
