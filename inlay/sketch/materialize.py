"""A sketch as plain Python: every hole a named function, filled or left raising.

    program = materialize(parse_sketch(text), read_fills(sketch, fills_text))

A fills file is Python whose top-level functions fill holes by materialized name (`inlay holes`
lists the names); the rest of it (imports, constants, helper functions, classes) is *support*,
placed before the sketch so the fills and the sketch can use it. User code wins: a function or
class the sketch defines itself is never taken from the fills file.

A fill may itself contain holes (decomposition): they are holes of the program once it is
filled, and the same fills may fill them by their materialized names, round after round. A hole
left without a fill becomes a function that raises NotImplementedError, so the program always
runs up to the first hole it needs, and `materialize` of a materialized program changes nothing.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from inlay.sketch import Hole, Sketch, parse_sketch
from inlay.sketch.fill import FillError, apply_fills
from inlay.sketch.prelude import with_prelude

# Deep enough for any decomposition a person writes; it stops fills that keep adding holes.
_ROUNDS = 20
_DEFINITION_STARTS = re.compile(r"@|def |async def |class ")


class MaterializeError(ValueError):
    """A sketch or fills file that cannot become a program; the message says where."""


@dataclass(frozen=True)
class Fills:
    """Code for holes, by materialized name, and the support code they need."""

    by_hole: Mapping[str, str] = field(default_factory=dict)
    support: tuple[str, ...] = ()  # top-level statements, in their order in the fills file


def read_fills(sketch: Sketch, code: str, *, filename: str = "fills") -> Fills:
    """The fills in a fills file: its functions named like a hole of the sketch, or of a fill."""
    module = parse_fills_file(code, filename)
    named = {
        node.name: statement_source(code, node)
        for node in module.body
        if isinstance(node, ast.FunctionDef) and node.name not in _user_names(sketch)
    }
    holes = {hole.name for hole in sketch.holes}
    fills = {name: source for name, source in named.items() if name in holes}
    # Functions named for the holes of fills (decomposition) are fills too, not support.
    pending = list(fills.values())
    while pending:
        for hole in parse_sketch(pending.pop()).holes:
            if hole.name in named and hole.name not in fills:
                fills[hole.name] = named[hole.name]
                pending.append(named[hole.name])
    function_holes = {hole.name for hole in sketch.holes if hole.kind == "function"}
    fills |= {name: named[name] for name in function_holes if name in named}
    return Fills(fills, support_statements(sketch, code, module, skip=set(fills)))


def parse_fills_file(code: str, filename: str) -> ast.Module:
    try:
        return ast.parse(code)
    except SyntaxError as error:
        raise MaterializeError(
            f"{filename}: line {error.lineno}, column {error.offset}: {error.msg}"
        ) from None


def support_statements(
    sketch: Sketch, code: str, module: ast.Module, skip: set[str]
) -> tuple[str, ...]:
    """The fills file's top-level statements but those the sketch defines itself and `skip`."""
    left_out = _user_names(sketch) | skip
    sketch_lines = set(sketch.source.splitlines())
    kept = []
    for node in module.body:
        source = statement_source(code, node)
        if _defines(node) and getattr(node, "name", None) in left_out or _is_main_guard(node):
            continue
        # An import the sketch makes itself need not come twice.
        if isinstance(node, ast.Import | ast.ImportFrom) and source in sketch_lines:
            continue
        kept.append(source)
    return tuple(kept)


def statement_source(code: str, node: ast.stmt) -> str:
    """A top-level statement's lines as written, decorators included."""
    lines = code.splitlines()
    decorators: list[ast.expr] = getattr(node, "decorator_list", [])
    first = min([node.lineno, *(decorator.lineno for decorator in decorators)])
    assert node.end_lineno is not None
    return "\n".join(lines[first - 1 : node.end_lineno])


def materialize(sketch: Sketch, fills: Fills | None = None) -> str:
    """The program: the prelude it needs (inlay.sketch.prelude), the support, then the sketch
    with its holes filled or raising."""
    if sketch.errors:
        problem = sketch.errors[0]
        raise MaterializeError(
            f"line {problem.line + 1}, column {problem.column + 1}: {problem.message}"
        )
    fills = fills or Fills()
    program, used = sketch, set[str]()
    for _ in range(_ROUNDS):
        pending = {
            hole.name: fills.by_hole[hole.name]
            for hole in program.holes
            if hole.name in fills.by_hole and hole.name not in used
        }
        if not pending:
            break
        program = parse_sketch(_apply(program, pending))
        used |= pending.keys()
    stubs = {hole.name: _stub(hole) for hole in program.holes}
    text = _apply(program, stubs) if stubs else program.source
    support = _joined(fills.support)
    return with_prelude(f"{support}\n\n\n{text}" if support else text)


def _joined(statements: tuple[str, ...]) -> str:
    """The statements one after another, with two blank lines around each definition."""
    text = ""
    for previous, statement in zip(("", *statements), statements, strict=False):
        if previous:
            apart = _DEFINITION_STARTS.match(previous) or _DEFINITION_STARTS.match(statement)
            text += "\n\n\n" if apart else "\n"
        text += statement
    return text


def _apply(sketch: Sketch, fills: Mapping[str, str]) -> str:
    try:
        return apply_fills(sketch, fills)
    except FillError as error:
        names = ", ".join(fills)
        raise MaterializeError(f"cannot fill {names}: {error}") from None


def _stub(hole: Hole) -> str:
    params = ", ".join(param.name for param in hole.params)
    message = f"hole {hole.name!r} is not filled"
    return f"def {hole.name}({params}):\n    raise NotImplementedError({message!r})\n"


def _user_names(sketch: Sketch) -> set[str]:
    """The top-level functions and classes the user wrote (function holes are not theirs yet)."""
    holes = {hole.name for hole in sketch.holes}
    written = {
        function.name
        for function in sketch.functions
        if function.span.start_column == 0 and function.name not in holes
    }
    return written | _class_names(sketch)


def _class_names(sketch: Sketch) -> set[str]:
    return {
        name.text.decode()
        for statement in sketch.statements
        if statement.type == "class_definition"
        and (name := statement.child_by_field_name("name")) is not None
        and name.text is not None
    }


def _defines(node: ast.stmt) -> bool:
    return isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)


def _is_main_guard(node: ast.stmt) -> bool:
    """`if __name__ == "__main__":`: a script's own start, never part of the program."""
    return (
        isinstance(node, ast.If)
        and isinstance(node.test, ast.Compare)
        and isinstance(node.test.left, ast.Name)
        and node.test.left.id == "__name__"
    )
