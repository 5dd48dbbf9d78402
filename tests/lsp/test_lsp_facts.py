"""Facts from a run, as the server reads them: the shape clients send, and traced calls."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from lsp.facts import FailedExample, HoleFacts, TracedCall, facts_from_json, traced_calls


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

    assert traced_calls(records) == {
        "rotate": (
            TracedCall(("ndarray int64 (3, 3)", "k=int 1"), "ndarray int64 (3, 3)"),
            TracedCall(("list [1, 2, 3]",), None),
        ),
        "count": (TracedCall((f"str '{'x' * 36}...",), "int 3"),),
    }


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
