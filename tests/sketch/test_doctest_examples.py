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


@pytest.mark.parametrize(
    "line",
    [
        ">>> f([1, 2]) == 3",
        "* f([1, 2]) => 3",
        "- f([1, 2]) -> 3",
        "f([1, 2])   # returns 3",
        "f([1, 2]) -> 3  # one and two",
        "For xs = [1, 2] the output should be 3.",
        "For xs = [1, 2], the result should be 3",
    ],
)
def test_the_other_notations_of_a_calls_value_are_examples(line: str):
    sketch = parse_sketch(f'def f(xs):\n    """Sum.\n\n    For example:\n    {line}\n    """\n')
    assert sketch.hole("f").examples == (Example(([1, 2],), 3),)


def test_input_and_output_lines_are_an_example_by_position_or_by_parameter_name():
    sketch = parse_sketch(
        '''def take(arr, k):
    """The k largest.

    Example 1:
        Input: arr = [3, 1, 2], k = 2
        Output: [3, 2]
        Explanation: the two largest.

    Example 2:
        Input: [5, 4], 1
        Output: [5] # only one
    """
'''
    )
    assert sketch.hole("take").examples == (
        Example(([3, 1, 2], 2), [3, 2]),
        Example(([5, 4], 1), [5]),
    )


@pytest.mark.parametrize(
    "docstring",
    [
        # `=` states a definition as often as a value: a sequence's terms, `f(1) = 3`.
        "f(1) = 3",
        # Arguments by name must name the parameters, all of them.
        "Input: ys = [1, 2]\n    Output: 3",
        "Input: [1, 2], 4\n    Output: 3",
        # An output too far below its input belongs to something else.
        "Input: [1, 2]\n    one\n    two\n    three\n    Output: 3",
        # `For` names its arguments; a value without a name is prose.
        "For [1, 2] the output should be 3",
        # A comparison that is not `==`, or a doctest that shows False.
        ">>> f([1, 2]) != 3",
        ">>> f([1, 2]) == 3\n    False",
    ],
)
def test_lines_that_do_not_say_what_a_call_returns_are_no_examples(docstring: str):
    sketch = parse_sketch(f'def f(xs):\n    """Sum.\n\n    {docstring}\n    """\n')
    assert sketch.hole("f").examples == ()
