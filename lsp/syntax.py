"""tree-sitter plumbing: one parser for Python, and the small node helpers the core needs."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import cache

import tree_sitter_python
from tree_sitter import Language, Node, Parser, Query, QueryCursor, Range, Tree

PYTHON = Language(tree_sitter_python.language())


@cache
def _parser() -> Parser:
    return Parser(PYTHON)


@cache
def query(text: str) -> Query:
    return Query(PYTHON, text)


def parse(source: bytes, old_tree: Tree | None = None) -> Tree:
    return _parser().parse(source, old_tree) if old_tree else _parser().parse(source)


def parse_ranges(source: bytes, ranges: Sequence[Range]) -> Tree:
    """Parse only `ranges` of `source`, as if the rest were not there; nodes keep their positions
    in `source`."""
    # A parser of its own: included ranges are parser state the shared parser must not keep.
    return Parser(PYTHON, included_ranges=ranges).parse(source)


def captures(pattern: str, node: Node) -> dict[str, list[Node]]:
    return QueryCursor(query(pattern)).captures(node)


def text(node: Node | None) -> str:
    if node is None or node.text is None:
        return ""
    return node.text.decode("utf-8", errors="replace")


def walk(node: Node) -> Iterator[Node]:
    """Every node below `node`, depth first, in source order."""
    cursor = node.walk()
    while True:
        assert cursor.node is not None
        yield cursor.node
        if cursor.goto_first_child() or cursor.goto_next_sibling():
            continue
        while True:
            if not cursor.goto_parent():
                return
            if cursor.goto_next_sibling():
                break


def ancestor(node: Node, node_type: str) -> Node | None:
    parent = node.parent
    while parent is not None and parent.type != node_type:
        parent = parent.parent
    return parent


def string_value(node: Node, source: bytes | None = None) -> str:
    """The text between a string literal's quotes, as written (escapes and interpolations too).

    Read from the source rather than from the `string_content` children, so that a string whose
    inside the parser was told to skip (see `parse_ranges`) still has its text. `source`, when
    given, is the text as written where the parser read a same-length substitute (a backtick
    description read as a quoted one).
    """
    delimiters = [child for child in node.children if child.type in {"string_start", "string_end"}]
    if len(delimiters) < 2 or node.text is None:
        return ""
    start, end = delimiters[0].end_byte, delimiters[-1].start_byte
    if source is not None:
        return source[start:end].decode("utf-8", errors="replace")
    inside = node.text[start - node.start_byte : end - node.start_byte]
    return inside.decode("utf-8", errors="replace")
