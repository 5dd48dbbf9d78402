"""Fixtures shared by the backend tests."""

from __future__ import annotations

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
