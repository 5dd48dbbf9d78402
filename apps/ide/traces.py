"""What the trace view shows of a candidate: for each example, each hole's calls (arguments →
result, or what it raised), and for a hole with no call on a failed example whether the run
failed before reaching it. Values are shown as the page renders them: grids as coloured cells
(ARC's palette), everything else as the code that writes it."""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# The largest grid drawn as cells; a bigger one is shown as text.
_GRID_CELLS = 900


@dataclass(frozen=True)
class Shown:
    """A value for the page: `grid` holds its rows of cells when it is a grid of integers."""

    text: str
    grid: list[list[int]] | None = None


@dataclass(frozen=True)
class CallView:
    args: list[Shown]
    result: Shown | None
    error: str | None
    # The call as an example of its hole could say it: arguments and result as literals, or
    # None where a value has no literal (then it cannot be offered as an example).
    args_literal: str | None
    result_literal: str | None

    @property
    def should(self) -> dict[str, object]:
        """The "this call should return" form's first values: the call as it was."""
        grid = any(value.grid for value in self.args) or bool(self.result and self.result.grid)
        return {"args": self.args_literal, "output": self.result_literal or "", "grid": grid}


@dataclass
class HoleView:
    hole: str
    calls: list[CallView] = field(default_factory=list)
    note: str = ""  # "this hole raised", "failed before this hole", "not called"


@dataclass(frozen=True)
class ExampleView:
    index: int
    call: str
    status: str
    holes: list[HoleView]


def shown(literal: str | None, fallback: str | None) -> Shown:
    """A traced value: drawn as a grid when its literal is a rectangular list of integer rows,
    else written as its literal (or, with none, as its abbreviation)."""
    text = literal if literal is not None else (fallback or "")
    grid = _grid(literal) if literal is not None else None
    return Shown(text, grid)


def laid_out(text: str) -> str:
    """An example's value as the examples table shows it for editing: a grid one row a line,
    anything else as the user wrote it."""
    grid = _grid(text.strip())
    if grid is None or len(grid) < 2:
        return text
    return "[" + ",\n ".join(repr(row) for row in grid) + "]"


def _grid(literal: str) -> list[list[int]] | None:
    if not literal.startswith("[["):
        return None
    try:
        value = ast.literal_eval(literal)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
    if not isinstance(value, list) or not value or not all(isinstance(r, list) for r in value):
        return None
    width = len(value[0])
    if width == 0 or any(len(row) != width for row in value):
        return None
    if len(value) * width > _GRID_CELLS:
        return None
    cells = [cell for row in value for cell in row]
    if not all(type(cell) is int for cell in cells):
        return None
    return value


def example_views(
    results: Sequence[Mapping[str, Any]], trace: Mapping[str, Any], holes: Sequence[str]
) -> list[ExampleView]:
    """The trace view of a candidate's `results` (one per example) and `trace`
    (`inlay.context.facts.trace_facts`), its holes in `holes`' order."""
    traced: Mapping[str, Any] = trace.get("holes", {})
    failed_in: Mapping[str, str] = trace.get("failed_in", {})
    views = []
    for result in results:
        index = int(result["example"])
        rows = []
        for hole in holes:
            row = HoleView(hole)
            for call in traced.get(hole, {}).get("traced", ()):
                if call.get("example") == index:
                    row.calls.append(_call_view(call))
            raiser = failed_in.get(str(index))
            if raiser == hole:
                row.note = "this hole raised"
            elif not row.calls:
                ended = result["status"] in ("error", "timeout")
                row.note = "failed before this hole" if ended else "not called"
            rows.append(row)
        views.append(ExampleView(index, str(result.get("call", "")), str(result["status"]), rows))
    return views


def _call_view(call: Mapping[str, Any]) -> CallView:
    literals: list[str] | None = call.get("literals")
    abbreviated: list[str] = call.get("args", [])
    if literals is not None:
        args = [shown(text, None) for text in literals]
    else:
        args = [shown(None, text) for text in abbreviated]
    error = call.get("error")
    result = None if error else shown(call.get("result_literal"), call.get("result"))
    return CallView(
        args=args,
        result=result,
        error=error,
        args_literal=", ".join(literals) if literals is not None else None,
        result_literal=call.get("result_literal"),
    )
