"""The sandbox: runs model-written candidate programs against examples, outside the web and worker
processes, each run in a fresh, confined child process.

    results = run_examples(source, "solve", [((grid,), expected_grid)], Limits(wall_seconds=2))

Modules: runner.py (run_examples and its results), isolation.py (limits and the namespace policy),
child.py (the harness that runs inside the child), codec.py (values across the boundary, as JSON),
equality.py (whether an output matches the expected value). Django-free.
"""

from __future__ import annotations

from apps.sandbox.codec import DecodeError, EncodeError, Record
from apps.sandbox.equality import values_equal
from apps.sandbox.isolation import Limits, SandboxUnavailable
from apps.sandbox.runner import ExampleResult, Status, run_examples

__all__ = [
    "DecodeError",
    "EncodeError",
    "ExampleResult",
    "Limits",
    "Record",
    "SandboxUnavailable",
    "Status",
    "run_examples",
    "values_equal",
]
