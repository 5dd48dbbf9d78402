"""The prompt for one hole carries the hole's typed context, from the language core."""

from __future__ import annotations

from textwrap import dedent

from inlay.context.hole_context import hole_context
from inlay.sketch import parse_sketch
from inlay.sketch.examples import Example
from inlay.synthesis.prompts import hole_messages

SKETCH = dedent(
    '''\
    from dataclasses import dataclass


    @dataclass
    class Point:
        row: int
        col: int


    def neighbours(point: Point) -> list[Point]:
        """The four cells next to the point."""
        steps = ((0, 1), (1, 0), (0, -1), (-1, 0))
        return [Point(point.row + dr, point.col + dc) for dr, dc in steps]


    def shout(text: str) -> str:
        return text.upper()


    def main(points: list[Point]) -> int:
        ordered = sorted(points, key=lambda p: (p.row, p.col))
        return "count the points with a neighbour in the list"(ordered)
    '''
)


def user_prompt(source: str, name: str) -> str:
    sketch = parse_sketch(source)
    examples = [Example(args=([],), output=0)]
    return hole_messages(sketch, sketch.hole(name), examples)[1].content


def test_the_prompt_carries_the_expected_type_and_the_inferred_parameter_type() -> None:
    prompt = user_prompt(SKETCH, "count_the_points_with_a_neighbour")

    assert "It must return a value of type `int`." in prompt
    assert "def count_the_points_with_a_neighbour(ordered: list[Point]) -> int:" in prompt


def test_the_prompt_carries_relevant_types_and_headers_ranked_by_fit() -> None:
    prompt = user_prompt(SKETCH, "count_the_points_with_a_neighbour")

    assert "Types it uses:\n```python\n@dataclass\nclass Point:" in prompt
    headers = prompt.split("Functions it can call:\n```python\n", 1)[1].split("```", 1)[0]
    assert headers.splitlines()[:2] == [
        "def neighbours(point: Point) -> list[Point]:",
        '    """The four cells next to the point."""',
    ]
    assert "def shout(text: str) -> str: ..." in headers


def test_the_prompt_and_the_language_server_share_one_context() -> None:
    sketch = parse_sketch(SKETCH)
    hole = sketch.hole("count_the_points_with_a_neighbour")
    context = hole_context(sketch, hole)

    prompt = hole_messages(sketch, hole, [])[1].content

    assert all(header in prompt for header in context.relevant_headers)
    assert all(definition in prompt for definition in context.relevant_types)
    assert context.signature() in prompt
