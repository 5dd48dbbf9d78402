"""Fixtures shared by the backend tests."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from inlay.synthesis.backends import Message

# model_path, the assembled and checksummed weights, comes from tests/conftest.py.


@pytest.fixture
def reverse_list_prompt() -> list[Message]:
    return [
        Message("system", "You are a Python programmer. Answer with one Python code block only."),
        Message(
            "user", "Write a Python function `reverse_list(xs)` that returns the list reversed."
        ),
    ]


@pytest.fixture
def a_busy_core() -> Iterator[int]:
    """Another process spinning on one of the cores this one may use."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        pytest.fail("This test needs at least 2 CPUs (the machines it runs on have 2).")
    spinner = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import os; os.sched_setaffinity(0, {{{cpus[0]}}})\nwhile True: pass",
        ]
    )
    try:
        yield cpus[0]
    finally:
        spinner.kill()
        spinner.wait()
