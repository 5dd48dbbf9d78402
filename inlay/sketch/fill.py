"""Filling holes: turn a sketch plus code for some of its holes into the patched sketch.

A fill is Python source that defines the hole's function (and may bring imports and helper
functions with it). The user's own text wins: a function hole keeps the user's signature and
docstring and only gains a body; an inline hole becomes a function named after its description,
defined just before the first top-level statement that uses it, and its call sites call that name.
"""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass

from tree_sitter import Node

from inlay.sketch import Hole, Sketch, parse_sketch

_INDENT = "    "
_IMPORTS = {"import_statement", "import_from_statement", "future_import_statement"}


class FillError(ValueError):
    """Code that cannot fill its hole: it does not parse, or it defines no function."""


@dataclass(frozen=True)
class Fill:
    """A checked fill: the function for the hole and whatever top-level code it depends on."""

    hole: Hole
    signature: str
    body: str
    imports: tuple[str, ...]
    helpers: tuple[str, ...]
    helper_names: tuple[str, ...] = ()  # the name each helper defines, in the same order


@dataclass(frozen=True)
class _Edit:
    start: int
    end: int
    text: str


def parse_fill(hole: Hole, code: str) -> Fill:
    try:
        module = ast.parse(code)
    except SyntaxError as error:
        raise FillError(f"The code does not parse: {error.msg} (line {error.lineno})") from None
    functions = [node for node in module.body if isinstance(node, ast.FunctionDef)]
    if not functions:
        raise FillError(f"The code defines no function for `{hole.name}`.")
    target = next((f for f in functions if f.name == hole.name), functions[-1])
    imports, helpers, names = [], [], []
    for node in module.body:
        segment = ast.get_source_segment(code, node, padded=False) or ""
        if isinstance(node, ast.Import | ast.ImportFrom):
            imports.append(segment)
        elif node is not target and isinstance(node, ast.FunctionDef | ast.ClassDef):
            helpers.append(segment)
            names.append(node.name)
    return Fill(
        hole=hole,
        signature=_signature(hole, target),
        body=_body(code, target),
        imports=tuple(imports),
        helpers=tuple(helpers),
        helper_names=tuple(names),
    )


def _signature(hole: Hole, function: ast.FunctionDef) -> str:
    """The fill's own parameters under the hole's name: its body refers to them by these names."""
    returns = ast.unparse(function.returns) if function.returns else hole.expected_type
    arrow = f" -> {returns}" if returns else ""
    return f"def {hole.name}({ast.unparse(function.args)}){arrow}:"


def _body(code: str, function: ast.FunctionDef) -> str:
    """The function's statements without its docstring, dedented."""
    statements = function.body
    if ast.get_docstring(function, clean=False) is not None and len(statements) > 1:
        statements = statements[1:]
    lines = code.splitlines()
    first, last = statements[0], statements[-1]
    assert last.end_lineno is not None
    block = "\n".join(lines[first.lineno - 1 : last.end_lineno])
    # The first statement's own line may start after the colon (`def f(): return 1`).
    if not lines[first.lineno - 1][: first.col_offset].strip():
        return textwrap.dedent(block)
    return textwrap.dedent(block[first.col_offset :])


def apply_fills(sketch: Sketch, fills: Mapping[str, str]) -> str:
    """The sketch's text with the given holes (by name) filled. Raises FillError for bad code."""
    checked = [parse_fill(sketch.hole(name), code) for name, code in fills.items()]
    checked.sort(key=lambda fill: fill.hole.span.start_byte)
    source = sketch.source.encode("utf-8")
    edits = [edit for fill in checked for edit in _edits(sketch, fill)]
    edits += _import_edits(sketch, checked)
    # From the end backwards; of two insertions at one place, the later first, so that the
    # definitions of inline holes come out in the order of the holes.
    ordered = sorted(enumerate(edits), key=lambda pair: (pair[1].start, pair[1].end, pair[0]))
    for _, edit in reversed(ordered):
        source = source[: edit.start] + edit.text.encode("utf-8") + source[edit.end :]
    return source.decode("utf-8")


def apply_nested_fills(sketch: Sketch, fills: Mapping[str, str], rounds: int = 4) -> str:
    """The sketch with `fills`, including fills of the holes that other fills leave (which exist
    only once those are in): applied round by round."""
    left, text = dict(fills), sketch.source
    for _ in range(rounds):
        ready = {name: code for name, code in left.items() if _has_hole(sketch, name)}
        if not ready:
            break
        text = apply_fills(sketch, ready)
        left = {name: code for name, code in left.items() if name not in ready}
        if not left:
            return text
        sketch = parse_sketch(text)
    if left:
        raise FillError(f"No hole is named {', '.join(sorted(left))}.")
    return text


def _has_hole(sketch: Sketch, name: str) -> bool:
    return any(hole.name == name for hole in sketch.holes)


def _edits(sketch: Sketch, fill: Fill) -> list[_Edit]:
    hole = fill.hole
    # User code wins: a helper of the fill named like one of the sketch's functions is left out.
    user_names = {function.name for function in sketch.functions}
    helpers = "".join(
        f"{helper}\n\n\n"
        for helper, name in zip(fill.helpers, fill.helper_names, strict=True)
        if name not in user_names
    )
    body = textwrap.indent(fill.body, _INDENT)
    if hole.kind == "function":
        return [*_helper_edit(sketch, hole.span.start_byte, helpers), _function_body(sketch, fill)]
    docstring = docstring_literal(hole.description)
    definition = f"{fill.signature}\n{_INDENT}{docstring}\n{body}\n\n\n"
    start = _statement_start(sketch, hole)
    edits = [_Edit(start, start, helpers + definition)]
    for use in hole.uses:
        callee = _callee_end(sketch, use.start_byte, use.end_byte)
        edits.append(_Edit(use.start_byte, callee, hole.name))
    return edits


def docstring_literal(text: str) -> str:
    """`text` as a docstring: triple-quoted where that reads it back unchanged, else a repr."""
    if '"""' in text or "\\" in text or text.endswith('"'):
        return repr(text)
    return f'"""{text}"""'


def _helper_edit(sketch: Sketch, at: int, helpers: str) -> list[_Edit]:
    return [_Edit(at, at, helpers)] if helpers else []


def _function_body(sketch: Sketch, fill: Fill) -> _Edit:
    """Replace everything after the docstring (or the whole filler body) with the fill's body."""
    span = fill.hole.span
    definition = sketch.node_at(span.start_byte, span.end_byte, "function_definition")
    block = definition.child_by_field_name("body")
    assert block is not None
    indent = " " * block.start_point.column
    statements = block.named_children
    first = statements[0] if statements else None
    has_docstring = (
        first is not None
        and first.type == "expression_statement"
        and first.named_children[0].type == "string"
    )
    body = textwrap.indent(fill.body, indent).lstrip()
    if has_docstring and first is not None:
        return _Edit(first.end_byte, block.end_byte, f"\n{indent}{body}")
    return _Edit(block.start_byte, block.end_byte, body)


def _statement_start(sketch: Sketch, hole: Hole) -> int:
    """The byte where the top-level statement holding the hole's first use begins."""
    node = sketch.node_at(hole.span.start_byte, hole.span.end_byte, "call")
    while node.parent is not None and node.parent.type != "module":
        node = node.parent
    # A decorated function starts at its first decorator.
    if node.parent is not None and node.parent.type == "decorated_definition":
        node = node.parent
    return node.start_byte


def _callee_end(sketch: Sketch, start: int, end: int) -> int:
    callee = sketch.node_at(start, end, "call").child_by_field_name("function")
    assert callee is not None
    return callee.end_byte


def _import_edits(sketch: Sketch, fills: list[Fill]) -> list[_Edit]:
    present = set(sketch.source.splitlines())
    needed = dict.fromkeys(line for fill in fills for line in fill.imports if line not in present)
    if not needed:
        return []
    at = _after_imports(sketch)
    return [_Edit(at, at, "".join(f"{line}\n" for line in needed))]


def _after_imports(sketch: Sketch) -> int:
    position = 0
    for statement in sketch.tree.root_node.named_children:
        if statement.type in _IMPORTS:
            position = statement.end_byte + 1
        elif statement.type != "comment" and not _is_module_docstring(statement):
            break
    return position


def _is_module_docstring(statement: Node) -> bool:
    return statement.type == "expression_statement" and statement.named_children[0].type == "string"
