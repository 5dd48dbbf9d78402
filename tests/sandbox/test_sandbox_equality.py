"""values_equal: when a candidate's output counts as the expected one."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pytest

from inlay.sandbox import Record, values_equal


@pytest.mark.parametrize(
    ("expected", "actual"),
    [
        (6, 6.0),
        (6, np.int64(6)),
        (0.5, np.float64(0.5)),
        (math.nan, math.nan),
        (True, np.bool_(True)),
        ([1, [2, 3]], [1, [2, 3]]),
        ((1, "a"), (1, "a")),
        ({"a": [1, 2]}, {"a": [1, 2]}),
        ({1, 2}, frozenset({1, 2})),
        ([[1, 2], [3, 4]], np.array([[1, 2], [3, 4]])),
        (np.array([[1, 2]]), [[1, 2]]),
        (np.array([1.0, np.nan]), np.array([1.0, np.nan])),
        ([np.array([1, 2]), 3], [[1, 2], 3]),
        ({"grid": [[0, 1]]}, {"grid": np.array([[0, 1]], dtype=np.uint8)}),
        (None, None),
        ("abc", "abc"),
    ],
)
def test_these_match(expected: object, actual: object) -> None:
    assert values_equal(expected, actual)


@pytest.mark.parametrize(
    ("expected", "actual"),
    [
        (0.3, 0.1 + 0.2),
        (1, True),
        (False, 0),
        ([1, 2], (1, 2)),
        ((1, 2), [1, 2]),
        ([1, 2], [1, 2, 3]),
        ({"a": 1}, {"a": 1, "b": 2}),
        ([[1, 2], [3, 4]], np.array([1, 2, 3, 4])),
        ([[1, 2], [3]], np.array([1, 2, 3])),
        ((1, 2), np.array([1, 2])),
        (np.array([1, 2]), "12"),
        ("1", 1),
        (None, 0),
        (math.nan, 0.0),
    ],
)
def test_these_do_not_match(expected: object, actual: object) -> None:
    assert not values_equal(expected, actual)


def test_a_dataclass_matches_a_record_of_the_same_name_and_fields() -> None:
    @dataclass
    class Point:
        x: int
        y: list[int]

    decoded_point = type("Point", (Record,), {})
    decoded_other = type("Other", (Record,), {})

    assert values_equal(Point(1, [2]), decoded_point(x=1, y=np.array([2])))
    assert not values_equal(Point(1, [2]), decoded_point(x=1, y=[3]))
    assert not values_equal(Point(1, [2]), decoded_other(x=1, y=[2]))


def test_a_list_read_from_json_matches_a_tuple_of_the_same_items():
    from inlay.sketch.examples import json_output

    expected = json_output([[1, 2], {"a": [3]}])
    assert values_equal(expected, [(1, 2), {"a": (3,)}])
    assert values_equal(expected, ([1, 2], {"a": [3]}))
    assert not values_equal(expected, [(1, 3), {"a": (3,)}])
    # Written as a Python literal, a list says list: it matches no tuple.
    assert not values_equal([1, 2], (1, 2))
