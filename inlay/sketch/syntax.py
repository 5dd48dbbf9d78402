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


def parse_ranges(source: bytes, ranges: Sequence[Range], old_tree: Tree | None = None) -> Tree:
    """Parse only `ranges` of `source`, as if the rest were not there; nodes keep their positions
    in `source`. `old_tree`, an earlier such tree already edited to match, lets tree-sitter reuse
    what did not change (where the ranges changed too, it reads those parts again)."""
    # A parser of its own: included ranges are parser state the shared parser must not keep.
    parser = Parser(PYTHON, included_ranges=ranges)
    return parser.parse(source, old_tree) if old_tree else parser.parse(source)


def captures(pattern: str, node: Node) -> dict[str, list[Node]]:
    return QueryCursor(query(pattern)).captures(node)


def text(node: Node | None) -> str:
    raw = node.text if node is not None else None  # `text` copies the bytes: read it once
    return "" if raw is None else raw.decode("utf-8", errors="replace")


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
    # The delimiters are the first and last children, but for a string broken by an error.
    count = node.child_count
    first, last = (node.child(0), node.child(count - 1)) if count >= 2 else (None, None)
    if first is not None and last is not None and {first.type, last.type} <= _DELIMITERS:
        start, end = first.end_byte, last.start_byte
    else:
        delimiters = [child for child in node.children if child.type in _DELIMITERS]
        if len(delimiters) < 2:
            return ""
        start, end = delimiters[0].end_byte, delimiters[-1].start_byte
    if source is not None:
        return source[start:end].decode("utf-8", errors="replace")
    whole = node.text
    if whole is None:
        return ""
    inside = whole[start - node.start_byte : end - node.start_byte]
    return inside.decode("utf-8", errors="replace")


_DELIMITERS = frozenset({"string_start", "string_end"})
