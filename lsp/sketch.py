"""Sketches and their holes.

A sketch is Python whose unknown parts are *holes*: an inline call on a description,
`"reverse the list"(xs)`, or a function whose body is only a docstring (or `...`/`pass`).
This module finds them with tree-sitter and works out what the surrounding code says about each
one: its parameters, and the type its value is expected to have.

A sketch need not be valid Python. A description may run over several lines, as some DARC sketches
write them (CPython calls that an unterminated string), and a syntax error in one place does not
hide the holes elsewhere: when the whole-file parse has errors, each top-level chunk of the text is
also parsed on its own (see `_parse`).

Positions: lines are 0-based. A `Span`'s columns (and so `Sketch.hole_at`'s) are tree-sitter's,
UTF-8 bytes from the start of the line; the language server converts them to its client's unit. A
`Problem`'s column counts characters (code points) of the line, as CPython's SyntaxError does.
User-facing messages add one to both.
"""

from __future__ import annotations

import ast
import inspect
import keyword
import re
import warnings
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Literal

from tree_sitter import Node, Point, Range, Tree

from lsp import syntax

HoleKind = Literal["function", "inline"]

_FUNCTIONS = "(function_definition) @def"
_INLINE_HOLES = "(call function: (string) arguments: (argument_list)) @hole"
_FILLER_STATEMENTS = {"pass_statement"}
_BINDINGS = {"assignment", "import_from_statement", "dotted_name"}
_SPLATS = {"list_splat", "dictionary_splat"}


@dataclass(frozen=True)
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
        return cls(
            node.start_point.row,
            node.start_point.column,
            node.end_point.row,
            node.end_point.column,
            node.start_byte,
            node.end_byte,
        )

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


@dataclass(frozen=True)
class Hole:
    """One hole; an inline hole written in several places is one hole with several `uses`."""

    name: str
    kind: HoleKind
    description: str
    params: tuple[Param, ...]
    expected_type: str | None
    span: Span
    uses: tuple[Span, ...]

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


@dataclass(frozen=True)
class Function:
    name: str
    params: tuple[Param, ...]
    returns: str | None
    span: Span


@dataclass(frozen=True)
class Problem:
    """A syntax error; `column` counts characters of the line, not bytes."""

    message: str
    line: int
    column: int


@dataclass(frozen=True)
class Sketch:
    """A parsed sketch.

    `tree` is tree-sitter's parse of the whole text (a description written across lines reads as
    `""` in it). Where it has errors, statements near them may be lost inside ERROR nodes; then
    `chunks` holds the parse of each top-level chunk on its own, and `statements` the top-level
    statements as recovered from them (the tree's own when it is clean): code looking for the
    sketch's definitions should read `statements`, and find a hole's node with `node_at`.
    """

    source: str
    holes: tuple[Hole, ...]
    functions: tuple[Function, ...]
    entry: str | None
    errors: tuple[Problem, ...]
    tree: Tree = field(repr=False, compare=False)
    statements: tuple[Node, ...] = field(default=(), repr=False, compare=False)
    chunks: tuple[Tree, ...] = field(default=(), repr=False, compare=False)

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


def parse_sketch(source: str) -> Sketch:
    parses = _parse(_Text.of(source))
    definitions = parses.find(_FUNCTIONS, "def")
    functions = tuple(_function(node) for node in definitions)
    statements = parses.statements()
    taken = {function.name for function in functions} | _assigned_names(statements)
    holes = [_function_hole(node) for node in definitions if _is_function_hole(node)]
    # A hole whose arguments are being typed is still a hole; one whose description is broken
    # may be no string at all.
    calls = parses.find(_INLINE_HOLES, "hole", keep=lambda call: not _callee(call).has_error)
    holes += _inline_holes(calls, functions, taken)
    return Sketch(
        source=source,
        holes=tuple(sorted(holes, key=lambda h: h.span.start_byte)),
        functions=functions,
        entry=_entry(statements, functions),
        errors=tuple(_syntax_errors(parses)),
        tree=parses.tree,
        statements=statements,
        chunks=parses.chunks,
    )


# Reading the text: one parse when it is clean, recovery when it is not.

# A description written across lines: bytes from its opening quote to just past its closing one.
_Description = tuple[int, int]


@dataclass(frozen=True)
class _Text:
    """The sketch as the parsers read it: its UTF-8 bytes and where each line starts."""

    data: bytes
    line_starts: tuple[int, ...]

    @classmethod
    def of(cls, source: str) -> _Text:
        # surrogatepass: an editor may send lone surrogates; they must not crash the parse.
        data = source.encode("utf-8", errors="surrogatepass")
        return cls(data, (0, *(match.end() for match in re.finditer(b"\n", data))))

    def point(self, byte: int) -> Point:
        row = bisect_right(self.line_starts, byte) - 1
        return Point(row, byte - self.line_starts[row])

    def parse(self, start: int, end: int, skip: Sequence[_Description]) -> Tree:
        """The bytes from `start` to `end` parsed on their own, with the inside of each `skip`
        description left out, so that tree-sitter reads `""(args)` there."""
        ranges, position = [], start
        for opening, closing in skip:
            if start <= opening and closing <= end:
                ranges.append(self._range(position, opening + 1))
                position = closing - 1
        ranges.append(self._range(position, end))
        return syntax.parse_ranges(self.data, ranges)

    def _range(self, start: int, end: int) -> Range:
        return Range(self.point(start), self.point(end), start, end)


@dataclass(frozen=True)
class _Parses:
    """The trees a sketch is read from: the whole text, and each chunk alone if that has errors."""

    text: _Text
    tree: Tree
    descriptions: tuple[_Description, ...] = ()
    chunks: tuple[Tree, ...] = ()

    def find(
        self, pattern: str, capture: str, keep: Callable[[Node], bool] = lambda node: True
    ) -> list[Node]:
        """Each node the pattern captures (and `keep` accepts) once, in source order.

        With chunks, each chunk's own parse comes first: it keeps an error from spilling over the
        rest of the file. Inside a chunk with errors, the whole-file tree adds what it saw and the
        chunk's parse did not; inside a clean chunk, the chunk's parse saw everything there is.
        """
        whole = _captures(pattern, capture, self.tree, keep)
        if not self.chunks:
            return whole
        starts = [node.start_byte for node in whole]
        found: list[Node] = []
        for chunk in self.chunks:
            own = _captures(pattern, capture, chunk, keep)
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

    def statements(self) -> tuple[Node, ...]:
        if not self.chunks:
            return tuple(self.tree.root_node.named_children)
        return tuple(statement for chunk in self.chunks for statement in _top_level(chunk))


def _parse(text: _Text) -> _Parses:
    """One parse of the whole text, and more only where it has errors: again without the inside
    of descriptions written across lines, then each top-level chunk on its own."""
    tree = syntax.parse(text.data)
    if not tree.root_node.has_error:
        return _Parses(text, tree)
    layout = _Scanner(text.data).scan()
    if layout.descriptions:
        tree = text.parse(0, len(text.data), layout.descriptions)
        if not tree.root_node.has_error:
            return _Parses(text, tree, layout.descriptions)
    bounds = sorted({0, *layout.chunk_starts, len(text.data)})
    chunks = tuple(text.parse(start, end, layout.descriptions) for start, end in pairwise(bounds))
    return _Parses(text, tree, layout.descriptions, chunks)


def _captures(pattern: str, capture: str, tree: Tree, keep: Callable[[Node], bool]) -> list[Node]:
    nodes = syntax.captures(pattern, tree.root_node).get(capture, [])
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


class _Scanner:
    """Finds the descriptions written across lines, and the lines where a top-level statement
    starts: each chunk of the text between two such lines can be parsed on its own."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.depth = 0  # brackets open
        self.decorated = False
        self.descriptions: list[_Description] = []
        self.chunk_starts: list[int] = []

    def scan(self) -> _Layout:
        self._line(0)
        index = 0
        while (match := _SCANNED.search(self.data, index)) is not None:
            index = self._token(match.start())
        return _Layout(tuple(self.descriptions), tuple(self.chunk_starts))

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
        return self._line_end(index)  # where CPython gives up on the string too

    def _line_end(self, index: int) -> int:
        end = self.data.find(b"\n", index)
        return len(self.data) if end == -1 else end


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


def _function(node: Node) -> Function:
    return Function(
        name=syntax.text(node.child_by_field_name("name")),
        params=_params(node.child_by_field_name("parameters")),
        returns=_annotation(node.child_by_field_name("return_type")),
        span=Span.of(node),
    )


def _params(parameters: Node | None) -> tuple[Param, ...]:
    if parameters is None:
        return ()
    params = []
    for child in parameters.named_children:
        if child.type == "identifier":
            params.append(Param(syntax.text(child)))
        elif child.type in {"typed_parameter", "typed_default_parameter", "default_parameter"}:
            name = child.child_by_field_name("name") or child.named_children[0]
            annotation = _annotation(child.child_by_field_name("type"))
            params.append(Param(syntax.text(name), annotation))
    return tuple(params)


def _annotation(node: Node | None) -> str | None:
    return syntax.text(node) or None if node is not None else None


def _body_statements(definition: Node) -> list[Node]:
    body = definition.child_by_field_name("body")
    children = body.named_children if body is not None else []
    return [child for child in children if child.type != "comment"]


def _docstring(statements: list[Node]) -> Node | None:
    first = statements[0] if statements else None
    if first is None or first.type != "expression_statement" or not first.named_children:
        return None
    value = first.named_children[0]
    return value if value.type == "string" else None


def _is_function_hole(node: Node) -> bool:
    """A body of only a docstring and/or `...`/`pass`; one broken by a syntax error is no hole."""
    if node.has_error:
        return False
    statements = _body_statements(node)
    rest = statements[1:] if _docstring(statements) is not None else statements
    return bool(statements) and all(_is_filler(statement) for statement in rest)


def _is_filler(statement: Node) -> bool:
    if statement.type in _FILLER_STATEMENTS:
        return True
    return statement.type == "expression_statement" and syntax.text(statement) == "..."


def _function_hole(node: Node) -> Hole:
    function = _function(node)
    docstring = _docstring(_body_statements(node))
    description = inspect.cleandoc(syntax.string_value(docstring)) if docstring else ""
    return Hole(
        name=function.name,
        kind="function",
        description=description,
        params=function.params,
        expected_type=function.returns,
        span=function.span,
        uses=(),
    )


def _inline_holes(
    calls: list[Node], functions: tuple[Function, ...], taken: set[str]
) -> list[Hole]:
    by_description: dict[str, list[Node]] = {}
    for node in calls:
        description = _normalise(syntax.string_value(_callee(node)))
        by_description.setdefault(description, []).append(node)
    holes = []
    for description, uses in by_description.items():
        name = _unique(_snake_case(description), taken)
        taken.add(name)
        first = uses[0]
        holes.append(
            Hole(
                name=name,
                kind="inline",
                description=description,
                params=_inline_params(first),
                expected_type=_expected_type(first, functions),
                span=Span.of(first),
                uses=tuple(Span.of(use) for use in uses),
            )
        )
    return holes


def _callee(call: Node) -> Node:
    callee = call.child_by_field_name("function")
    assert callee is not None
    return callee


def _normalise(description: str) -> str:
    return " ".join(description.split())


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


def _assigned_names(statements: Sequence[Node]) -> set[str]:
    """Module-level names a materialized hole must not shadow."""
    names = set()
    for statement in statements:
        for node in syntax.walk(statement):
            parent = node.parent
            if node.type == "identifier" and parent is not None and parent.type in _BINDINGS:
                names.add(syntax.text(node))
    return names


def _inline_params(call: Node) -> tuple[Param, ...]:
    """Name each argument after the variable passed; type it by the enclosing function's params."""
    arguments = call.child_by_field_name("arguments")
    enclosing = syntax.ancestor(call, "function_definition")
    parameters = enclosing.child_by_field_name("parameters") if enclosing else None
    known = {param.name: param for param in _params(parameters)}
    params: list[Param] = []
    used: set[str] = set()
    for index, argument in enumerate(arguments.named_children if arguments else []):
        if argument.type == "keyword_argument":
            name = syntax.text(argument.child_by_field_name("name"))
        elif argument.type == "identifier":
            name = syntax.text(argument)
        else:
            name = f"arg{index}"
        annotation = known[name].annotation if name in known else None
        params.append(Param(_unique(name, used), annotation))
        used.add(params[-1].name)
    return tuple(params)


def _expected_type(call: Node, functions: tuple[Function, ...]) -> str | None:
    """The type the code around an inline hole expects of its value, where an annotation says so."""
    parent = call.parent
    if parent is None:
        return None
    if parent.type == "assignment" and parent.child_by_field_name("right") == call:
        return _annotation(parent.child_by_field_name("type"))
    if parent.type == "return_statement":
        enclosing = syntax.ancestor(call, "function_definition")
        return _annotation(enclosing.child_by_field_name("return_type")) if enclosing else None
    if parent.type == "keyword_argument" and parent.child_by_field_name("value") == call:
        return _parameter_type(parent, functions)
    if parent.type == "argument_list":
        return _parameter_type(call, functions)
    return None


def _parameter_type(argument: Node, functions: tuple[Function, ...]) -> str | None:
    """The annotation of the parameter of a sketch function that `argument` is passed to."""
    arguments = argument.parent
    called = arguments.parent if arguments is not None else None
    if arguments is None or called is None or called.type != "call":
        return None
    target = next(
        (f for f in functions if f.name == syntax.text(called.child_by_field_name("function"))),
        None,
    )
    if target is None:
        return None
    if argument.type == "keyword_argument":
        name = syntax.text(argument.child_by_field_name("name"))
        return next((param.annotation for param in target.params if param.name == name), None)
    before = [
        node
        for node in arguments.named_children
        if node.end_byte <= argument.start_byte and node.type != "comment"
    ]
    # After `*rest` or `**options`, which parameter an argument lands on is anyone's guess.
    if any(node.type in _SPLATS for node in before) or len(before) >= len(target.params):
        return None
    return target.params[len(before)].annotation


def _entry(statements: Sequence[Node], functions: tuple[Function, ...]) -> str | None:
    names = [function.name for function in functions if function.span.start_column == 0]
    if "main" in names:
        return "main"
    called = {
        syntax.text(node.child_by_field_name("function"))
        for statement in statements
        for node in syntax.walk(statement)
        if node.type == "call"
    }
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
