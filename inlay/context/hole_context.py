"""The typed context of one hole: what the sketch says about the value a fill must produce.

Following ChatLSP (Hazel, OOPSLA 2024), a hole's context is its expected type, its parameters, the
*relevant types* (the sketch's own definitions that those types mention, transitively) and the
*relevant headers* (the sketch's other functions, those that handle the same types first, then
functions of the modules it imports whose signatures mention those types). The editor's hover,
the ChatLSP requests and the synthesis prompts all read it from here: the model sees what the user
sees.

Types come from annotations first; where there is none, from `inlay.context.inference` (the code
around the hole, then jedi); where that finds nothing either, from the values the hole received and
returned in the last traced run (`inlay.context.observed`). `inferred` and `observed` say which
ones were not written, so a reader can weigh them.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from tree_sitter import Node

from inlay.context import inference
from inlay.context.observed import ObservedTypes
from inlay.sketch import Function, Hole, Param, Sketch, syntax
from inlay.sketch.examples import abbreviate

_NAME = re.compile(r"[A-Za-z_]\w*")
# How many headers a context lists at most, of the sketch's own functions and of imported
# modules': enough to suggest, few enough to keep a prompt short (the local model reads 4,096
# tokens in all).
SKETCH_HEADERS = 12
MODULE_HEADERS = 8
# Names too common in signatures to say anything about fit.
_UNINFORMATIVE = frozenset({"None", "Any", "object", "Literal", "Optional", "Union"})
RETURN = "return"
_EXAMPLES_SHOWN = 5  # of a hole's own examples, in hover
_VALUE_SHOWN = 60  # characters of an example's value, in hover


@dataclass(frozen=True)
class HoleContext:
    hole: Hole
    expected_type: str | None
    params: tuple[Param, ...]
    relevant_types: tuple[str, ...]
    relevant_headers: tuple[str, ...]
    # Parameter names (and RETURN, for the expected type) whose type was inferred, not written,
    # and those whose type was only observed in a traced run.
    inferred: frozenset[str] = frozenset()
    observed: frozenset[str] = frozenset()

    def signature(self) -> str:
        """The hole's signature with inferred types filled in."""
        params = ", ".join(param.render() for param in self.params)
        returns = f" -> {self.expected_type}" if self.expected_type else ""
        return f"def {self.hole.name}({params}){returns}:"

    def type_source(self, name: str) -> str | None:
        """ "annotation", "inferred", "observed" or None (unknown) for a parameter name or
        RETURN."""
        if name == RETURN:
            known = self.expected_type is not None
        else:
            known = any(p.name == name and p.annotation for p in self.params)
        if not known:
            return None
        if name in self.observed:
            return "observed"
        return "inferred" if name in self.inferred else "annotation"

    def to_json(self) -> dict[str, Any]:
        """The shape `inlay/holeContext` answers with, and the CLI prints."""
        return {
            "name": self.hole.name,
            "kind": self.hole.kind,
            "description": self.hole.description,
            "signature": self.signature(),
            "expected_type": self.expected_type,
            "expected_type_source": self.type_source(RETURN),
            "params": [
                {"name": p.name, "type": p.annotation, "source": self.type_source(p.name)}
                for p in self.params
            ],
            "relevant_types": list(self.relevant_types),
            "relevant_headers": list(self.relevant_headers),
        }


@dataclass(frozen=True)
class _TypeDefinition:
    name: str
    source: str
    mentions: frozenset[str]
    start_byte: int


def hole_context(
    sketch: Sketch,
    hole: Hole,
    *,
    use_jedi: bool = True,
    observed: ObservedTypes | None = None,
) -> HoleContext:
    """Everything known about `hole`: statically, then from `observed` (the types its traced
    calls showed) where nothing static is known. With `use_jedi`, this may take a while the first
    time a module is indexed (see `inlay.context.inference`): call it off any event loop."""
    inferred_args = inference.argument_types(sketch, hole, use_jedi=use_jedi)
    inferred = set(inferred_args)
    seen: set[str] = set()
    params = []
    for index, param in enumerate(hole.params):
        annotation = param.annotation or inferred_args.get(param.name)
        if annotation is None and observed is not None:
            annotation = observed.param(index, param.name)
            if annotation is not None:
                seen.add(param.name)
        params.append(Param(param.name, annotation))
    expected_type = hole.expected_type
    if expected_type is None and (expected_type := inference.returned_type(sketch, hole)):
        inferred.add(RETURN)
    if expected_type is None and observed is not None and observed.returns is not None:
        expected_type = observed.returns
        seen.add(RETURN)
    wanted = _names(expected_type, *(param.annotation for param in params))
    headers = _relevant_headers(sketch, hole, wanted)
    if use_jedi:
        headers += _module_headers(sketch, wanted)
    return HoleContext(
        hole=hole,
        expected_type=expected_type,
        params=tuple(params),
        relevant_types=_relevant_types(sketch, wanted),
        relevant_headers=headers,
        inferred=frozenset(inferred),
        observed=frozenset(seen),
    )


def hover_markdown(context: HoleContext) -> str:
    hole = context.hole
    kind = "function hole" if hole.kind == "function" else "inline hole"
    sections = [
        f"**Hole** `{hole.name}` ({kind})",
        hole.description or "_No description yet._",
        f"```python\n{context.signature()}\n```",
        _expected_type_line(context),
        _params_markdown(context),
    ]
    if hole.examples:
        sections.append(_examples_markdown(hole))
    if context.relevant_types:
        types = "\n\n".join(context.relevant_types)
        sections.append(f"Relevant types:\n\n```python\n{types}\n```")
    return "\n\n".join(sections)


def _examples_markdown(hole: Hole) -> str:
    """The hole's own examples (its docstring's doctests), as calls and what they give."""
    lines = [
        f"- `{hole.name}({', '.join(_short(arg) for arg in example.args)})` → "
        f"`{_short(example.output)}`"
        for example in hole.examples[:_EXAMPLES_SHOWN]
    ]
    more = len(hole.examples) - _EXAMPLES_SHOWN
    if more > 0:
        lines.append(f"- and {more} more")
    return "Its examples:\n\n" + "\n".join(lines)


def _short(value: Any) -> str:
    return abbreviate(repr(value), _VALUE_SHOWN)


def _expected_type_line(context: HoleContext) -> str:
    if context.expected_type is None:
        return "Expected type: unknown (no annotation)"
    return f"Expected type: `{context.expected_type}`{_inferred_mark(context, RETURN)}"


def _params_markdown(context: HoleContext) -> str:
    if not context.params:
        return "Parameters: none"
    lines = [
        f"- `{p.name}`: `{p.annotation}`{_inferred_mark(context, p.name)}"
        if p.annotation
        else f"- `{p.name}`"
        for p in context.params
    ]
    return "Parameters:\n\n" + "\n".join(lines)


def _inferred_mark(context: HoleContext, name: str) -> str:
    if name in context.observed:
        return " (observed in the last traced run)"
    return " (inferred)" if name in context.inferred else ""


def _names(*annotations: str | None) -> frozenset[str]:
    """The identifiers an annotation mentions; quoted forward references count too."""
    return frozenset(name for text in annotations if text for name in _NAME.findall(text))


def _relevant_types(sketch: Sketch, wanted: frozenset[str]) -> tuple[str, ...]:
    definitions = {d.name: d for d in _type_definitions(sketch.statements)}
    found: dict[str, _TypeDefinition] = {}
    pending = [name for name in wanted if name in definitions]
    while pending:
        definition = definitions[pending.pop()]
        if definition.name in found:
            continue
        found[definition.name] = definition
        pending += [name for name in definition.mentions if name in definitions]
    return tuple(d.source for d in sorted(found.values(), key=lambda d: d.start_byte))


def _type_definitions(statements: Iterable[Node]) -> Iterator[_TypeDefinition]:
    """Module-level classes, `type` statements and assignments (aliases, NewTypes, TypeVars).

    Any module-level assignment qualifies: only those an annotation names are ever picked, and a
    name used in an annotation is a type whatever the right-hand side looks like.
    """
    for statement in statements:
        definition = _unwrap_decorators(statement)
        if definition.type == "class_definition":
            yield _class(statement, definition)
        elif definition.type == "type_alias_statement":
            yield from _type_statement(definition)
        elif definition.type == "expression_statement":
            assignment = definition.named_children[0] if definition.named_children else None
            if assignment is not None and assignment.type == "assignment":
                yield from _alias(definition, assignment)


def _unwrap_decorators(statement: Node) -> Node:
    if statement.type == "decorated_definition":
        return statement.child_by_field_name("definition") or statement
    return statement


def _class(statement: Node, definition: Node) -> _TypeDefinition:
    """A class mentions its bases and every annotation in its body (fields and methods)."""
    annotations = [n for n in syntax.walk(definition) if n.type == "type"]
    bases = definition.child_by_field_name("superclasses")
    return _TypeDefinition(
        name=syntax.text(definition.child_by_field_name("name")),
        source=syntax.text(statement),
        mentions=_names(syntax.text(bases), *(syntax.text(node) for node in annotations)),
        start_byte=statement.start_byte,
    )


def _type_statement(definition: Node) -> Iterator[_TypeDefinition]:
    # tree-sitter wraps both sides of `type X[T] = ...` in `type` nodes; the first holds the name.
    sides = [syntax.text(child) for child in definition.named_children if child.type == "type"]
    name = _NAME.match(sides[0]) if sides else None
    if name is None:
        return
    yield _TypeDefinition(
        name=name.group(),
        source=syntax.text(definition),
        mentions=_names(*sides[1:]),
        start_byte=definition.start_byte,
    )


def _alias(statement: Node, assignment: Node) -> Iterator[_TypeDefinition]:
    target = assignment.child_by_field_name("left")
    value = assignment.child_by_field_name("right")
    if target is None or target.type != "identifier" or value is None:
        return
    yield _TypeDefinition(
        name=syntax.text(target),
        source=syntax.text(statement),
        mentions=_names(syntax.text(value)),
        start_byte=statement.start_byte,
    )


def _relevant_headers(sketch: Sketch, hole: Hole, wanted: frozenset[str]) -> tuple[str, ...]:
    """Every other top-level function, those sharing more type names with the hole first.

    Counting shared names, rather than asking whether any is shared, keeps `int` alone from
    ranking a function as high as one that takes the hole's own `Grid`. The functions a fill
    must not call are left out: those the hole is used in, and every function that calls one of
    them, however indirectly (the entry, most often), since a fill calling them would recurse.
    """
    by_start = {function.span.start_byte: function for function in sketch.functions}
    functions = [
        (node, function)
        for node in _top_level_functions(sketch.statements)
        if (function := by_start.get(node.start_byte)) is not None
    ]
    around = {
        function.name
        for node, function in functions
        if node.start_byte == hole.span.start_byte
        or any(node.start_byte <= use.start_byte < node.end_byte for use in hole.uses)
    }
    recursive = _callers(sketch.calls, around)
    ranked = [
        (len(_types_of(function) & wanted), _header(node))
        for node, function in functions
        if function.name not in recursive
    ]
    # sorted() is stable: functions that share as much stay in source order.
    ranked.sort(key=lambda pair: -pair[0])
    return tuple(header for _, header in ranked[:SKETCH_HEADERS])


def _callers(calls: Mapping[str, frozenset[str]], names: set[str]) -> set[str]:
    """`names`, and every function that calls one of them, directly or through others."""
    found = set(names)
    grown = True
    while grown:
        grown = False
        for name, called in calls.items():
            if name not in found and not called.isdisjoint(found):
                found.add(name)
                grown = True
    return found


def _top_level_functions(statements: Iterable[Node]) -> Iterable[Node]:
    # The recovered statements: a syntax error elsewhere must not hide the sketch's definitions.
    definitions = (_unwrap_decorators(statement) for statement in statements)
    return (node for node in definitions if node.type == "function_definition")


def _types_of(function: Function) -> frozenset[str]:
    return _names(function.returns, *(param.annotation for param in function.params))


def _header(definition: Node) -> str:
    """The function's signature as written, with the first line of its docstring."""
    colon = next((c for c in definition.children if c.type == ":"), None)
    end = colon.end_byte if colon is not None else definition.end_byte
    signature = definition.text[: end - definition.start_byte] if definition.text else b""
    summary = _docstring_summary(definition)
    header = signature.decode("utf-8", errors="replace")
    return f'{header}\n    """{summary}"""' if summary else f"{header} ..."


def _docstring_summary(definition: Node) -> str:
    body = definition.child_by_field_name("body")
    first = body.named_children[0] if body is not None and body.named_children else None
    if first is None or first.type != "expression_statement":
        return ""
    string = first.named_children[0]
    if string.type != "string":
        return ""
    lines = inspect.cleandoc(syntax.string_value(string)).splitlines()
    return lines[0].replace('"""', r"\"\"\"") if lines else ""


def _module_headers(sketch: Sketch, wanted: frozenset[str]) -> tuple[str, ...]:
    """Functions of the imported modules whose signatures mention the hole's types.

    Ranked by how many of the hole's type names they mention, then those the sketch already
    calls, then by name; at most MODULE_HEADERS, so numpy's hundreds never flood a prompt.
    """
    modules = inference.imported_modules(sketch)
    # `np` in `np.ndarray` says where a type lives, not what it is: every numpy signature has it.
    informative = wanted - _UNINFORMATIVE - set(modules.values())
    if not informative:
        return ()
    attributes = syntax.captures("(attribute) @name", sketch.tree.root_node).get("name", [])
    called = {syntax.text(node) for node in attributes}
    ranked = []
    for module, alias in modules.items():
        for function in inference.module_functions(module, alias):
            score = len(function.mentions & informative)
            if score:
                ranked.append((-score, function.qualified_name not in called, function))
    ranked.sort(key=lambda item: (item[0], item[1], item[2].qualified_name))
    return tuple(function.header() for *_, function in ranked[:MODULE_HEADERS])
