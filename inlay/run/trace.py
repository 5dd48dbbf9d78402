"""Running a materialized sketch on examples in the sandbox, and tracing its holes.

    runs = run_program(program, "main", examples, trace=("reverse_list", "double_every_item"))

Everything runs through `inlay.sandbox.run_examples`: no other path runs sketch or generated code.
Without tracing, the program runs as it is. With tracing, the program is *instrumented*: a
prelude appended at its end (so every line of the program keeps its number) wraps each traced
hole's function with a recorder and adds the entry `__inlay_traced_entry__`, which calls the real
entry, catches what it raises, and returns one plain dict:

    {"output": ..., "error": "ValueError: bad grid (line 12)" | None, "failed_in": hole | None,
     "trace": [{"hole", "args", "kwargs", "result" | "error"}, ...], "dropped": int}

Each call's arguments are deep-copied when the call starts and its result when it returns, so later
mutation does not change the record. A call whose record has an "error" raised it; a hole with no
call in an example was never reached there (the program failed before it, or took another way).
`failed_in` names the hole whose raising ended the program, if one did. The sandbox's codec carries
numpy arrays, lists, tuples, dicts, sets and dataclasses; a value it cannot carry (a generator, an
instance of a plain class) is recorded as an `inlay.context.observed.Opaque`: its type's name and a
short repr (`to_json` shows it as the string `<Type: repr>`). The output is then compared with the
expected value here, with the sandbox's own `values_equal`.

If the instrumented run itself ends badly (a timeout, the memory limit), the trace of that example
is lost and its error says why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from inlay.context.observed import Opaque
from inlay.sandbox import ExampleResult, Limits, Record, run_examples, values_equal
from inlay.sketch.tasks import Split, TaskExample

TRACED_ENTRY = "__inlay_traced_entry__"
# The prelude's stand-in for a value the codec cannot carry: {OPAQUE: type name, "repr": text}.
OPAQUE = "__inlay_opaque__"
MAX_CALLS = 200  # recorded per example: a hole called once per cell of a grid would flood the reply
# A trace holds many values: room for them in the reply (file_bytes must exceed output_bytes).
TRACE_LIMITS = Limits(output_bytes=8 * 2**20, file_bytes=16 * 2**20)


@dataclass(frozen=True)
class HoleCall:
    """One call of a hole: its arguments, and its result or the error it raised."""

    hole: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    result: Any = None
    error: str | None = None  # this hole raised; None if it returned
    returned: bool = True  # False: it neither returned nor raised (the run was cut short)


@dataclass(frozen=True)
class ExampleRun:
    """One example's run: whether it passed, what came out, and the holes' calls if traced."""

    split: Split | None
    index: int
    args: tuple[Any, ...]
    expected: Any
    passed: bool
    output: Any
    error: str | None  # the program failed (raised, timed out, ...); None if it returned
    trace: tuple[HoleCall, ...] | None = None  # None when not traced
    failed_in: str | None = None  # the hole whose raising ended the program
    dropped: int = 0  # calls past MAX_CALLS, not recorded

    def calls(self, hole: str) -> list[HoleCall]:
        return [call for call in self.trace or () if call.hole == hole]

    def reached(self, hole: str) -> bool:
        return bool(self.calls(hole))


def run_program(
    program: str,
    entry: str,
    examples: Sequence[TaskExample],
    *,
    trace: Sequence[str] | None = None,
    limits: Limits | None = None,
) -> list[ExampleRun]:
    """Run `entry` of `program` on each example in the sandbox, tracing the holes named in
    `trace` (none traced, and the program run as it is, when `trace` is None)."""
    if trace is None:
        results = run_examples(program, entry, _pairs(examples), limits or Limits())
        return [
            _plain_run(example, result) for example, result in zip(examples, results, strict=True)
        ]
    instrumented = instrument(program, entry, trace)
    inputs = [(example.args, None) for example in examples]
    results = run_examples(instrumented, TRACED_ENTRY, inputs, limits or TRACE_LIMITS)
    return [_traced_run(example, result) for example, result in zip(examples, results, strict=True)]


def _pairs(examples: Sequence[TaskExample]) -> list[tuple[Sequence[object], object]]:
    return [(example.args, example.output) for example in examples]


def _plain_run(example: TaskExample, result: ExampleResult) -> ExampleRun:
    return ExampleRun(
        example.split,
        example.index,
        example.args,
        example.output,
        passed=result.status == "pass",
        output=result.output,
        error=result.error,
    )


def _traced_run(example: TaskExample, result: ExampleResult) -> ExampleRun:
    reply = result.output
    if result.status not in {"pass", "fail"} or not isinstance(reply, dict):
        failure = result.error or "The traced run returned no trace"
        return ExampleRun(
            example.split, example.index, example.args, example.output, False, None, failure, ()
        )
    error, output = reply.get("error"), _opaque(reply.get("output"))
    return ExampleRun(
        example.split,
        example.index,
        example.args,
        example.output,
        passed=error is None and values_equal(example.output, output),
        output=output,
        error=error,
        trace=tuple(_call(record) for record in reply.get("trace", [])),
        failed_in=reply.get("failed_in"),
        dropped=int(reply.get("dropped", 0)),
    )


def _call(record: dict[str, Any]) -> HoleCall:
    return HoleCall(
        hole=str(record["hole"]),
        args=tuple(_opaque(record["args"])),
        kwargs=dict(_opaque(record.get("kwargs", {}))),
        result=_opaque(record.get("result")),
        error=record.get("error"),
        returned="result" in record or "error" in record,
    )


def _opaque(value: Any) -> Any:
    """The value with the prelude's stand-ins for values it could not carry made `Opaque`."""
    if isinstance(value, dict):
        if value.keys() == {OPAQUE, "repr"}:
            return Opaque(str(value[OPAQUE]), str(value["repr"]))
        return {key: _opaque(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_opaque(item) for item in value)
    return value


def instrument(program: str, entry: str, holes: Sequence[str], max_calls: int = MAX_CALLS) -> str:
    """The program with the tracing prelude appended (see the module's docstring)."""
    lines = program.count("\n") + (0 if program.endswith("\n") else 1)
    settings = f"{lines!r}, {list(holes)!r}, {entry!r}, {max_calls!r}"
    separator = "" if program.endswith("\n") else "\n"
    return f"{program}{separator}\n\n{_PRELUDE}\n__inlay_start_tracing__({settings})\n"


def to_json(value: Any) -> Any:
    """A traced or output value as JSON: arrays as nested lists, tuples and sets as lists,
    dataclasses as objects, dicts with other keys than strings as [key, value] pairs."""
    if hasattr(value, "tolist"):  # numpy arrays and scalars
        return to_json(value.tolist())
    if isinstance(value, Record):
        return {key: to_json(item) for key, item in vars(value).items()}
    if isinstance(value, list | tuple):
        return [to_json(item) for item in value]
    if isinstance(value, set | frozenset):
        items = [to_json(item) for item in value]
        try:
            return sorted(items)
        except TypeError:
            return items
    if isinstance(value, dict):
        if all(isinstance(key, str) for key in value):
            return {key: to_json(item) for key, item in value.items()}
        return [[to_json(key), to_json(item)] for key, item in value.items()]
    if isinstance(value, bytes):
        return value.decode("latin-1")
    if isinstance(value, Opaque):
        return str(value)
    return value


# Runs inside the sandbox, at the end of the program's module. Its names start with `__inlay_` so
# that they cannot meet the program's.
_PRELUDE = '''
def __inlay_start_tracing__(program_lines, holes, entry, max_calls):
    import copy
    import dataclasses
    import functools
    import sys

    module = globals()
    calls = []
    raised = {}  # id(exception) -> (exception, the hole that raised it first)
    dropped = [0]

    def where(error):
        """The innermost line of the program (not of this prelude) in the error's traceback."""
        line, frame = None, error.__traceback__
        while frame is not None:
            if frame.tb_frame.f_globals is module and frame.tb_lineno <= program_lines:
                line = frame.tb_lineno
            frame = frame.tb_next
        return line

    def describe(error):
        try:
            text = str(error)[:1000]
        except Exception:
            text = "(the message could not be read)"
        text = f"{type(error).__name__}: {text}" if text else type(error).__name__
        line = where(error)
        return f"{text} (line {line})" if line else text

    def encodable(value, depth=0):
        if depth > 100:
            return False
        numpy = sys.modules.get("numpy")
        if numpy is not None and isinstance(value, numpy.ndarray | numpy.generic):
            return not value.dtype.hasobject and value.dtype.names is None
        if value is None or isinstance(value, bool | int | float | str | bytes | bytearray):
            return True
        if isinstance(value, list | tuple | set | frozenset):
            return all(encodable(item, depth + 1) for item in value)
        if isinstance(value, dict):
            return all(
                encodable(key, depth + 1) and encodable(item, depth + 1)
                for key, item in value.items()
            )
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return all(
                encodable(getattr(value, field.name), depth + 1)
                for field in dataclasses.fields(value)
            )
        return False

    def safe(value, depth=0):
        """The value if the sandbox's codec can carry it; else its parts, or a string for it."""
        if encodable(value):
            return value
        if depth < 20 and isinstance(value, list | tuple):
            return type(value)(safe(item, depth + 1) for item in value)
        if depth < 20 and isinstance(value, dict):
            return {safe(key, depth + 1): safe(item, depth + 1) for key, item in value.items()}
        try:
            shown = repr(value)[:200]
        except Exception:
            shown = "?"
        return {"__inlay_opaque__": type(value).__name__, "repr": shown}

    def snapshot(value):
        try:
            value = copy.deepcopy(value)
        except Exception:
            pass  # recorded as it is now: a value that cannot be copied cannot be carried either
        return safe(value)

    def recorder(name, function):
        @functools.wraps(function)
        def recorded(*args, **kwargs):
            if len(calls) >= max_calls:
                dropped[0] += 1
                return function(*args, **kwargs)
            record = {"hole": name, "args": snapshot(args), "kwargs": snapshot(kwargs)}
            calls.append(record)
            try:
                result = function(*args, **kwargs)
            except BaseException as error:
                record["error"] = describe(error)
                raised.setdefault(id(error), (error, name))
                raise
            record["result"] = snapshot(result)
            return result

        return recorded

    for name in holes:
        if callable(module.get(name)):
            module[name] = recorder(name, module[name])

    def traced_entry(*args):
        calls.clear()
        raised.clear()
        dropped[0] = 0
        output, error, failed_in = None, None, None
        try:
            if not callable(module.get(entry)):
                raise NameError(f"The program defines no function named {entry!r}")
            output = module[entry](*args)
        except Exception as exc:
            error = describe(exc)
            failed_in = raised.get(id(exc), (None, None))[1]
        if error is None and not encodable(output):
            error = f"Result could not be encoded: {type(output).__name__}"
        return {
            "output": safe(output),
            "error": error,
            "failed_in": failed_in,
            "trace": calls,
            "dropped": dropped[0],
        }

    module["__inlay_traced_entry__"] = traced_entry
'''.strip()
