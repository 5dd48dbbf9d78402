"""The synthesis engine: fill a sketch's holes with a model, test, repair and rank the candidates.

Django-free. It reports every step through `emit(kind, data)`, with JSON-ready data; the Celery
task persists those as events, the CLI prints them (docs/cli.md lists them).

A run works hole by hole and round by round, within a budget of samples, seconds and tokens:

1. Each round adds one sample to every hole's *pool*: greedy first, then sampled with some
   temperature and a seed of its own, or, where the hole's best sample so far failed, a *repair*
   of it that is told the failing call, the value expected and the value (or error) it gave, and
   what the other holes received and returned on that call (`repair_prompt`). A sample is
   checked before anything runs (`checks.check_fill`: it parses, defines the hole with the right
   arity, leaves no name undefined); a sample that repeats one in the pool counts as a vote for
   it; a sample that repeats a fill the user rejected is dropped.
2. A hole with examples of its own (its doctest lines, examples the user gave it) has each sample
   tested alone: one sandboxed call of the hole's function per example, the other holes stubbed.
3. The pools are combined best-first (by own examples passed, then by age) into whole programs,
   the *candidates*, each tested on the entry's examples and traced.
4. The run stops at a candidate passing every example when there are enough examples to trust
   that (`FEW_EXAMPLES`); with fewer it goes on sampling, and chooses among the passing candidates
   the one most others agree with on further inputs (`ranking`), stopping early once more samples
   could hardly change that choice.

A fill may leave holes of its own (ANPL's decomposition: `return "sum each row"(grid)` inside the
fill): they are filled greedily with the patched sketch as their context, up to `ROUNDS` deep.

This module is longer than the others (about 700 lines) for a reason: it is one search, and its
steps (sampling, testing alone, combining, blaming and repairing, ranking, budgets) share the run's
state. What stands alone lives beside it: `checks`, `prompts`, `programs`, `ranking`, `reports`.

A model reply that fails (a timeout, an unreadable answer) costs only that sample. Every run ends
with `run.finished` (or `run.cancelled`), naming the chosen candidate, why it was chosen, and the
tokens and seconds spent.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from inlay.context.facts import trace_facts
from inlay.context.inference import imported_modules
from inlay.run.trace import run_program
from inlay.sandbox import ExampleResult, Limits, run_examples
from inlay.sketch import Hole, Sketch, parse_sketch
from inlay.sketch.arrays import as_expected
from inlay.sketch.examples import Example, ExampleError, among
from inlay.sketch.fill import FillError, apply_nested_fills
from inlay.sketch.prelude import prelude_needed
from inlay.sketch.tasks import TaskExample
from inlay.synthesis import ranking
from inlay.synthesis.backends import (
    BackendError,
    BackendTimeoutError,
    BadResponseError,
    GenerationError,
    GenerationOptions,
    ModelBackend,
    Usage,
)
from inlay.synthesis.checks import (
    SketchProblem,
    check_examples,
    check_fill,
    entry_arity,
    names_undefined,
)
from inlay.synthesis.checks import undefined_names as undefined_names_of
from inlay.synthesis.enumerative import enumerate_fill
from inlay.synthesis.programs import combinations, dependency_order, stubbed
from inlay.synthesis.programs import filled as filled_program
from inlay.synthesis.programs import normal as normal_form
from inlay.synthesis.prompts import (
    NoCode,
    Prompt,
    Rejection,
    complete_function,
    hole_prompt,
    inputs_prompt,
    read_calls,
    repair_prompt,
    reply_done,
)
from inlay.synthesis.reports import (
    failure_text,
    result_data,
    show_call,
    show_value,
    traced_calls,
)

Emit = Callable[[str, dict[str, Any]], None]

ROUNDS = 3
# With at least this many examples a candidate passing them all is taken at once; with fewer,
# passing says less, and the run samples on to rank the candidates by agreement.
FEW_EXAMPLES = 5
# Ranking stops sampling once the chosen group leads the next by this many samples.
DECISIVE_LEAD = 3
_PROGRESS_INTERVAL = 0.5
_RAN_TO_AN_END = frozenset({"pass", "fail", "error"})
# A reply may have failed this way without the backend as a whole being at fault.
_LOCAL_FAILURES = (BackendTimeoutError, BadResponseError, GenerationError)
# The shortest time a model reply is given, however little of the run's budget is left.
_LEAST_REPLY_SECONDS = 5.0

# A function body that is one indented block, then the closing fence: with the signature and
# docstring already written, the reply can only be that function (see docs/models.md).
BODY_GRAMMAR = r"""
root ::= line+ "```"
line ::= ("    " | "\t") [^\n]* "\n" | [ \t]* "\n"
"""


Filler = Literal["auto", "model", "enumerative"]
FILLERS: tuple[Filler, ...] = ("auto", "model", "enumerative")


class Cancelled(Exception):
    """The run was cancelled by its user."""


@dataclass(frozen=True)
class FillRequest:
    sketch: str
    examples: Sequence[Example]
    samples: int = 10  # per hole, repairs included
    candidates: int = 12  # whole programs tested, at most
    repairs: int = 2  # per hole
    max_tokens: int = 400
    temperature: float = 0.8
    model_timeout_seconds: float = 120.0
    budget_seconds: float = 120.0
    budget_tokens: int | None = None
    limits: Limits = field(default_factory=Limits)
    # Fills the user rejected in earlier runs of the sketch, newest first: shown in the prompts
    # and never offered again.
    rejected: Sequence[Rejection] = ()
    entry: str | None = None
    # Examples of single holes, by hole name, besides their doctest lines.
    hole_examples: Mapping[str, Sequence[Example]] = field(default_factory=dict)
    # Refilling: the holes to fill (none given: every hole without a fixed fill), and the fills
    # of the other holes, by name, held as they are.
    holes: Sequence[str] = ()
    fixed: Mapping[str, str] = field(default_factory=dict)
    # Who writes fills: "auto" tries the model-free filler (inlay.synthesis.enumerative) first on
    # each hole that is tested alone, then the model; "model" only the model; "enumerative" only
    # the model-free filler, no model call at all.
    filler: Filler = "auto"
    enumerative_seconds: float = 2.0  # per hole
    # Constrained decoding where the backend has it (the local model): off by default, as it
    # halves the local model's speed for no fewer invalid samples (docs/benchmarks.md).
    constrain: bool = False


def check_sketch(source: str, entry: str | None = None) -> Sketch:
    sketch = parse_sketch(source)
    if sketch.errors:
        error = sketch.errors[0]
        raise SketchProblem(f"Line {error.line + 1}, column {error.column + 1}: {error.message}")
    if not sketch.holes:
        raise SketchProblem("The sketch has no holes to fill.")
    if entry is not None:
        if sketch.function(entry) is None:
            raise SketchProblem(f"The sketch defines no function `{entry}` to use as the entry.")
        return _with_entry(sketch, entry)
    if sketch.entry is None:
        raise SketchProblem(
            "Cannot tell which function is the entry: define `main`, or leave exactly one "
            "top-level function that no other function calls (or name one with --entry)."
        )
    return sketch


def fill(
    request: FillRequest,
    backend: ModelBackend,
    emit: Emit,
    cancelled: Callable[[], bool] = lambda: False,
) -> str | None:
    """Run one fill to its end; the chosen program's text, or None. Raises SketchProblem before
    any model call when the sketch or its examples cannot be used, and BackendError when the model
    cannot be reached or loaded at all."""
    sketch = check_sketch(request.sketch, request.entry)
    examples = [*request.examples]
    examples += [example for example in sketch.examples if not among(example, examples)]
    check_examples(sketch, examples)
    try:
        examples = as_expected(sketch, examples)
    except ExampleError as error:
        raise SketchProblem(f"{error}.") from None
    _check_refill(sketch, request)
    emit(
        "run.started",
        {
            "holes": [hole.name for hole in sketch.holes],
            "backend": backend.name,
            "examples": len(examples),
        },
    )
    run = _Run(sketch, examples, request, backend, emit, cancelled)
    try:
        run.search()
    except Cancelled:
        emit("run.cancelled", run.totals())
        return None
    return run.finish()


@dataclass
class _Sample:
    hole: str
    number: int
    code: str
    fills: dict[str, str]  # the hole's and those of the holes its code left, if any
    origin: str  # greedy, sample or repair
    normal: str
    votes: int = 1
    passed: int | None = None  # of the hole's own examples
    failure: str | None = None  # the first own example it failed, for a repair


@dataclass
class _Candidate:
    number: int
    samples: tuple[int, ...]
    text: str | None = None
    passed: int = 0


class _Run:
    def __init__(
        self,
        sketch: Sketch,
        examples: list[Example],
        request: FillRequest,
        backend: ModelBackend,
        emit: Emit,
        cancelled: Callable[[], bool],
    ) -> None:
        self.sketch = sketch
        self.examples = examples
        self.request = request
        self.backend = backend
        self.emit = emit
        self.cancelled = cancelled
        assert sketch.entry is not None
        self.entry = sketch.entry
        self.holes = dependency_order(sketch)
        self.pools: dict[str, list[_Sample]] = {hole.name: [] for hole in self.holes}
        wanted = set(request.holes) or {h.name for h in sketch.holes} - set(request.fixed)
        # The other holes' fills are held: a pool of one, never sampled. Fixed fills of holes the
        # sketch does not have are those of holes the fills opened (decomposition): kept too.
        names = {hole.name for hole in sketch.holes}
        opened = {n: code for n, code in request.fixed.items() if n not in names}
        for name, code in request.fixed.items():
            if name in names and name not in wanted:
                fills = {name: code, **opened}
                self.pools[name] = [_Sample(name, 0, code, fills, "fixed", normal_form(code))]
        self.wanted = wanted
        self.repairs: dict[str, int] = {hole.name: 0 for hole in self.holes}
        self.candidates: list[_Candidate] = []
        self.tried: set[tuple[int, ...]] = set()
        self.usage = Usage()
        self.started = time.monotonic()
        self.prompts: dict[str, Prompt] = {}
        self.rejected = {
            (rejection.hole, normal_form(rejection.code)) for rejection in request.rejected
        }
        self.behaviours: dict[int, list[ExampleResult]] = {}
        self.inputs: list[tuple[Any, ...]] | None = None
        try:
            self.baseline = names_undefined(stubbed(sketch, {}))
        except (FillError, SyntaxError):
            self.baseline = frozenset()
        # The model-free filler writes colours by name where the sketch does (ARC's prelude).
        self.colour_names = any(
            "red" in statement.names for statement in prelude_needed(sketch.source)
        )

    # The search.

    def search(self) -> None:
        # The model-free filler writes one fill a hole (its smallest): one round is all it has.
        rounds = 1 if self.request.filler == "enumerative" else max(1, self.request.samples)
        for round_ in range(rounds):
            if self._out_of_budget() or len(self.candidates) >= self.request.candidates:
                return
            number = len(self.candidates)
            self.emit("candidate.started", {"candidate": number})
            spent = self._spent()
            added = [self._add_sample(hole, round_, number) for hole in self.holes]
            combination = self._next_combination()
            if combination is None:
                reason = next((r for _, r in added if r), "No new combination of fills to test.")
                if any(status == "invalid" for status, _ in added):
                    self.emit("candidate.invalid", {"candidate": number, "error": reason})
                    self.candidates.append(_Candidate(number, ()))
                else:
                    # Only repeats (a vote for the earlier sample) or rejected fills: nothing
                    # new to show, and the number goes to the next candidate.
                    self.emit("candidate.discarded", {"candidate": number, "reason": reason})
            else:
                self._test(_Candidate(number, combination), spent)
            if self._done():
                return

    def _done(self) -> bool:
        passing = self._passing()
        if not passing:
            return False
        if not self.examples and not self._further_inputs():
            return True  # nothing to test or rank them on: the first will do
        if len(self.examples) >= FEW_EXAMPLES:
            return True
        return ranking.decided(self._rank(passing), self._votes, DECISIVE_LEAD)

    def _seconds_left(self) -> float:
        return self.request.budget_seconds - (time.monotonic() - self.started)

    def _out_of_budget(self) -> bool:
        if self._seconds_left() <= 0:
            return True
        tokens = self.request.budget_tokens
        return tokens is not None and self.usage.tokens_in + self.usage.tokens_out >= tokens

    # Samples.

    def _add_sample(self, hole: Hole, round_: int, number: int) -> tuple[str, str | None]:
        """Add one sample to the hole's pool: its status (see `hole.sample`), and why none was
        added, or None."""
        if self.cancelled():
            raise Cancelled
        if hole.name not in self.wanted:
            return "fixed", None
        if round_ == 0 and self.request.filler != "model":
            found = self._enumerated(hole, number)
            if found is not None or self.request.filler == "enumerative":
                return found or (
                    "invalid",
                    f"The model-free filler found no fill of `{hole.name}` "
                    + ("within its time" if self._tested_alone(hole) else "(it has no examples)"),
                )
        if self._out_of_budget():
            # A round samples every hole; the budget is kept between holes too, not only
            # between rounds (a round of several holes can take minutes on a slow machine).
            return "skipped", "The run's budget was spent before this hole was sampled."
        pool = self.pools[hole.name]
        failing = [s for s in pool if s.failure is not None]
        repair = (
            round_ > 0
            and self.repairs[hole.name] < self.request.repairs
            and bool(failing)
            and not any(s.passed is not None and s.failure is None for s in pool)
        )
        prompt = self._prompt(hole)
        # The model's first sample is its greedy one, also after a fill of the model-free filler.
        enumerated = any(sample.origin == "enumerative" for sample in pool)
        origin = "greedy" if round_ - enumerated == 0 else "sample"
        if repair:
            worst = failing[-1]
            assert worst.failure is not None
            prompt = repair_prompt(prompt, worst.code, worst.failure)
            self.repairs[hole.name] += 1
            origin = "repair"
        first_repair = origin == "repair" and self.repairs[hole.name] == 1
        greedy = origin == "greedy" or first_repair
        options = self._options(0.0 if greedy else self.request.temperature, seed=round_)
        event: dict[str, Any] = {"candidate": number, "hole": hole.name, "origin": origin}
        began, usage = time.monotonic(), Usage()
        try:
            reply = self._generate(prompt, hole, options, number, usage)
            code = complete_function(prompt, reply)
            problem = check_fill(hole, code)
            if problem is not None:
                raise FillError(problem)
        except (NoCode, FillError, *_LOCAL_FAILURES) as error:
            return self._sample_event(event, "invalid", began, usage, error=str(error))
        normal = normal_form(code)
        if (hole.name, normal) in self.rejected:
            message = f"The model wrote a fill of `{hole.name}` the user rejected again."
            return self._sample_event(event, "rejected", began, usage, error=message)
        same = next((s for s in pool if s.normal == normal), None)
        if same is not None:
            same.votes += 1
            message = f"The model wrote sample {same.number} of `{hole.name}` again."
            return self._sample_event(event, "duplicate", began, usage, error=message)
        try:
            fills = self._expand(hole, code, number)
        except (NoCode, FillError, *_LOCAL_FAILURES) as error:
            return self._sample_event(event, "invalid", began, usage, error=str(error))
        sample = _Sample(hole.name, len(pool), code, fills, origin, normal)
        self._test_alone(hole, sample)
        pool.append(sample)
        event |= {"sample": sample.number, "code": code}
        if sample.passed is not None:
            event |= {"passed": sample.passed, "total": len(self._own_examples(hole))}
        return self._sample_event(event, "ok", began, usage)

    def _enumerated(self, hole: Hole, number: int) -> tuple[str, str | None] | None:
        """A sample of the model-free filler for a hole tested alone, added to its pool; None if it
        found no fill."""
        if not self._tested_alone(hole):
            return None
        own = self._own_examples(hole)
        began = time.monotonic()
        found = enumerate_fill(
            hole,
            [(example.args, example.output) for example in own],
            seconds=self.request.enumerative_seconds,
            colour_names=self.colour_names,
        )
        if found is None:
            return None
        event: dict[str, Any] = {"candidate": number, "hole": hole.name, "origin": "enumerative"}
        code = found.code
        sample = _Sample(
            hole.name,
            len(self.pools[hole.name]),
            code,
            {hole.name: code},
            "enumerative",
            normal_form(code),
        )
        if (hole.name, sample.normal) in self.rejected:
            return None  # the user rejected it: the model has its turn
        self._test_alone(hole, sample)
        self.pools[hole.name].append(sample)
        event |= {"sample": sample.number, "code": code, "programs": found.programs}
        event |= {"passed": sample.passed, "total": len(own)}
        return self._sample_event(event, "ok", began, Usage())

    def _tested_alone(self, hole: Hole) -> bool:
        """Whether the hole has examples of its own to be tested on alone (see `_test_alone`)."""
        own = self._own_examples(hole)
        return bool(own) and not (
            hole.name == self.entry and not self.request.hole_examples.get(hole.name)
        )

    def _sample_event(
        self, event: dict[str, Any], status: str, began: float, usage: Usage, **more: Any
    ) -> tuple[str, str | None]:
        self._spend(usage)
        event |= {
            "status": status,
            "tokens_in": usage.tokens_in,
            "tokens_cached": usage.tokens_cached,
            "tokens_out": usage.tokens_out,
            "seconds": round(time.monotonic() - began, 3),
            **more,
        }
        self.emit("hole.sample", event)
        return status, more.get("error")

    def _spend(self, usage: Usage) -> None:
        self.usage.tokens_in += usage.tokens_in
        self.usage.tokens_out += usage.tokens_out

    def _prompt(self, hole: Hole) -> Prompt:
        if hole.name not in self.prompts:
            self.prompts[hole.name] = hole_prompt(
                self.sketch,
                hole,
                self.examples,
                self.request.rejected,
                own_examples=self._own_examples(hole),
                prefill=self.backend.continues_replies,
            )
        return self.prompts[hole.name]

    def _options(self, temperature: float, seed: int) -> GenerationOptions:
        constrained = self.request.constrain and self.backend.continues_replies
        return GenerationOptions(
            max_tokens=self.request.max_tokens,
            temperature=temperature,
            seed=seed,
            # A reply may not outlast the run's budget by much: at least _LEAST_REPLY_SECONDS.
            timeout_seconds=min(
                self.request.model_timeout_seconds,
                max(self._seconds_left(), _LEAST_REPLY_SECONDS),
            ),
            # A continued reply is inside the fence already: its end is the closing one.
            stop=("```",) if self.backend.continues_replies else (),
            grammar=BODY_GRAMMAR if constrained else None,
        )

    def _generate(
        self, prompt: Prompt, hole: Hole, options: GenerationOptions, number: int, usage: Usage
    ) -> str:
        reply, last = "", 0.0
        stream = self.backend.stream_chat(prompt.messages, options, usage)
        try:
            for chunk in stream:
                reply += chunk
                if self.cancelled():
                    raise Cancelled
                if time.monotonic() - last >= _PROGRESS_INTERVAL:
                    self._progress(number, hole, prompt.prefix + reply)
                    last = time.monotonic()
                if prompt.prefix and reply_done(reply):
                    break  # the function has ended: stop the model writing on
        finally:
            close = getattr(stream, "close", None)
            if close is not None:
                close()
        self._progress(number, hole, prompt.prefix + reply)
        return reply

    def _progress(self, number: int, hole: Hole, reply: str) -> None:
        self.emit("candidate.progress", {"candidate": number, "hole": hole.name, "reply": reply})

    def _expand(self, hole: Hole, code: str, number: int) -> dict[str, str]:
        """The fills of `code` and of the holes it leaves, filled greedily (ANPL's
        decomposition), up to ROUNDS deep."""
        fills = {hole.name: code}
        current = parse_sketch(apply_nested_fills(self.sketch, fills))
        known = {each.name for each in self.sketch.holes}
        for _ in range(ROUNDS - 1):  # the hole's own fill was the first round
            new = [each for each in current.holes if each.name not in known | set(fills)]
            if not new:
                return fills
            for sub in new:
                prompt = hole_prompt(
                    current, sub, self.examples, prefill=self.backend.continues_replies
                )
                usage = Usage()
                try:
                    reply = self._generate(prompt, sub, self._options(0.0, 0), number, usage)
                finally:
                    self._spend(usage)
                sub_code = complete_function(prompt, reply)
                problem = check_fill(sub, sub_code)
                if problem is not None:
                    raise FillError(f"Its sub-hole `{sub.name}`: {problem}")
                fills[sub.name] = sub_code
            current = parse_sketch(apply_nested_fills(self.sketch, fills))
        left = [each.name for each in current.holes if each.name not in known | set(fills)]
        if left:
            names = ", ".join(f"`{name}`" for name in left)
            raise FillError(f"The fills still leave holes after {ROUNDS} rounds: {names}.")
        return fills

    def _own_examples(self, hole: Hole) -> list[Example]:
        given = list(self.request.hole_examples.get(hole.name, ()))
        own = given + [example for example in hole.examples if not among(example, given)]
        try:
            return as_expected(self.sketch, own, entry=hole.name)
        except ExampleError:
            return own  # a hole's example that should be a grid and is not fails as it is

    def _test_alone(self, hole: Hole, sample: _Sample) -> None:
        """Test the sample on the hole's own examples, the other holes stubbed; not the entry's
        own doctest lines, which the candidate's test runs anyway."""
        if not self._tested_alone(hole):
            return
        own = self._own_examples(hole)
        try:
            program = stubbed(self.sketch, sample.fills)
        except FillError as error:
            sample.passed, sample.failure = 0, str(error)
            return
        cases = [(example.args, example.output) for example in own]
        results = run_examples(program, hole.name, cases, self.request.limits)
        sample.passed = sum(result.status == "pass" for result in results)
        failed = next((n for n, r in enumerate(results) if r.status != "pass"), None)
        if failed is not None:
            sample.failure = failure_text(hole.name, own[failed], results[failed])

    # Candidates.

    def _next_combination(self) -> tuple[int, ...] | None:
        """The best untested combination of the pools' samples (see the module's docstring)."""
        ranked = [
            sorted(self.pools[hole.name], key=lambda s: (-(s.passed or 0), s.number))
            for hole in self.holes
        ]
        if any(not pool for pool in ranked):
            return None
        best: tuple[tuple[float, int], tuple[int, ...]] | None = None
        # Depth-first over the first few of each pool: pools stay small (one sample a round).
        for combination in combinations([pool[:4] for pool in ranked]):
            numbers = tuple(sample.number for sample in combination)
            if numbers in self.tried:
                continue
            score = (-sum(s.passed or 0 for s in combination), sum(numbers))
            if best is None or score < best[0]:
                best = (score, numbers)
        return best[1] if best else None

    def _test(self, candidate: _Candidate, spent: tuple[int, int, float]) -> None:
        self.tried.add(candidate.samples)
        self.candidates.append(candidate)
        number = candidate.number
        fills: dict[str, str] = {}
        for hole, index in zip(self.holes, candidate.samples, strict=True):
            fills |= self.pools[hole.name][index].fills
        try:
            text = filled_program(self.sketch, fills)
            filled = parse_sketch(text)
            if filled.errors:
                raise FillError(f"The filled sketch does not parse: {filled.errors[0].message}.")
            missing = undefined_names_of(text, self.baseline)
            if missing:
                raise FillError(missing)
        except FillError as error:
            self.emit("candidate.invalid", {"candidate": number, "error": str(error)})
            return
        candidate.text = text
        # Who wrote each hole's fill: greedy, sample or repair (the model), enumerative (the
        # model-free filler) or fixed (held from an earlier run).
        origins = {
            hole.name: self.pools[hole.name][index].origin
            for hole, index in zip(self.holes, candidate.samples, strict=True)
        }
        self.emit(
            "candidate.generated",
            {"candidate": number, "text": text, "fills": fills, "origins": origins},
        )
        cases = [(example.args, example.output) for example in self.examples]
        results = run_examples(text, self.entry, cases, self.request.limits)
        for index, (example, result) in enumerate(zip(self.examples, results, strict=True)):
            call = show_call(self.entry, example.args)
            data = {"candidate": number, "example": index, "call": call, **result_data(result)}
            self.emit("example.result", data)
        traced = self._trace(text, list(fills), results)
        if traced is not None:
            self.emit("candidate.traced", {"candidate": number, **traced})
        candidate.passed = sum(result.status == "pass" for result in results)
        tokens_in, tokens_out, began = spent
        self.emit(
            "candidate.tested",
            {
                "candidate": number,
                "passed": candidate.passed,
                "total": len(results),
                "tokens_in": self.usage.tokens_in - tokens_in,
                "tokens_out": self.usage.tokens_out - tokens_out,
                "seconds": round(time.monotonic() - began, 3),
            },
        )
        self._blame(candidate, results, traced)

    def _spent(self) -> tuple[int, int, float]:
        return self.usage.tokens_in, self.usage.tokens_out, time.monotonic()

    def _blame(
        self,
        candidate: _Candidate,
        results: Sequence[ExampleResult],
        traced: dict[str, Any] | None,
    ) -> None:
        """Mark the sample a failing candidate's first failure most likely lies in, with what
        went wrong, for the next round to repair."""
        failed = next((n for n, r in enumerate(results) if r.status != "pass"), None)
        if failed is None:
            return
        raised = (traced or {}).get("failed_in", {})
        culprit = raised.get(str(failed))
        names = [hole.name for hole in self.holes]
        if culprit not in names:
            # The hole nearest the output: the last in dependency order.
            culprit = names[-1]
        index = candidate.samples[names.index(culprit)]
        sample = self.pools[culprit][index]
        text = failure_text(self.entry, self.examples[failed], results[failed])
        calls = traced_calls(traced, failed, [n for n in names if n != culprit])
        if sample.failure is None:
            sample.failure = text + calls

    def _trace(
        self, text: str, holes: Sequence[str], results: Sequence[ExampleResult]
    ) -> dict[str, Any] | None:
        """The candidate's filled holes (sub-holes too) traced on the examples that ran to an end,
        as `inlay.context.facts.trace_facts` reports them."""
        numbers = [n for n, result in enumerate(results) if result.status in _RAN_TO_AN_END]
        if not numbers:
            return None
        examples = [
            TaskExample(tuple(self.examples[n].args), self.examples[n].output, None, n)
            for n in numbers
        ]
        runs = run_program(text, self.entry, examples, trace=holes)
        return trace_facts(runs, numpy=imported_modules(self.sketch).get("numpy", "numpy"))

    # Ranking and the end.

    def _passing(self) -> list[_Candidate]:
        total = len(self.examples)
        return [c for c in self.candidates if c.text is not None and c.passed == total]

    def _votes(self, number: int) -> int:
        candidate = self.candidates[number]
        samples = [
            self.pools[hole.name][index]
            for hole, index in zip(self.holes, candidate.samples, strict=True)
        ]
        return 1 + sum(sample.votes - 1 for sample in samples)

    def _further_inputs(self) -> list[tuple[Any, ...]]:
        """The inputs candidates are ranked on: made from the examples, or, where there are
        none, asked of the model (once a run)."""
        if self.inputs is None:
            if self.examples:
                self.inputs = ranking.further_inputs([e.args for e in self.examples])
            else:
                self.inputs = self._asked_inputs()
        return self.inputs

    def _asked_inputs(self) -> list[tuple[Any, ...]]:
        prompt = inputs_prompt(self.sketch, self.entry, prefill=self.backend.continues_replies)
        usage = Usage()
        options = replace(self._options(0.0, 0), stop=("```",), grammar=None, max_tokens=300)
        reply = ""
        try:
            for chunk in self.backend.stream_chat(prompt.messages, options, usage):
                reply += chunk
                if self.cancelled():
                    raise Cancelled
        except _LOCAL_FAILURES:
            pass
        finally:
            self._spend(usage)
        arity = entry_arity(self.sketch)
        calls = read_calls(prompt.prefix + reply, self.entry)
        inputs = [args for args in calls if arity is None or arity.accepts(len(args))]
        self.emit("run.inputs", {"inputs": [show_value(args, 300) for args in inputs]})
        return inputs[: ranking.INPUTS]

    def _rank(self, passing: Sequence[_Candidate]) -> ranking.Ranking:
        inputs = self._further_inputs()
        for candidate in passing:
            if candidate.number not in self.behaviours and candidate.text is not None:
                cases = [(args, None) for args in inputs]
                self.behaviours[candidate.number] = (
                    run_examples(candidate.text, self.entry, cases, self.request.limits)
                    if cases
                    else []
                )
        return ranking.rank([c.number for c in passing], self._votes, lambda n: self.behaviours[n])

    def totals(self) -> dict[str, Any]:
        return {
            "candidates": len(self.candidates),
            "tokens_in": self.usage.tokens_in,
            "tokens_out": self.usage.tokens_out,
            "seconds": round(time.monotonic() - self.started, 3),
        }

    def finish(self) -> str | None:
        passing = self._passing()
        chosen: _Candidate | None = None
        why = "no candidate could be built"
        if passing and (self.examples or self._further_inputs()):
            ranked = self._rank(passing)
            chosen = self.candidates[ranked.chosen]
            why = ranked.why
            if not self.examples:
                why = why.replace("passing ", "") + " the model proposed (no examples to test on)"
            self.emit(
                "run.ranked",
                {
                    "chosen": ranked.chosen,
                    "why": why,
                    "groups": ranked.groups,
                    "inputs": ranked.inputs,
                },
            )
        else:
            built = [c for c in self.candidates if c.text is not None]
            if built:
                chosen = max(built, key=lambda c: (c.passed, -c.number))
                why = (
                    f"passes {chosen.passed} of {len(self.examples)} examples, the most of any"
                    if self.examples
                    else "not tested: the sketch has no examples"
                )
        self.emit(
            "run.finished",
            {
                "best": chosen.number if chosen else None,
                "examples": len(self.examples),
                "passed": bool(chosen and self.examples and chosen.passed == len(self.examples)),
                "why": why,
                "text": chosen.text if chosen else None,
                **self.totals(),
            },
        )
        return chosen.text if chosen else None


def _check_refill(sketch: Sketch, request: FillRequest) -> None:
    names = {hole.name for hole in sketch.holes}
    unknown = sorted(set(request.holes) - names)
    if unknown:
        listed = ", ".join(f"`{name}`" for name in unknown)
        raise SketchProblem(f"The sketch has no hole named {listed}.")
    if request.holes:
        bare = sorted(names - set(request.holes) - set(request.fixed))
        if bare:
            listed = ", ".join(f"`{name}`" for name in bare)
            raise SketchProblem(
                f"To refill only {', '.join(f'`{n}`' for n in request.holes)}, the other holes "
                f"need fills to keep: none is given for {listed}."
            )
    for name, code in request.fixed.items():
        if name not in names:
            continue
        problem = check_fill(sketch.hole(name), code)
        if problem is not None:
            raise SketchProblem(f"The fill given for `{name}` cannot be used: {problem}")


def _with_entry(sketch: Sketch, entry: str) -> Sketch:
    return replace(sketch, entry=entry)


__all__ = [
    "BackendError",
    "Cancelled",
    "FillRequest",
    "SketchProblem",
    "check_sketch",
    "fill",
]
