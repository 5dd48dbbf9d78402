from inlay.sketch import parse_sketch

SKETCH = '''import numpy as np


def reverse_list(xs: list[int]) -> list[int]:
    """Return the items of xs in reverse order."""


def main(grid: list[int], k: int) -> list[int]:
    smaller: list[int] = "keep the first k items"(grid, k)
    again = "keep the first k items"(smaller, 2)
    return "reverse the list"(again)
'''


def test_it_finds_function_and_inline_holes_in_source_order():
    sketch = parse_sketch(SKETCH)
    assert [(h.name, h.kind) for h in sketch.holes] == [
        ("reverse_list", "function"),
        ("keep_the_first_k_items", "inline"),
        ("reverse_the_list", "inline"),
    ]
    assert sketch.entry == "main"
    assert sketch.errors == ()


def test_the_same_description_twice_is_one_hole_with_two_uses():
    hole = parse_sketch(SKETCH).hole("keep_the_first_k_items")
    assert [use.start_line for use in hole.uses] == [8, 9]


def test_inline_holes_take_types_from_the_code_around_them():
    sketch = parse_sketch(SKETCH)
    keep = sketch.hole("keep_the_first_k_items")
    assert keep.expected_type == "list[int]"
    assert [(p.name, p.annotation) for p in keep.params] == [("grid", "list[int]"), ("k", "int")]
    assert sketch.hole("reverse_the_list").expected_type == "list[int]"
    assert (
        sketch.hole("reverse_list").signature() == "def reverse_list(xs: list[int]) -> list[int]:"
    )


def test_function_holes_may_be_docstring_ellipsis_or_pass():
    sketch = parse_sketch(
        'def a(x):\n    """Doc."""\n    ...\n\n'
        "def b(x):\n    pass\n\n"
        "def c(x):\n    return a(x) + b(x)\n"
    )
    assert [h.name for h in sketch.holes] == ["a", "b"]
    assert sketch.hole("a").description == "Doc."
    assert sketch.entry == "c"


def test_a_syntax_error_elsewhere_still_yields_the_holes():
    sketch = parse_sketch(SKETCH + "\nvalue = [1, 2\n")
    assert [h.name for h in sketch.holes] == [h.name for h in parse_sketch(SKETCH).holes]
    assert sketch.errors[0].line == 12
    assert "never closed" in sketch.errors[0].message


def test_hole_at_finds_the_hole_under_a_position():
    sketch = parse_sketch(SKETCH)
    hole = sketch.hole_at(10, 14)
    assert hole is not None and hole.name == "reverse_the_list"
    assert sketch.hole_at(0, 0) is None


def test_hole_at_picks_the_innermost_of_nested_holes():
    source = 'def main(x):\n    return "a"("b"(x))\n'
    sketch = parse_sketch(source)
    line = source.splitlines()[1]

    inner = sketch.hole_at(1, line.index('"b"') + 1)
    outer = sketch.hole_at(1, line.index('"a"') + 1)

    assert inner is not None and inner.name == "b"
    assert outer is not None and outer.name == "a"


def test_a_hole_passed_by_keyword_takes_that_parameters_annotation():
    sketch = parse_sketch(
        "def scale(grid: list[int], *, k: float) -> list[int]:\n"
        '    """Scale it."""\n\n'
        "def main(xs: list[int]) -> list[int]:\n"
        '    return scale("the numbers"(xs), k="the factor"(xs))\n'
    )

    assert sketch.hole("the_numbers").expected_type == "list[int]"
    assert sketch.hole("the_factor").expected_type == "float"


def test_a_hole_after_a_splat_has_no_expected_type():
    sketch = parse_sketch(
        'def pair(a: int, b: str) -> None:\n    ...\n\ndef main(xs):\n    pair(*xs, "second"(xs))\n'
    )

    assert sketch.hole("second").expected_type is None


def test_span_columns_count_utf8_bytes_and_problem_columns_count_characters():
    line = '    return ["🙂é" + x for x in "reverse the list"(xs)] + )'
    sketch = parse_sketch(f"def main(xs):\n{line}\n")

    span = sketch.hole("reverse_the_list").span
    assert span.start_column == len(line[: line.index('"reverse')].encode("utf-8"))
    assert span.start_byte == len(b"def main(xs):\n") + span.start_column
    assert sketch.hole_at(1, span.start_column) is not None
    problem = sketch.errors[0]
    assert (problem.line, problem.column) == (1, line.index(")]") + 5)
