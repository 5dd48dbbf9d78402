"""Parse plus hole extraction on a 2,000-line sketch: cold, and after a one-character edit.

    .venv/bin/python bench/parse_sketch.py [--reps 30] [--lines 2000]

The sketch is DARC's `anpl` sketches (../shared/darc) one after another, each `main` renamed,
until it has `--lines` lines. Measured in the same run, so that only ratios are compared on this
shared, noisy machine:

- `ast.parse` of the same text, the baseline (CPython's parser, no holes found);
- tree-sitter's parse alone, the floor under `parse_sketch`;
- tree-sitter's parse and the one query `parse_sketch` runs over the whole tree (no Python of
  ours: what reads the nodes it finds is the rest of `parse_sketch`);
- `parse_sketch`, cold: parse, find every hole, name it, type it, find the entry;
- `reparse` after typing one character into a hole's description in the middle of the sketch:
  only the top-level statements around the edit are parsed again, the rest are moved, and the
  holes are read again; and the same edit near the top, where every statement below moves.

The runs take turns, one repetition of each at a time. It prints the median of each in
milliseconds and its ratio to `ast.parse`. The targets (issue 3) are 10 ms cold and 2 ms after
an edit.
"""

from __future__ import annotations

import argparse
import ast
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from inlay.sketch import (  # noqa: E402
    TextEdit,
    parse_sketch,
    reparse,
    syntax,  # noqa: E402
)
from inlay.sketch.holes import _SKETCH_QUERY  # noqa: E402

DARC = ROOT.parent / "shared" / "darc"


def long_sketch(lines: int) -> str:
    """DARC sketches (the valid Python ones) one after another, up to `lines` lines."""
    parts: list[str] = []
    count = 0
    files = sorted(DARC.glob("*.json"))
    if not files:
        raise SystemExit(f"no DARC files in {DARC}")
    while count < lines:
        for number, path in enumerate(files):
            sketch = json.loads(path.read_text())["anpl"]
            try:
                ast.parse(sketch)
            except SyntaxError:
                continue
            parts.append(sketch.replace("def main(", f"def main_{len(parts)}_{number}("))
            count += sketch.count("\n") + 2
            if count >= lines:
                break
    return "\n\n".join(parts)


def medians_ms(runs: dict[str, Callable[[], object]], reps: int) -> dict[str, float]:
    """Each run's median time. The runs take turns, one repetition of each at a time, so that a
    change in the machine's load weighs on all of them alike."""
    for run in runs.values():
        run()  # warm: caches, the query's compilation
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(reps):
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(taken) * 1000 for name, taken in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=30)
    parser.add_argument("--lines", type=int, default=2000)
    args = parser.parse_args()
    text = long_sketch(args.lines)
    data = text.encode()
    sketch = parse_sketch(text)
    # One character typed into the description of a hole in the middle of the file: the text
    # stays valid, and the hole's name and description change.
    at = data.index(b' = "', len(data) // 2) + 4
    edit = TextEdit(at, at, "x")
    # The same near the top: every statement below moves (the worst case).
    top = data.index(b' = "') + 4
    top_edit = TextEdit(top, top, "x")
    for typed in (edit, top_edit):
        edited = reparse(sketch, typed)
        assert not edited.errors
        assert edited.holes == parse_sketch(edited.source).holes  # the incremental path is exact
    runs: dict[str, Callable[[], object]] = {
        "ast.parse (baseline)": lambda: ast.parse(text),
        "tree-sitter parse only": lambda: syntax.parse(data),
        "tree-sitter parse + query": lambda: syntax.captures(
            _SKETCH_QUERY, syntax.parse(data).root_node
        ),
        "parse_sketch, cold": lambda: parse_sketch(text),
        "reparse after a 1-character edit": lambda: reparse(sketch, edit),
        "the same edit near the top": lambda: reparse(sketch, top_edit),
    }
    figures = medians_ms(runs, args.reps)
    baseline = figures["ast.parse (baseline)"]
    print(f"{text.count(chr(10)) + 1} lines, {len(sketch.holes)} holes, {args.reps} reps")
    for name, ms in figures.items():
        print(f"{name:36} {ms:7.2f} ms  {ms / baseline:5.2f} x ast.parse")


if __name__ == "__main__":
    main()
