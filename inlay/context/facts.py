"""What the last run of a sketch found out about its holes, as the language server shows it.

The language server knows only text. Whatever runs the sketch (the web app, from its database;
any client through `inlay/setFacts`) hands it a `SketchFacts` for a document, and the server turns
it into diagnostics, hover lines and observed types. Nothing here knows where the facts come from;
`trace_facts` turns a traced run (`inlay.run.trace`) into the JSON shape they travel in.

Statuses: `unfilled` (no run has produced code for the hole), `filled` (a run produced code for it,
not yet tested or not every example run), `verified` (a fill passed every example), `failing` (the
fills tried so far fail some example).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, cast, get_args

from inlay.context.observed import ObservedTypes
from inlay.sketch.examples import abbreviate

if TYPE_CHECKING:
    from inlay.run.trace import ExampleRun, HoleCall

HoleStatus = Literal["unfilled", "filled", "verified", "failing"]


@dataclass(frozen=True)
class FailedExample:
    """One example that failed: the call as written (`main([1, 2])`) and what went wrong."""

    call: str
    message: str


@dataclass(frozen=True)
class TracedCall:
    """The values a hole received in one traced call, each abbreviated with its runtime type
    (`ndarray int64 (3, 3)`), and what it returned. `literals` are the arguments as Python
    literals (`[[0, 1], [1, 0]]`, arrays as nested lists) when every one has such a form, and
    `result_literal` the result's: what "Add an example" writes. `example` is the index of the
    example the call came from; `error` what the call raised."""

    args: tuple[str, ...]
    result: str | None = None
    literals: tuple[str, ...] | None = None
    result_literal: str | None = None
    example: int | None = None
    error: str | None = None


@dataclass(frozen=True)
class GivenExample:
    """An example the user gave a hole outside the text, both sides as Python literals."""

    args: str
    output: str

    def shown(self, hole: str) -> str:
        return f"{hole}({self.args}) → {self.output}"


@dataclass(frozen=True)
class HoleFacts:
    status: HoleStatus = "unfilled"
    failed: tuple[FailedExample, ...] = ()
    traced: tuple[TracedCall, ...] = ()
    # Set when code that once passed this hole's examples no longer does (a stale fill).
    mismatch: str | None = None
    # The types of the values that went through the hole in the traced run.
    observed: ObservedTypes | None = None
    # Examples the user gave this hole outside the text (an inline hole's); a function hole's
    # are the doctests of its docstring. "Extract" writes them there.
    given: tuple[GivenExample, ...] = ()


@dataclass(frozen=True)
class SketchFacts:
    """Facts about one document. `holes` is keyed by hole (or materialized function) name;
    `failed` holds the examples that failed where no hole is to blame (at the entry)."""

    holes: Mapping[str, HoleFacts] = field(default_factory=dict)
    failed: tuple[FailedExample, ...] = ()
    run: int | None = None

    def of(self, name: str) -> HoleFacts:
        return self.holes.get(name, HoleFacts())


NO_FACTS = SketchFacts()
_SHOWN = 40  # characters of a value's repr in a traced call
_LITERAL = 300  # characters of a literal worth writing into an example
_CALLS_PER_EXAMPLE = 2  # traced calls kept per hole and example (the types use them all)
_CALLS_KEPT = 8


def traced_calls(records: Iterable[Mapping[str, Any]]) -> dict[str, tuple[TracedCall, ...]]:
    """Per hole, the calls of a trace as `inlay.run.trace` records them (`{"hole", "args", "kwargs",
    "result" | "error"}`), their values abbreviated with their runtime types: the seam through
    which traced runs reach hover and "Add an example"."""
    calls: dict[str, list[TracedCall]] = {}
    for record in records:
        call = traced_call(
            record.get("args", ()),
            record.get("kwargs", {}),
            example=record.get("example"),
            error=record.get("error"),
            returned="result" in record,
            result=record.get("result"),
        )
        calls.setdefault(str(record["hole"]), []).append(call)
    return {hole: tuple(found) for hole, found in calls.items()}


def traced_call(
    args: Sequence[Any],
    kwargs: Mapping[str, Any],
    *,
    example: int | None = None,
    error: str | None = None,
    returned: bool = False,
    result: Any = None,
) -> TracedCall:
    """One call of a hole as hover and "Add an example" show it; `result` counts only if the
    call `returned`."""
    shown = [describe_value(value) for value in args]
    shown += [f"{key}={describe_value(value)}" for key, value in kwargs.items()]
    literals = [literal(value) for value in args]
    keep_literals = not kwargs and None not in literals
    return TracedCall(
        tuple(shown),
        describe_value(result) if returned else None,
        literals=tuple(cast(list[str], literals)) if keep_literals else None,
        result_literal=literal(result) if returned else None,
        example=example,
        error=error,
    )


def trace_facts(runs: Sequence[ExampleRun], numpy: str = "numpy") -> dict[str, Any]:
    """What a traced run (`inlay.run.trace.run_program(..., trace=...)`) tells about each hole,
    in the JSON shape of `inlay/setFacts` (`traced`, `observed` per hole), plus `failed_in`: for
    each example (by its `index`) whose run a hole's raising ended, that hole. `numpy` is the name
    the
    sketch imports numpy as, for observed types."""
    by_hole: dict[str, list[tuple[int, HoleCall]]] = {}
    failed_in: dict[str, str] = {}
    for run in runs:
        for call in run.trace or ():
            by_hole.setdefault(call.hole, []).append((run.index, call))
        if run.failed_in is not None:
            failed_in[str(run.index)] = run.failed_in
    holes: dict[str, Any] = {}
    for hole, calls in by_hole.items():
        kept: list[tuple[int, HoleCall]] = []
        for number in sorted({number for number, _ in calls}):
            kept += [(n, call) for n, call in calls if n == number][:_CALLS_PER_EXAMPLE]
        observed = ObservedTypes.of_calls(
            [(call.args, call.kwargs, call.result, _returned(call)) for _, call in calls], numpy
        )
        traced = [
            traced_call(
                call.args,
                call.kwargs,
                example=number,
                error=call.error,
                returned=_returned(call),
                result=call.result,
            )
            for number, call in kept[:_CALLS_KEPT]
        ]
        holes[hole] = {
            "traced": [_traced_json(call) for call in traced],
            "observed": observed.to_json(),
        }
    return {"holes": holes, "failed_in": failed_in}


def _returned(call: HoleCall) -> bool:
    """Whether the call gave a result: it neither raised nor was cut short."""
    return call.error is None and call.returned


def _traced_json(call: TracedCall) -> dict[str, Any]:
    return {
        "args": list(call.args),
        "result": call.result,
        "literals": list(call.literals) if call.literals is not None else None,
        "result_literal": call.result_literal,
        "example": call.example,
        "error": call.error,
    }


def literal(value: Any) -> str | None:
    """The value written as a Python literal that reads back equal (arrays as nested lists), or
    None: no such form (a dataclass, an opaque value) or too long to write into an example."""
    if hasattr(value, "tolist") and hasattr(value, "dtype"):
        value = value.tolist()
    text = repr(value)
    if len(text) > _LITERAL:
        return None
    try:
        return text if ast.literal_eval(text) == value else None
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None


def describe_value(value: Any) -> str:
    """`ndarray int64 (3, 3)` for an array (its values would not fit), else the type and a short
    repr: `list [1, 2, 3]`."""
    if hasattr(value, "dtype") and hasattr(value, "shape"):
        return f"{type(value).__name__} {value.dtype} {tuple(value.shape)}"
    return f"{type(value).__name__} {abbreviate(repr(value), _SHOWN)}"


def facts_markdown(hole: str, facts: HoleFacts) -> str:
    """The hover's lines for one hole's facts."""
    lines = [f"Status: **{facts.status}**"]
    if facts.given:
        listed = "\n".join(f"- `{example.shown(hole)}`" for example in facts.given[:5])
        more = f"\n- and {len(facts.given) - 5} more" if len(facts.given) > 5 else ""
        lines.append(f"Examples you gave it:\n\n{listed}{more}")
    if facts.mismatch:
        lines.append(f"Stale fill: {facts.mismatch}")
    for failed in facts.failed[:3]:
        lines.append(f"Failed: `{failed.call}`: {failed.message}")
    if facts.traced:
        calls = [_call_markdown(call) for call in facts.traced[:3]]
        lines.append("Inputs in the last traced run:\n\n" + "\n".join(calls))
    return "\n\n".join(lines)


def _call_markdown(call: TracedCall) -> str:
    where = f"example {call.example + 1}: " if call.example is not None else ""
    outcome = (
        f" raised `{call.error}`"
        if call.error
        else f" → `{call.result}`"
        if call.result is not None
        else ""
    )
    return f"- {where}`({', '.join(call.args)})`{outcome}"


def facts_from_json(data: Mapping[str, Any]) -> SketchFacts:
    """Facts as a client sends them in `inlay/setFacts` (see docs/lsp.md); ValueError if bad."""
    try:
        holes = {
            str(name): hole_facts_from_json(hole) for name, hole in data.get("holes", {}).items()
        }
        return SketchFacts(holes=holes, failed=_failed(data.get("failed", ())), run=data.get("run"))
    except (KeyError, TypeError, AttributeError) as error:
        raise ValueError(f"Facts not in the documented shape: {error!r}") from None


def hole_facts_from_json(hole: Mapping[str, Any]) -> HoleFacts:
    """One hole's facts from the documented shape; KeyError, TypeError or ValueError if bad."""
    observed = hole.get("observed")
    return HoleFacts(
        status=_status(hole.get("status", "unfilled")),
        failed=_failed(hole.get("failed", ())),
        traced=tuple(_traced_call(call) for call in hole.get("traced", ())),
        mismatch=hole.get("mismatch"),
        observed=ObservedTypes.from_json(observed) if observed is not None else None,
        given=tuple(
            GivenExample(str(given["args"]), str(given["output"]))
            for given in hole.get("given", ())
        ),
    )


def _traced_call(call: Mapping[str, Any]) -> TracedCall:
    literals = call.get("literals")
    example = call.get("example")
    return TracedCall(
        tuple(map(str, call["args"])),
        _optional_text(call.get("result")),
        literals=tuple(map(str, literals)) if literals is not None else None,
        result_literal=_optional_text(call.get("result_literal")),
        example=int(example) if example is not None else None,
        error=_optional_text(call.get("error")),
    )


def _optional_text(value: Any) -> str | None:
    return None if value is None else str(value)


def _status(value: Any) -> HoleStatus:
    if value not in get_args(HoleStatus):
        raise ValueError(f"Unknown hole status {value!r}; expected one of {get_args(HoleStatus)}")
    return cast(HoleStatus, value)


def _failed(items: Iterable[Mapping[str, Any]]) -> tuple[FailedExample, ...]:
    return tuple(FailedExample(str(item["call"]), str(item["message"])) for item in items)
