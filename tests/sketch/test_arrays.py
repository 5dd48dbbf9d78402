"""Grid examples reach a program written for arrays as numpy arrays."""

from __future__ import annotations

import numpy as np
import pytest

from inlay.sketch import parse_sketch
from inlay.sketch.arrays import as_expected, describe
from inlay.sketch.examples import Example, ExampleError
from inlay.synthesis.engine import FillRequest
from tests.synthesis.test_search import fenced, run

ANNOTATED = 'def main(grid: np.ndarray, n: int) -> np.ndarray:\n    return "grow"(grid, n)\n'
PLAIN = 'def main(rows):\n    return "count the rows"(rows)\n'
NUMPY = 'import numpy as np\n\ndef main(rows, words):\n    return "stack"(rows, words)\n'


def test_an_argument_annotated_as_an_array_becomes_one() -> None:
    (example,) = as_expected(parse_sketch(ANNOTATED), [Example(([[1, 2], [3, 4]], 2), [[1]])])
    grid, n = example.args
    assert isinstance(grid, np.ndarray) and grid.shape == (2, 2) and n == 2
    assert isinstance(example.output, np.ndarray)


def test_a_sketch_without_numpy_keeps_its_lists() -> None:
    (example,) = as_expected(parse_sketch(PLAIN), [Example(([[1, 2], [3, 4]],), 2)])
    assert example.args == ([[1, 2], [3, 4]],)


def test_in_a_numpy_sketch_only_rectangular_grids_of_numbers_become_arrays() -> None:
    (example,) = as_expected(parse_sketch(NUMPY), [Example(([[1], [2]], [["a"], ["b"]]), 0)])
    assert isinstance(example.args[0], np.ndarray)
    assert example.args[1] == [["a"], ["b"]]


def test_a_ragged_grid_where_an_array_is_expected_is_named() -> None:
    examples = [Example(([[1]], 1), [[1]]), Example(([[1, 2], [3]], 1), [[1]])]
    with pytest.raises(ExampleError, match="Example 2, argument 1 .* rows differ in length"):
        as_expected(parse_sketch(ANNOTATED), examples)


def test_values_are_described_by_kind_and_shape() -> None:
    assert describe([[1, 2, 3], [4, 5, 6]]) == "grid 2×3"
    assert describe(np.zeros((3, 3), dtype=int)) == "array 3×3 int64"
    assert describe([1, 2]) == "list of 2"


def test_the_engine_gives_the_program_arrays_where_it_expects_them() -> None:
    reply = fenced("def grow(grid, n):\n    return np.tile(grid, (1, n)) if grid.ndim == 2 else 0")
    examples = [Example(([[1, 2]], 2), [[1, 2, 1, 2]])]
    record, _ = run([reply], FillRequest(ANNOTATED, examples, samples=1))
    assert record.of("run.finished")[0]["passed"] is True
