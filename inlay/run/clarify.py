"""Clarifying one hole from traces: where a program first goes wrong, and the pairs that say what
that hole should have done.

ANPL's users clarified a program by tracing it, finding the hole whose output looked wrong and
giving that hole input/output examples, often taken from a run whose whole output they knew to be
right ("golden" pairs). These are the two steps over traces (inlay.run.trace): `first_wrong_hole`
compares a program's hole calls with those of a reference run on the same examples (a person's
judgement, or a finished program's trace), and `traced_examples` turns the calls of one hole into
examples for that hole alone (`FillRequest.hole_examples`).
"""

from __future__ import annotations

from collections.abc import Sequence

from inlay.run.trace import ExampleRun, HoleCall
from inlay.sandbox import values_equal
from inlay.sketch.examples import Example, same_example

MAX_TRACED_EXAMPLES = 20  # a hole called once per cell would give hundreds; the first distinct do


def traced_examples(runs: Sequence[ExampleRun], hole: str) -> list[Example]:
    """The distinct calls of `hole` that returned, over the runs in order, as its examples."""
    examples: list[Example] = []
    for run in runs:
        for call in run.calls(hole):
            if call.error is not None or not call.returned:
                continue
            example = Example(tuple(call.args), call.result)
            if not any(same_example(example, seen) for seen in examples):
                examples.append(example)
            if len(examples) >= MAX_TRACED_EXAMPLES:
                return examples
    return examples


def first_wrong_hole(
    runs: Sequence[ExampleRun], reference: Sequence[ExampleRun], holes: Sequence[str]
) -> str | None:
    """The first hole, in the reference's order of calls, that the program calls with the
    reference's arguments and that returns something else (or raises); failing that, the first
    of the reference's holes the program never calls as the reference does. None if the program
    does all the reference's hole calls alike."""
    unmatched: str | None = None
    for mine, theirs in zip(runs, reference, strict=True):
        for call in theirs.trace or ():
            if call.hole not in holes or call.error is not None:
                continue
            same_args = [c for c in mine.calls(call.hole) if _same_args(c, call)]
            if not same_args:
                unmatched = unmatched or call.hole
                continue
            if any(
                c.error is not None or not values_equal(call.result, c.result) for c in same_args
            ):
                return call.hole
    return unmatched


def _same_args(call: HoleCall, other: HoleCall) -> bool:
    return len(call.args) == len(other.args) and all(
        values_equal(a, b) for a, b in zip(other.args, call.args, strict=True)
    )
