"""Examples as the sketch expects them: grids become numpy arrays where the entry takes arrays.

An example is written as a literal or JSON, where a grid is a list of rows. A program written
for arrays (`grid.shape`, `grid[i, j]`, `np.rot90(grid)`) fails on a list, so a value reaches the
program as an array where

- the entry's parameter (or its return, for the expected output) is annotated with a numpy array
  type (`np.ndarray`, `numpy.ndarray`, `NDArray[...]`), or
- the program uses numpy (imports it, or leans on the prelude's `np`) and the value is a grid:
  a non-empty list of equally long, non-empty lists of numbers.

ARC and DARC task files already arrive as arrays (inlay.sketch.tasks); this makes examples typed
in the web app or listed in a JSON file reach the program the same way. An expected output that
becomes an array compares as an array (inlay.sandbox.values_equal), so a program may return
either.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from inlay.sketch.examples import Example, ExampleError
from inlay.sketch.prelude import prelude_needed
from inlay.sketch.records import Sketch

_ARRAY_TYPE = re.compile(r"\b(?:ndarray|NDArray|ArrayLike)\b")
_USES_NUMPY = re.compile(r"^\s*(?:import numpy|from numpy\b)", re.MULTILINE)


def expects_arrays(sketch: Sketch, entry: str | None = None) -> tuple[list[bool], bool, bool]:
    """For the entry: which parameters are annotated as arrays, whether its return is, and
    whether the program uses numpy at all."""
    function = sketch.function(entry or sketch.entry or "")
    uses_numpy = bool(_USES_NUMPY.search(sketch.source)) or any(
        "np" in statement.names for statement in prelude_needed(sketch.source)
    )
    if function is None:
        return [], False, uses_numpy
    params = [bool(p.annotation and _ARRAY_TYPE.search(p.annotation)) for p in function.params]
    returns = bool(function.returns and _ARRAY_TYPE.search(function.returns))
    return params, returns, uses_numpy


def as_expected(
    sketch: Sketch, examples: Sequence[Example], entry: str | None = None
) -> list[Example]:
    """The examples with their values as arrays where the sketch expects arrays (see the module's
    docstring). ExampleError names the example and value that should be a grid and is not."""
    params, returns, uses_numpy = expects_arrays(sketch, entry)
    if not (any(params) or returns or uses_numpy):
        return list(examples)
    converted = []
    for number, example in enumerate(examples, start=1):
        args = tuple(
            _value(
                value,
                annotated=index < len(params) and params[index],
                grids=uses_numpy,
                where=f"Example {number}, argument {index + 1}",
            )
            for index, value in enumerate(example.args)
        )
        output = _value(
            example.output, annotated=returns, grids=uses_numpy, where=f"Example {number}, output"
        )
        converted.append(Example(args, output))
    return converted


def is_grid(value: object) -> bool:
    """A non-empty list (or tuple) of equally long, non-empty lists of numbers."""
    if not isinstance(value, list | tuple) or not value:
        return False
    rows = [row for row in value if isinstance(row, list | tuple)]
    if len(rows) != len(value) or not rows[0]:
        return False
    width = len(rows[0])
    return all(
        len(row) == width
        and all(isinstance(cell, int | float) and not isinstance(cell, bool) for cell in row)
        for row in rows
    )


def describe(value: object) -> str:
    """What kind of value it is, as the page shows it beside an example: `grid 3×4`, `list of 5`."""
    if isinstance(value, np.ndarray):
        return f"array {'×'.join(map(str, value.shape))} {value.dtype}"
    if is_grid(value):
        assert isinstance(value, list | tuple)
        return f"grid {len(value)}×{len(value[0])}"
    if isinstance(value, list | tuple | dict | set | str):
        return f"{type(value).__name__} of {len(value)}"
    return type(value).__name__


def _value(value: Any, *, annotated: bool, grids: bool, where: str) -> Any:
    if isinstance(value, np.ndarray):
        return value
    if annotated and isinstance(value, list | tuple):
        try:
            return np.array(value)
        except ValueError:  # ragged rows
            raise ExampleError(
                f"{where} should be an array (the sketch annotates it as one), but its rows "
                "differ in length"
            ) from None
    if grids and is_grid(value):
        return np.array(value)
    return value
