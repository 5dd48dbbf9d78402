"""Checks that cost no sandbox run: a fill that cannot work, and examples that cannot be called.

A fill is refused before it runs when it does not parse, does not define the hole's function,
takes a number of arguments the hole is not called with, or uses a name that is defined nowhere
(pyflakes, over the filled program: only names the fill itself leaves undefined count, so a
sketch that leans on names of its environment is not held against its fills).
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pyflakes import checker, messages
from tree_sitter import Node

from inlay.sketch import Hole, Sketch
from inlay.sketch.examples import Example


class SketchProblem(ValueError):
    """The sketch (or its examples) cannot be filled as it stands; the message tells the user
    why."""


@dataclass(frozen=True)
class Arity:
    """How many positional arguments a function takes."""

    required: int
    most: int | None  # None: any number (*args)

    def accepts(self, count: int) -> bool:
        return self.required <= count and (self.most is None or count <= self.most)

    def describe(self) -> str:
        if self.most is None:
            return f"at least {self.required}"
        if self.most == self.required:
            return str(self.required)
        return f"{self.required} to {self.most}"


def check_fill(hole: Hole, code: str) -> str | None:
    """Why `code` cannot fill `hole` (a sentence for the user), or None."""
    try:
        module = ast.parse(code)
    except SyntaxError as error:
        return f"The code does not parse: {error.msg} (line {error.lineno})."
    functions = [
        node
        for node in module.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == hole.name
    ]
    if not functions:
        return f"The code defines no function `{hole.name}`."
    arity = _ast_arity(functions[-1].args)
    if not arity.accepts(len(hole.params)):
        return (
            f"`{hole.name}` takes {arity.describe()} arguments, but the sketch calls it with "
            f"{len(hole.params)}."
        )
    return None


def undefined_names(program: str, baseline: frozenset[str]) -> str | None:
    """Why the filled program cannot run for want of a name (a sentence), or None. `baseline` is
    `names_undefined` of the sketch with stubs: those names are the sketch's own affair."""
    try:
        missing = names_undefined(program) - baseline
    except SyntaxError:
        return None  # the run says what is wrong, with the line
    if not missing:
        return None
    listed = ", ".join(f"`{name}`" for name in sorted(missing))
    return f"The code uses names that are defined nowhere: {listed}."


def names_undefined(program: str) -> frozenset[str]:
    """The names pyflakes finds used and never defined in `program`. SyntaxError if it does not
    parse."""
    tree = ast.parse(program)
    found = checker.Checker(tree, filename="sketch.py")
    return frozenset(
        str(message.message_args[0])
        for message in found.messages
        if isinstance(message, messages.UndefinedName)
    )


def entry_arity(sketch: Sketch) -> Arity | None:
    """How many arguments the entry takes, read from its parameters as written."""
    entry = sketch.function(sketch.entry) if sketch.entry else None
    if entry is None:
        return None
    try:
        node = sketch.node_at(entry.span.start_byte, entry.span.end_byte, "function_definition")
    except LookupError:
        return None
    return _node_arity(node.child_by_field_name("parameters"))


def check_examples(sketch: Sketch, examples: Sequence[Example]) -> None:
    """SketchProblem for the first example the entry cannot be called with."""
    arity = entry_arity(sketch)
    if arity is None:
        return
    for number, example in enumerate(examples, start=1):
        if not arity.accepts(len(example.args)):
            given = len(example.args)
            raise SketchProblem(
                f"Example {number} gives {given} argument{'s' * (given != 1)}, but "
                f"`{sketch.entry}` takes {arity.describe()}: fix the example or the entry's "
                "parameters."
            )


def check_hole_examples(holes: Sequence[Hole], examples: Mapping[str, Sequence[Example]]) -> None:
    """SketchProblem for the first example of a hole (by hole name) that the hole is not called
    with as many arguments as it gives."""
    for hole in holes:
        for number, example in enumerate(examples.get(hole.name, ()), start=1):
            if len(example.args) != len(hole.params):
                given, takes = len(example.args), len(hole.params)
                raise SketchProblem(
                    f"Example {number} of `{hole.name}` gives {given} argument"
                    f"{'s' * (given != 1)}, but the hole takes {takes}: fix or delete it."
                )


def _ast_arity(arguments: ast.arguments) -> Arity:
    positional = [*arguments.posonlyargs, *arguments.args]
    required = len(positional) - len(arguments.defaults)
    return Arity(required, None if arguments.vararg else len(positional))


def _node_arity(parameters: Node | None) -> Arity:
    required = optional = 0
    star = False
    for parameter in parameters.named_children if parameters is not None else []:
        kind = parameter.type
        if kind == "typed_parameter" and parameter.named_children:
            inner = parameter.named_children[0].type
            kind = inner if inner.endswith("splat_pattern") else kind
        if kind in ("keyword_separator", "dictionary_splat_pattern"):
            break  # what follows is keyword-only
        if kind == "list_splat_pattern":
            star = True
            break
        if kind in ("default_parameter", "typed_default_parameter"):
            optional += 1
        elif kind in ("identifier", "typed_parameter"):
            required += 1
    return Arity(required, None if star else required + optional)


__all__ = [
    "Arity",
    "SketchProblem",
    "check_examples",
    "check_fill",
    "check_hole_examples",
    "entry_arity",
    "names_undefined",
    "undefined_names",
]
