"""DARC through Inlay with a simulated user: ANPL's curve of tasks solved against clarifications.

    .venv/bin/python bench/darc.py [--dir ../shared/darc] [--every K] [--offset I] [--limit N]
        [--clarifications 5] [--budget-seconds 60] [--refill-seconds 30] [--samples 4]
        [--enumerative-only] [--out results.jsonl [--resume]]

For each DARC file (a person's ANPL sketch `anpl` for an ARC task, and the finished program
`python` they ended with):

1. The reference: `python` is run on the task's test pairs; a file is *solvable* when it passes
   them. Its holes are lined up with `anpl`'s (`inlay run --align`) and traced on the train inputs.
2. The model-free filler alone: for each hole the reference called on the train inputs, the
   filler (inlay.synthesis.enumerative, 2 s) is given those traced calls as the hole's examples;
   the hole counts as solved when the fill also reproduces the hole's calls traced on the *test*
   inputs, which it never saw.
3. The simulated user (solvable files only): the sketch is filled with the train pairs only and
   the chosen program judged on the test pairs. Then, up to `--clarifications` times, the user
   traces the program and the reference on the train inputs, finds the first hole whose traced
   output differs from the reference's (inlay.run.clarify), gives that hole the reference's
   traced pairs as its examples (kept for later rounds), and has that hole alone refilled, the
   other holes' fills held. The program is judged again after each.

The same engine, backend and settings as the web app; the test pairs never reach the engine. It
prints a line per file and, last, one JSON object:

    {"files": N, "solvable": M, "solved_after": [after 0, 1, ..., 5 clarifications],
     "enumerative_holes": [solved, total], "seconds": S, ...}

`solved_after` counts solvable files solved on test after at most that many clarifications;
`seconds` sums the files' seconds. With `--resume`, the files already recorded in `--out` are
taken from it and only the others run, so a long run can be made in parts and still print the
whole summary. An error inside the engine is recorded for its file (`error`) and the bench goes
on.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from inlay.run.clarify import first_wrong_hole, traced_examples  # noqa: E402
from inlay.run.program import build_program  # noqa: E402
from inlay.run.trace import ExampleRun, run_program  # noqa: E402
from inlay.sketch import parse_sketch  # noqa: E402
from inlay.sketch.examples import Example, same_example  # noqa: E402
from inlay.sketch.materialize import Fills, MaterializeError, materialize  # noqa: E402
from inlay.sketch.prelude import with_prelude  # noqa: E402
from inlay.sketch.tasks import TaskExample, read_darc, read_examples  # noqa: E402
from inlay.synthesis.backends import BackendError, NoModel, get_backend  # noqa: E402
from inlay.synthesis.engine import FillRequest, SketchProblem, fill  # noqa: E402
from inlay.synthesis.enumerative import enumerate_fill, kind_of  # noqa: E402

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "shared" / "darc"


class _File:
    def __init__(self, path: Path) -> None:
        self.path = path
        darc = read_darc(path)
        self.sketch_text = darc.sketch
        self.reference_text = darc.reference
        examples = read_examples(path)
        self.train = [e for e in examples if e.split == "train"]
        self.test = [e for e in examples if e.split == "test"]
        self.sketch = parse_sketch(darc.sketch)
        self.holes = [hole.name for hole in self.sketch.holes]


def solvable(file: _File) -> bool:
    """Whether the person's finished program passes its own task: train and test pairs."""
    runs = run_program(file.reference_text, "main", file.train + file.test)
    return bool(runs) and all(run.passed for run in runs)


def reference_traces(file: _File) -> tuple[list[ExampleRun], list[ExampleRun]] | None:
    """The reference's traced runs on the train and the test inputs, its holes lined up with the
    sketch's; None when they cannot be lined up."""
    try:
        program = build_program(file.sketch, file.reference_text, align=True, fills_name="python")
    except MaterializeError:
        return None
    trace = tuple(file.holes)
    train = run_program(program.source, program.entry, file.train, trace=trace)
    test = run_program(program.source, program.entry, file.test, trace=trace)
    return train, test


def enumerative_holes(
    file: _File, traces: tuple[list[ExampleRun], list[ExampleRun]]
) -> tuple[int, int, list[dict[str, Any]]]:
    """(holes solved, holes tried, a record each) for the model-free filler on traced pairs: a
    hole is solved when its fill, found from the calls traced on the train inputs, also gives
    the results traced on the test inputs (the held-out calls, where the test reaches the hole),
    run in the sandbox."""
    train, test = traces
    solved, tried, records = 0, 0, []
    for hole in file.sketch.holes:
        given = traced_examples(train, hole.name)
        if not given:
            continue
        tried += 1
        began = time.monotonic()
        found = enumerate_fill(hole, [(e.args, e.output) for e in given], seconds=2.0)
        seconds = time.monotonic() - began
        held_out = [
            e
            for e in traced_examples(test, hole.name)
            if not any(same_example(e, g) for g in given)
        ]
        ok = found is not None and _reproduces(found.code, hole.name, given + held_out)
        solved += ok
        records.append(
            {
                "hole": hole.name,
                "kinds": [kind_of(a) for a in given[0].args] + [kind_of(given[0].output)],
                "pairs": len(given),
                "held_out": len(held_out),
                "found": found.expression if found else None,
                "solved": ok,
                "seconds": round(seconds, 3),
            }
        )
    return solved, tried, records


def _reproduces(code: str, name: str, examples: list[Example]) -> bool:
    """Whether the fill returns each example's output, run in the sandbox."""
    if not examples:
        return True  # the test inputs never reach the hole: nothing contradicts the fill
    program = with_prelude(code)  # the fill leans on `np` as the sketch does
    cases = [TaskExample(e.args, e.output, None, n) for n, e in enumerate(examples)]
    return all(run.passed for run in run_program(program, name, cases))


class _Fill:
    """One engine run's outcome: the chosen program and its fills by hole."""

    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []

    def emit(self, kind: str, data: dict[str, Any]) -> None:
        self.events.append((kind, data))

    def finished(self) -> dict[str, Any]:
        return next((d for k, d in reversed(self.events) if k == "run.finished"), {})

    def fills(self) -> dict[str, str]:
        best = self.finished().get("best")
        for kind, data in self.events:
            if kind == "candidate.generated" and data["candidate"] == best:
                return dict(data["fills"])
        return {}

    def hole_fills(self) -> dict[str, str]:
        """Each hole's first sample that passed all of its own examples, tested alone."""
        found: dict[str, str] = {}
        for kind, data in self.events:
            if kind == "hole.sample" and "code" in data and data.get("passed") == data.get("total"):
                found.setdefault(data["hole"], data["code"])
        return found

    def found_by(self) -> list[str]:
        return [d["origin"] for k, d in self.events if k == "hole.sample" and "code" in d]


def passes(text: str | None, examples: list[TaskExample]) -> bool:
    """Whether the program passes every pair (False for no program)."""
    if text is None:
        return False
    runs = run_program(text, "main", examples)
    return all(run.passed for run in runs)


def simulate(
    file: _File,
    traces: tuple[list[ExampleRun], list[ExampleRun]] | None,
    args: argparse.Namespace,
    backend: Any,
) -> dict[str, Any]:
    train = [Example(e.args, e.output) for e in file.train]
    filler = "enumerative" if args.enumerative_only else "auto"
    base = {"samples": args.samples, "candidates": args.samples + 2, "filler": filler}
    attempt = _Fill()
    try:
        fill(
            FillRequest(file.sketch_text, train, budget_seconds=args.budget_seconds, **base),
            backend,
            attempt.emit,
        )
    except SketchProblem as error:
        return {"solved_at": None, "error": str(error), "rounds": []}
    text, fills = attempt.finished().get("text"), attempt.fills()
    rounds = [_round(None, attempt, passes(text, file.test))]
    if text is None:  # no whole program yet: the user traces what there is, holes raising
        text = _with_stubs(file, fills)
    hole_examples: dict[str, list[Example]] = {}
    for _ in range(args.clarifications):
        if rounds[-1]["test"] or traces is None or text is None:
            break
        mine = run_program(text, "main", file.train, trace=tuple(file.holes))
        wrong = first_wrong_hole(mine, traces[0], file.holes)
        if wrong is None:
            break  # every hole does what the reference's does on train: nothing to clarify
        hole_examples[wrong] = traced_examples(traces[0], wrong)
        attempt = _Fill()
        fixed = {name: code for name, code in fills.items() if name != wrong}
        fill(
            FillRequest(
                file.sketch_text,
                train,
                budget_seconds=args.refill_seconds,
                # The holes with no fill yet are filled too: a refill keeps only what exists.
                holes=[wrong, *(h for h in file.holes if h not in fixed and h != wrong)],
                fixed=fixed,
                hole_examples=hole_examples,
                **base,
            ),
            backend,
            attempt.emit,
        )
        if attempt.finished().get("text") is not None:
            text, fills = attempt.finished()["text"], {**fixed, **attempt.fills()}
        elif wrong in attempt.hole_fills():
            # The hole's own fill passes its examples though no whole program could be built
            # (other holes have none yet): kept, and the rest left raising.
            fills = {**fixed, wrong: attempt.hole_fills()[wrong]}
            text = _with_stubs(file, fills)
        rounds.append(_round(wrong, attempt, passes(text, file.test)))
    solved_at = next((n for n, r in enumerate(rounds) if r["test"]), None)
    return {"solved_at": solved_at, "error": None, "rounds": rounds}


def _with_stubs(file: _File, fills: dict[str, str]) -> str | None:
    """The sketch with these fills, every other hole raising NotImplementedError."""
    try:
        return materialize(file.sketch, Fills(by_hole=fills))
    except MaterializeError:
        return None


def _round(hole: str | None, attempt: _Fill, test: bool) -> dict[str, Any]:
    finished = attempt.finished()
    return {
        "clarified": hole,
        "test": test,
        "train": bool(finished.get("passed")),
        "found_by": attempt.found_by(),
        "seconds": finished.get("seconds"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--every", type=int, default=1)
    parser.add_argument("--offset", type=int, default=0)
    parser.add_argument("--limit", type=int)
    parser.add_argument("--clarifications", type=int, default=5)
    parser.add_argument("--budget-seconds", type=float, default=60.0)
    parser.add_argument("--refill-seconds", type=float, default=30.0)
    parser.add_argument("--samples", type=int, default=4)
    parser.add_argument("--enumerative-only", action="store_true", help="no model at all")
    parser.add_argument("--no-fill", action="store_true", help="only the reference and filler")
    parser.add_argument("--backend", default="local")
    parser.add_argument("--out", type=Path)
    parser.add_argument(
        "--resume",
        action="store_true",
        help="take the files already in --out from there and run only the others",
    )
    args = parser.parse_args()

    paths = sorted(args.dir.glob("*.json"), key=lambda p: (len(p.stem), p.stem))
    paths = paths[args.offset :: args.every][: args.limit]
    backend = None if args.no_fill or args.enumerative_only else get_backend(args.backend)
    counts = {"files": 0, "solvable": 0}
    solved_after = [0] * (args.clarifications + 1)
    holes_solved = holes_total = 0
    seconds: list[float] = []
    done: dict[str, dict[str, Any]] = {}
    if args.resume and args.out and args.out.exists():
        done = {r["file"]: r for r in map(json.loads, args.out.read_text().splitlines())}
    for path in paths:
        record = done.get(path.name) or _run_file(path, args, backend)
        counts["files"] += 1
        counts["solvable"] += record["solvable"]
        holes = record.get("holes", [])
        holes_solved += sum(hole["solved"] for hole in holes)
        holes_total += len(holes)
        if record.get("solved_at") is not None:
            for n in range(record["solved_at"], len(solved_after)):
                solved_after[n] += 1
        seconds.append(record["seconds"])
        print(_line(record), file=sys.stderr, flush=True)
        if args.out and path.name not in done:
            with args.out.open("a") as out:
                out.write(json.dumps(record) + "\n")
    summary = {
        **counts,
        "solved_after": solved_after,
        "enumerative_holes": [holes_solved, holes_total],
        "seconds": round(sum(seconds), 1),  # every file, those resumed from --out too
        "median_seconds_per_file": statistics.median(seconds) if seconds else None,
    }
    print(json.dumps(summary))


def _run_file(path: Path, args: argparse.Namespace, backend: Any) -> dict[str, Any]:
    started = time.monotonic()
    file = _File(path)
    record: dict[str, Any] = {"file": path.name}
    record["solvable"] = ok = solvable(file)
    traces = reference_traces(file)
    record["aligned"] = traces is not None
    if traces is not None:
        _, _, record["holes"] = enumerative_holes(file, traces)
    if ok and not args.no_fill:
        try:
            record |= simulate(file, traces, args, backend or NoModel())
        except BackendError as error:
            record |= {"solved_at": None, "error": str(error)}
        except Exception as error:  # an engine bug: recorded for this file, the bench goes on
            record |= {"solved_at": None, "error": f"{type(error).__name__}: {error}"}
    record["seconds"] = round(time.monotonic() - started, 2)
    return record


def _line(record: dict[str, Any]) -> str:
    holes = record.get("holes", [])
    found = sum(h["solved"] for h in holes)
    at = record.get("solved_at")
    outcome = "solved" if at is not None else "not solved"
    if at is not None:
        outcome += f" after {at} clarification{'s' * (at != 1)}"
    if not record["solvable"]:
        outcome = "reference fails its test pairs"
    return (
        f"{record['file']}: {outcome}; filler {found}/{len(holes)} holes; "
        f"{record['seconds']:.1f} s" + (f" ({record['error']})" if record.get("error") else "")
    )


if __name__ == "__main__":
    main()
