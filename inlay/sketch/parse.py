"""Reading a sketch: one parse when it is clean (read statement by statement, so an edit reads
again only what it touched), recovery from syntax errors when it is not, and the errors
themselves as CPython words them."""

from __future__ import annotations

import ast
import re
import warnings
from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from operator import attrgetter
from typing import NamedTuple

from tree_sitter import Node, Tree

from inlay.sketch import syntax
from inlay.sketch.holes import (
    _RECOVERY_QUERY,
    _SKETCH_QUERY,
    _assigned_names,
    _callee,
    _definition,
    _entry,
    _entry_of,
    _holes_of_calls,
    _inline_call,
    _inline_holes,
    _InlineCall,
    _texts,
)
from inlay.sketch.records import (
    _SPAN_SLOTS,
    Function,
    Hole,
    Param,
    Problem,
    Sketch,
    Span,
    _covers,
    _extent,
    _function,
    _hole,
    _new,
    _WholeTree,
)
from inlay.sketch.scan import _Description, _Layout, _Recovery, _Scanner, _Text


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
