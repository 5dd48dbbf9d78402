"""A function hole's doctest lines are its own examples; the entry's are the sketch's."""

import pytest

from inlay.sketch import parse_sketch
from inlay.sketch.examples import Example

SKETCH = '''def double(xs: list[int]) -> list[int]:
    """Double every item.

    >>> double([1, 2])
    [2, 4]
    >>> double([])
    []
    >>> ys = [3]
    >>> print(ys)
    [3]
    """


def main(xs, k):
    """Double, then keep the first k.

    >>> main([1, 2, 3], 2)
    [2, 4]
    """
    return double(xs)[:k]
'''


def test_doctest_lines_are_the_holes_own_examples():
    hole = parse_sketch(SKETCH).hole("double")
    assert hole.kind == "function"
    assert hole.examples == (Example(([1, 2],), [2, 4]), Example(([],), []))
    assert hole.description.startswith("Double every item.")


def test_the_entrys_doctest_lines_are_the_sketchs_examples():
    assert parse_sketch(SKETCH).examples == (Example(([1, 2, 3], 2), [2, 4]),)


def test_a_doctest_that_is_not_a_literal_call_is_no_example():
    sketch = parse_sketch('def f(x):\n    """Doc.\n\n    >>> f(y)\n    1\n    """\n')
    assert sketch.hole("f").examples == ()


def test_a_doctest_call_that_shows_nothing_returns_none():
    sketch = parse_sketch('def f(x):\n    """Doc.\n\n    >>> f(1)\n    >>> f(2)\n    3\n    """\n')
    assert sketch.hole("f").examples == (Example((1,), None), Example((2,), 3))


@pytest.mark.parametrize(
    "line",
    [
        "f([1, 2]) == 3",
        "f([1, 2]) ==> 3",
        "f([1, 2]) -> 3",
        "f([1, 2]) => 3",
        "f([1, 2]) ➞ 3",
        "f([1, 2]) returns 3.",
    ],
)
def test_a_line_stating_a_calls_value_is_an_example(line: str):
    sketch = parse_sketch(f'def f(xs):\n    """Sum.\n\n    For example:\n    {line}\n    """\n')
    assert sketch.hole("f").examples == (Example(([1, 2],), 3),)


def test_a_stated_value_that_is_no_literal_is_no_example():
    sketch = parse_sketch('def f(xs):\n    """Sum.\n\n    f(xs) == the sum of xs\n    """\n')
    assert sketch.hole("f").examples == ()
