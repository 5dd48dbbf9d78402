"""Running a test's filled sketch the only way Inlay runs sketch code: in the sandbox."""

from __future__ import annotations

from typing import Any

from inlay.sandbox import run_examples


def call_main(program: str, *args: Any) -> Any:
    """What `main(*args)` returns in the sandbox; AssertionError with the sandbox's message if
    it raised or hit a limit."""
    (result,) = run_examples(program, "main", [(args, None)])
    assert result.error is None, result.error
    return result.output


def main_error(program: str, *args: Any) -> str:
    """The error `main(*args)` ends with in the sandbox (AssertionError if it returned)."""
    (result,) = run_examples(program, "main", [(args, None)])
    assert result.error is not None, f"main returned {result.output!r}"
    return result.error
