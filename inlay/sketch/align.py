"""Fills by position: each inline hole filled with the function called at the same place in a
finished program.

A DARC file's `python` field is its `anpl` sketch finished by hand: the same functions, with each
`"description"(args)` replaced by a call of a named function. `align_fills` reads the sketch with
each hole's callee marked, and walks each of its functions side by side with the function of the
same name in the program (the program's entry stands for the sketch's entry if the names differ):
the two must have the same shape, node for node, and the callee found where the sketch has a hole
is that hole's fill.

The rule for the rest of the program: everything at its top level (imports, constants, helper
functions and classes) is support, placed before the sketch, except what the sketch defines itself;
a function hole is filled by the program's function of the same name.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from inlay.sketch import Sketch, parse_sketch
from inlay.sketch.materialize import (
    Fills,
    MaterializeError,
    parse_fills_file,
    statement_source,
    support_statements,
)

_MARK = "__inlay_hole_{}__"


def align_fills(sketch: Sketch, code: str, *, filename: str = "fills") -> Fills:
    """Fills for the sketch's holes from the calls at the same places in the program `code`."""
    program = parse_fills_file(code, filename)
    functions = {
        node.name: node
        for node in program.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }
    marked = _marked(sketch)
    found: dict[str, tuple[str, int]] = {}  # hole name -> (the callee's source, its line)
    for function in marked.body:
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        counterpart = functions.get(function.name)
        if counterpart is None and function.name == sketch.entry:
            counterpart = functions.get(parse_sketch(code).entry or "")
        if counterpart is None or not _has_marks(function):
            continue
        for hole, callee in _aligned_callees(sketch, function, counterpart, filename):
            _record(found, hole, callee, code, filename)
    by_hole = {
        hole: _fill_code(hole, callee, code, functions) for hole, (callee, _) in found.items()
    }
    by_hole |= {
        hole.name: statement_source(code, functions[hole.name])
        for hole in sketch.holes
        if hole.kind == "function" and hole.name in functions
    }
    return Fills(by_hole, support_statements(sketch, code, program, skip=set()))


def _marked(sketch: Sketch) -> ast.Module:
    """The sketch as Python, each inline hole's callee replaced by a name marking the hole."""
    if sketch.errors:
        problem = sketch.errors[0]
        raise MaterializeError(
            f"line {problem.line + 1}, column {problem.column + 1}: {problem.message}"
        )
    source = sketch.source.encode("utf-8", errors="surrogatepass")
    edits = []
    for index, hole in enumerate(sketch.holes):
        for use in hole.uses:
            callee = sketch.node_at(use.start_byte, use.end_byte, "call").child_by_field_name(
                "function"
            )
            assert callee is not None
            edits.append((use.start_byte, callee.end_byte, _MARK.format(index).encode()))
    for start, end, mark in sorted(edits, reverse=True):
        source = source[:start] + mark + source[end:]
    return ast.parse(source.decode("utf-8", errors="surrogatepass"))


def _has_marks(function: ast.AST) -> bool:
    return any(_mark_index(node) is not None for node in ast.walk(function))


def _mark_index(node: ast.AST) -> int | None:
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        prefix, suffix = _MARK.split("{}")
        name = node.func.id
        if name.startswith(prefix) and name.endswith(suffix):
            return int(name[len(prefix) : -len(suffix)])
    return None


def _aligned_callees(
    sketch: Sketch, function: ast.AST, counterpart: ast.AST, filename: str
) -> Iterator[tuple[str, ast.expr]]:
    """(hole name, the program's callee) for each hole call in `function`, walked in step.

    Where the sketch has a hole, the program may call anything (a name, `np.fliplr`): only the
    hole's arguments are walked on.
    """
    name = getattr(function, "name", "?")
    pending: list[tuple[ast.AST, object]] = [(function, counterpart)]
    while pending:
        mine, other = pending.pop()
        if type(mine) is not type(other):
            line = getattr(other, "lineno", getattr(counterpart, "lineno", 0))
            raise MaterializeError(
                f"{filename}: line {line}: function {name} does not have the sketch's shape "
                f"here (the sketch has {_kind(mine)}, the program {_kind(other)}), so its calls "
                "cannot be lined up with the holes"
            )
        index = _mark_index(mine)
        fields = list(ast.iter_fields(mine))
        if index is not None:
            assert isinstance(other, ast.Call)
            yield sketch.holes[index].name, other.func
            fields = [(key, value) for key, value in fields if key != "func"]
        for key, value in fields:
            theirs = getattr(other, key, None)
            if isinstance(value, ast.AST):
                pending.append((value, theirs))
            elif isinstance(value, list):
                if not isinstance(theirs, list) or len(theirs) != len(value):
                    line = getattr(other, "lineno", getattr(counterpart, "lineno", 0))
                    raise MaterializeError(
                        f"{filename}: line {line}: function {name} does not have the sketch's "
                        f"shape here (a different number of {key}), so its calls cannot be "
                        "lined up with the holes"
                    )
                pending += [
                    (item, their)
                    for item, their in zip(value, theirs, strict=True)
                    if isinstance(item, ast.AST)
                ]


def _kind(node: object) -> str:
    return type(node).__name__ if isinstance(node, ast.AST) else repr(node)


def _record(
    found: dict[str, tuple[str, int]], hole: str, callee: ast.expr, code: str, filename: str
) -> None:
    text = ast.get_source_segment(code, callee) or ast.unparse(callee)
    earlier = found.setdefault(hole, (text, callee.lineno))
    if earlier[0] != text:
        raise MaterializeError(
            f"{filename}: hole {hole} is called at two places that the program fills "
            f"differently: {earlier[0]} (line {earlier[1]}) and {text} (line {callee.lineno})"
        )


def _fill_code(
    hole: str, callee: str, code: str, functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef]
) -> str:
    """The function called there, or a function calling whatever else is called there."""
    function = functions.get(callee)
    if isinstance(function, ast.FunctionDef):
        return statement_source(code, function)
    called = callee if re.fullmatch(r"[\w.]+", callee) else f"({callee})"
    return f"def {hole}(*args, **kwargs):\n    return {called}(*args, **kwargs)\n"
