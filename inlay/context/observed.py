"""Types read off the values a hole received and returned in a traced run.

Where a sketch says nothing about a hole's types (no annotation, nothing to infer from), the values
that actually went through it still do: `[[0, 1], [1, 0]]` is a `list[list[int]]`. The language
server falls back on these *observed* types for the expected type and the parameters (ChatLSP's
last resort), marked as observed so a reader knows they were seen on a few examples, not declared.

    observed_type([[0, 1], []])             -> "list[list[int]]"
    join(["int", "None"])                    (through ObservedTypes.of_calls) -> "int | None"

Values arrive as the sandbox's codec decodes them: built-ins, numpy arrays and scalars, and
`Record`s named after the dataclass they came from. A value the trace could not carry is an
`Opaque` (its type name survives). Types render as annotations a user would write; numpy's under
the name the sketch imports it as (`np.ndarray`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# More alternatives than this and a union says nothing useful: it becomes `Any`.
_MAX_UNION = 3
_MAX_DEPTH = 6
_CONTAINERS = {list: "list", set: "set", frozenset: "frozenset"}


@dataclass(frozen=True)
class Opaque:
    """A traced value the sandbox could not carry: only its type's name and a short repr."""

    type_name: str
    shown: str

    def __str__(self) -> str:
        return f"<{self.type_name}: {self.shown}>"


@dataclass(frozen=True)
class _Type:
    name: str  # "list", "tuple", "int", "|" for a union, "Any"
    args: tuple[_Type, ...] = ()
    variadic: bool = False  # tuple[int, ...]

    def render(self) -> str:
        if self.name == "|":
            return " | ".join(arg.render() for arg in self.args)
        if self.name == "tuple" and not self.args:
            return "tuple[()]"
        if not self.args:
            return self.name
        inner = ", ".join(arg.render() for arg in self.args)
        return f"{self.name}[{inner}, ...]" if self.variadic else f"{self.name}[{inner}]"


_ANY = _Type("Any")


def observed_type(value: Any, numpy: str = "numpy") -> str:
    """The annotation a value's runtime type reads as."""
    return _type_of(value, numpy, 0).render()


def _type_of(value: Any, numpy: str, depth: int) -> _Type:
    if depth > _MAX_DEPTH:
        return _ANY
    kind = type(value)
    if value is None:
        return _Type("None")
    if isinstance(value, Opaque):
        return _Type(value.type_name)
    if hasattr(value, "dtype") and hasattr(value, "shape"):
        module = getattr(kind, "__module__", "")
        if module.startswith("numpy"):
            return _Type(f"{numpy}.{kind.__name__}")
    if kind in (bool, int, float, complex, str, bytes):
        return _Type(kind.__name__)
    if kind is bytearray:
        return _Type("bytes")
    for container, name in _CONTAINERS.items():
        if isinstance(value, container):
            return _Type(name, _items(value, numpy, depth))
    if isinstance(value, tuple):
        items = [_type_of(item, numpy, depth + 1) for item in value]
        if len(items) > 4 and len(set(items)) == 1:
            return _Type("tuple", (items[0],), variadic=True)
        return _Type("tuple", tuple(items)) if len(items) <= 4 else _Type("tuple", (_ANY,), True)
    if isinstance(value, dict):
        keys = _join(_type_of(key, numpy, depth + 1) for key in value)
        values = _join(_type_of(item, numpy, depth + 1) for item in value.values())
        return _Type("dict", (keys, values)) if value else _Type("dict")
    # A decoded dataclass (a `Record`) or anything else: its class's name is the best guess.
    return _Type(kind.__name__)


def _items(value: Iterable[Any], numpy: str, depth: int) -> tuple[_Type, ...]:
    types = [_type_of(item, numpy, depth + 1) for item in value]
    return (_join(types),) if types else ()


def _join(types: Iterable[_Type]) -> _Type:
    """The one type covering all of `types`: alike containers merge their item types, an empty
    container fits any of its kind, and the rest make a union (at most _MAX_UNION wide)."""
    found: list[_Type] = []
    for candidate in types:
        for alternative in candidate.args if candidate.name == "|" else (candidate,):
            found = _merge_into(found, alternative)
    if not found:
        return _ANY
    if len(found) == 1:
        return found[0]
    if len(found) > _MAX_UNION or any(t == _ANY for t in found):
        return _ANY
    return _Type("|", tuple(found))


def _merge_into(found: list[_Type], new: _Type) -> list[_Type]:
    for index, old in enumerate(found):
        merged = _merge(old, new)
        if merged is not None:
            return [*found[:index], merged, *found[index + 1 :]]
    return [*found, new]


def _merge(old: _Type, new: _Type) -> _Type | None:
    if old == new:
        return old
    if old.name != new.name or old.name in {"|", "Any"}:
        return None
    if not old.args:
        return new
    if not new.args:
        return old
    if old.name == "tuple":
        if old.variadic or new.variadic or len(old.args) != len(new.args):
            return None
        return _Type("tuple", tuple(_join(pair) for pair in zip(old.args, new.args, strict=True)))
    return _Type(old.name, tuple(_join(pair) for pair in zip(old.args, new.args, strict=True)))


@dataclass(frozen=True)
class ObservedTypes:
    """What a hole's traced calls showed: each positional argument's type, each keyword
    argument's, and the type of what it returned (None when no call returned)."""

    args: tuple[str, ...] = ()
    kwargs: Mapping[str, str] = field(default_factory=dict)
    returns: str | None = None
    calls: int = 0

    @classmethod
    def of_calls(
        cls,
        calls: Sequence[tuple[Sequence[Any], Mapping[str, Any], Any, bool]],
        numpy: str = "numpy",
    ) -> ObservedTypes:
        """From calls as (args, kwargs, result, returned): `returned` is False for a call that
        raised or was cut short, whose result says nothing."""
        if not calls:
            return cls()
        width = min(len(args) for args, _, _, _ in calls)
        positional = tuple(
            _join(_type_of(args[i], numpy, 0) for args, _, _, _ in calls).render()
            for i in range(width)
        )
        names = set.intersection(*(set(kwargs) for _, kwargs, _, _ in calls))
        keywords = {
            name: _join(_type_of(kwargs[name], numpy, 0) for _, kwargs, _, _ in calls).render()
            for name in sorted(names)
        }
        results = [_type_of(result, numpy, 0) for _, _, result, returned in calls if returned]
        returns = _join(results).render() if results else None
        return cls(positional, keywords, returns, len(calls))

    def param(self, index: int, name: str) -> str | None:
        """The observed type of the parameter at `index` named `name`, if any call showed it."""
        if name in self.kwargs:
            return self.kwargs[name]
        return self.args[index] if index < len(self.args) else None

    def to_json(self) -> dict[str, Any]:
        return {
            "args": list(self.args),
            "kwargs": dict(self.kwargs),
            "returns": self.returns,
            "calls": self.calls,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ObservedTypes:
        """From `to_json`'s shape; TypeError or ValueError if it is not that shape."""
        args = data.get("args", [])
        kwargs = data.get("kwargs", {})
        returns = data.get("returns")
        if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
            raise ValueError("observed.args must be a list of type strings")
        if not isinstance(kwargs, dict) or not all(isinstance(v, str) for v in kwargs.values()):
            raise ValueError("observed.kwargs must map names to type strings")
        if returns is not None and not isinstance(returns, str):
            raise ValueError("observed.returns must be a type string or null")
        return cls(tuple(args), dict(kwargs), returns, int(data.get("calls", 0)))
