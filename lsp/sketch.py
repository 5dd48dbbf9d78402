"""Sketches and their holes.

A sketch is Python whose unknown parts are *holes*: an inline call on a description,
`"reverse the list"(xs)`, or a function whose body is only a docstring (or `...`/`pass`).
This module finds them with tree-sitter, so a sketch with a syntax error elsewhere still yields
its holes, and works out what the surrounding code says about each one: its parameters, and the
type its value is expected to have.

Positions are 0-based lines and columns counted in characters of the line, as LSP counts them for
ASCII text; user-facing messages add one to the line.
"""

from __future__ import annotations

import ast
import inspect
import keyword
import re
from dataclasses import dataclass, field
from typing import Literal

from tree_sitter import Node, Tree

from lsp import syntax

HoleKind = Literal["function", "inline"]

_FUNCTIONS = "(function_definition) @def"
_INLINE_HOLES = "(call function: (string) @description arguments: (argument_list) @args) @hole"
_FILLER_STATEMENTS = {"pass_statement"}
_BINDINGS = {"assignment", "import_from_statement", "dotted_name"}


@dataclass(frozen=True)
class Span:
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
    message: str
    line: int
    column: int


@dataclass(frozen=True)
class Sketch:
    source: str
    holes: tuple[Hole, ...]
    functions: tuple[Function, ...]
    entry: str | None
    errors: tuple[Problem, ...]
    tree: Tree = field(repr=False, compare=False)

    def hole(self, name: str) -> Hole:
        for hole in self.holes:
            if hole.name == name:
                return hole
        raise KeyError(name)

    def hole_at(self, line: int, column: int) -> Hole | None:
        for hole in self.holes:
            if any(use.contains(line, column) for use in (hole.span, *hole.uses)):
                return hole
        return None

    def function(self, name: str) -> Function | None:
        return next((function for function in self.functions if function.name == name), None)

    def node_at(self, start_byte: int, end_byte: int, node_type: str) -> Node:
        """The innermost node of `node_type` that covers the byte range."""
        node = self.tree.root_node.descendant_for_byte_range(start_byte, end_byte)
        while node is not None and node.type != node_type:
            node = node.parent
        if node is None:
            raise LookupError(f"no {node_type} at bytes {start_byte}-{end_byte}")
        return node


def parse_sketch(source: str) -> Sketch:
    tree = syntax.parse(source.encode("utf-8"))
    root = tree.root_node
    definitions = syntax.captures(_FUNCTIONS, root).get("def", [])
    functions = tuple(_function(node) for node in definitions)
    taken = {function.name for function in functions} | _assigned_names(root)
    holes = [_function_hole(node) for node in definitions if _is_function_hole(node)]
    holes += _inline_holes(root, functions, taken)
    return Sketch(
        source=source,
        holes=tuple(sorted(holes, key=lambda h: h.span.start_byte)),
        functions=functions,
        entry=_entry(root, functions),
        errors=tuple(_syntax_errors(source, root)),
        tree=tree,
    )


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


def _docstring(body: Node | None) -> Node | None:
    if body is None or not body.named_children:
        return None
    first = body.named_children[0]
    if first.type == "expression_statement" and first.named_children[0].type == "string":
        return first.named_children[0]
    return None


def _is_function_hole(node: Node) -> bool:
    body = node.child_by_field_name("body")
    if body is None:
        return False
    statements = [child for child in body.named_children if child.type != "comment"]
    if _docstring(body) is not None:
        statements = statements[1:]
    return all(_is_filler(statement) for statement in statements)


def _is_filler(statement: Node) -> bool:
    if statement.type in _FILLER_STATEMENTS:
        return True
    return statement.type == "expression_statement" and syntax.text(statement) == "..."


def _function_hole(node: Node) -> Hole:
    function = _function(node)
    docstring = _docstring(node.child_by_field_name("body"))
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


def _inline_holes(root: Node, functions: tuple[Function, ...], taken: set[str]) -> list[Hole]:
    by_description: dict[str, list[Node]] = {}
    for node in syntax.captures(_INLINE_HOLES, root).get("hole", []):
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


def _assigned_names(root: Node) -> set[str]:
    """Module-level names a materialized hole must not shadow."""
    names = set()
    for statement in root.named_children:
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
    if parent.type == "argument_list" and parent.parent is not None:
        callee = syntax.text(parent.parent.child_by_field_name("function"))
        position = parent.named_children.index(call)
        target = next((f for f in functions if f.name == callee), None)
        if target is not None and position < len(target.params):
            return target.params[position].annotation
    return None


def _entry(root: Node, functions: tuple[Function, ...]) -> str | None:
    names = [function.name for function in functions if function.span.start_column == 0]
    if "main" in names:
        return "main"
    called = {
        syntax.text(node.child_by_field_name("function"))
        for node in syntax.walk(root)
        if node.type == "call"
    }
    uncalled = [name for name in names if name not in called]
    return uncalled[0] if len(uncalled) == 1 else None


def _syntax_errors(source: str, root: Node) -> list[Problem]:
    if not root.has_error:
        return []
    try:
        ast.parse(source)
    except SyntaxError as error:
        line = (error.lineno or 1) - 1
        return [Problem(f"Syntax error: {error.msg}", line, max((error.offset or 1) - 1, 0))]
    # tree-sitter is stricter than CPython in a few corners; trust its error position then.
    node = next(n for n in syntax.walk(root) if n.type == "ERROR" or n.is_missing)
    return [Problem("Syntax error", node.start_point.row, node.start_point.column)]
