"""Clarifying from traces: the first hole that goes wrong against a reference run, and the pairs
traced through a hole as its examples."""

from __future__ import annotations

from inlay.run.clarify import first_wrong_hole, traced_examples
from inlay.run.trace import run_program
from inlay.sketch.tasks import TaskExample

HOLES = ("double_it", "add_one")


def program(double: str, add: str) -> str:
    return (
        f"def double_it(x):\n    return {double}\n\n\ndef add_one(x):\n    return {add}\n\n\n"
        "def main(x):\n    return add_one(double_it(x))\n"
    )


EXAMPLES = [TaskExample((n,), 2 * n + 1, "train", n) for n in (1, 2, 2, 5)]


def traced(source: str):
    return run_program(source, "main", EXAMPLES, trace=HOLES)


def test_the_first_hole_whose_result_differs_from_the_reference_is_named() -> None:
    reference = traced(program("x * 2", "x + 1"))
    assert first_wrong_hole(traced(program("x * 2", "x + 2")), reference, HOLES) == "add_one"
    assert first_wrong_hole(traced(program("x * 3", "x + 2")), reference, HOLES) == "double_it"
    assert first_wrong_hole(reference, reference, HOLES) is None


def test_a_hole_that_raises_is_the_wrong_one() -> None:
    reference = traced(program("x * 2", "x + 1"))
    assert first_wrong_hole(traced(program("x * 2", "1 / 0")), reference, HOLES) == "add_one"


def test_traced_calls_become_distinct_examples_of_the_hole() -> None:
    examples = traced_examples(traced(program("x * 2", "x + 1")), "add_one")
    assert [(e.args, e.output) for e in examples] == [((2,), 3), ((4,), 5), ((10,), 11)]
