"""The synthesis engine: fill a sketch's holes with a model and test each candidate.

Django-free. It reports every step through `emit(kind, data)`, with JSON-ready data; the Celery
task persists those as events, the CLI prints them. A candidate fills every hole of the sketch;
the first is sampled greedily, the others with some temperature, and the run stops early at the
first candidate that passes every example.

A fill may leave holes of its own (ANPL's decomposition: `return "sum each row"(grid)` inside the
fill): they are filled in a next round, with the patched sketch as their context, up to
`ROUNDS` rounds; a candidate that still has holes after that is invalid, and says which.

Each tested candidate is then run once more with its holes traced (`inlay.run.trace`), on the
examples that ran to an end (not those that hit a limit: they would only hit it again), and what the
trace shows of each hole (the values it received and returned, their observed types, which hole
raised on which example) is reported as `candidate.traced`: the language server's facts about the
sketch's last run.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from inlay.context.facts import trace_facts
from inlay.context.inference import imported_modules
from inlay.run.trace import run_program
from inlay.sandbox import ExampleResult, Limits, run_examples
from inlay.sketch import Hole, Sketch, parse_sketch
from inlay.sketch.examples import Example, abbreviate
from inlay.sketch.fill import FillError, apply_fills
from inlay.sketch.tasks import TaskExample
from inlay.synthesis.backends import BackendError, GenerationOptions, ModelBackend
from inlay.synthesis.prompts import NoCode, Rejection, extract_code, hole_messages

Emit = Callable[[str, dict[str, Any]], None]

ROUNDS = 3
_PROGRESS_INTERVAL = 0.5
_SHOWN_VALUE = 2000
_RAN_TO_AN_END = frozenset({"pass", "fail", "error"})


class SketchProblem(ValueError):
    """The sketch cannot be filled as it stands; the message tells the user why."""


@dataclass(frozen=True)
class FillRequest:
    sketch: str
    examples: Sequence[Example]
    candidates: int = 3
    max_tokens: int = 400
    temperature: float = 0.8
    model_timeout_seconds: float = 120.0
    limits: Limits = field(default_factory=Limits)
    # Fills the user rejected in earlier runs of the sketch, newest first: shown in the prompts.
    rejected: Sequence[Rejection] = ()


def check_sketch(source: str) -> Sketch:
    sketch = parse_sketch(source)
    if sketch.errors:
        error = sketch.errors[0]
        raise SketchProblem(f"Line {error.line + 1}, column {error.column + 1}: {error.message}")
    if not sketch.holes:
        raise SketchProblem("The sketch has no holes to fill.")
    if sketch.entry is None:
        raise SketchProblem(
            "Cannot tell which function is the entry: define `main`, or leave exactly one "
            "top-level function that no other function calls."
        )
    return sketch


def fill(request: FillRequest, backend: ModelBackend, emit: Emit) -> None:
    """Run one fill to its end. Raises SketchProblem or BackendError when the run cannot go on."""
    sketch = check_sketch(request.sketch)
    emit("run.started", {"holes": [hole.name for hole in sketch.holes], "backend": backend.name})
    best = None
    for index in range(request.candidates):
        passed = _candidate(sketch, request, backend, index, emit)
        if passed is not None and (best is None or passed > best[1]):
            best = (index, passed)
        if request.examples and passed == len(request.examples):
            break
    emit("run.finished", {"best": best[0] if best else None, "examples": len(request.examples)})


def _candidate(
    sketch: Sketch, request: FillRequest, backend: ModelBackend, index: int, emit: Emit
) -> int | None:
    """Generate, patch and test one candidate; the number of examples it passes, or None."""
    emit("candidate.started", {"candidate": index})
    options = GenerationOptions(
        max_tokens=request.max_tokens,
        temperature=0.0 if index == 0 else request.temperature,
        seed=index,
        timeout_seconds=request.model_timeout_seconds,
    )
    fills: dict[str, str] = {}
    current = sketch
    try:
        for _ in range(ROUNDS):
            pending = [hole for hole in current.holes if hole.name not in fills]
            if not pending:
                break
            this_round = {}
            for hole in pending:
                reply = _generate(current, hole, request, backend, options, index, emit)
                this_round[hole.name] = extract_code(reply)
            fills |= this_round
            current = parse_sketch(apply_fills(current, this_round))
        if current.holes:
            left = ", ".join(f"`{hole.name}`" for hole in current.holes)
            raise FillError(f"The fills still leave holes after {ROUNDS} rounds: {left}.")
        if current.errors:
            problem = current.errors[0]
            raise FillError(f"The filled sketch does not parse: {problem.message}.")
        text = current.source
    except (NoCode, FillError) as error:
        emit("candidate.invalid", {"candidate": index, "error": str(error)})
        return None
    emit("candidate.generated", {"candidate": index, "text": text, "fills": fills})
    assert sketch.entry is not None
    cases = [(example.args, example.output) for example in request.examples]
    results = run_examples(text, sketch.entry, cases, request.limits)
    for number, (example, result) in enumerate(zip(request.examples, results, strict=True)):
        call = f"{sketch.entry}({', '.join(show_value(arg) for arg in example.args)})"
        data = {"candidate": index, "example": number, "call": call, **_result_data(result)}
        emit("example.result", data)
    traced = _trace(sketch, text, list(fills), request, results)
    if traced is not None:
        emit("candidate.traced", {"candidate": index, **traced})
    passed = sum(result.status == "pass" for result in results)
    emit("candidate.tested", {"candidate": index, "passed": passed, "total": len(results)})
    return passed


def _trace(
    sketch: Sketch,
    text: str,
    holes: Sequence[str],
    request: FillRequest,
    results: Sequence[ExampleResult],
) -> dict[str, Any] | None:
    """The candidate's filled holes (sub-holes too) traced on the examples that ran to an end
    (see the module's docstring), as `inlay.context.facts.trace_facts` reports them."""
    assert sketch.entry is not None
    numbers = [n for n, result in enumerate(results) if result.status in _RAN_TO_AN_END]
    if not numbers:
        return None
    examples = [
        TaskExample(tuple(request.examples[n].args), request.examples[n].output, None, n)
        for n in numbers
    ]
    runs = run_program(text, sketch.entry, examples, trace=holes)
    return trace_facts(runs, numpy=imported_modules(sketch).get("numpy", "numpy"))


def _generate(
    sketch: Sketch,
    hole: Hole,
    request: FillRequest,
    backend: ModelBackend,
    options: GenerationOptions,
    index: int,
    emit: Emit,
) -> str:
    reply, last = "", 0.0
    messages = hole_messages(sketch, hole, request.examples, request.rejected)
    for chunk in backend.stream_chat(messages, options):
        reply += chunk
        if time.monotonic() - last >= _PROGRESS_INTERVAL:
            emit("candidate.progress", {"candidate": index, "hole": hole.name, "reply": reply})
            last = time.monotonic()
    emit("candidate.progress", {"candidate": index, "hole": hole.name, "reply": reply})
    return reply


def _result_data(result: ExampleResult) -> dict[str, Any]:
    return {
        "status": result.status,
        "expected": show_value(result.expected),
        "actual": show_value(result.output) if result.error is None else None,
        "error": result.error,
        "duration": round(result.duration, 4),
    }


def show_value(value: object) -> str:
    return abbreviate(repr(value), _SHOWN_VALUE)


__all__ = ["BackendError", "FillRequest", "SketchProblem", "check_sketch", "fill"]
