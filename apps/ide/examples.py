"""What the examples table says of each example: the kinds of its values as the program will
receive them (a grid becomes a numpy array where the sketch works with arrays), so a user sees
why `grid.shape` works, or why it will not, before filling."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from apps.sketches.models import Example
from inlay.sketch import Sketch
from inlay.sketch.arrays import as_expected, describe
from inlay.sketch.examples import Example as ParsedExample
from inlay.sketch.examples import ExampleError


@dataclass(frozen=True)
class ExampleKinds:
    kinds: dict[int, str]  # by example id: "grid 3×3 → grid 3×3"
    problem: str | None  # why the examples cannot reach the program as the sketch expects


def example_kinds(sketch: Sketch, stored: Sequence[Example]) -> ExampleKinds:
    """The kinds of the stored examples' values, converted as a run converts them."""
    readable: dict[int, ParsedExample] = {}
    for example in stored:
        try:
            readable[example.pk] = example.parsed()
        except ExampleError:
            continue  # the page's forms refuse such values; a fill names the example
    problem = None
    try:
        converted = as_expected(sketch, list(readable.values()))
    except ExampleError as error:
        # As they are, then: the message says which value a run would refuse.
        converted, problem = list(readable.values()), f"{error}."
    kinds = {pk: _kind(example) for pk, example in zip(readable, converted, strict=True)}
    return ExampleKinds(kinds, problem)


def _kind(example: ParsedExample) -> str:
    args = ", ".join(describe(arg) for arg in example.args) or "no arguments"
    return f"{args} → {describe(example.output)}"
