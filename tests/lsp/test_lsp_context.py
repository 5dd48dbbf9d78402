"""The typed context of a hole, straight from the core (no server)."""

from __future__ import annotations

from textwrap import dedent

from inlay.context.hole_context import HoleContext, hole_context, hover_markdown
from inlay.sketch import parse_sketch

SHAPES = dedent(
    '''\
    from dataclasses import dataclass
    from enum import Enum
    from typing import NamedTuple, TypedDict

    Grid = list[list[int]]
    Unused = dict[str, int]


    class Colour(Enum):
        RED = 1


    @dataclass
    class Point:
        x: int
        y: int


    class Cell(NamedTuple):
        at: Point
        colour: "Colour"


    Cells = list[Cell]


    class Base:
        pass


    class Blob(Base):
        cells: Cells


    class Summary(TypedDict):
        size: int


    def count(grid: Grid) -> int:
        """Count the non-zero cells.

        Zero is the background.
        """
        return sum(1 for row in grid for cell in row if cell)


    def shout(text: str) -> str:
        return text.upper()


    @staticmethod
    def first(blob: Blob) -> Point:
        """The first cell of a blob."""


    def find_blobs(grid: Grid) -> list[Blob]:
        """Split the grid into blobs of one colour."""


    def main(grid: Grid) -> Summary:
        return "summarise the grid"(grid)
    '''
)


def context_of(source: str, name: str) -> HoleContext:
    sketch = parse_sketch(source)
    return hole_context(sketch, sketch.hole(name))


def test_it_takes_expected_type_and_params_from_the_hole() -> None:
    context = context_of("def main(xs: list[int]) -> list[int]:\n    return 'rev'(xs)\n", "rev")

    assert context.expected_type == "list[int]"
    assert [(p.name, p.annotation) for p in context.params] == [("xs", "list[int]")]


def test_it_follows_types_transitively_through_aliases_fields_and_bases() -> None:
    context = context_of(SHAPES, "find_blobs")

    assert context.relevant_types == (
        "Grid = list[list[int]]",
        "class Colour(Enum):\n    RED = 1",
        "@dataclass\nclass Point:\n    x: int\n    y: int",
        'class Cell(NamedTuple):\n    at: Point\n    colour: "Colour"',
        "Cells = list[Cell]",
        "class Base:\n    pass",
        "class Blob(Base):\n    cells: Cells",
    )


def test_it_leaves_out_types_the_hole_does_not_mention() -> None:
    context = context_of(SHAPES, "summarise_the_grid")

    assert "Unused = dict[str, int]" not in context.relevant_types
    assert context.relevant_types == (
        "Grid = list[list[int]]",
        "class Summary(TypedDict):\n    size: int",
    )


def test_it_reads_type_statements() -> None:
    source = "type Row = list[int]\n\ndef f(row: Row) -> int:\n    '''Sum it.'''\n"

    assert context_of(source, "f").relevant_types == ("type Row = list[int]",)


def test_it_has_no_relevant_types_without_annotations() -> None:
    context = context_of("def main(xs):\n    return 'rev'(xs)\n", "rev")

    assert context.expected_type is None
    assert context.relevant_types == ()


def test_headers_put_functions_sharing_the_holes_types_first() -> None:
    headers = context_of(SHAPES, "find_blobs").relevant_headers

    # count, first and main each share one name (Grid or Blob) and keep their source order.
    assert headers == (
        'def count(grid: Grid) -> int:\n    """Count the non-zero cells."""',
        'def first(blob: Blob) -> Point:\n    """The first cell of a blob."""',
        "def main(grid: Grid) -> Summary: ...",
        "def shout(text: str) -> str: ...",
    )


def test_headers_leave_out_the_hole_itself_and_methods() -> None:
    source = dedent(
        """\
        class A:
            def m(self) -> int:
                return 1

        def f(a: A) -> int:
            "F."
        """
    )

    assert context_of(source, "f").relevant_headers == ()


def test_hover_shows_the_hole_with_its_types() -> None:
    markdown = hover_markdown(context_of(SHAPES, "first"))

    assert markdown.startswith("**Hole** `first` (function hole)")
    assert "The first cell of a blob." in markdown
    assert "```python\ndef first(blob: Blob) -> Point:\n```" in markdown
    assert "Expected type: `Point`" in markdown
    assert "- `blob`: `Blob`" in markdown
    assert "class Blob(Base):" in markdown


def test_hover_says_when_the_type_is_unknown() -> None:
    markdown = hover_markdown(context_of("def main(xs):\n    return 'rev'(xs)\n", "rev"))

    assert "(inline hole)" in markdown
    assert "Expected type: unknown (no annotation)" in markdown
    assert "- `xs`" in markdown


def test_json_has_the_whole_context() -> None:
    assert context_of(SHAPES, "summarise_the_grid").to_json() == {
        "name": "summarise_the_grid",
        "kind": "inline",
        "description": "summarise the grid",
        "signature": "def summarise_the_grid(grid: Grid) -> Summary:",
        "expected_type": "Summary",
        "expected_type_source": "annotation",
        "params": [{"name": "grid", "type": "Grid", "source": "annotation"}],
        "relevant_types": ["Grid = list[list[int]]", "class Summary(TypedDict):\n    size: int"],
        "relevant_headers": [
            'def count(grid: Grid) -> int:\n    """Count the non-zero cells."""',
            "def find_blobs(grid: Grid) -> list[Blob]:\n"
            '    """Split the grid into blobs of one colour."""',
            "def shout(text: str) -> str: ...",
            'def first(blob: Blob) -> Point:\n    """The first cell of a blob."""',
        ],
    }


def test_a_syntax_error_above_does_not_hide_the_types_and_headers():
    sketch = parse_sketch(
        "Grid = list[int]\nx = (1,\n\n"
        'def reverse_list(xs: Grid) -> Grid:\n    """Doc."""\n\n\n'
        'def main(xs: Grid) -> Grid:\n    return "reverse the list"(xs)\n'
    )
    assert sketch.errors
    context = hole_context(sketch, sketch.hole("reverse_the_list"))
    assert context.relevant_types == ("Grid = list[int]",)
    assert context.relevant_headers == ('def reverse_list(xs: Grid) -> Grid:\n    """Doc."""',)


REACHING = dedent(
    '''\
    def main(grid: list[int]) -> list[int]:
        return helper(grid)


    def helper(grid: list[int]) -> list[int]:
        return "flip the grid"(grid)


    def unrelated(grid: list[int]) -> int:
        return len(grid)


    def fill_it(grid: list[int]) -> list[int]:
        """Fill it."""


    def caller(grid: list[int]) -> list[int]:
        return fill_it(grid)
    '''
)


def _names_of(headers: tuple[str, ...]) -> list[str]:
    return [header.removeprefix("def ").split("(")[0] for header in headers]


def test_headers_leave_out_every_function_a_fill_calling_would_recurse_through() -> None:
    # main reaches the inline hole through helper: a fill calling main would never return.
    assert _names_of(context_of(REACHING, "flip_the_grid").relevant_headers) == [
        "unrelated",
        "fill_it",
        "caller",
    ]
    # caller calls the function hole; main and helper never reach it, so a fill may call them.
    assert _names_of(context_of(REACHING, "fill_it").relevant_headers) == [
        "main",
        "helper",
        "unrelated",
    ]


def test_the_call_graph_survives_a_syntax_error_elsewhere() -> None:
    clean = parse_sketch(REACHING)
    broken = parse_sketch(REACHING + "\nx = (1,\n")
    assert broken.errors and broken.chunks
    assert (
        dict(clean.calls)
        == dict(broken.calls)
        == {
            "main": {"helper"},
            "helper": frozenset(),
            "unrelated": {"len"},
            "fill_it": frozenset(),
            "caller": {"fill_it"},
        }
    )
    assert _names_of(hole_context(broken, broken.hole("flip_the_grid")).relevant_headers) == [
        "unrelated",
        "fill_it",
        "caller",
    ]
