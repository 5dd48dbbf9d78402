"""Examples beyond the limits of docs/operations.md are refused by the form with the reason,
never with a server error, and nothing is saved (issue 14's findings 2 and 3)."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.sketches.models import Sketch

DEEP = "[" * 10_000 + "]" * 10_000
NESTED_900 = "[" * 900 + "]" * 900
DIGITS_5000 = "1" * 5_000
HEX_20000 = "0x" + "f" * 20_000
LONG = "[" + ", ".join(["1"] * 100_000) + "]"

CASES = [
    (DEEP, "nests more than 100 levels deep"),
    (NESTED_900, "nests more than 100 levels deep"),
    (DIGITS_5000, "more than 1,000 digits"),
    (HEX_20000, "more than 1,000 digits"),
    (LONG, "at most 200,000"),
]


@pytest.mark.parametrize(("value", "reason"), CASES, ids=["deep", "900", "5000", "hex", "long"])
@pytest.mark.parametrize("field", ["args", "output"])
def test_a_value_beyond_the_limits_is_refused_with_its_reason(
    demo_sketch: Sketch, owner: Client, value: str, reason: str, field: str
):
    typed = {"args": "[1]", "output": "[1]"} | {field: value}
    response = owner.post(f"/sketches/{demo_sketch.pk}/examples/", typed)
    assert response.status_code == 200
    assert reason in response.content.decode()
    assert demo_sketch.examples.count() == 3
