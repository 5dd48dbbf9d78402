import pytest

from inlay.sketch import parse_sketch
from inlay.sketch.fill import FillError, apply_fills
from tests.sandboxed import call_main

SKETCH = '''import math


def reverse_list(xs: list[int]) -> list[int]:
    """Return the items of xs in reverse order."""


def main(xs: list[int]) -> list[int]:
    return "double every item"(reverse_list(xs))
'''


def test_a_function_hole_keeps_the_users_signature_and_docstring():
    filled = apply_fills(
        parse_sketch(SKETCH),
        {"reverse_list": "def reverse_list(xs):\n    '''Mine.'''\n    return xs[::-1]\n"},
    )
    assert 'def reverse_list(xs: list[int]) -> list[int]:\n    """Return the items' in filled
    assert "    return xs[::-1]\n" in filled
    assert "Mine." not in filled


def test_an_inline_hole_becomes_a_named_function_and_its_call_sites_call_it():
    sketch = parse_sketch(SKETCH)
    filled = apply_fills(
        sketch,
        {
            "reverse_list": "def reverse_list(xs):\n    return xs[::-1]",
            "double_every_item": "import operator\ndef double_every_item(items):\n"
            "    return [operator.mul(2, i) for i in items]\n",
        },
    )
    assert 'def double_every_item(items) -> list[int]:\n    """double every item"""' in filled
    assert "return double_every_item(reverse_list(xs))" in filled
    assert "import operator\n" in filled
    assert parse_sketch(filled).holes == ()
    assert call_main(filled, [1, 2, 3]) == [6, 4, 2]


def test_code_that_does_not_parse_or_defines_nothing_is_refused():
    sketch = parse_sketch(SKETCH)
    with pytest.raises(FillError, match="does not parse"):
        apply_fills(sketch, {"reverse_list": "def reverse_list(xs) return xs"})
    with pytest.raises(FillError, match="defines no function"):
        apply_fills(sketch, {"reverse_list": "xs = 1"})


def test_helpers_of_a_fill_come_along():
    code = "def flip(v):\n    return v[::-1]\n\ndef reverse_list(xs):\n    return flip(xs)\n"
    filled = apply_fills(
        parse_sketch(SKETCH), {"reverse_list": code, "double_every_item": "def d(x): return x"}
    )
    assert filled.index("def flip") < filled.index("def reverse_list")
    assert call_main(filled, [1, 2]) == [2, 1]


def test_a_helper_of_a_fill_never_replaces_the_users_function():
    sketch = parse_sketch(
        'def total(xs):\n    return sum(xs)\n\n\ndef main(xs):\n    return total("twice"(xs))\n'
    )
    code = "def total(xs):\n    return -1\n\ndef twice(xs):\n    return xs + xs\n"
    filled = apply_fills(sketch, {"twice": code})
    assert filled.count("def total") == 1
    assert call_main(filled, [1, 2]) == 6
