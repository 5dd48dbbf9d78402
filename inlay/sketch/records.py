"""The records a sketch is read into: spans, holes, functions, syntax problems and the sketch
itself, with the tree-sitter tree it holds (brought up to date lazily after an edit)."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, NamedTuple

from tree_sitter import Node, Point, Tree

from inlay.sketch import syntax
from inlay.sketch.examples import Example

if TYPE_CHECKING:
    from inlay.sketch.parse import _Facts
    from inlay.sketch.scan import _Recovery


HoleKind = Literal["function", "inline"]

# The calls of plain names, the only calls that can name a function of the sketch (`Sketch.calls`).
_CALLEES_QUERY = "(call function: (identifier) @callee)"


@dataclass(frozen=True, slots=True)
class Span:
    """Where a node is: 0-based lines, columns in UTF-8 bytes of the line, and byte offsets."""

    start_line: int
    start_column: int
    end_line: int
    end_column: int
    start_byte: int
    end_byte: int

    @classmethod
    def of(cls, node: Node) -> Span:
        (start_line, start_column), (end_line, end_column) = node.start_point, node.end_point
        return _span(start_line, start_column, end_line, end_column, node.start_byte, node.end_byte)

    def contains(self, line: int, column: int) -> bool:
        after_start = (line, column) >= (self.start_line, self.start_column)
        before_end = (line, column) <= (self.end_line, self.end_column)
        return after_start and before_end


@dataclass(frozen=True)
class Param:
    name: str
    annotation: str | None = None

    def render(self) -> str:
        return f"{self.name}: {self.annotation}" if self.annotation else self.name


@dataclass(frozen=True, slots=True)
class Hole:
    """One hole; an inline hole written in several places is one hole with several `uses`."""

    name: str
    kind: HoleKind
    description: str
    params: tuple[Param, ...]
    expected_type: str | None
    span: Span
    uses: tuple[Span, ...]
    # A function hole's own examples, from the doctest lines of its docstring.
    examples: tuple[Example, ...] = ()

    @property
    def id(self) -> str:
        return self.name

    def signature(self) -> str:
        params = ", ".join(param.render() for param in self.params)
        returns = f" -> {self.expected_type}" if self.expected_type else ""
        return f"def {self.name}({params}){returns}:"

    def stub(self) -> str:
        """The hole as a Python function with only its docstring, the shape a fill must take."""
        return f'{self.signature()}\n    """{self.description}"""\n'


@dataclass(frozen=True, slots=True)
class Function:
    name: str
    params: tuple[Param, ...]
    returns: str | None
    span: Span
    # The doctest lines of its docstring (`>>> name(args)` then the value), as examples.
    examples: tuple[Example, ...] = ()


@dataclass(frozen=True)
class Problem:
    """A syntax error; `column` counts characters of the line, not bytes."""

    message: str
    line: int
    column: int


# Reading a long sketch builds a record for every hole, function, span and parameter, and a
# frozen dataclass's `__init__` sets each field through `object.__setattr__`: these build the
# same records at about half the cost, each slot set once through its own descriptor
# (tests/sketch/test_sketch_records.py checks they build exactly what the classes do). The
# records have slots: a span is a fifth of the memory it takes with a dict, and every keystroke
# moves hundreds of them.


def _setters(cls: type, *names: str) -> tuple[Callable[[object, object], None], ...]:
    return tuple(getattr(cls, name).__set__ for name in names)


_SPAN_SLOTS = _setters(
    Span, "start_line", "start_column", "end_line", "end_column", "start_byte", "end_byte"
)
_HOLE_SLOTS = _setters(
    Hole, "name", "kind", "description", "params", "expected_type", "span", "uses", "examples"
)
_FUNCTION_SLOTS = _setters(Function, "name", "params", "returns", "span", "examples")
_new = object.__new__


def _span(
    start_line: int,
    start_column: int,
    end_line: int,
    end_column: int,
    start_byte: int,
    end_byte: int,
) -> Span:
    span = _new(Span)
    a, b, c, d, e, f = _SPAN_SLOTS
    a(span, start_line)
    b(span, start_column)
    c(span, end_line)
    d(span, end_column)
    e(span, start_byte)
    f(span, end_byte)
    return span


def _hole(
    name: str,
    kind: HoleKind,
    description: str,
    params: tuple[Param, ...],
    expected_type: str | None,
    span: Span,
    uses: tuple[Span, ...],
    examples: tuple[Example, ...] = (),
) -> Hole:
    hole = _new(Hole)
    a, b, c, d, e, f, g, h = _HOLE_SLOTS
    a(hole, name)
    b(hole, kind)
    c(hole, description)
    d(hole, params)
    e(hole, expected_type)
    f(hole, span)
    g(hole, uses)
    h(hole, examples)
    return hole


def _function(
    name: str,
    params: tuple[Param, ...],
    returns: str | None,
    span: Span,
    examples: tuple[Example, ...] = (),
) -> Function:
    function = _new(Function)
    a, b, c, d, e = _FUNCTION_SLOTS
    a(function, name)
    b(function, params)
    c(function, returns)
    d(function, span)
    e(function, examples)
    return function


@functools.lru_cache(maxsize=4096)  # records are immutable: one per name and type will do
def _param(name: str, annotation: str | None = None) -> Param:
    return Param(name, annotation)


@dataclass(frozen=True)
class Sketch:
    """A parsed sketch.

    `tree` is tree-sitter's parse of the whole text (a description written across lines reads as
    `""` in it). Where it has errors, statements near them may be lost inside ERROR nodes; then
    `chunks` holds the parse of each top-level chunk on its own, and `statements` the top-level
    statements as recovered from them (the tree's own when it is clean): code looking for the
    sketch's definitions should read `statements`, and find a hole's node with `node_at`.

    After an edit that `reparse` read statement by statement, `tree` is brought up to date when
    first asked for (see `_WholeTree`): the holes never need it.
    """

    source: str
    holes: tuple[Hole, ...]
    functions: tuple[Function, ...]
    entry: str | None
    errors: tuple[Problem, ...]
    _whole: _WholeTree = field(repr=False, compare=False)
    chunks: tuple[Tree, ...] = field(default=(), repr=False, compare=False)
    # The top-level statements as recovered from `chunks`, where there are chunks.
    _recovered: tuple[Node, ...] = field(default=(), repr=False, compare=False)
    # What each top-level statement holds, in order: `reparse` reuses it for the statements an
    # edit did not touch. None where the sketch needed its chunks parsed apart.
    _placed: tuple[_Facts, ...] | None = field(default=None, repr=False, compare=False)
    # Where `tree` is the parse without the inside of descriptions written across lines: the
    # parse of the text as is, and the scan, for `reparse` to redo both incrementally.
    _recovery: _Recovery | None = field(default=None, repr=False, compare=False)
    # The inline holes by description, for the sketch after an edit to reuse where it can.
    _inline: Mapping[str, Hole] = field(default_factory=dict, repr=False, compare=False)

    @property
    def tree(self) -> Tree:
        return self._whole.get()

    @functools.cached_property
    def statements(self) -> tuple[Node, ...]:
        return self._recovered or tuple(self.tree.root_node.named_children)

    @functools.cached_property
    def calls(self) -> Mapping[str, frozenset[str]]:
        """For each top-level function, by name, the names it calls: plain names only, `f(x)`,
        the only calls that can name a function of the sketch (nested functions count as part
        of the function around them)."""
        graph: dict[str, frozenset[str]] = {}
        if self._placed is not None:  # read statement by statement: the callees are known
            for fact in self._placed:
                if fact.functions and fact.functions[0].span.start_column == fact.column:
                    name = fact.functions[0].name
                    graph[name] = graph.get(name, frozenset()) | fact.callees
            return graph
        for statement in self.statements:
            node = statement
            if node.type == "decorated_definition":
                node = node.child_by_field_name("definition") or node
            if node.type != "function_definition":
                continue
            name = syntax.text(node.child_by_field_name("name"))
            callees = syntax.captures(_CALLEES_QUERY, node).get("callee", [])
            graph[name] = graph.get(name, frozenset()) | {syntax.text(n) for n in callees}
        return graph

    def hole(self, name: str) -> Hole:
        for hole in self.holes:
            if hole.name == name:
                return hole
        raise KeyError(name)

    def hole_at(self, line: int, column: int) -> Hole | None:
        """The hole used at the position (column in bytes, as in `Span`), the innermost one where
        holes nest."""
        uses = [
            (use, hole)
            for hole in self.holes
            for use in hole.uses or (hole.span,)
            if use.contains(line, column)
        ]
        narrowest = min(
            uses, key=lambda found: found[0].end_byte - found[0].start_byte, default=None
        )
        return narrowest[1] if narrowest is not None else None

    def function(self, name: str) -> Function | None:
        return next((function for function in self.functions if function.name == name), None)

    @property
    def examples(self) -> tuple[Example, ...]:
        """The entry's own examples, from the doctest lines of its docstring."""
        entry = self.function(self.entry) if self.entry else None
        return entry.examples if entry is not None else ()

    def node_at(self, start_byte: int, end_byte: int, node_type: str) -> Node:
        """The innermost node of `node_type` that covers the byte range.

        A hole's own node may exist only in the parse of its chunk, so that parse is searched too,
        and a node spanning exactly the range wins.
        """
        chunks = [chunk for chunk in self.chunks if _covers(_extent(chunk), start_byte, end_byte)]
        found = [
            node
            for tree in (*chunks, self.tree)
            if (node := _innermost(tree, start_byte, end_byte, node_type)) is not None
        ]
        exact = [
            node for node in found if (node.start_byte, node.end_byte) == (start_byte, end_byte)
        ]
        if not found:
            raise LookupError(f"no {node_type} at bytes {start_byte}-{end_byte}")
        return (exact or found)[0]


def _innermost(tree: Tree, start_byte: int, end_byte: int, node_type: str) -> Node | None:
    node = tree.root_node.descendant_for_byte_range(start_byte, end_byte)
    while node is not None and node.type != node_type:
        node = node.parent
    return node


def _covers(extent: tuple[int, int], start_byte: int, end_byte: int) -> bool:
    return extent[0] <= start_byte and end_byte <= extent[1]


@dataclass(frozen=True)
class TextEdit:
    """A change to a sketch's text: bytes `start` to `end` of the old text (UTF-8) become `text`."""

    start: int
    end: int
    text: str


class _TreeEdit(NamedTuple):
    """An edit as tree-sitter's `Tree.edit` takes it."""

    start_byte: int
    old_end_byte: int
    new_end_byte: int
    start_point: Point
    old_end_point: Point
    new_end_point: Point


class _WholeTree:
    """tree-sitter's parse of a sketch's whole text.

    After an edit read statement by statement (`_reparse_statements`), nothing the sketch holds
    needs the whole text's tree: it is brought up to date when first asked for, by one incremental
    parse over every edit since the last tree that was (at most `_DEFERRED` of them)."""

    __slots__ = ("_base", "_data", "_edits", "_lock", "_tree")

    def __init__(
        self,
        tree: Tree | None,
        base: Tree | None = None,
        edits: tuple[_TreeEdit, ...] = (),
        data: bytes = b"",
    ) -> None:
        self._tree = tree
        self._base = base
        self._edits = edits
        self._data = data
        self._lock = threading.Lock()

    def get(self) -> Tree:
        with self._lock:
            if self._tree is None:
                assert self._base is not None
                tree = self._base.copy()  # the sketches before keep their trees unchanged
                for edit in self._edits:
                    tree.edit(**edit._asdict())
                self._tree = syntax.parse(self._data, tree)
                self._base, self._edits, self._data = None, (), b""
            return self._tree

    def after(self, edit: _TreeEdit, data: bytes) -> _WholeTree:
        """The tree of `data`, the text after `edit`, to be parsed when asked for."""
        with self._lock:
            tree, base, edits = self._tree, self._base, self._edits
        if tree is None and len(edits) >= _DEFERRED:
            tree = self.get()
        if tree is not None:
            return _WholeTree(None, tree, (edit,), data)
        return _WholeTree(None, base, (*edits, edit), data)


# Edits held back before the whole tree is parsed again: typing stays cheap, and catching up
# never replays a long history.
_DEFERRED = 64


def _extent(chunk: Tree) -> tuple[int, int]:
    ranges = chunk.included_ranges
    return ranges[0].start_byte, ranges[-1].end_byte
