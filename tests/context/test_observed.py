"""Observed types: the annotations the values through a hole read as."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from inlay.context.observed import ObservedTypes, Opaque, observed_type
from inlay.sandbox import Record


@pytest.mark.parametrize(
    ("value", "annotation"),
    [
        (None, "None"),
        (True, "bool"),
        (3, "int"),
        (2.5, "float"),
        ("ab", "str"),
        (b"ab", "bytes"),
        ([], "list"),
        ([1, 2], "list[int]"),
        ([[0, 1], [], [1, 0]], "list[list[int]]"),  # an empty row fits any list
        ([1, "a"], "list[int | str]"),
        ([1, "a", 2.0, None], "list[Any]"),  # past three alternatives a union says nothing
        ((1, "a"), "tuple[int, str]"),
        ((), "tuple[()]"),
        ((1, 2, 3, 4, 5), "tuple[int, ...]"),
        ({"a": [1]}, "dict[str, list[int]]"),
        ({(0, 1): 2}, "dict[tuple[int, int], int]"),
        ({1, 2}, "set[int]"),
        (frozenset({"x"}), "frozenset[str]"),
        ([(0, 1), (2, 3)], "list[tuple[int, int]]"),
        (np.zeros((3, 3), dtype=np.int64), "numpy.ndarray"),
        (np.int64(4), "numpy.int64"),
        (Opaque("generator", "<generator object f at 0x1>"), "generator"),
    ],
)
def test_values_read_as_the_annotations_one_would_write(value: Any, annotation: str) -> None:
    assert observed_type(value) == annotation


def test_a_decoded_dataclass_reads_as_its_class() -> None:
    point = type("Point", (Record,), {})(x=1, y=2)

    assert observed_type([point]) == "list[Point]"


def test_numpy_is_named_as_the_sketch_imports_it() -> None:
    assert observed_type([np.ones(2)], numpy="np") == "list[np.ndarray]"


def test_calls_join_into_parameter_and_return_types() -> None:
    observed = ObservedTypes.of_calls(
        [
            (([[1]], 0), {}, [[1]], True),
            (([], 2), {"flip": True}, None, True),
            (([[2]], 1), {"flip": False}, "ignored: the call raised", False),
        ]
    )

    assert observed.args == ("list[list[int]]", "int")
    assert observed.kwargs == {}  # `flip` was not passed in every call
    assert observed.returns == "list[list[int]] | None"
    assert observed.param(0, "grid") == "list[list[int]]"
    assert observed.param(5, "missing") is None
    assert ObservedTypes.from_json(observed.to_json()) == observed


def test_no_call_that_returned_means_no_return_type() -> None:
    observed = ObservedTypes.of_calls([((1,), {}, None, False)])

    assert observed.args == ("int",) and observed.returns is None


def test_observed_types_in_a_bad_shape_are_refused() -> None:
    with pytest.raises(ValueError, match=r"observed\.args"):
        ObservedTypes.from_json({"args": "list[int]"})
