"""Values to and from JSON-compatible data, for crossing the sandbox boundary.

Arguments travel to the sandboxed process, and results come back, through this codec, never
through pickle: decoding builds only built-in values, numpy arrays and `Record`s, so nothing the
candidate defined (a class whose __eq__ lies, a __reduce__ that runs code) reaches the parent.

The sandboxed process loads this file by path (see child.py), so it imports only the standard
library, and numpy only when a value needs it: most candidates never pay numpy's import.

Encoding, by type. A JSON object is always a tagged value {"$": tag, ...}:

    None, bool, str, list   null, true/false, string, array
    int                     number; beyond 64 bits {"$": "int", "hex": "-1f..."}
    float                   number; nan and ±inf as {"$": "float", "value": "nan"}
    tuple, set, frozenset   {"$": "tuple" | "set" | "frozenset", "items": [...]}
    dict                    {"$": "dict", "items": [[key, value], ...]}, keys of any encodable type
    bytes, bytearray        {"$": "bytes", "base64": ...}, decoded as bytes
    numpy array             {"$": "ndarray", "dtype": "<i8", "shape": [...], "base64": ...};
                            object arrays carry "items" (the flattened elements) instead
    numpy scalar            {"$": "numpy", "dtype": "<i8", "base64": ...}
    dataclass instance      {"$": "dataclass", "name": "Point", "fields": {"x": ..., ...}}

Subclasses of the built-in types (IntEnum, namedtuple, OrderedDict, ...) encode as their base type.
A dataclass instance decodes to a `Record`: a SimpleNamespace subclass named after the class, so its
fields read as attributes and it prints as `Point(x=1, y=2)`; the class itself is not recreated.
"""

from __future__ import annotations

import base64
import dataclasses
import math
import re
import sys
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any, TypeAlias, TypeVar

Json: TypeAlias = None | bool | int | float | str | list["Json"] | dict[str, "Json"]

T = TypeVar("T")

# Plain dtypes only: a kind letter, a size and maybe a datetime unit. Object ("O") arrays travel as
# items, because decoding raw bytes as object pointers would read arbitrary memory in the parent.
_PLAIN_DTYPE = re.compile(r"[<>|=]?[biufcmMUSV]\d*(\[\w+\])?")


class EncodeError(TypeError):
    """A value the codec cannot carry; `what` names it, e.g. "generator"."""

    def __init__(self, what: str) -> None:
        super().__init__(f"cannot encode {what}")
        self.what = what


class DecodeError(ValueError):
    """Data that is not a valid encoding (the sandboxed process may send anything)."""


class Record(SimpleNamespace):
    """A decoded dataclass instance; `type(record).__name__` is the dataclass's name."""


def encode(value: object) -> Json:
    try:
        return _encode(value)
    except RecursionError:
        raise EncodeError("a value nested too deeply (or containing itself)") from None


def decode(data: Json) -> object:
    try:
        return _decode(data)
    except RecursionError:
        raise DecodeError("data nested too deeply") from None


def _encode(value: object) -> Json:
    # numpy comes first because np.float64 and np.str_ are also float and str. If numpy was never
    # imported, no value can be a numpy value.
    np: Any = sys.modules.get("numpy")
    if np is not None and isinstance(value, np.ndarray | np.generic):
        return _encode_numpy(value, np)
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        if value.bit_length() < 64:
            return int(value)
        return {"$": "int", "hex": format(value, "x")}
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else {"$": "float", "value": str(value)}
    if isinstance(value, list):
        return [_encode(item) for item in value]
    if isinstance(value, tuple):
        return {"$": "tuple", "items": [_encode(item) for item in value]}
    if isinstance(value, set | frozenset):
        tag = "frozenset" if isinstance(value, frozenset) else "set"
        return {"$": tag, "items": [_encode(item) for item in value]}
    if isinstance(value, dict):
        return {"$": "dict", "items": [[_encode(k), _encode(v)] for k, v in value.items()]}
    if isinstance(value, bytes | bytearray):
        return {"$": "bytes", "base64": base64.b64encode(value).decode("ascii")}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"$": "dataclass", "name": type(value).__name__, "fields": fields}
    raise EncodeError(type(value).__qualname__)


def _encode_numpy(value: Any, np: Any) -> Json:
    array = np.asarray(value)
    dtype = array.dtype
    if dtype.names is not None or dtype.subdtype is not None:
        raise EncodeError(f"numpy value of structured dtype {dtype}")
    if isinstance(value, np.generic):
        if dtype.hasobject:
            raise EncodeError("numpy object scalar")
        return {"$": "numpy", "dtype": dtype.str, "base64": _b64(array.tobytes())}
    shape: list[Json] = list(array.shape)
    if dtype.hasobject:
        items = [_encode(item) for item in array.ravel()]
        return {"$": "ndarray", "dtype": "O", "shape": shape, "items": items}
    return {"$": "ndarray", "dtype": dtype.str, "shape": shape, "base64": _b64(array.tobytes())}


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _decode(data: Json) -> object:
    if isinstance(data, list):
        return [_decode(item) for item in data]
    if not isinstance(data, dict):
        return data
    tag = data.get("$")
    decoder = _DECODERS.get(tag) if isinstance(tag, str) else None
    if decoder is None:
        raise DecodeError(f"unknown tag {str(tag)[:40]!r}")
    try:
        return decoder(data)
    except (TypeError, ValueError) as exc:  # unhashable keys, bad base64, a shape that does not fit
        if isinstance(exc, DecodeError):
            raise
        raise DecodeError(f"invalid {tag}: {exc}") from None


def _get(data: dict[str, Json], key: str, kind: type[T]) -> T:
    value = data.get(key)
    if not isinstance(value, kind):
        raise DecodeError(f"invalid {data['$']}: {key!r} should be a {kind.__name__}")
    return value


def _items(data: dict[str, Json]) -> list[object]:
    return [_decode(item) for item in _get(data, "items", list)]


def _decode_float(data: dict[str, Json]) -> float:
    text = _get(data, "value", str)
    if text not in ("nan", "inf", "-inf"):
        raise DecodeError(f"invalid float: {text[:40]!r}")
    return float(text)


def _decode_dict(data: dict[str, Json]) -> dict[object, object]:
    result: dict[object, object] = {}
    for pair in _get(data, "items", list):
        if not isinstance(pair, list) or len(pair) != 2:
            raise DecodeError("invalid dict: items should be [key, value] pairs")
        result[_decode(pair[0])] = _decode(pair[1])
    return result


def _decode_ndarray(data: dict[str, Json]) -> object:
    import numpy as np

    shape = _get(data, "shape", list)
    if not all(type(n) is int and n >= 0 for n in shape):
        raise DecodeError("invalid ndarray: shape should be a list of sizes")
    dtype = _get(data, "dtype", str)
    if dtype == "O":
        items = _items(data)
        array = np.empty(len(items), dtype=object)
        for index, item in enumerate(items):
            array[index] = item
        return array.reshape(shape)
    return _from_bytes(data, np).reshape(shape)


def _decode_numpy(data: dict[str, Json]) -> object:
    import numpy as np

    array = _from_bytes(data, np)
    if array.shape != (1,):
        raise DecodeError("invalid numpy scalar: expected exactly one value")
    return array[0]


def _from_bytes(data: dict[str, Json], np: Any) -> Any:
    dtype = _get(data, "dtype", str)
    if not _PLAIN_DTYPE.fullmatch(dtype):
        raise DecodeError(f"invalid {data['$']}: unsupported dtype {dtype[:40]!r}")
    raw = base64.b64decode(_get(data, "base64", str), validate=True)
    return np.frombuffer(bytearray(raw), dtype=np.dtype(dtype))  # bytearray: a writable array


def _decode_dataclass(data: dict[str, Json]) -> Record:
    fields = _get(data, "fields", dict)
    record_type = type(_get(data, "name", str), (Record,), {})
    record: Record = record_type(**{name: _decode(value) for name, value in fields.items()})
    return record


_DECODERS: dict[str, Callable[[dict[str, Json]], object]] = {
    "int": lambda data: int(_get(data, "hex", str), 16),
    "float": _decode_float,
    "tuple": lambda data: tuple(_items(data)),
    "set": lambda data: set(_items(data)),
    "frozenset": lambda data: frozenset(_items(data)),
    "dict": _decode_dict,
    "bytes": lambda data: base64.b64decode(_get(data, "base64", str), validate=True),
    "ndarray": _decode_ndarray,
    "numpy": _decode_numpy,
    "dataclass": _decode_dataclass,
}
