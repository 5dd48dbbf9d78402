"""`inlay`: the sketch language, the engine and the language server from a terminal.

Every command calls the same core functions as the web app; see docs/cli.md.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from inlay.run.program import Program, build_program, run_sketch
from inlay.run.trace import ExampleRun, to_json
from inlay.sketch import Hole, Sketch, parse_sketch
from inlay.sketch.examples import Example, ExampleError
from inlay.sketch.materialize import MaterializeError, read_fills
from inlay.sketch.tasks import read_examples


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="inlay", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    holes = commands.add_parser("holes", help="list a sketch's holes")
    holes.add_argument("sketch", type=Path)
    holes.add_argument("--entry", help="the entry function (default: main, or the one uncalled)")
    holes.add_argument("--json", action="store_true", help="print the documented JSON shape")

    run = commands.add_parser("run", help="run a sketch on examples in the sandbox")
    run.add_argument("sketch", type=Path)
    given = run.add_mutually_exclusive_group(required=True)
    given.add_argument("--examples", type=Path, help="examples, an ARC task or a DARC file")
    given.add_argument("--task", type=Path, help="an ARC task or DARC file (or an example list)")
    _program_arguments(run)
    run.add_argument("--trace", action="store_true", help="record every call of every hole")
    run.add_argument("--json", action="store_true", help="print the documented JSON shape")

    materialize = commands.add_parser("materialize", help="print the sketch as plain Python")
    materialize.add_argument("sketch", type=Path)
    _program_arguments(materialize)

    fill = commands.add_parser("fill", help="fill a sketch's holes with a model and test them")
    fill.add_argument("sketch", type=Path)
    fill.add_argument(
        "--examples",
        type=Path,
        help="examples, an ARC task or a DARC file (the entry's doctest lines count too)",
    )
    fill.add_argument("--entry", help="the entry function (default: main, or the one uncalled)")
    fill.add_argument(
        "--hole", action="append", default=[], help="fill only this hole (again: several)"
    )
    fill.add_argument(
        "--fills", type=Path, help="a Python file filling holes by name: kept, but for --hole"
    )
    fill.add_argument("--samples", type=int, default=10, help="samples per hole, repairs included")
    fill.add_argument("--candidates", type=int, default=12, help="whole programs tested, at most")
    fill.add_argument("--budget-seconds", type=float, default=120.0)
    fill.add_argument("--budget-tokens", type=int, help="model tokens in and out, at most")
    fill.add_argument(
        "--constrain", action="store_true", help="constrained decoding for the local model"
    )
    fill.add_argument("--backend", help="local or openai (default: $INLAY_MODEL_BACKEND)")
    fill.add_argument(
        "--filler",
        choices=["auto", "model", "enumerative"],
        default="auto",
        help="auto: the model-free filler first on holes with examples, then the model; "
        "model: the model only; enumerative: no model at all",
    )
    fill.add_argument("--json", action="store_true", help="print every event as a JSON line")

    lsp = commands.add_parser("lsp", help="run the language server")
    lsp.add_argument("--stdio", action="store_true", required=True)

    model = commands.add_parser("model", help="manage the local model")
    model.add_argument("action", choices=["prepare"], help="assemble and verify the weights")

    args = parser.parse_args(argv)
    try:
        return int(_COMMANDS[args.command](args))
    except MaterializeError as error:
        print(f"inlay: {args.sketch}: {error}", file=sys.stderr)
        return 2
    except (OSError, ExampleError, ValueError) as error:
        print(f"inlay: {error}", file=sys.stderr)
        return 2


def _program_arguments(command: argparse.ArgumentParser) -> None:
    command.add_argument("--fills", type=Path, help="a Python file filling holes by name")
    command.add_argument(
        "--align",
        action="store_true",
        help="fill each inline hole with the function the fills file calls at the same place",
    )
    command.add_argument("--entry", help="the entry function (default: main, or the one uncalled)")


def _holes(args: argparse.Namespace) -> int:
    sketch = _read_sketch(args.sketch)
    if args.json:
        print(json.dumps(_holes_json(sketch, args.entry), indent=2))
        return 0
    for error in sketch.errors:
        print(f"{args.sketch}:{error.line + 1}:{error.column + 1}: {error.message}")
    print(f"entry: {args.entry or sketch.entry or '(none: name it with --entry)'}")
    for hole in sketch.holes:
        where = f"{args.sketch}:{hole.span.start_line + 1}:{_character_column(sketch, hole) + 1}"
        examples = f" [{len(hole.examples)} examples]" if hole.examples else ""
        summary = hole.description.split("\n", 1)[0]  # a docstring's first line says what it is
        print(f"{where}: {hole.kind} hole {hole.name}{examples}: {summary}")
    return 0


def _read_sketch(path: Path) -> Sketch:
    return parse_sketch(path.read_text(encoding="utf-8"))


def _holes_json(sketch: Sketch, entry: str | None = None) -> dict[str, Any]:
    return {
        "entry": entry or sketch.entry,
        "holes": [
            {
                "id": hole.id,
                "kind": hole.kind,
                "description": hole.description,
                "name": hole.name,
                "line": hole.span.start_line + 1,
                "column": _character_column(sketch, hole) + 1,
                "params": [{"name": p.name, "annotation": p.annotation} for p in hole.params],
                "expected_type": hole.expected_type,
                "examples": len(hole.examples),
            }
            for hole in sketch.holes
        ],
        "errors": [
            {"message": e.message, "line": e.line + 1, "column": e.column + 1}
            for e in sketch.errors
        ],
    }


def _character_column(sketch: Sketch, hole: Hole) -> int:
    """The hole's column in characters (a Span counts UTF-8 bytes)."""
    data = sketch.source.encode("utf-8", errors="surrogatepass")
    line_start = hole.span.start_byte - hole.span.start_column
    return len(data[line_start : hole.span.start_byte].decode("utf-8", errors="replace"))


def _program(args: argparse.Namespace) -> Program:
    sketch = _read_sketch(args.sketch)
    fills = args.fills.read_text(encoding="utf-8") if args.fills else None
    if args.align and fills is None:
        raise ValueError("--align needs --fills: the program whose calls fill the holes")
    fills_name = args.fills.name if args.fills else "fills"
    return build_program(sketch, fills, align=args.align, entry=args.entry, fills_name=fills_name)


def _run(args: argparse.Namespace) -> int:
    program = _program(args)
    examples = read_examples(args.examples or args.task)
    runs = run_sketch(program, examples, trace=args.trace)
    if args.json:
        print(json.dumps(_run_json(runs), indent=2))
    else:
        for run in runs:
            _print_run(run)
        passed = sum(run.passed for run in runs)
        print(f"{passed} of {len(runs)} examples passed")
    return 0 if all(run.passed for run in runs) else 1


def _run_json(runs: list[ExampleRun]) -> dict[str, Any]:
    passed = sum(run.passed for run in runs)
    return {
        "examples": [_example_json(run) for run in runs],
        "passed": passed,
        "failed": len(runs) - passed,
    }


def _example_json(run: ExampleRun) -> dict[str, Any]:
    trace = None
    if run.trace is not None:
        trace = [
            {
                "hole": call.hole,
                "args": to_json(call.args),
                "kwargs": to_json(call.kwargs),
                **({"error": call.error} if call.error is not None else {}),
                **({"result": to_json(call.result)} if call.error is None else {}),
            }
            for call in run.trace
        ]
    return {
        "split": run.split,
        "index": run.index,
        "passed": run.passed,
        "output": to_json(run.output),
        "error": run.error,
        "trace": trace,
        "failed_in": run.failed_in,
    }


def _print_run(run: ExampleRun) -> None:
    name = f"{run.split} {run.index}" if run.split else f"example {run.index}"
    verdict = "passed" if run.passed else "FAILED"
    detail = f": {run.error}" if run.error else ""
    if not run.passed and run.error is None:
        detail = f": got {to_json(run.output)!r}"
    print(f"{name}: {verdict}{detail}")
    for call in run.trace or ():
        outcome = f"raised {call.error}" if call.error else f"-> {to_json(call.result)!r}"
        arguments = ", ".join(repr(to_json(arg)) for arg in call.args)
        print(f"    {call.hole}({arguments}) {outcome}")


def _materialize(args: argparse.Namespace) -> int:
    print(_program(args).source, end="")
    return 0


def _fill(args: argparse.Namespace) -> int:
    from inlay.synthesis.backends import BackendError, NoModel, get_backend
    from inlay.synthesis.engine import FillRequest, SketchProblem, fill

    examples = []
    if args.examples is not None:
        # A task's test pairs are for judging (`inlay run`): a fill never sees them.
        examples = [
            Example(item.args, item.output)
            for item in read_examples(args.examples)
            if item.split != "test"
        ]
    source = args.sketch.read_text()
    fixed: dict[str, str] = {}
    if args.fills is not None:
        sketch = parse_sketch(source)
        given = read_fills(sketch, args.fills.read_text(), filename=str(args.fills))
        support = [s for s in given.support if s.startswith(("import ", "from ", "def "))]
        fixed = {name: "\n\n".join([*support, code]) + "\n" for name, code in given.by_hole.items()}
    request = FillRequest(
        source,
        examples,
        holes=args.hole,
        fixed=fixed,
        samples=args.samples,
        candidates=args.candidates,
        budget_seconds=args.budget_seconds,
        budget_tokens=args.budget_tokens,
        entry=args.entry,
        constrain=args.constrain,
        filler=args.filler,
    )
    finished: dict[str, Any] = {}

    def emit(kind: str, data: dict[str, Any]) -> None:
        if kind == "run.finished":
            finished.update(data)
        if args.json:
            if kind != "candidate.progress":
                print(json.dumps({"event": kind, **data}), flush=True)
        else:
            _print_event(kind, data)

    try:
        backend = NoModel() if args.filler == "enumerative" else get_backend(args.backend)
        fill(request, backend, emit)
    except (SketchProblem, BackendError) as error:
        print(f"inlay: {error}", file=sys.stderr)
        return 2
    if not args.json and finished.get("text"):
        print(finished["text"], end="")
    return 0 if finished.get("passed") else 1


def _print_event(kind: str, data: dict[str, Any]) -> None:
    """The run as a person follows it: one line a sample and a candidate, then the choice."""
    match kind:
        case "hole.sample":
            what = data.get("error") or (
                f"passes {data['passed']} of {data['total']} of its examples"
                if "passed" in data
                else "written"
            )
            print(
                f"  {data['hole']} ({data['origin']}, {data['tokens_out']} tokens, "
                f"{data['seconds']:.1f} s): {what}",
                file=sys.stderr,
            )
        case "candidate.tested":
            print(
                f"candidate {data['candidate']}: passes {data['passed']} of {data['total']}",
                file=sys.stderr,
            )
        case "candidate.invalid":
            print(f"candidate {data['candidate']}: {data['error']}", file=sys.stderr)
        case "run.finished":
            chosen = data["best"]
            print(
                f"chose candidate {chosen} ({data['why']}); {data['tokens_in']} tokens in, "
                f"{data['tokens_out']} out, {data['seconds']:.1f} s"
                if chosen is not None
                else f"no candidate ({data['why']})",
                file=sys.stderr,
            )


def _lsp(args: argparse.Namespace) -> int:
    # The language server is a layer above this library: it plugs its command in through an
    # entry point (pyproject.toml), so the core never imports it.
    found = entry_points(group="inlay.commands", name="lsp")
    if not found:
        print("inlay: the language server (package lsp) is not installed", file=sys.stderr)
        return 2
    command = next(iter(found)).load()
    return int(command())


def _model(args: argparse.Namespace) -> int:
    from inlay.synthesis.backends import BackendError, prepare_local_model

    try:
        print(prepare_local_model())
    except BackendError as error:
        print(f"inlay: {error}", file=sys.stderr)
        return 2
    return 0


_COMMANDS = {
    "holes": _holes,
    "run": _run,
    "materialize": _materialize,
    "fill": _fill,
    "lsp": _lsp,
    "model": _model,
}

if __name__ == "__main__":
    sys.exit(main())
