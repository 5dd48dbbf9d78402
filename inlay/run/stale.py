"""Stale fills: code that filled a hole and no longer passes that function's own examples.

A run fills a hole; the user accepts the fill, and the function now has a body. Later they add
or change a doctest example in its docstring (`>>> reverse_list([1, 2])` then `[2, 1]`), or edit
a helper it calls. If the function no longer gives what its examples say, the fill is stale: the
language server warns on its `def` line (diagnostic code `stale`) until the code or the examples
agree again.

Which functions are fills comes from the facts of the sketch's last run (`inlay.context.facts`): the
names it lists as `verified` or `filled`. Only those that are now ordinary functions (not holes)
with examples of their own are checked, each example run in the sandbox like any other code
(`inlay.sandbox.run_examples`), with short limits: a check runs as the user types.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from inlay.sandbox import ExampleResult, Limits, run_examples
from inlay.sketch import Function, Sketch
from inlay.sketch.arrays import as_expected
from inlay.sketch.examples import ExampleError, abbreviate
from inlay.sketch.materialize import Fills, MaterializeError, materialize

CHECK_LIMITS = Limits(wall_seconds=2.0, cpu_seconds=2)
_FILLED = frozenset({"verified", "filled"})
_SHOWN = 80


def fills_to_check(sketch: Sketch, statuses: Mapping[str, str]) -> list[str]:
    """The names of the functions that a run filled (by their status in the facts) and that now
    have a body and examples of their own."""
    holes = {hole.name for hole in sketch.holes}
    return [
        name
        for name, status in statuses.items()
        if status in _FILLED and name not in holes and _examples_of(sketch.function(name))
    ]


def _examples_of(function: Function | None) -> bool:
    return function is not None and bool(function.examples)


def stale_fills(sketch: Sketch, names: Collection[str]) -> dict[str, str]:
    """For each named function whose own examples fail, what the first failure shows. Raises
    inlay.sandbox.SandboxUnavailable where candidates cannot be isolated."""
    if sketch.errors or not names:
        return {}
    try:
        program = materialize(sketch, Fills())
    except MaterializeError:
        return {}
    found = {}
    for name in names:
        function = sketch.function(name)
        if function is None or not function.examples:
            continue
        try:  # as the engine tests it: grids as arrays where the function takes arrays
            examples = as_expected(sketch, function.examples, entry=name)
        except ExampleError:
            examples = list(function.examples)
        cases = [(example.args, example.output) for example in examples]
        results = run_examples(program, name, cases, CHECK_LIMITS)
        for example, result in zip(examples, results, strict=True):
            if result.status != "pass":
                call = f"{name}({', '.join(_shown(arg) for arg in example.args)})"
                found[name] = _mismatch(call, result)
                break
    return found


def _mismatch(call: str, result: ExampleResult) -> str:
    if result.status == "fail":
        return f"`{call}` gives {_shown(result.output)}, expected {_shown(result.expected)}"
    return f"`{call}`: {result.error or result.status}"


def _shown(value: object) -> str:
    return abbreviate(repr(value), _SHOWN)
