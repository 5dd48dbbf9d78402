"""Facts from a run, as the server reads them: the shape clients send, and traced calls."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from inlay.context.facts import (
    FailedExample,
    HoleFacts,
    TracedCall,
    facts_from_json,
    hole_facts_from_json,
    trace_facts,
    traced_calls,
)
from inlay.context.observed import ObservedTypes
from inlay.run.trace import run_program
from inlay.sketch import parse_sketch
from inlay.sketch.materialize import materialize, read_fills
from inlay.sketch.tasks import TaskExample

TRACED = """import numpy as np


def main(grid):
    return "total"("row sums"(grid))
"""
TRACED_FILLS = """import numpy as np


def row_sums(grid):
    if any(cell < 0 for row in grid for cell in row):
        raise ValueError("a negative cell")
    return np.array([sum(row) for row in grid], dtype=np.int64)


def total(sums):
    return int(sums.sum())
"""


def test_traced_calls_abbreviate_values_with_their_runtime_types() -> None:
    records: list[dict[str, Any]] = [
        {
            "hole": "rotate",
            "args": [np.zeros((3, 3), dtype=np.int64)],
            "kwargs": {"k": 1},
            "result": np.ones((3, 3), dtype=np.int64),
        },
        {"hole": "rotate", "args": [[1, 2, 3]], "kwargs": {}, "error": "ValueError: no"},
        {"hole": "count", "args": ["x" * 100], "kwargs": {}, "result": 3},
    ]

    zeros = "[[0, 0, 0], [0, 0, 0], [0, 0, 0]]"
    ones = "[[1, 1, 1], [1, 1, 1], [1, 1, 1]]"
    assert traced_calls(records) == {
        "rotate": (
            # With a keyword argument the call has no positional literal form.
            TracedCall(("ndarray int64 (3, 3)", "k=int 1"), "ndarray int64 (3, 3)", None, ones),
            TracedCall(("list [1, 2, 3]",), None, ("[1, 2, 3]",), error="ValueError: no"),
        ),
        "count": (TracedCall((f"str '{'x' * 36}...",), "int 3", (repr("x" * 100),), "3"),),
    }
    assert zeros  # the array's literal is its nested list, as an example would write it


def test_a_traced_run_becomes_facts_per_hole() -> None:
    sketch = parse_sketch(TRACED)
    program = materialize(sketch, read_fills(sketch, TRACED_FILLS))
    examples = [
        TaskExample(([[1, 2], [3, 4]],), 10, None, 0),
        TaskExample(([],), 0, None, 1),
        TaskExample(([[1, -1]],), 0, None, 2),
    ]
    runs = run_program(program, "main", examples, trace=["row_sums", "total"])

    facts = trace_facts(runs, numpy="np")

    assert facts["failed_in"] == {"2": "row_sums"}
    row_sums = hole_facts_from_json(facts["holes"]["row_sums"])
    assert row_sums.observed == ObservedTypes(("list[list[int]]",), {}, "np.ndarray", 3)
    first = row_sums.traced[0]
    assert first.example == 0 and first.literals == ("[[1, 2], [3, 4]]",)
    assert first.args == ("list [[1, 2], [3, 4]]",) and first.result == "ndarray int64 (2,)"
    assert first.result_literal == "[3, 7]"
    raised_at = 1 + [n for n, line in enumerate(program.splitlines()) if "raise" in line][0]
    assert row_sums.traced[-1].error == f"ValueError: a negative cell (line {raised_at})"
    total = hole_facts_from_json(facts["holes"]["total"])
    assert total.observed is not None and total.observed.args == ("np.ndarray",)
    assert [call.example for call in total.traced] == [0, 1]  # example 2 never reached it


def test_facts_read_from_the_documented_json() -> None:
    facts = facts_from_json(
        {
            "run": 3,
            "holes": {"f": {"status": "verified", "traced": [{"args": ["int 1"], "result": "2"}]}},
            "failed": [{"call": "main(1)", "message": "expected 2, got 3"}],
        }
    )

    assert facts.run == 3
    assert facts.of("f") == HoleFacts("verified", (), (TracedCall(("int 1",), "2"),), None)
    assert facts.of("unknown") == HoleFacts()
    assert facts.failed == (FailedExample("main(1)", "expected 2, got 3"),)


def test_facts_with_an_unknown_status_are_refused_with_a_clear_message() -> None:
    with pytest.raises(ValueError, match="Unknown hole status 'done'"):
        facts_from_json({"holes": {"f": {"status": "done"}}})


def test_the_facts_documented_in_docs_lsp_md_are_read_as_documented() -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "lsp.md").read_text()
    blocks = re.findall(r"```json\n(.*?)```", text, re.DOTALL)
    (notification,) = [json.loads(block) for block in blocks if '"facts"' in block]

    facts = facts_from_json(notification["facts"])

    hole = facts.of("reverse_the_list")
    assert hole.status == "failing" and hole.failed[0].call == "main([1, 2])"
    assert hole.traced == (
        TracedCall(("list [1, 2]",), "list [1, 2]", ("[1, 2]",), "[1, 2]", example=0),
    )
    assert hole.observed == ObservedTypes(("list[int]",), {}, "list[int]", 1)
