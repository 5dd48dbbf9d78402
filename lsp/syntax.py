"""tree-sitter plumbing: one parser for Python, and the small node helpers the core needs."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache

import tree_sitter_python
from tree_sitter import Language, Node, Parser, Query, QueryCursor, Tree

PYTHON = Language(tree_sitter_python.language())


@cache
def _parser() -> Parser:
    return Parser(PYTHON)


@cache
def query(text: str) -> Query:
    return Query(PYTHON, text)


def parse(source: bytes, old_tree: Tree | None = None) -> Tree:
    return _parser().parse(source, old_tree) if old_tree else _parser().parse(source)


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


def string_value(node: Node) -> str:
    """The text inside a string literal, without quotes or prefixes (escapes left as written)."""
    return "".join(text(child) for child in node.children if child.type == "string_content")
