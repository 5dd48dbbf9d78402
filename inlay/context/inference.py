"""Static types where the sketch writes no annotation, from the code around a hole and from jedi.

The sketch's own annotations are read in `inlay.sketch`; this module adds what can be inferred:

- `argument_types`: the type of each argument passed to an inline hole, from the variable's
  annotated assignment, from the return annotation of the sketch function (or the expected type
  of the hole) that produced it (`grid = find_grid(x)`), or else from jedi's inference
  (`ys = sorted(xs)` gives `list[int]`).
- `returned_type`: a hole whose value is assigned to a name the enclosing function returns
  expects that function's return annotation.
- `module_functions`: the public functions of a module the sketch imports, with their signatures
  as jedi reads them from the module's stubs, for the relevant headers.

jedi is neither fast on a cold start (about 3 s to index numpy) nor thread-safe, so every call
into it goes through one lock, and the server calls these functions from a worker thread, never
on its event loop. Module indexes are cached for the life of the process.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import cache, lru_cache

import jedi
from tree_sitter import Node

from inlay.sketch import Hole, Sketch, syntax

_JEDI = threading.Lock()
# jedi's default environment inspects compiled modules in a subprocess; that subprocess would
# share the stdio server's stdin. Inspecting in this process avoids it (and is faster).
_ENVIRONMENT = jedi.InterpreterEnvironment()
# jedi spells builtin generics the typing way; the sketch (Python 3.9+) writes them lowercase.
_TYPING_GENERICS = re.compile(r"\b(List|Dict|Set|FrozenSet|Tuple|Type)\[")
# Where a value is bound, and so where an argument's type can be read from.
_ASSIGNMENT = "(assignment left: (identifier) @target) @assignment"
_RETURN = "(return_statement (identifier) @returned)"
_CALLED = "(call function: (identifier) @called)"
# Top-level statements jedi may need to type a variable (besides function signatures).
_KEPT_FOR_JEDI = {
    "import_statement",
    "import_from_statement",
    "future_import_statement",
    "class_definition",
    "decorated_definition",
    "expression_statement",
    "type_alias_statement",
}


@dataclass(frozen=True)
class ModuleFunction:
    """A function a module offers, as the sketch would call it (`np.zeros`)."""

    qualified_name: str
    signature: str
    mentions: frozenset[str]

    def header(self) -> str:
        return f"def {self.qualified_name}{self.signature[self.signature.index('(') :]}"


def argument_types(sketch: Sketch, hole: Hole, *, use_jedi: bool = True) -> dict[str, str]:
    """Types of the inline hole's unannotated arguments (by parameter name), where known."""
    if hole.kind != "inline":
        return {}
    call = _call(sketch, hole)
    arguments = call.child_by_field_name("arguments") if call is not None else None
    if call is None or arguments is None:
        return {}
    values = [a.child_by_field_name("value") or a for a in arguments.named_children]
    values = [a for a in values if a.type != "comment"]
    found: dict[str, str] = {}
    for param, value in zip(hole.params, values, strict=False):
        if param.annotation is not None:
            continue
        known = _bound_type(sketch, call, value)
        if known is None and use_jedi:
            known = _jedi_type(sketch, value)
        if known is not None:
            found[param.name] = known
    return found


def returned_type(sketch: Sketch, hole: Hole) -> str | None:
    """`v = "hole"(...)` then `return v` in a function annotated `-> T`: the hole gives a T."""
    call = _call(sketch, hole) if hole.kind == "inline" else None
    parent = call.parent if call is not None else None
    if call is None or parent is None or parent.type != "assignment":
        return None
    target = parent.child_by_field_name("left")
    function = syntax.ancestor(call, "function_definition")
    if target is None or target.type != "identifier" or function is None:
        return None
    returns = function.child_by_field_name("return_type")
    body = function.child_by_field_name("body")
    if returns is None or body is None:
        return None
    returned = syntax.captures(_RETURN, body).get("returned", [])
    if any(syntax.text(name) == syntax.text(target) for name in returned):
        return syntax.text(returns)
    return None


def module_functions(module: str, alias: str) -> tuple[ModuleFunction, ...]:
    """The public functions of `module` that jedi can see, named through `alias`; () if none."""
    return tuple(
        ModuleFunction(f"{alias}.{name}", signature, mentions)
        for name, signature, mentions in _index(module)
    )


def imported_modules(sketch: Sketch) -> dict[str, str]:
    """`import numpy as np` gives {"numpy": "np"}; `import math` gives {"math": "math"}."""
    modules: dict[str, str] = {}
    for statement in sketch.statements or sketch.tree.root_node.named_children:
        if statement.type != "import_statement":
            continue
        for name in statement.named_children:
            if name.type == "aliased_import":
                module = syntax.text(name.child_by_field_name("name"))
                modules[module] = syntax.text(name.child_by_field_name("alias"))
            elif name.type == "dotted_name":
                modules[syntax.text(name)] = syntax.text(name)
    return modules


@cache
def _index(module: str) -> tuple[tuple[str, str, frozenset[str]], ...]:
    source = f"import {module} as _m\n_m."
    with _JEDI:
        try:
            completions = jedi.Script(
                source, path="inlay_module_index.py", environment=_ENVIRONMENT
            ).complete(2, 3)
            found = []
            for completion in completions:
                if completion.type != "function" or completion.name.startswith("_"):
                    continue
                signatures = completion.get_signatures()
                if signatures:
                    text = signatures[0].to_string()
                    found.append((completion.name, text, _type_names(text)))
        except Exception:  # jedi on a module it cannot read: no headers from it, not an error
            return ()
    return tuple(found)


def _type_names(signature: str) -> frozenset[str]:
    """The names in a signature's annotations (after each `:` and `->`), last dotted part."""
    names: set[str] = set()
    for annotation in re.findall(r"(?::|->)\s*([^,=)]+(?:\[[^\]]*\])?)", signature):
        names.update(re.findall(r"[A-Za-z_]\w*", annotation))
    return frozenset(names)


def _call(sketch: Sketch, hole: Hole) -> Node | None:
    try:
        return sketch.node_at(hole.span.start_byte, hole.span.end_byte, "call")
    except LookupError:
        return None


def _bound_type(sketch: Sketch, call: Node, value: Node) -> str | None:
    """The type the sketch itself gives the variable passed: `x: T = ...` or `x = f(...)` with
    `f` a sketch function annotated `-> T`; the last such binding before the hole wins."""
    function = syntax.ancestor(call, "function_definition")
    if value.type != "identifier" or function is None:
        return None
    name, found = syntax.text(value), None
    for assignment in syntax.captures(_ASSIGNMENT, function).get("assignment", []):
        target = assignment.child_by_field_name("left")
        if assignment.end_byte > call.start_byte or syntax.text(target) != name:
            continue
        found = _assigned_type(sketch, assignment)
    return found


def _assigned_type(sketch: Sketch, assignment: Node) -> str | None:
    """`x: T = ...`; `x = f(...)` with `f` annotated `-> T`; `x = "hole"(...)` with the hole's
    expected type known."""
    annotation = assignment.child_by_field_name("type")
    if annotation is not None:
        return syntax.text(annotation)
    right = assignment.child_by_field_name("right")
    callee = right.child_by_field_name("function") if right is not None else None
    if right is None or right.type != "call" or callee is None:
        return None
    if callee.type == "string":
        hole = next((h for h in sketch.holes if right.start_byte in _starts(h)), None)
        return None if hole is None else hole.expected_type or returned_type(sketch, hole)
    called = syntax.text(callee)
    return next((f.returns for f in sketch.functions if f.name == called), None)


def _starts(hole: Hole) -> set[int]:
    return {use.start_byte for use in hole.uses}


def _jedi_type(sketch: Sketch, value: Node) -> str | None:
    if value.type not in {"identifier", "attribute", "subscript", "call"}:
        return None
    statement = _top_level(value)
    source, first_line = _outline(sketch, statement)
    line = first_line + value.end_point.row - statement.start_point.row
    text = syntax.text(statement).split("\n")[value.end_point.row - statement.start_point.row]
    prefix = text.encode("utf-8")[: value.end_point.column - _column_of(statement, value)]
    # jedi counts columns in characters; infer at the end of the expression, on its last name.
    return _infer(source, line + 1, len(prefix.decode("utf-8", errors="ignore")))


def _top_level(node: Node) -> Node:
    while node.parent is not None and node.parent.type != "module":
        node = node.parent
    return node


def _column_of(statement: Node, value: Node) -> int:
    """Byte column where the statement's text starts on the value's line (0 past its first)."""
    return statement.start_point.column if value.end_point.row == statement.start_point.row else 0


def _outline(sketch: Sketch, statement: Node) -> tuple[str, int]:
    """What jedi needs to type a variable of `statement`: the module's imports, classes and
    assignments, the functions the statement calls (jedi reads their bodies where an annotation
    does not resolve), every other function as its signature only, then the statement itself;
    and the line where the statement starts in it.

    Much less than the sketch for jedi to read, and unchanged by edits inside unrelated
    functions, so `_infer`'s cache still answers after them (jedi takes about 100 ms on
    numpy-heavy code).
    """
    called = {syntax.text(node) for node in syntax.captures(_CALLED, statement).get("called", [])}
    parts = []
    for other in sketch.statements or sketch.tree.root_node.named_children:
        if other.start_byte == statement.start_byte:
            continue
        definition = other.child_by_field_name("definition") or other
        name = syntax.text(definition.child_by_field_name("name"))
        if definition.type == "function_definition" and name not in called:
            body = definition.child_by_field_name("body")
            end = body.start_byte if body is not None else definition.end_byte
            header = (other.text or b"")[: end - other.start_byte].decode("utf-8", "replace")
            parts.append(header.rstrip() + " ...")
        elif other.type in _KEPT_FOR_JEDI or definition.type == "function_definition":
            parts.append(syntax.text(other))
    before = "\n".join(parts) + "\n"
    return before + syntax.text(statement) + "\n", before.count("\n")


@lru_cache(maxsize=512)
def _infer(source: str, line: int, column: int) -> str | None:
    with _JEDI:
        try:
            script = jedi.Script(source, path="sketch.py", environment=_ENVIRONMENT)
            hints = [name.get_type_hint() for name in script.infer(line, column)]
        except Exception:  # jedi gives up on some code; the type is then simply unknown
            return None
    hints = [hint for hint in hints if hint]
    if len(set(hints)) != 1:
        return None  # nothing inferred, or several possibilities: not worth telling a model
    return _TYPING_GENERICS.sub(lambda m: f"{m.group(1).lower()}[", hints[0])
