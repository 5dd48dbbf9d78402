"""Whether a candidate's output matches an example's expected value.

Runs in the parent on decoded, plain values: never on the candidate's own objects, whose __eq__
could claim anything. The rules, meant to match what a user writing examples expects:

- Numbers compare by value across int, float and numpy numbers (6 == 6.0 == np.int64(6)), floats
  exactly (0.1 + 0.2 does not match 0.3), except that NaN matches NaN. A bool is not a number here:
  True does not match 1.
- Lists match lists and tuples match tuples, item by item; a list never matches a tuple, except
  an expected list read from a JSON file (a `JsonArray`: JSON has no tuples), which matches a
  tuple of the same items too.
- A numpy array matches an array or a (nested) list of the same shape and the same values, whatever
  the dtypes: ARC programs return arrays where examples are written as lists.
- Dicts match when they have the same keys and matching values; sets match as Python sets do.
- A dataclass instance, or a decoded Record, matches another of the same class name and fields.
- Anything else matches a value of the same type that Python calls equal.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from inlay.sandbox.codec import Record


class JsonArray(list[Any]):
    """An expected list read from a JSON file. JSON cannot write a tuple, so it also matches a
    tuple of the same items (`inlay.sandbox.equality.values_equal`); a list written as a Python
    literal (in the page's example form, or a doctest line) matches only a list."""


def values_equal(expected: object, actual: object) -> bool:
    if isinstance(expected, np.ndarray) or isinstance(actual, np.ndarray):
        return _arrays_equal(expected, actual)
    if isinstance(expected, bool | np.bool_) or isinstance(actual, bool | np.bool_):
        both = isinstance(expected, bool | np.bool_) and isinstance(actual, bool | np.bool_)
        return both and bool(expected) == bool(actual)
    if _is_number(expected) and _is_number(actual):
        e, a = _plain(expected), _plain(actual)
        return bool(e == a) or (e != e and a != a)  # only NaN differs from itself
    if isinstance(expected, list | tuple) and isinstance(actual, list | tuple):
        return (
            (
                isinstance(expected, list) == isinstance(actual, list)
                or isinstance(expected, JsonArray)
            )
            and len(expected) == len(actual)
            and all(values_equal(e, a) for e, a in zip(expected, actual, strict=True))
        )
    if isinstance(expected, dict) and isinstance(actual, dict):
        return expected.keys() == actual.keys() and all(
            values_equal(value, actual[key]) for key, value in expected.items()
        )
    expected_record, actual_record = _record(expected), _record(actual)
    if expected_record is not None and actual_record is not None:
        return expected_record[0] == actual_record[0] and values_equal(
            expected_record[1], actual_record[1]
        )
    if isinstance(expected, set | frozenset) and isinstance(actual, set | frozenset):
        return expected == actual
    return type(expected) is type(actual) and bool(expected == actual)


def _arrays_equal(expected: object, actual: object) -> bool:
    if not all(isinstance(value, np.ndarray | list) for value in (expected, actual)):
        return False
    try:
        e, a = np.asarray(expected), np.asarray(actual)
        equal_nan = e.dtype.kind in "fc" and a.dtype.kind in "fc"
        return e.shape == a.shape and bool(np.array_equal(e, a, equal_nan=equal_nan))
    except (TypeError, ValueError):  # a ragged list, or values numpy cannot compare
        return False


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | complex | np.number)


def _plain(number: Any) -> Any:
    """A Python number for a numpy one, so that comparing never meets numpy's casting rules."""
    return number.item() if isinstance(number, np.number) else number


def _record(value: object) -> tuple[str, dict[str, object]] | None:
    if isinstance(value, Record):
        return type(value).__name__, vars(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = dataclasses.fields(value)
        return type(value).__name__, {field.name: getattr(value, field.name) for field in fields}
    return None
