"""Materializing: a sketch becomes plain Python, holes filled from a fills file or raising."""

import ast
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inlay.sketch import parse_sketch
from inlay.sketch.materialize import MaterializeError, materialize, read_fills
from tests.darc import darc_files
from tests.sandboxed import call_main, main_error

SKETCH = '''def reverse_list(xs: list[int]) -> list[int]:
    """Return the items of xs in reverse order."""


def total(xs):
    return sum(xs)


def main(xs: list[int]) -> int:
    kept = "keep the positive items"(xs)
    return total(reverse_list(kept))
'''


def test_an_unfilled_sketch_becomes_a_program_whose_holes_raise():
    program = materialize(parse_sketch(SKETCH))
    assert parse_sketch(program).holes == ()
    assert "def keep_the_positive_items(xs):" in program
    assert program.index("def keep_the_positive_items") < program.index("def main")
    error = main_error(program, [1])
    assert error.startswith("NotImplementedError") and "keep_the_positive_items" in error


def test_a_fills_file_fills_holes_by_name_and_brings_its_support():
    fills = """import math

LIMIT = 0


def keep_the_positive_items(xs):
    return [x for x in xs if x > LIMIT]


def reverse_list(xs):
    return xs[::-1]


def total(xs):
    raise AssertionError("the sketch's own total wins")
"""
    sketch = parse_sketch(SKETCH)
    program = materialize(sketch, read_fills(sketch, fills))
    assert program.startswith("import math\nLIMIT = 0\n")
    assert 'def reverse_list(xs: list[int]) -> list[int]:\n    """Return the items' in program
    assert "AssertionError" not in program
    assert call_main(program, [3, -1, 4]) == 7


def test_a_fill_with_holes_of_its_own_is_filled_in_turn():
    fills = """def keep_the_positive_items(xs):
    return [x for x in xs if "is the item positive"(x)]


def is_the_item_positive(x):
    return x > 0


def reverse_list(xs):
    return list(reversed(xs))
"""
    sketch = parse_sketch(SKETCH)
    found = read_fills(sketch, fills)
    assert set(found.by_hole) == {"keep_the_positive_items", "is_the_item_positive", "reverse_list"}
    program = materialize(sketch, found)
    assert parse_sketch(program).holes == ()
    assert call_main(program, [3, -1, 4]) == 7


def test_a_fill_with_a_hole_left_open_raises_at_that_hole():
    fills = 'def keep_the_positive_items(xs):\n    return "drop the zeros"(xs)\n'
    sketch = parse_sketch(SKETCH)
    program = materialize(sketch, read_fills(sketch, fills))
    error = main_error(program, [1])
    assert error.startswith("NotImplementedError") and "drop_the_zeros" in error


def test_a_sketch_with_a_syntax_error_cannot_be_materialized():
    with pytest.raises(MaterializeError, match=r"line 2, column \d+: Syntax error"):
        materialize(parse_sketch("def main(x):\n    return (x\n"))


def test_a_fills_file_that_does_not_parse_says_where():
    with pytest.raises(MaterializeError, match=r"fills.py: line 1, column \d+"):
        read_fills(parse_sketch(SKETCH), "def f(:\n", filename="fills.py")


# Materialize-then-parse is stable, on sketches built from holes with any description.

WORDS = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters='`"\\\r\n\x00'), min_size=1
).filter(str.strip)
ANY_WORDS = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="`\r\x00"), min_size=1)


@st.composite
def holey_sketches(draw):
    """A small valid sketch: helper functions (some function holes) and a main with inline holes
    in both forms, descriptions drawn at random."""
    lines = []
    for index in range(draw(st.integers(0, 2))):
        body = draw(st.sampled_from(['    """Doc."""', "    ...", "    pass", "    return x"]))
        lines += [f"def helper_{index}(x):", body, "", ""]
    lines.append("def main(x, y):")
    for index in range(draw(st.integers(1, 4))):
        if draw(st.booleans()):
            call = f'"{draw(WORDS)}"(x, y)'
        else:
            call = f"`{draw(ANY_WORDS.filter(lambda t: t.strip()))}`(x)"
        lines.append(f"    v{index} = {call}")
    lines.append("    return x")
    return "\n".join(lines) + "\n"


DARC = [json.loads(path.read_text())["anpl"] for path in darc_files()]


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.one_of(holey_sketches(), st.sampled_from(DARC)))
def test_materialize_then_parse_is_stable(source):
    sketch = parse_sketch(source)
    if sketch.errors:  # a random description may not be Python (a quote in a quoted one)
        return
    program = materialize(sketch)
    again = parse_sketch(program)
    assert again.holes == ()
    assert again.errors == ()
    ast.parse(program)
    assert materialize(again) == program
