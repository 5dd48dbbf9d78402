"""What a run says about a failing call, in words for the user and the model: the call, the
value expected and the value (or error) it gave, and what the other holes did on it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from inlay.sandbox import ExampleResult
from inlay.sketch.examples import Example, abbreviate

_SHOWN_VALUE = 2000
_SHOWN_CALLS = 3  # traced calls of a hole shown in a repair prompt


def failure_text(function: str, example: Example, result: ExampleResult) -> str:
    call = show_call(function, example.args, 300)
    if result.error is not None:
        expected = show_value(example.output, 300)
        return f"`{call}` should return `{expected}`, but it failed: {result.error}"
    expected, actual = shown_apart(example.output, result.output, 300)
    return f"`{call}` should return `{expected}`, but it returned `{actual}`."


def traced_calls(traced: dict[str, Any] | None, example: int, holes: Sequence[str]) -> str:
    if not traced:
        return ""
    lines = []
    for name in holes:
        facts = traced.get("holes", {}).get(name, {})
        calls = [call for call in facts.get("traced", []) if call.get("example") == example]
        for call in calls[:_SHOWN_CALLS]:
            # A value with no literal (too long, or not one) is shown abbreviated instead.
            args = ", ".join(call.get("literals") or call.get("args") or [])
            result = call.get("result_literal") or call.get("error") or call.get("result") or "?"
            lines.append(f"- `{name}({abbreviate(args, 200)})` gave `{abbreviate(result, 200)}`")
    return "\nOn that call, the other functions did this:\n" + "\n".join(lines) if lines else ""


def result_data(result: ExampleResult) -> dict[str, Any]:
    expected, actual = show_value(result.expected), None
    if result.error is None:
        if result.status == "pass":
            actual = show_value(result.output)
        else:
            expected, actual = shown_apart(result.expected, result.output)
    return {
        "status": result.status,
        "expected": expected,
        "actual": actual,
        "error": result.error,
        "duration": round(result.duration, 4),
    }


def shown_apart(expected: object, actual: object, limit: int = _SHOWN_VALUE) -> tuple[str, str]:
    """Both values as shown; two different values that print alike are shown with their types."""
    shown = show_value(expected, limit), show_value(actual, limit)
    if shown[0] != shown[1]:
        return shown
    return (
        f"{shown[0]} ({type(expected).__name__})",
        f"{shown[1]} ({type(actual).__name__})",
    )


def show_call(function: str, args: Sequence[object], limit: int = _SHOWN_VALUE) -> str:
    """`function(arg, ...)`, each argument shown as `show_value` shows it."""
    return f"{function}({', '.join(show_value(arg, limit) for arg in args)})"


def show_value(value: object, limit: int = _SHOWN_VALUE) -> str:
    try:
        text = repr(value)
    except ValueError:  # an int past Python's digit limit for str()
        text = f"<an int of about {value.bit_length() * 3 // 10} digits>"  # type: ignore[attr-defined]
    return abbreviate(text, limit)
