"""ANPL's backtick holes, `description`(args): the same holes and program as the quoted form,
with positions in the backtick source."""

from inlay.sketch import parse_sketch
from inlay.sketch.materialize import materialize

QUOTED = """import numpy as np


def main(grid: np.ndarray) -> np.ndarray:
    objects = "find the objects in the grid"(grid)
    biggest = "the largest of the objects"(objects)
    return "paint the object on a blank grid"(biggest, grid.shape)
"""
BACKTICKS = QUOTED.replace('"find', "`find").replace('grid"(', "grid`(")
BACKTICKS = BACKTICKS.replace('"the', "`the").replace('objects"(', "objects`(")
BACKTICKS = BACKTICKS.replace('"paint', "`paint")


def _summary(sketch):
    return [
        (h.name, h.kind, h.description, h.params, h.expected_type, h.span) for h in sketch.holes
    ]


def test_the_backtick_form_gives_the_holes_of_the_quoted_form():
    assert "`" in BACKTICKS and '"' not in BACKTICKS
    quoted, backticks = parse_sketch(QUOTED), parse_sketch(BACKTICKS)
    assert backticks.errors == ()
    assert _summary(backticks) == _summary(quoted)
    assert [h.description for h in backticks.holes] == [
        "find the objects in the grid",
        "the largest of the objects",
        "paint the object on a blank grid",
    ]


def test_the_backtick_form_materializes_to_the_same_program():
    assert materialize(parse_sketch(BACKTICKS)) == materialize(parse_sketch(QUOTED))


def test_positions_point_at_the_backtick_source():
    sketch = parse_sketch(BACKTICKS)
    data = BACKTICKS.encode()
    for hole in sketch.holes:
        (use,) = hole.uses
        written = data[use.start_byte : use.end_byte].decode()
        assert written.startswith(f"`{hole.description}`(")
        line = BACKTICKS.split("\n")[use.start_line]
        assert line.encode()[use.start_column :].startswith(b"`")


def test_a_backtick_description_may_hold_quotes_and_run_over_lines():
    sketch = parse_sketch('def main(x):\n    return `keep the "big"\n    ones`(x)\n')
    assert sketch.errors == ()
    (hole,) = sketch.holes
    assert hole.description == 'keep the "big" ones'
    assert (hole.span.start_line, hole.span.end_line) == (1, 2)


def test_backticks_in_strings_and_comments_are_left_alone():
    source = (
        'def main(x):\n    # `not a hole`(x)\n    s = "`nor this`(x)"\n    return `a hole`(x)\n'
    )
    sketch = parse_sketch(source)
    assert [h.description for h in sketch.holes] == ["a hole"]


def test_a_backtick_hole_and_a_quoted_hole_with_one_description_are_one_hole():
    sketch = parse_sketch('def main(x):\n    return `double it`("double it"(x))\n')
    (hole,) = sketch.holes
    assert len(hole.uses) == 2
