"""Sketches and their holes.

A sketch is Python whose unknown parts are *holes*: an inline call on a description,
`"reverse the list"(xs)`, or a function whose body is only a docstring (or `...`/`pass`).
This module finds them with tree-sitter and works out what the surrounding code says about each
one: its parameters, and the type its value is expected to have.

A sketch need not be valid Python. ANPL's own form of an inline hole, `` `description`(args) ``,
is read as the quoted form of the same length (see `_quote_backticks`), so every position stays
that of the text as written. A description may run over several lines, as some DARC sketches
write them (CPython calls that an unterminated string), and a syntax error in one place does not
hide the holes elsewhere: when the whole-file parse has errors, each top-level chunk of the text is
also parsed on its own (see `_parse`).

A function hole's doctest lines are its examples. After an edit, `reparse` re-parses
incrementally and reads again only the top-level statements whose text changed.

Positions: lines are 0-based. A `Span`'s columns (and so `Sketch.hole_at`'s) are tree-sitter's,
UTF-8 bytes from the start of the line; the language server converts them to its client's unit. A
`Problem`'s column counts characters (code points) of the line, as CPython's SyntaxError does.
User-facing messages add one to both.
"""

from __future__ import annotations

import ast
import doctest
import functools
import inspect
import keyword
import re
import threading
import warnings
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from operator import attrgetter
from typing import Literal, NamedTuple

from tree_sitter import Node, Point, Range, Tree

from inlay.sketch import syntax
from inlay.sketch.examples import Example, ExampleError, parse_arguments, parse_value

HoleKind = Literal["function", "inline"]

# Everything the sketch's reading needs from a tree, in one query: each query walks the whole
# tree, and on a long sketch that walk costs a quarter of the parse. `callee` serves only to find
# the entry, a function nobody calls: only a call of a plain name can call a function by its name.
_SKETCH_QUERY = """
(function_definition) @def
(call function: (string) arguments: (argument_list)) @hole
(assignment (identifier) @name)
(dotted_name (identifier) @name)
(call function: (identifier) @callee)
"""
_CALLEES_QUERY = "(call function: (identifier) @callee)"
# Around syntax errors a callee may be any node: there, every callee's text counts.
_RECOVERY_QUERY = _SKETCH_QUERY.replace(
    "(call function: (identifier) @callee)", "(call function: (_) @callee)"
)
# After one of these among a call's arguments, which parameter a later one lands on is unknown.
_SPLATS = {"list_splat", "dictionary_splat"}


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


def reparse(sketch: Sketch, edit: TextEdit) -> Sketch:
    """The sketch after `edit`, re-parsed incrementally.

    Where the sketch is clean and the edit stays inside a run of whole top-level statements, only
    those statements are parsed again, on their own (see `_reparse_statements`). Otherwise
    tree-sitter re-parses the whole text, reusing the old tree for everything the edit did not
    touch. Where the old parse skipped descriptions written across lines, the scan for them starts
    again at the chunk of the edit and stops where it meets the old one, and both parses are redone
    incrementally. Where the old or the new text needs its chunks parsed apart (a syntax error), the
    new text is parsed afresh."""
    old = sketch.source.encode("utf-8", errors="surrogatepass")
    inserted = edit.text.encode("utf-8", errors="surrogatepass")
    new = old[: edit.start] + inserted + old[edit.end :]
    source = new.decode("utf-8", errors="surrogatepass")
    recovery = sketch._recovery
    placed = sketch._placed
    if placed is None:  # read from chunks parsed apart: a syntax error
        return parse_sketch(source)
    new_end = edit.start + len(inserted)
    start_point = _point(old, edit.start)
    change = _TreeEdit(
        start_byte=edit.start,
        old_end_byte=edit.end,
        new_end_byte=new_end,
        start_point=start_point,
        old_end_point=_point_after(start_point, old, edit.start, edit.end),
        new_end_point=_point_after(start_point, new, edit.start, new_end),
    )
    # Backticks are read as quotes over the whole text, so an edit may change them far from
    # itself: those sketches take the whole-text path.
    if recovery is None and b"`" not in old and b"`" not in inserted:
        read = _reparse_statements(sketch, placed, change, new, source)
        if read is not None:
            return read

    def edited(tree: Tree) -> Tree:
        tree = tree.copy()  # the old sketch keeps its own tree unchanged
        tree.edit(**change._asdict())
        return tree

    text = _Text.written(new)
    if recovery is None:
        whole = sketch._whole.after(change, text.data).get()
    else:
        whole = syntax.parse(text.data, edited(recovery.whole))
    if not whole.root_node.has_error:
        return _read_by_statement(source, _Parses(text, whole), sketch)
    if recovery is None:  # the old text was clean: recover the new one as `_parse` does
        return _read_parses(source, _recover(text, whole, _Scanner(text.data).scan()), sketch)
    if b"`" in old or b"`" in new:
        return parse_sketch(source)
    layout = _rescan(text.data, recovery.layout, edit.start, edit.end, new_end)
    if not layout.descriptions:
        return parse_sketch(source)
    tree = text.parse(0, len(text.data), layout.descriptions, edited(sketch.tree))
    if tree.root_node.has_error:
        return parse_sketch(source)  # the chunks' parses have nothing to reuse
    parses = _Parses(text, tree, layout.descriptions, recovery=_Recovery(whole, layout))
    return _read_by_statement(source, parses, sketch)


class _TreeEdit(NamedTuple):
    """An edit as tree-sitter's `Tree.edit` takes it."""

    start_byte: int
    old_end_byte: int
    new_end_byte: int
    start_point: Point
    old_end_point: Point
    new_end_point: Point


def _reparse_statements(
    sketch: Sketch, placed: tuple[_Facts, ...], change: _TreeEdit, new: bytes, source: str
) -> Sketch | None:
    """The clean sketch after `change`, with only the top-level statements the edit touched
    parsed again; None where that does not tell.

    The edit is widened to whole statements that begin a line: from the last one that starts
    before the edit (an edit at the very start of a statement may join it to the one above,
    by indenting it) to the first one that starts after it. In a clean parse, nothing is open at
    the start of such a line (no bracket, no string, no block), so those bytes parsed alone parse
    as they do inside the whole text, if they parse cleanly alone and their last line does not
    end in a backslash (which would join it to the next); where that fails, or the sketch has no
    such statement around the edit, the whole text is parsed again. The
    statements below are moved to their new lines and bytes, and the tree of the whole text is
    left to be brought up to date when asked for (`_WholeTree`).
    """
    starts = [fact.byte for fact in placed]
    first = bisect_left(starts, change.start_byte) - 1
    while first >= 0 and placed[first].column:
        first -= 1
    after = bisect_right(starts, change.old_end_byte)
    while after < len(placed) and placed[after].column:
        after += 1
    begin = placed[first].byte if first >= 0 else 0
    begin_point = Point(placed[first].line, 0) if first >= 0 else Point(0, 0)
    shift = change.new_end_byte - change.old_end_byte
    lines = change.new_end_point.row - change.old_end_point.row
    if after < len(placed):
        stop = placed[after].byte + shift
        stop_point = Point(placed[after].line + lines, 0)
    else:
        stop = len(new)
        stop_point = _point_after(begin_point, new, begin, stop)
    if new[begin:stop].rstrip().endswith(b"\\"):
        return None  # a backslash at the end joins the region's last line to the next one
    text = _Text(new, new)  # no backticks: the bytes as written are the bytes parsed
    region = syntax.parse_ranges(new, [Range(begin_point, stop_point, begin, stop)]).root_node
    if region.has_error or region.type != "module":
        return None
    statements = region.named_children
    captured = _captures_by_statement(region, statements)
    fresh = [
        _statement_facts(statement, nodes, text)
        for statement, nodes in zip(statements, captured, strict=True)
    ]
    moved = [fact.moved(fact.line + lines, fact.byte + shift) for fact in placed[after:]]
    ordered = (*placed[: max(first, 0)], *fresh, *moved)
    return _sketch_of(source, ordered, sketch._whole.after(change, new), None, sketch)


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


def _point(data: bytes, byte: int) -> Point:
    line_start = data.rfind(b"\n", 0, byte) + 1
    return Point(data.count(b"\n", 0, byte), byte - line_start)


def _point_after(point: Point, data: bytes, start: int, byte: int) -> Point:
    """The point of `byte`, given `point`, that of `start`: counting lines from the start of the
    text is a pass over half of it on every keystroke."""
    lines = data.count(b"\n", start, byte)
    if not lines:
        return Point(point.row, point.column + byte - start)
    return Point(point.row + lines, byte - data.rfind(b"\n", start, byte) - 1)


def parse_sketch(source: str, *, old_tree: Tree | None = None) -> Sketch:
    """The sketch in `source`. `old_tree`, an earlier tree already edited to match (see
    `reparse`), lets tree-sitter reuse what did not change."""
    return _read(source, old_tree, None)


def _read(source: str, old_tree: Tree | None, before: Sketch | None) -> Sketch:
    return _read_parses(source, _parse(_Text.of(source), old_tree), before)


def _read_parses(source: str, parses: _Parses, before: Sketch | None) -> Sketch:
    """The sketch read from `parses`; `before`, the sketch before an edit, lends what the edit
    did not touch."""
    text = parses.text
    if not parses.chunks:
        return _read_by_statement(source, parses, before)
    definitions = [_definition(node, text.data) for node in parses.find("def")]
    functions = tuple(function for function, _ in definitions)
    statements = parses.statements()
    roots = parses.roots()
    taken = {function.name for function in functions} | _assigned_names(parses, roots)
    holes = [hole for _, hole in definitions if hole is not None]
    # A hole whose arguments are being typed is still a hole; one whose description is broken
    # may be no string at all.
    calls = parses.find("hole", keep=lambda call: not _callee(call).has_error)
    holes += _inline_holes(calls, functions, taken, text)
    return Sketch(
        source=source,
        holes=tuple(sorted(holes, key=lambda h: h.span.start_byte)),
        functions=functions,
        entry=_entry(parses, roots, functions),
        errors=tuple(_syntax_errors(parses)),
        _whole=_WholeTree(parses.tree),
        chunks=parses.chunks,
        _recovered=statements,
    )


# A clean sketch, read statement by statement: each top-level statement's facts depend only on
# its own text (and its column, after a `;`), so after an edit only the statements whose text
# changed are read again; the rest are moved to their new lines and bytes.

_StatementKey = tuple[bytes, int]  # a top-level statement's text as written, and its column


class _Facts(NamedTuple):
    """What one top-level statement holds, positioned as when it spanned bytes `byte` to `end`
    and began at `line` and `column`."""

    line: int
    column: int
    byte: int
    end: int
    functions: tuple[Function, ...]
    function_holes: tuple[Hole, ...]
    calls: tuple[_InlineCall, ...]
    names: frozenset[str]  # the names it binds (see _assigned_names)
    callees: frozenset[str]

    def moved(self, line: int, byte: int) -> _Facts:
        """The same facts for the statement begun at `line` and `byte`: after an edit, every
        statement below it moves, so this runs for half the sketch on every keystroke (hence
        list comprehensions, cheaper than generators)."""
        if byte == self.byte and line == self.line:
            return self
        lines, bytes_ = line - self.line, byte - self.byte
        functions = tuple(
            [
                _function(f.name, f.params, f.returns, _shifted(f.span, lines, bytes_), f.examples)
                for f in self.functions
            ]
        )
        holes = self.function_holes
        if holes:
            # A function hole's span is its function's.
            spans = {
                f.span.start_byte: moved.span
                for f, moved in zip(self.functions, functions, strict=True)
            }
            holes = tuple(
                [
                    _hole(
                        h.name,
                        h.kind,
                        h.description,
                        h.params,
                        h.expected_type,
                        spans.get(h.span.start_byte) or _shifted(h.span, lines, bytes_),
                        h.uses,
                        h.examples,
                    )
                    for h in holes
                ]
            )
        # Built as tuples (a NamedTuple's own constructor is Python, at twice the cost).
        calls = tuple(
            [
                _new_tuple(_InlineCall, (c[0], c[1], c[2], c[3], _shifted(c[4], lines, bytes_)))
                for c in self.calls
            ]
        )
        return _new_tuple(
            _Facts,
            (
                line,
                self.column,
                byte,
                self.end + bytes_,
                functions,
                holes,
                calls,
                self.names,
                self.callees,
            ),
        )


def _shifted(span: Span, lines: int, bytes_: int) -> Span:
    moved = _new(Span)
    a, b, c, d, e, f = _SPAN_SLOTS
    a(moved, span.start_line + lines)
    b(moved, span.start_column)
    c(moved, span.end_line + lines)
    d(moved, span.end_column)
    e(moved, span.start_byte + bytes_)
    f(moved, span.end_byte + bytes_)
    return moved


_new_tuple = tuple.__new__


def _read_by_statement(source: str, parses: _Parses, before: Sketch | None) -> Sketch:
    statements = parses.statements()
    known = _facts_by_text(before) if before is not None else {}
    text = parses.text
    root = parses.tree.root_node
    captured = _captures_by_statement(root, statements) if not known else None
    facts: dict[_StatementKey, _Facts] = {}
    ordered = []
    for index, statement in enumerate(statements):
        start, (line, column) = statement.start_byte, statement.start_point
        key = (text.source[start : statement.end_byte], column)
        found = known.get(key) or facts.get(key)
        if found is not None:
            fact = found.moved(line, start)
        else:
            nodes = captured[index] if captured is not None else _captures(statement)
            fact = _statement_facts(statement, nodes, text)
        facts[key] = fact
        ordered.append(fact)
    return _sketch_of(source, ordered, _WholeTree(parses.tree), parses.recovery, before)


def _facts_by_text(sketch: Sketch) -> dict[_StatementKey, _Facts]:
    """A sketch's statement facts by the text of their statements, where it has them."""
    if sketch._placed is None:
        return {}
    data = sketch.source.encode("utf-8", errors="surrogatepass")
    return {(data[fact.byte : fact.end], fact.column): fact for fact in sketch._placed}


def _sketch_of(
    source: str,
    ordered: Sequence[_Facts],
    whole: _WholeTree,
    recovery: _Recovery | None,
    before: Sketch | None,
) -> Sketch:
    """The clean sketch whose top-level statements hold `ordered`, in order; `before`, the sketch
    before an edit, lends the inline holes the edit did not change."""
    functions = tuple([function for fact in ordered for function in fact.functions])
    taken = {function.name for function in functions}.union(*[fact.names for fact in ordered])
    holes = [hole for fact in ordered for hole in fact.function_holes]
    calls = [call for fact in ordered for call in fact.calls]
    inline = _holes_of_calls(calls, functions, taken, before._inline if before else None)
    holes += inline.values()
    return Sketch(
        source=source,
        holes=tuple(sorted(holes, key=_HOLE_START)),
        functions=functions,
        entry=_entry_of(functions, set().union(*[fact.callees for fact in ordered])),
        errors=(),
        _whole=whole,
        _placed=tuple(ordered),
        _recovery=recovery,
        _inline=inline,
    )


_HOLE_START = attrgetter("span.start_byte")


def _captures(statement: Node) -> dict[str, list[Node]]:
    """What `_SKETCH_QUERY` captures in one statement, each capture's nodes in source order."""
    return {
        capture: sorted(nodes, key=lambda node: node.start_byte)
        for capture, nodes in syntax.captures(_SKETCH_QUERY, statement).items()
    }


def _captures_by_statement(root: Node, statements: Sequence[Node]) -> list[dict[str, list[Node]]]:
    """The captures under `root` (one query is cheaper than one per statement), by statement:
    `statements` are the root's top-level statements."""
    ends = [statement.end_byte for statement in statements]
    grouped: list[dict[str, list[Node]]] = [{} for _ in statements]
    for capture, nodes in syntax.captures(_SKETCH_QUERY, root).items():
        starts = [node.start_byte for node in nodes]
        if starts != sorted(starts):  # a clean tree's captures come in order; be sure
            nodes = sorted(nodes, key=lambda node: node.start_byte)
            starts.sort()
        low = 0
        for index, end in enumerate(ends):
            high = bisect_left(starts, end, low)
            if high > low:
                grouped[index][capture] = nodes[low:high]
                low = high
    return grouped


def _statement_facts(statement: Node, captured: dict[str, list[Node]], text: _Text) -> _Facts:
    """The facts of a top-level statement, from its captures in source order."""
    data = text.data
    definitions = captured.get("def", [])
    functions: list[Function] = []
    function_holes: list[Hole] = []
    for node in definitions:
        function, hole = _definition(node, data)
        functions.append(function)
        if hole is not None:
            function_holes.append(hole)
    # Each call's nearest enclosing definition, the innermost of those that hold it (tree-sitter
    # finds a node's parent by walking down from the root: bytes are cheaper).
    extents = [(node.start_byte, node.end_byte) for node in definitions]
    known: dict[int, dict[str, Param]] = {}
    calls = []
    for node in captured.get("hole", []):
        start, end = node.start_byte, node.end_byte
        inside = [i for i, (a, b) in enumerate(extents) if a <= start and end <= b]
        enclosing = functions[inside[-1]] if inside else None
        if enclosing is not None and inside[-1] not in known:
            known[inside[-1]] = {param.name: param for param in enclosing.params}
        call = _inline_call(
            node,
            text,
            known[inside[-1]] if enclosing is not None else {},
            enclosing.returns if enclosing is not None else None,
        )
        if call is not None:
            calls.append(call)
    (line, column), byte = statement.start_point, statement.start_byte
    return _Facts(
        line=line,
        column=column,
        byte=byte,
        end=statement.end_byte,
        functions=tuple(functions),
        function_holes=tuple(function_holes),
        calls=tuple(calls),
        names=frozenset(_texts(captured.get("name", []), data)),
        callees=frozenset(_texts(captured.get("callee", []), data)),
    )


# Reading the text: one parse when it is clean, recovery when it is not.

# A description written across lines: bytes from its opening quote to just past its closing one.
_Description = tuple[int, int]


@dataclass(frozen=True)
class _Text:
    """The sketch as the parsers read it: its UTF-8 bytes (with each backtick description turned
    into a quoted one of the same length), where each line starts, and the bytes as written."""

    data: bytes
    source: bytes

    @classmethod
    def of(cls, source: str) -> _Text:
        # surrogatepass: an editor may send lone surrogates; they must not crash the parse.
        return cls.written(source.encode("utf-8", errors="surrogatepass"))

    @classmethod
    def written(cls, data: bytes) -> _Text:
        """The text whose UTF-8 bytes as written are `data`."""
        return cls(_quote_backticks(data), data)

    @functools.cached_property
    def line_starts(self) -> tuple[int, ...]:
        """Where each line starts; only the recovery of a text with errors asks."""
        return (0, *(match.end() for match in re.finditer(b"\n", self.data)))

    def point(self, byte: int) -> Point:
        row = bisect_right(self.line_starts, byte) - 1
        return Point(row, byte - self.line_starts[row])

    def parse(
        self, start: int, end: int, skip: Sequence[_Description], old_tree: Tree | None = None
    ) -> Tree:
        """The bytes from `start` to `end` parsed on their own, with the inside of each `skip`
        description left out, so that tree-sitter reads `""(args)` there (reusing `old_tree`, an
        earlier such parse edited to match, where given)."""
        ranges, position = [], start
        for opening, closing in skip:
            if start <= opening and closing <= end:
                ranges.append(self._range(position, opening + 1))
                position = closing - 1
        ranges.append(self._range(position, end))
        return syntax.parse_ranges(self.data, ranges, old_tree)

    def _range(self, start: int, end: int) -> Range:
        return Range(self.point(start), self.point(end), start, end)


@dataclass(frozen=True)
class _Parses:
    """The trees a sketch is read from: the whole text, and each chunk alone if that has errors."""

    text: _Text
    tree: Tree
    descriptions: tuple[_Description, ...] = ()
    chunks: tuple[Tree, ...] = ()
    cache: dict[int, dict[str, list[Node]]] = field(default_factory=dict, compare=False)
    # Where `tree` skips descriptions and is clean: what `reparse` needs to redo that.
    recovery: _Recovery | None = None

    def captured(self, root: Node, capture: str) -> list[Node]:
        """The nodes under `root` (the root of one of the trees) that `_RECOVERY_QUERY` captures."""
        if root.id not in self.cache:
            self.cache[root.id] = syntax.captures(_RECOVERY_QUERY, root)
        return self.cache[root.id].get(capture, [])

    def find(self, capture: str, keep: Callable[[Node], bool] = lambda node: True) -> list[Node]:
        """Each node the pattern captures (and `keep` accepts) once, in source order.

        With chunks, each chunk's own parse comes first: it keeps an error from spilling over the
        rest of the file. Inside a chunk with errors, the whole-file tree adds what it saw and the
        chunk's parse did not; inside a clean chunk, the chunk's parse saw everything there is.
        """
        whole = _kept(self.captured(self.tree.root_node, capture), keep)
        if not self.chunks:
            return whole
        starts = [node.start_byte for node in whole]
        found: list[Node] = []
        for chunk in self.chunks:
            own = _kept(self.captured(chunk.root_node, capture), keep)
            found += own
            if chunk.root_node.has_error:
                start, end = _extent(chunk)
                inside = whole[bisect_left(starts, start) : bisect_left(starts, end)]
                found += [
                    node
                    for node in inside
                    if _covers((start, end), node.start_byte, node.end_byte)
                    and not any(_clash(node, other) for other in own)
                ]
        return sorted(found, key=lambda node: node.start_byte)

    def roots(self) -> tuple[Node, ...]:
        """The nodes whose subtrees hold all the top-level statements: one query each covers all."""
        if not self.chunks:
            return (self.tree.root_node,)
        return tuple(chunk.root_node for chunk in self.chunks)

    def statements(self) -> tuple[Node, ...]:
        if not self.chunks:
            return tuple(self.tree.root_node.named_children)
        return tuple(statement for chunk in self.chunks for statement in _top_level(chunk))


def _parse(text: _Text, old_tree: Tree | None = None) -> _Parses:
    """One parse of the whole text, and more only where it has errors: again without the inside
    of descriptions written across lines, then each top-level chunk on its own."""
    tree = syntax.parse(text.data, old_tree)
    if not tree.root_node.has_error:
        return _Parses(text, tree)
    return _recover(text, tree, _Scanner(text.data).scan())


def _recover(text: _Text, tree: Tree, layout: _Layout) -> _Parses:
    """The parses of a text whose parse as a whole, `tree`, has errors; `layout` is its scan."""
    if layout.descriptions:
        ranged = text.parse(0, len(text.data), layout.descriptions)
        if not ranged.root_node.has_error:
            return _Parses(text, ranged, layout.descriptions, recovery=_Recovery(tree, layout))
        tree = ranged
    bounds = sorted({0, *layout.chunk_starts, len(text.data)})
    chunks = tuple(text.parse(start, end, layout.descriptions) for start, end in pairwise(bounds))
    return _Parses(text, tree, layout.descriptions, chunks)


def _kept(nodes: list[Node], keep: Callable[[Node], bool]) -> list[Node]:
    # Sorted here: around ERROR nodes, tree-sitter does not always return matches in order.
    return sorted((node for node in nodes if keep(node)), key=lambda node: node.start_byte)


def _extent(chunk: Tree) -> tuple[int, int]:
    ranges = chunk.included_ranges
    return ranges[0].start_byte, ranges[-1].end_byte


def _top_level(chunk: Tree) -> list[Node]:
    root = chunk.root_node
    # A chunk that is all error has an ERROR root: one statement, not a heap of fragments.
    return root.named_children if root.type == "module" else [root]


def _clash(node: Node, other: Node) -> bool:
    """Two parses disagree: the same start, or ranges that overlap without one holding the other."""
    if node.start_byte == other.start_byte:
        return True
    first, second = sorted((node, other), key=lambda n: n.start_byte)
    return second.start_byte < first.end_byte < second.end_byte


# ANPL's own form, `description`(args), is not Python. Each such description is read as the
# quoted one of the same length, `"description"(args)`, so every position stays as written; its
# text is read back from the bytes as written (see `_description`).

_BACKTICK_SCAN = re.compile(rb"[\n#'\"`]")
_BACKTICK_CALL = re.compile(rb"`[^`]*`[ \t]*\(")
# Inside the quotes, what would end or escape the string becomes a harmless byte of the same size.
_QUOTED_INSIDE = bytes.maketrans(b'"\\', b"'/")


def _quote_backticks(data: bytes) -> bytes:
    if b"`" not in data:
        return data
    quoted = bytearray(data)
    for start, end in _backtick_descriptions(data):
        quoted[start + 1 : end - 1] = data[start + 1 : end - 1].translate(_QUOTED_INSIDE)
        quoted[start] = quoted[end - 1] = ord('"')
    return bytes(quoted)


def _backtick_descriptions(data: bytes) -> list[_Description]:
    """Each `description` directly followed by `(`, outside strings and comments."""
    found: list[_Description] = []
    index = 0
    while (match := _BACKTICK_SCAN.search(data, index)) is not None:
        start, byte = match.start(), match.group()
        if byte == b"\n":
            index = start + 1
        elif byte == b"#":
            index = _line_end(data, start)
        elif byte in {b"'", b'"'}:
            index = _string_end(data, start)
        elif _BACKTICK_CALL.match(data, start) is not None:
            end = data.index(b"`", start + 1) + 1
            found.append((start, end))
            index = end
        else:
            index = start + 1
    return found


def _string_end(data: bytes, start: int) -> int:
    """Just past the string that opens at `start`, or its line's end where it does not close."""
    quote = data[start : start + 1]
    if data.startswith(quote * 3, start):
        end = _closing_quote(data, start + 3, quote * 3, within_line=False)
        return len(data) if end == -1 else end
    end = _closing_quote(data, start + 1, quote, within_line=True)
    return _line_end(data, start) if end == -1 else end


def _line_end(data: bytes, index: int) -> int:
    end = data.find(b"\n", index)
    return len(data) if end == -1 else end


# The scan: just enough of Python's tokenizer to see strings, comments, brackets and line starts.

_SCANNED = re.compile(rb"[\n\\#'\"()\[\]{}]")
_STRING_ENDS = {
    b'"': re.compile(rb'\\.|"|\n', re.DOTALL),
    b"'": re.compile(rb"\\.|'|\n", re.DOTALL),
    b'"""': re.compile(rb'\\.|"""', re.DOTALL),
    b"'''": re.compile(rb"\\.|'''", re.DOTALL),
}
_LINE_QUOTES = re.compile(rb"[\n#'\"]")
_DEFINITION = re.compile(rb"(?:async[ \t]+def|def|class)[ \t]|@")
# A line that begins like this is indented, blank, a comment, or the tail of something above.
_NOT_A_STATEMENT = re.compile(rb"[ \t\f\r\n#)\]}]|(?:elif|else|except|finally)\b")


@dataclass(frozen=True)
class _Layout:
    """What the scan found: descriptions written across lines, and where chunks start."""

    descriptions: tuple[_Description, ...]
    chunk_starts: tuple[int, ...]
    # Each string left unclosed on its line that is no description, and how far the scan read
    # ahead to tell (the end of the line of its closing quote): an edit up to there may make it
    # one (see `_rescan`).
    lookaheads: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class _Recovery:
    """For a sketch read without the inside of its descriptions written across lines: the parse
    of the text as is (with its errors), and the scan that found them."""

    whole: Tree
    layout: _Layout


class _Scanner:
    """Finds the descriptions written across lines, and the lines where a top-level statement
    starts: each chunk of the text between two such lines can be parsed on its own."""

    def __init__(self, data: bytes, resync: frozenset[int] = frozenset()) -> None:
        self.data = data
        self.depth = 0  # brackets open
        self.decorated = False
        self.descriptions: list[_Description] = []
        self.chunk_starts: list[int] = []
        self.lookaheads: list[tuple[int, int]] = []
        # Chunk starts where the scan may stop, the rest being known (see `_rescan`).
        self.resync = resync
        self.stopped = False

    def scan(self, start: int = 0) -> _Layout:
        """The scan from `start`, the beginning of the text or of a chunk."""
        self._line(start)
        index = start
        while not self.stopped and (match := _SCANNED.search(self.data, index)) is not None:
            index = self._token(match.start())
        return _Layout(tuple(self.descriptions), tuple(self.chunk_starts), tuple(self.lookaheads))

    def _token(self, index: int) -> int:
        """Reads the token at `index`; returns where to go on."""
        byte = self.data[index : index + 1]
        if byte == b"\n":
            self._line(index + 1)
            return index + 1
        if byte == b"\\":  # a backslash joins lines: the next one starts nothing
            return index + 2
        if byte == b"#":
            return self._line_end(index)
        if byte in {b'"', b"'"}:
            return self._string(index)
        self.depth = self.depth + 1 if byte in b"([{" else max(self.depth - 1, 0)
        return index + 1

    def _line(self, index: int) -> None:
        if index >= len(self.data):
            return
        definition = _DEFINITION.match(self.data, index) is not None
        if not definition and (self.depth or _NOT_A_STATEMENT.match(self.data, index)):
            return
        # No bracket stays open across a `def`: whatever was left open above is the error.
        self.depth = 0
        if not self.decorated:
            self.chunk_starts.append(index)
            self.stopped = index in self.resync
        # A decorator and what it decorates are one statement.
        self.decorated = self.data.startswith(b"@", index)

    def _string(self, index: int) -> int:
        quote = self.data[index : index + 1]
        if self.data.startswith(quote * 3, index):
            end = _closing_quote(self.data, index + 3, quote * 3, within_line=False)
            return len(self.data) if end == -1 else end
        end = _closing_quote(self.data, index + 1, quote, within_line=True)
        if end != -1:
            return end
        # Unclosed on its own line: a description written across lines if its quote meets `(`,
        # and that quote does not rather open a string on its line (`"(1, 2)"`).
        end = _closing_quote(self.data, index + 1, quote, within_line=False)
        if end != -1 and self.data.startswith(b"(", end) and _strings_close(self.data, end):
            self.descriptions.append((index, end))
            return end
        self.lookaheads.append((index, self._line_end(end) if end != -1 else len(self.data)))
        return self._line_end(index)  # where CPython gives up on the string too

    def _line_end(self, index: int) -> int:
        end = self.data.find(b"\n", index)
        return len(self.data) if end == -1 else end


def _rescan(data: bytes, old: _Layout, start: int, old_end: int, new_end: int) -> _Layout:
    """The scan of the text after bytes `start` to `old_end` became bytes `start` to `new_end`,
    given `old`, the scan before: from the last chunk whose first line the edit leaves alone, to
    the first chunk start after the edit that the old scan had too. At a chunk start the scan is in
    no string and no bracket, and no decorator is pending, so from there on the rest is as before.
    Only a string left unclosed on its line looked further ahead, for its closing quote: where that
    look reached the edit, the rescan starts above the string.
    """
    delta = new_end - old_end
    starts = old.chunk_starts
    above = min([quote for quote, reach in old.lookaheads if quote < start <= reach], default=start)
    k = bisect_right(starts, above) - 1
    # The first line of the chunk must end before the edit, so that it starts a chunk again.
    while k >= 0 and data.find(b"\n", starts[k], above) == -1:
        k -= 1
    begin = starts[k] if k >= 0 else 0
    resync = frozenset(chunk + delta for chunk in starts if chunk >= old_end)
    scanner = _Scanner(data, resync)
    found = scanner.scan(begin)
    descriptions = [d for d in old.descriptions if d[0] < begin]
    descriptions += found.descriptions
    chunk_starts = [chunk for chunk in starts if chunk < begin]
    chunk_starts += found.chunk_starts
    lookaheads = [seen for seen in old.lookaheads if seen[0] < begin]
    lookaheads += found.lookaheads
    if scanner.stopped:
        synced = found.chunk_starts[-1] - delta
        descriptions += [(a + delta, b + delta) for a, b in old.descriptions if a >= synced]
        chunk_starts += [chunk + delta for chunk in starts if chunk > synced]
        lookaheads += [(a + delta, b + delta) for a, b in old.lookaheads if a >= synced]
    return _Layout(tuple(descriptions), tuple(chunk_starts), tuple(lookaheads))


def _strings_close(data: bytes, index: int) -> bool:
    """Whether each string that opens between `index` and the end of its line closes there."""
    while (match := _LINE_QUOTES.search(data, index)) is not None and match.group() in b"'\"":
        quote = match.group()
        if data.startswith(quote * 3, match.start()):
            return True  # triple-quoted: free to run on
        index = _closing_quote(data, match.start() + 1, quote, within_line=True)
        if index == -1:
            return False
    return True


def _closing_quote(data: bytes, start: int, quote: bytes, *, within_line: bool) -> int:
    """The byte just past the quote that closes a string whose inside begins at `start`, or -1."""
    for match in _STRING_ENDS[quote].finditer(data, start):
        if match.group() == quote:
            return match.end()
        if within_line and match.group() == b"\n":
            return -1
    return -1


# Holes and functions.


def _definition(node: Node, data: bytes) -> tuple[Function, Hole | None]:
    """The function defined at `node`, and the hole it is if its body is only a docstring and/or
    `...`/`pass` (one broken by a syntax error is no hole). `data` is the text the tree was
    parsed from."""
    name = _text(node.child_by_field_name("name"), data)
    params = _params(node.child_by_field_name("parameters"), data)
    docstring, only_filler = _body(node.child_by_field_name("body"), data)
    description = _description_of(docstring, data) if docstring is not None else None
    function = _function(
        name=name,
        params=params,
        returns=_annotation(node.child_by_field_name("return_type"), data),
        span=Span.of(node),
        examples=_doctest_examples(name, params, description) if description is not None else (),
    )
    if not only_filler or node.has_error:
        return function, None
    hole = _hole(
        name=function.name,
        kind="function",
        description=description or "",
        params=function.params,
        expected_type=function.returns,
        span=function.span,
        uses=(),
        examples=function.examples,
    )
    return function, hole


def _body(body: Node | None, data: bytes) -> tuple[Node | None, bool]:
    """A function body's docstring, and whether it holds statements and nothing but the docstring
    and `...`/`pass` (comments aside). Reads no further than the first other statement."""
    docstring = None
    first = True
    for index in range(body.named_child_count if body is not None else 0):
        statement = body.named_child(index)  # type: ignore[union-attr]
        assert statement is not None
        kind = statement.type
        if kind == "comment":
            continue
        if first and kind == "expression_statement":
            value = statement.named_child(0)
            if value is not None and value.type == "string":
                docstring, first = value, False
                continue
        first = False
        if kind == "pass_statement":
            continue
        if kind != "expression_statement" or _bytes(statement, data) != b"...":
            return docstring, False
    return docstring, not first


def _description_of(docstring: Node, data: bytes) -> str:
    inside = _string_inside(docstring, data)
    text = data[inside[0] : inside[1]].decode("utf-8", errors="replace") if inside else None
    if text is None:
        text = syntax.string_value(docstring)
    if "\n" not in text:  # what `cleandoc` makes of one line, without its general case
        return text.expandtabs().lstrip()
    return inspect.cleandoc(text)


def _string_inside(node: Node, data: bytes) -> tuple[int, int] | None:
    """The bytes between a string's quotes, read from `data`, the text the tree was parsed from;
    None where they are not at its ends (a string broken by an error)."""
    start, end = node.start_byte, node.end_byte
    quote = start
    while quote < end and data[quote] in _STRING_PREFIXES:
        quote += 1
    if quote == end or data[quote] not in _QUOTES:
        return None
    width = 3 if end - quote >= 6 and data[quote + 1] == data[quote + 2] == data[quote] else 1
    if data[end - width : end] != data[quote : quote + width]:
        return None
    return quote + width, end - width


_STRING_PREFIXES = frozenset(b"rRbBuUfFtT")
_QUOTES = frozenset(b"\"'")


def _text(node: Node | None, data: bytes) -> str:
    """A node's text, sliced from `data`, the text the tree was parsed from (cheaper than
    `node.text`, which copies through a memoryview)."""
    if node is None:
        return ""
    return data[node.start_byte : node.end_byte].decode("utf-8", errors="replace")


def _bytes(node: Node, data: bytes) -> bytes:
    return data[node.start_byte : node.end_byte]


def _doctest_examples(name: str, params: tuple[Param, ...], text: str) -> tuple[Example, ...]:
    """The examples written as doctest lines: `>>> name(args)`, then the expected value.

    Only calls of the function itself with literal arguments are examples; other doctest lines
    (setting up a variable, printing) are left to the text of the description.
    """
    if ">>>" not in text:  # no doctest line, no example (and most docstrings have none)
        return ()
    try:
        tests = doctest.DocTestParser().get_examples(text)
    except ValueError:  # an inconsistently indented doctest block: no examples to read
        return ()
    examples = []
    for test in tests:
        example = _doctest_example(name, params, test)
        if example is not None:
            examples.append(example)
    return tuple(examples)


def _doctest_example(name: str, params: tuple[Param, ...], test: doctest.Example) -> Example | None:
    try:
        call = ast.parse(test.source.strip(), mode="eval").body
    except SyntaxError:
        return None
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)):
        return None
    if call.func.id != name or call.keywords or not test.want.strip():
        return None
    arguments = test.source.strip()[len(name) :].strip()[1:-1]
    try:
        return Example(parse_arguments(arguments), parse_value(test.want))
    except ExampleError:
        return None


def _params(parameters: Node | None, data: bytes) -> tuple[Param, ...]:
    if parameters is None:
        return ()
    params = []
    for child in parameters.named_children:
        kind = child.type
        if kind == "identifier":
            params.append(_param(_text(child, data)))
        elif kind in {"typed_parameter", "typed_default_parameter", "default_parameter"}:
            name = child.child_by_field_name("name") or child.named_children[0]
            annotation = _annotation(child.child_by_field_name("type"), data)
            params.append(_param(_text(name, data), annotation))
    return tuple(params)


def _annotation(node: Node | None, data: bytes) -> str | None:
    return _text(node, data) or None if node is not None else None


def _inline_holes(
    calls: list[Node], functions: tuple[Function, ...], taken: set[str], text: _Text
) -> list[Hole]:
    seen: _KnownParams = {}
    found = []
    for node in calls:
        enclosing = syntax.ancestor(node, "function_definition")
        known = _known_params(enclosing, seen, text.data) if enclosing else {}
        returns = enclosing.child_by_field_name("return_type") if enclosing else None
        call = _inline_call(node, text, known, _annotation(returns, text.data))
        if call is not None:
            found.append(call)
    return list(_holes_of_calls(found, functions, taken).values())


class _InlineCall(NamedTuple):
    """One use of an inline hole, as far as its own statement tells."""

    description: str
    params: tuple[Param, ...]
    expected_type: str | None
    # Where the type is the parameter's of a sketch function the value is passed to: that
    # function's name and the parameter's position or keyword, looked up in the whole sketch.
    passed_to: tuple[str, int | str] | None
    span: Span


def _inline_call(
    node: Node, text: _Text, known: dict[str, Param], returns: str | None
) -> _InlineCall | None:
    """The use of an inline hole at the call `node`; None where its description is broken.
    `known` are the parameters of the function around it, by name, and `returns` its return
    type."""
    callee = _callee(node)
    if callee.has_error:
        return None
    inside = _string_inside(callee, text.data)
    description = (
        text.source[inside[0] : inside[1]].decode("utf-8", errors="replace")
        if inside is not None
        else syntax.string_value(callee, text.source)
    )
    parent = node.parent
    expected_type, passed_to = _expected_type_here(node, parent, returns, text.data)
    return _InlineCall(
        description=_normalise(description),
        params=_inline_params(node, known, text.data),
        expected_type=expected_type,
        passed_to=passed_to,
        span=Span.of(node),
    )


def _holes_of_calls(
    calls: Sequence[_InlineCall],
    functions: tuple[Function, ...],
    taken: set[str],
    before: Mapping[str, Hole] | None = None,
) -> dict[str, Hole]:
    """One hole per description, named in the order of first use, by description. `before`, the
    inline holes of the sketch before an edit by description, lends each hole the edit did not
    change: one whose uses are the very same records as before, under the same name and type."""
    by_description: dict[str, list[_InlineCall]] = {}
    for call in calls:
        by_description.setdefault(call.description, []).append(call)
    by_name: dict[str, Function] | None = None
    holes = {}
    for description, uses in by_description.items():
        name = _snake_case(description)
        if name in taken:
            name = _unique(name, taken)
        taken.add(name)
        first = uses[0]
        expected_type = first.expected_type
        if first.passed_to is not None:
            if by_name is None:  # the first function of a name, as a search finds
                by_name = {function.name: function for function in reversed(functions)}
            expected_type = _resolve_type(first, by_name)
        spans = (first.span,) if len(uses) == 1 else tuple([use.span for use in uses])
        old = before.get(description) if before is not None else None
        if (
            old is not None
            and old.span is first.span
            and old.name == name
            and old.expected_type == expected_type
            and old.uses == spans  # the same spans: compared by identity first
        ):
            holes[description] = old
            continue
        holes[description] = _hole(
            name, "inline", description, first.params, expected_type, first.span, spans
        )
    return holes


def _callee(call: Node) -> Node:
    callee = call.child_by_field_name("function")
    assert callee is not None
    return callee


def _normalise(description: str) -> str:
    return " ".join(description.split())


@functools.lru_cache(maxsize=4096)  # every re-parse names every hole again
def _snake_case(description: str) -> str:
    words = re.findall(r"[a-z0-9]+", description.lower())[:6] or ["hole"]
    name = "_".join(words)
    if name[0].isdigit() or keyword.iskeyword(name):
        name = f"hole_{name}"
    return name


def _unique(name: str, taken: set[str]) -> str:
    candidate, suffix = name, 2
    while candidate in taken:
        candidate, suffix = f"{name}_{suffix}", suffix + 1
    return candidate


def _assigned_names(parses: _Parses, roots: Sequence[Node]) -> set[str]:
    """Module-level names a materialized hole must not shadow (and a few more: a name shadowed
    needlessly costs only a suffix)."""
    nodes = (node for root in roots for node in parses.captured(root, "name"))
    return _texts(nodes, parses.text.data)


def _texts(nodes: Iterable[Node], data: bytes) -> set[str]:
    """The distinct texts of the nodes (decoded once each: a long sketch repeats its names)."""
    raws = {data[node.start_byte : node.end_byte] for node in nodes}
    return {raw.decode("utf-8", errors="replace") for raw in raws}


# The parameters of each function holding holes, by name, read once per function: a function
# with many holes is common. Keyed by the function's bytes in the text.
_KnownParams = dict[tuple[int, int], dict[str, Param]]


def _known_params(function: Node, seen: _KnownParams, data: bytes) -> dict[str, Param]:
    key = (function.start_byte, function.end_byte)
    if key not in seen:
        parameters = function.child_by_field_name("parameters")
        seen[key] = {param.name: param for param in _params(parameters, data)}
    return seen[key]


def _inline_params(call: Node, known: dict[str, Param], data: bytes) -> tuple[Param, ...]:
    """Name each argument after the variable passed; type it by `known`, the parameters of the
    function around the call."""
    arguments = call.child_by_field_name("arguments")
    params: list[Param] = []
    used: set[str] = set()
    for index, argument in enumerate(arguments.named_children if arguments else []):
        kind = argument.type
        if kind == "identifier":
            name = _text(argument, data)
        elif kind == "keyword_argument":
            name = _text(argument.child_by_field_name("name"), data)
        else:
            name = f"arg{index}"
        param = known.get(name)
        unique = _unique(name, used)
        params.append(_param(unique, param.annotation if param is not None else None))
        used.add(unique)
    return tuple(params)


def _expected_type_here(
    call: Node, parent: Node | None, returns: str | None, data: bytes
) -> tuple[str | None, tuple[str, int | str] | None]:
    """The type the code around an inline hole expects of its value, where an annotation says so;
    or where to look it up, when the value is passed to a function. `parent` is the call's, and
    `returns` the return type of the function around it."""
    if parent is None:
        return None, None
    kind = parent.type
    if kind == "argument_list":
        return None, _parameter(call, parent, data)
    if kind == "assignment" and parent.child_by_field_name("right") == call:
        return _annotation(parent.child_by_field_name("type"), data), None
    if kind == "return_statement":
        return returns, None
    if kind == "keyword_argument" and parent.child_by_field_name("value") == call:
        return None, _parameter(parent, parent.parent, data)
    return None, None


def _parameter(argument: Node, arguments: Node | None, data: bytes) -> tuple[str, int | str] | None:
    """The called function's name, and the parameter `argument` (whose parent is `arguments`)
    lands on: by keyword, or by its position (None after `*rest` or `**options`, where that is
    anyone's guess)."""
    called = arguments.parent if arguments is not None else None
    if arguments is None or called is None or called.type != "call":
        return None
    function = _text(called.child_by_field_name("function"), data)
    if argument.type == "keyword_argument":
        return function, _text(argument.child_by_field_name("name"), data)
    before = [
        node
        for node in arguments.named_children
        if node.end_byte <= argument.start_byte and node.type != "comment"
    ]
    if any(node.type in _SPLATS for node in before):
        return None
    return function, len(before)


def _resolve_type(call: _InlineCall, functions: dict[str, Function]) -> str | None:
    if call.passed_to is None:
        return call.expected_type
    name, parameter = call.passed_to
    target = functions.get(name)
    if target is None:
        return None
    if isinstance(parameter, str):
        return next((param.annotation for param in target.params if param.name == parameter), None)
    return target.params[parameter].annotation if parameter < len(target.params) else None


def _entry(parses: _Parses, roots: Sequence[Node], functions: tuple[Function, ...]) -> str | None:
    nodes = (node for root in roots for node in parses.captured(root, "callee"))
    return _entry_of(functions, _texts(nodes, parses.text.data))


def _entry_of(functions: Sequence[Function], called: set[str]) -> str | None:
    names = [function.name for function in functions if function.span.start_column == 0]
    if "main" in names:
        return "main"
    uncalled = [name for name in names if name not in called]
    return uncalled[0] if len(uncalled) == 1 else None


# Syntax errors, as CPython sees them where it can.

_CPYTHON_LINE_END = re.compile(r"\r\n?|\n")


def _syntax_errors(parses: _Parses) -> list[Problem]:
    root = parses.tree.root_node
    if not root.has_error:
        return []
    python = _as_python(parses.text.data, parses.descriptions)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the sketch's own (an invalid escape, say)
            ast.parse(python)
    except SyntaxError as error:
        return [_cpython_problem(python, error)]
    except UnicodeError:  # a lone surrogate: CPython cannot even encode the text
        return [_problem_at(parses.text, root, "Syntax error: the text is not valid Unicode")]
    except (RecursionError, MemoryError):  # how CPython's parser gives up on deep nesting
        return [_problem_at(parses.text, root, "Syntax error: nested too deeply for Python")]
    # tree-sitter is stricter than CPython in a few corners; trust its error position then.
    return [_problem_at(parses.text, root, "Syntax error")]


def _cpython_problem(python: str, error: SyntaxError) -> Problem:
    """CPython's position, moved onto lines that only `\\n` ends, as everywhere else here
    (CPython also ends a line at a lone `\\r`)."""
    starts = [0, *(match.end() for match in _CPYTHON_LINE_END.finditer(python))]
    start = starts[min(max((error.lineno or 1) - 1, 0), len(starts) - 1)]
    end = _CPYTHON_LINE_END.search(python, start)
    offset = min(start + max((error.offset or 1) - 1, 0), end.start() if end else len(python))
    line_start = python.rfind("\n", 0, offset) + 1
    return Problem(f"Syntax error: {error.msg}", python.count("\n", 0, offset), offset - line_start)


def _as_python(data: bytes, descriptions: Sequence[_Description]) -> str:
    """The text as CPython can parse it: each description written across lines becomes a blank
    `( ... )` over the same lines and columns, so errors elsewhere keep their positions."""
    pieces, position = [], 0
    for opening, closing in descriptions:
        inside = data[opening + 1 : closing - 1].decode("utf-8", errors="surrogatepass")
        blank = re.sub(r"[^\n]", " ", inside).encode("utf-8")
        pieces += [data[position:opening], b"(", blank, b")"]
        position = closing
    pieces.append(data[position:])
    return b"".join(pieces).decode("utf-8", errors="surrogatepass")


def _problem_at(text: _Text, root: Node, message: str) -> Problem:
    """A problem at tree-sitter's first error, its byte column turned into characters."""
    node = next((n for n in syntax.walk(root) if n.type == "ERROR" or n.is_missing), root)
    row = node.start_point.row
    line = text.data[text.line_starts[row] : node.start_byte]
    return Problem(message, row, len(line.decode("utf-8", errors="ignore")))
