"""The sandbox's codec: values to JSON-compatible data and back, and nothing else."""

from __future__ import annotations

import json
import math
from collections import OrderedDict, namedtuple
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from inlay.sandbox.codec import DecodeError, EncodeError, Record, decode, encode


def round_trip(value: object) -> object:
    return decode(json.loads(json.dumps(encode(value), allow_nan=False)))


def canonical(value: object) -> Any:
    """A comparable form that tells apart what == does not: 1, 1.0 and True; -0.0; NaN; list and
    tuple; set and frozenset."""
    if isinstance(value, float):
        return ("float", value.hex())
    if isinstance(value, list | tuple):
        return (type(value).__name__, [canonical(item) for item in value])
    if isinstance(value, set | frozenset):
        return (type(value).__name__, sorted(repr(canonical(item)) for item in value))
    if isinstance(value, dict):
        return ("dict", sorted(repr((canonical(k), canonical(v))) for k, v in value.items()))
    return (type(value).__name__, value)


scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**300), max_value=2**300)
    | st.floats()
    | st.text()
    | st.binary()
)
hashables = st.recursive(
    scalars, lambda inner: st.tuples(inner, inner) | st.frozensets(inner, max_size=3), max_leaves=8
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.lists(inner, max_size=4).map(tuple)
        | st.dictionaries(hashables, inner, max_size=4)
        | st.sets(hashables, max_size=4)
        | st.frozensets(hashables, max_size=4)
    ),
    max_leaves=20,
)


@given(values)
def test_nested_containers_round_trip_exactly(value: object) -> None:
    assert canonical(round_trip(value)) == canonical(value)


def test_special_floats_and_huge_integers_round_trip() -> None:
    value = [math.inf, -math.inf, -0.0, 2**1000, -(2**64), 2**63 - 1, 0.1]
    result = round_trip(value)

    assert canonical(result) == canonical(value)
    assert math.isnan(round_trip(math.nan))  # type: ignore[arg-type]


def test_subclasses_of_built_in_types_encode_as_their_base_type() -> None:
    Pair = namedtuple("Pair", "a b")

    assert round_trip(Pair(1, 2)) == (1, 2)
    assert type(round_trip(OrderedDict(a=1))) is dict


@pytest.mark.parametrize(
    "array",
    [
        np.arange(12, dtype=np.int64).reshape(3, 4),
        np.array([[0.5, np.nan], [np.inf, -0.0]], dtype=np.float32),
        np.array([True, False]),
        np.array(["ab", "c"]),
        np.array(5, dtype=np.uint8),
        np.zeros((0, 3), dtype=np.int8),
        np.arange(10)[::3],
        np.array(["2024-01-02"], dtype="datetime64[D]"),
    ],
)
def test_numpy_arrays_keep_dtype_shape_and_data(array: np.ndarray) -> None:
    result = round_trip(array)

    assert isinstance(result, np.ndarray)
    assert result.dtype == array.dtype
    assert result.shape == array.shape
    assert np.array_equal(result, array, equal_nan=array.dtype.kind == "f")
    result[...] = array  # decoded arrays are writable


def test_object_arrays_travel_as_items() -> None:
    array = np.empty(2, dtype=object)
    array[0], array[1] = [1, 2], "x"
    result = round_trip(array)

    assert isinstance(result, np.ndarray)
    assert result.dtype == object
    assert list(result) == [[1, 2], "x"]


def test_an_arc_grid_round_trips_as_an_array() -> None:
    grid = np.array([[0, 0, 3], [0, 3, 0], [3, 0, 0]], dtype=np.int64)

    assert round_trip(grid).tolist() == grid.tolist()  # type: ignore[attr-defined]


@pytest.mark.parametrize("scalar", [np.int64(-3), np.float32(0.1), np.bool_(True), np.str_("hé")])
def test_numpy_scalars_keep_their_type(scalar: np.generic) -> None:
    result = round_trip(scalar)

    assert type(result) is type(scalar)
    assert result == scalar


def test_a_dataclass_decodes_to_a_record_named_after_its_class() -> None:
    @dataclass
    class Point:
        x: int
        tags: tuple[str, ...]

    result = round_trip(Point(1, ("a",)))

    assert isinstance(result, Record)
    assert type(result).__name__ == "Point"
    assert (result.x, result.tags) == (1, ("a",))


@pytest.mark.parametrize(
    ("value", "what"),
    [
        ((i for i in range(3)), "generator"),
        (lambda: 1, "function"),
        ([1, {"a": object()}], "object"),
        (np.zeros(2, dtype=[("a", "i4")]), "numpy value of structured dtype [('a', '<i4')]"),
    ],
)
def test_an_unknown_type_is_an_encode_error_naming_it(value: object, what: str) -> None:
    with pytest.raises(EncodeError) as raised:
        encode(value)

    assert raised.value.what == what


def test_a_value_containing_itself_is_an_encode_error() -> None:
    loop: list[object] = []
    loop.append(loop)

    with pytest.raises(EncodeError, match="nested too deeply"):
        encode(loop)


@pytest.mark.parametrize(
    "data",
    [
        {"no": "tag"},
        {"$": "pickle", "data": ""},
        {"$": "int", "hex": "zz"},
        {"$": "float", "value": "1.5"},
        {"$": "set", "items": [[1]]},
        {"$": "dict", "items": [[1]]},
        {"$": "ndarray", "dtype": "|O", "shape": [1], "base64": "AAAAAAAAAAA="},
        {"$": "ndarray", "dtype": "<i8", "shape": [-1], "base64": "AAAAAAAAAAA="},
        {"$": "ndarray", "dtype": "<i8", "shape": [2], "base64": "AAAAAAAAAAA="},
        {"$": "numpy", "dtype": "<i4", "base64": "not base64!"},
        {"$": "dataclass", "name": "P", "fields": [1]},
    ],
)
def test_malformed_data_is_a_decode_error(data: Any) -> None:
    with pytest.raises(DecodeError):
        decode(data)


def test_deeply_nested_data_is_a_decode_error() -> None:
    data: Any = 1
    for _ in range(5000):
        data = [data]

    with pytest.raises(DecodeError, match="nested too deeply"):
        decode(data)
