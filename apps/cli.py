"""`inlay`: the sketch language, the engine and the language server from a terminal.

Every command calls the same core functions as the web app; see docs/cli.md.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lsp.examples import Example, ExampleError
from lsp.sketch import Sketch, parse_sketch


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="inlay", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    holes = commands.add_parser("holes", help="list a sketch's holes")
    holes.add_argument("sketch", type=Path)
    holes.add_argument("--json", action="store_true", help="print the documented JSON shape")

    fill = commands.add_parser("fill", help="fill a sketch's holes with a model and test them")
    fill.add_argument("sketch", type=Path)
    fill.add_argument("--examples", type=Path, required=True, help='JSON: [{"args", "output"}]')
    fill.add_argument("--candidates", type=int, default=3)
    fill.add_argument("--backend", help="local or openai (default: $INLAY_MODEL_BACKEND)")

    lsp = commands.add_parser("lsp", help="run the language server")
    lsp.add_argument("--stdio", action="store_true", required=True)

    model = commands.add_parser("model", help="manage the local model")
    model.add_argument("action", choices=["prepare"], help="assemble and verify the weights")

    args = parser.parse_args(argv)
    try:
        return int(_COMMANDS[args.command](args))
    except (OSError, ExampleError, ValueError) as error:
        print(f"inlay: {error}", file=sys.stderr)
        return 2


def _holes(args: argparse.Namespace) -> int:
    sketch = parse_sketch(args.sketch.read_text())
    if args.json:
        print(json.dumps(_holes_json(sketch), indent=2))
        return 0
    for error in sketch.errors:
        print(f"{args.sketch}:{error.line + 1}:{error.column + 1}: {error.message}")
    for hole in sketch.holes:
        line = hole.span.start_line + 1
        print(f"{args.sketch}:{line}: {hole.kind} hole {hole.name}: {hole.description}")
    return 0


def _holes_json(sketch: Sketch) -> dict[str, Any]:
    return {
        "entry": sketch.entry,
        "holes": [
            {
                "id": hole.id,
                "kind": hole.kind,
                "description": hole.description,
                "name": hole.name,
                "line": hole.span.start_line + 1,
                "column": hole.span.start_column + 1,
                "params": [{"name": p.name, "annotation": p.annotation} for p in hole.params],
                "expected_type": hole.expected_type,
            }
            for hole in sketch.holes
        ],
        "errors": [
            {"message": e.message, "line": e.line + 1, "column": e.column + 1}
            for e in sketch.errors
        ],
    }


def _fill(args: argparse.Namespace) -> int:
    from apps.synthesis.backends import BackendError, get_backend
    from apps.synthesis.engine import FillRequest, SketchProblem, fill

    examples = [
        Example(tuple(item["args"]), item["output"])
        for item in json.loads(args.examples.read_text())
    ]
    request = FillRequest(args.sketch.read_text(), examples, candidates=args.candidates)
    outcome: dict[str, Any] = {}

    def emit(kind: str, data: dict[str, Any]) -> None:
        if kind == "candidate.progress":
            return
        print(json.dumps({"event": kind, **data}), flush=True)
        if kind == "candidate.tested" and data["passed"] == data["total"]:
            outcome["passed"] = True

    try:
        fill(request, get_backend(args.backend), emit)
    except (SketchProblem, BackendError) as error:
        print(f"inlay: {error}", file=sys.stderr)
        return 2
    return 0 if outcome.get("passed") else 1


def _lsp(args: argparse.Namespace) -> int:
    from lsp.server import run_stdio

    run_stdio()
    return 0


def _model(args: argparse.Namespace) -> int:
    from apps.synthesis.backends import BackendError, prepare_local_model

    try:
        print(prepare_local_model())
    except BackendError as error:
        print(f"inlay: {error}", file=sys.stderr)
        return 2
    return 0


_COMMANDS = {"holes": _holes, "fill": _fill, "lsp": _lsp, "model": _model}

if __name__ == "__main__":
    sys.exit(main())
