"""From a sketch and its fills to a program, and to its runs on examples: what `inlay run` and
`inlay materialize` do, for any caller."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from inlay.run.trace import ExampleRun, run_program
from inlay.sketch import Sketch
from inlay.sketch.align import align_fills
from inlay.sketch.materialize import Fills, MaterializeError, materialize, read_fills
from inlay.sketch.tasks import TaskExample


@dataclass(frozen=True)
class Program:
    source: str
    entry: str
    holes: tuple[str, ...]  # every hole's function name: the sketch's and its fills' own holes


def build_program(
    sketch: Sketch,
    fills: str | None = None,
    *,
    align: bool = False,
    entry: str | None = None,
    fills_name: str = "fills",
) -> Program:
    """The plain-Python program of the sketch, its holes filled from the fills file's text
    (by materialized name, or by position with `align`). MaterializeError says what is wrong."""
    found = Fills()
    if fills is not None:
        reader = align_fills if align else read_fills
        found = reader(sketch, fills, filename=fills_name)
    source = materialize(sketch, found)  # first: a syntax error says more than a missing entry
    chosen = entry or sketch.entry
    if chosen is None:
        raise MaterializeError(
            "no entry: the sketch defines no main and not exactly one function that no other "
            "function calls; name it with --entry"
        )
    holes = dict.fromkeys([*(hole.name for hole in sketch.holes), *found.by_hole])
    return Program(source, chosen, tuple(holes))


def run_sketch(
    program: Program, examples: Sequence[TaskExample], *, trace: bool = False
) -> list[ExampleRun]:
    """The program's runs on the examples, in the sandbox; with every hole's calls if `trace`."""
    return run_program(
        program.source, program.entry, examples, trace=program.holes if trace else None
    )
