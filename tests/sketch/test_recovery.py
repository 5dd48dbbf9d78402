"""A sketch with a syntax error still yields the holes the error does not touch."""

from inlay.context.hole_context import hole_context
from inlay.sketch import parse_sketch, syntax

SWALLOWED = '''x = (1,


def reverse_list(xs: list[int]) -> list[int]:
    """Doc."""


def main(xs):
    return "reverse the list"(xs)
'''

BROKEN_BODY = """def main(xs: list[int]) -> list[int]:
    ys = [1, 2,
    zz = 3
    return "reverse the list"(xs)
"""

UNCLOSED_ABOVE = '''Grid = list[list[int]]


def count(grid: Grid) -> int:
    """Count the non-zero cells."""


def main(grid: Grid) -> Grid:
    rows = [len(row) for row in grid
    total = 0
    more = 1
    flipped: Grid = "flip the grid upside down"(grid)
    return flipped


def shout(text: str) -> str:
    return text.upper()
'''


def _uses(sketch):
    return [(hole.name, use.start_byte) for hole in sketch.holes for use in hole.uses]


def test_a_function_hole_swallowed_into_an_error_is_recovered():
    sketch = parse_sketch(SWALLOWED)

    assert [(h.name, h.kind) for h in sketch.holes] == [
        ("reverse_list", "function"),
        ("reverse_the_list", "inline"),
    ]
    assert sketch.hole("reverse_list").description == "Doc."
    assert sketch.hole("reverse_list").signature() == (
        "def reverse_list(xs: list[int]) -> list[int]:"
    )
    assert sketch.errors[0].line == 0
    assert "never closed" in sketch.errors[0].message


def test_a_hole_seen_by_both_parses_is_reported_once():
    sketch = parse_sketch(SWALLOWED)

    assert _uses(sketch) == [("reverse_the_list", SWALLOWED.index('"reverse the list"'))]


def test_recovered_definitions_are_among_the_statements():
    sketch = parse_sketch(SWALLOWED)

    kinds = [statement.type for statement in sketch.statements]
    assert kinds.count("function_definition") == 2
    assert [f.name for f in sketch.functions] == ["reverse_list", "main"]
    assert sketch.entry == "main"


def test_node_at_finds_a_recovered_holes_own_node():
    sketch = parse_sketch(SWALLOWED)
    span = sketch.hole("reverse_list").span

    definition = sketch.node_at(span.start_byte, span.end_byte, "function_definition")

    assert (definition.start_byte, definition.end_byte) == (span.start_byte, span.end_byte)
    assert syntax.text(definition.child_by_field_name("name")) == "reverse_list"


def test_a_def_whose_body_is_broken_is_not_a_function_hole():
    sketch = parse_sketch(BROKEN_BODY)

    assert [h.name for h in sketch.holes] == ["reverse_the_list"]
    assert [f.name for f in sketch.functions] == ["main"]
    assert sketch.errors[0].line == 1


def test_a_docstring_followed_by_a_broken_statement_is_not_a_function_hole():
    sketch = parse_sketch('def f(x):\n    """Doc."""\n    y = [1, 2\n    return y\n')

    assert sketch.holes == ()


def test_hole_context_answers_with_an_unclosed_bracket_three_lines_above_the_hole():
    sketch = parse_sketch(UNCLOSED_ABOVE)
    line = 11
    column = UNCLOSED_ABOVE.splitlines()[line].index('"flip') + 3

    hole = sketch.hole_at(line, column)
    assert hole is not None
    assert hole.name == "flip_the_grid_upside_down"
    assert hole.expected_type == "Grid"
    context = hole_context(sketch, hole)
    assert context.params[0].annotation == "Grid"
    assert context.relevant_types == ("Grid = list[list[int]]",)
    assert sketch.errors[0].line == 8


def test_functions_after_the_error_are_still_read():
    sketch = parse_sketch(UNCLOSED_ABOVE)

    assert [h.name for h in sketch.holes] == ["count", "flip_the_grid_upside_down"]
    assert [f.name for f in sketch.functions] == ["count", "main", "shout"]
    definitions = [s for s in sketch.statements if s.type == "function_definition"]
    assert [syntax.text(d.child_by_field_name("name")) for d in definitions] == [
        "count",
        "main",
        "shout",
    ]


def test_a_decorated_function_after_an_error_stays_whole():
    source = 'x = [1,\n\n@staticmethod\ndef f(x: int) -> int:\n    """Doc."""\n'

    sketch = parse_sketch(source)

    assert [h.name for h in sketch.holes] == ["f"]
    assert [s.type for s in sketch.statements][-1] == "decorated_definition"


def test_an_unterminated_docstring_hides_everything_after_it():
    # Python reads the rest of the file as the string: there is nothing left to recover.
    sketch = parse_sketch('def f(x):\n    """Doc.\n\ndef g(x):\n    return "rev"(x)\n')

    assert sketch.holes == ()
    assert sketch.errors
