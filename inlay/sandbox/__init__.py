"""The sandbox: runs model-written candidate programs against examples in a pool of warm,
self-isolated executor processes, each job in a fresh process forked for it.

    results = run_examples(source, "solve", [((grid,), expected_grid)], Limits(wall_seconds=2))

Modules: pool.py (run_examples, SandboxPool: the worker's side), executor.py (the executor
process and its fork per job), confine.py (its namespaces, root filesystem and uid), seccomp.py
(the system-call filters, built with libseccomp in the worker), seccomp_install.py (installing
them in the executor and each job), child.py (what runs in the job's process), protocol.py
(messages on the pipes), results.py (ExampleResult from a reply), isolation.py (Limits and the
refusal policy), codec.py (values across the boundary, as JSON), equality.py (whether an output
matches). Django-free. docs/sandbox.md says what each layer blocks and what it costs.

The names below are imported on first use: an executor imports only the modules it needs, because
every module loaded before a fork is paid for in every job (the `threading` and `logging` that the
pool needs register handlers that run, and copy memory, in each forked process).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from inlay.sandbox.codec import DecodeError, EncodeError, Record
    from inlay.sandbox.equality import values_equal
    from inlay.sandbox.isolation import Limits, SandboxUnavailable
    from inlay.sandbox.pool import SandboxPool, default_pool, run_examples
    from inlay.sandbox.results import ExampleResult, Status

_EXPORTS = {
    "DecodeError": "codec",
    "EncodeError": "codec",
    "Record": "codec",
    "values_equal": "equality",
    "Limits": "isolation",
    "SandboxUnavailable": "isolation",
    "SandboxPool": "pool",
    "default_pool": "pool",
    "run_examples": "pool",
    "ExampleResult": "results",
    "Status": "results",
}

__all__ = [
    "DecodeError",
    "EncodeError",
    "ExampleResult",
    "Limits",
    "Record",
    "SandboxPool",
    "SandboxUnavailable",
    "Status",
    "default_pool",
    "run_examples",
    "values_equal",
]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"inlay.sandbox.{_EXPORTS[name]}"), name)
