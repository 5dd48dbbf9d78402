"""Input/output examples, written as Python literals or JSON.

An example's arguments are written as they would appear between the call's parentheses
(`[1, 2, 3]` for one argument, `2, "ab"` for two); its output is one value. Anything
`ast.literal_eval` accepts works, and so do JSON's `true`, `false` and `null`.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from inlay.sandbox.equality import JsonArray, values_equal


class ExampleError(ValueError):
    """A value that is neither a Python literal nor JSON; the message says what is wrong."""


@dataclass(frozen=True)
class Example:
    args: tuple[Any, ...]
    output: Any

    def to_json(self) -> dict[str, Any]:
        return {"args": list(self.args), "output": self.output}


def same_example(example: Example, other: Example) -> bool:
    """Whether two examples say the same, compared as outputs are (arrays and lists alike): `==`
    on an example holding an array is ambiguous, so examples are never compared with `in`."""
    return (
        len(example.args) == len(other.args)
        and all(values_equal(a, b) for a, b in zip(example.args, other.args, strict=True))
        and values_equal(example.output, other.output)
    )


def among(example: Example, examples: Sequence[Example]) -> bool:
    return any(same_example(example, other) for other in examples)


def json_output(value: Any) -> Any:
    """An expected value read from JSON, its arrays (nested ones too) marked as `JsonArray`."""
    if isinstance(value, list):
        return JsonArray(json_output(item) for item in value)
    if isinstance(value, dict):
        return {key: json_output(item) for key, item in value.items()}
    return value


def abbreviate(text: str, limit: int, tail: str = "...") -> str:
    """The text, cut to at most `limit` characters with `tail` at the end where it was cut: how
    values are shown in pages, prompts, hovers and diagnostics."""
    return text if len(text) <= limit else text[: limit - len(tail)] + tail


def call_at(line: str, start: int, name: str) -> str | None:
    """The call of `name` (positional arguments only) written at `start` of the line: its text up
    to its closing parenthesis, or None."""
    for end in range(start + len(name) + 1, len(line)):
        if line[end] != ")":
            continue
        text = line[start : end + 1]
        try:
            node = ast.parse(text, mode="eval").body
        except SyntaxError:
            continue
        if isinstance(node, ast.Call) and not node.keywords:
            return text
    return None


def parse_value(text: str) -> Any:
    if not text.strip():
        raise ExampleError("A value is required.")
    _check_size(text)
    return _within_limits(_read_value(text))


def parse_arguments(text: str) -> tuple[Any, ...]:
    """The arguments of one call: `[1, 2]` is one list, `1, 2` is two numbers, empty is none."""
    if not text.strip():
        return ()
    _check_size(text)
    # The tuple that wraps the arguments is no level of nesting of theirs.
    return tuple(_within_limits(_read_arguments(text), depth=0))


def _read_value(text: str) -> Any:
    try:
        return ast.literal_eval(text.strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError) as error:
        python_error = error
    try:
        return json.loads(text)
    except (ValueError, RecursionError):  # JSONDecodeError, or a number or nesting too large
        pass
    raise ExampleError(_explain(text, python_error))


def _read_arguments(text: str) -> tuple[Any, ...]:
    try:
        # Wrapped as a tuple display, the text reads exactly as between a call's parentheses.
        return tuple(ast.literal_eval(f"({text.strip()},)"))
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        pass
    try:
        return tuple(json.loads(f"[{text}]"))
    except (ValueError, RecursionError):  # JSONDecodeError, or a number or nesting too large
        pass
    try:
        ast.literal_eval(text.strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError) as error:
        raise ExampleError(_explain(text, error)) from None
    raise ExampleError("Not a Python literal or JSON.")


# What an example may hold (docs/operations.md): its text, how deeply its values nest, and how
# large an integer may be. Beyond them a value would fail later and less clearly (the sandbox's
# codec, Python's limit on printing integers in the prompts).
MAX_EXAMPLE_CHARS = 200_000
MAX_DEPTH = 100
MAX_INT_DIGITS = 1_000
_TOO_DEEP = (
    f"The value nests more than {MAX_DEPTH} levels deep; an example may nest at most {MAX_DEPTH}."
)
_TOO_LARGE = (
    f"A number has more than {MAX_INT_DIGITS:,} digits; an example's numbers may have at most "
    f"{MAX_INT_DIGITS:,}."
)


def _check_size(text: str) -> None:
    if len(text) > MAX_EXAMPLE_CHARS:
        raise ExampleError(
            f"The value is {len(text):,} characters long; an example may have at most "
            f"{MAX_EXAMPLE_CHARS:,}."
        )


def _within_limits(value: Any, depth: int = 1) -> Any:
    """The value, if it nests at most MAX_DEPTH levels and holds no integer of more than
    MAX_INT_DIGITS digits; else ExampleError saying which limit it passes. `depth` is the level
    of `value` itself (0 for the tuple that wraps a call's arguments)."""
    stack = [(value, depth)]
    while stack:
        item, level = stack.pop()
        if level > MAX_DEPTH:
            raise ExampleError(_TOO_DEEP)
        if isinstance(item, int) and item.bit_length() > _INT_BITS:
            raise ExampleError(_TOO_LARGE)
        if isinstance(item, list | tuple | set | frozenset):
            stack += [(each, level + 1) for each in item]
        elif isinstance(item, dict):
            stack += [(each, level + 1) for pair in item.items() for each in pair]
    return value


_INT_BITS = int(MAX_INT_DIGITS * 3.3219280948873626)  # log2(10) bits a decimal digit


def _explain(text: str, error: Exception) -> str:
    # Python's own limits, met before ours: its parser's nesting and its digits of an int.
    if isinstance(error, RecursionError) or "too many nested" in str(error):
        return _TOO_DEEP
    if "integer string conversion" in str(error):
        return _TOO_LARGE
    if isinstance(error, SyntaxError):
        return f"Not a Python literal or JSON: {error.msg} (column {error.offset or 1})."
    if isinstance(error, ValueError):
        return (
            "Only literal values are allowed (numbers, strings, lists, tuples, dicts, sets, "
            f"True/False/None or JSON): {text.strip()[:60]!r} is an expression."
        )
    return f"Not a Python literal or JSON: {error}."
