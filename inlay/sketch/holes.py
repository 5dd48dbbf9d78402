"""Holes and functions, read from tree-sitter nodes: function holes (a docstring-only body),
inline holes (a call on a description), their parameters, expected types and doctest examples,
and the sketch's entry."""

from __future__ import annotations

import functools
import inspect
import keyword
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple

from tree_sitter import Node

from inlay.sketch import syntax
from inlay.sketch.docstrings import docstring_examples
from inlay.sketch.records import Function, Hole, Param, Span, _function, _hole, _param
from inlay.sketch.scan import _Text

if TYPE_CHECKING:
    from inlay.sketch.parse import _Parses


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
# Around syntax errors a callee may be any node: there, every callee's text counts.
_RECOVERY_QUERY = _SKETCH_QUERY.replace(
    "(call function: (identifier) @callee)", "(call function: (_) @callee)"
)
# After one of these among a call's arguments, which parameter a later one lands on is unknown.
_SPLATS = {"list_splat", "dictionary_splat"}


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
        examples=docstring_examples(name, params, description) if description is not None else (),
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
