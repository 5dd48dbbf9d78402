"""Refactorings on holes, as the language server's code actions offer them.

Each takes a parsed sketch and returns the sketch's new text; `line_edits` turns old and new text
into the few whole-line replacements an editor applies, so the cursor and undo history of lines
that did not change are left alone.

- `extract`: an inline hole `"reverse the list"(xs)` becomes a function hole
  `def reverse_the_list(xs: list[int]) -> list[int]:` with the description as its docstring,
  defined before the top-level statement that first uses it; every use calls it by name. The
  examples the user gave the inline hole outside the text (`given`) become its doctest lines.
- `inline`: the way back, for a function hole that the sketch calls.
- `add_example`: a doctest line (`>>> name(args)` then the expected output) in the hole's
  docstring, from a traced call when there is one, else with the parameter names and `...` as
  placeholders to replace. An inline hole is extracted first: examples live in docstrings.
- `change_example`: one of a function hole's doctest examples rewritten, or removed.
- `decompose`: a function hole's body becomes two inline sub-holes, the second applied to the
  first's result, to be described by the user.
"""

from __future__ import annotations

import difflib
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from tree_sitter import Node

from inlay.context.facts import GivenExample, TracedCall
from inlay.sketch import Hole, Sketch, parse_sketch, syntax
from inlay.sketch.docstrings import doctest_lines

_INDENT = "    "
_CALLS = "(call function: (identifier) @callee)"


class ActionError(ValueError):
    """The action does not apply to this hole; the message says why."""


@dataclass(frozen=True)
class LineEdit:
    """Replace lines `start` up to (not including) `end`, 0-based, with `text`."""

    start: int
    end: int
    text: str


def line_edits(old: str, new: str) -> list[LineEdit]:
    before, after = _lines(old), _lines(new)
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    return [
        LineEdit(i1, i2, "".join(after[j1:j2]))
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
    ]


def _lines(text: str) -> list[str]:
    """Lines ended by `\\n` only, each keeping its ending, as the server counts lines."""
    lines = [f"{line}\n" for line in text.split("\n")]
    lines[-1] = lines[-1][:-1]
    return lines if lines[-1] else lines[:-1]


def extract(sketch: Sketch, hole: Hole, signature: str, given: Sequence[GivenExample] = ()) -> str:
    """`signature` is the stub's `def` line: the hole's, or one with inferred types filled in."""
    if hole.kind != "inline":
        raise ActionError(f"`{hole.name}` is already a function hole.")
    docstring = _quoted(hole.description, '"""')
    stub = f"{signature}\n{_INDENT}{docstring}\n\n\n"
    edits = [(_top_level(sketch, hole.span.start_byte).start_byte, 0, stub)]
    for use in hole.uses:
        callee = _call(sketch, use.start_byte, use.end_byte).child_by_field_name("function")
        assert callee is not None
        edits.append((use.start_byte, callee.end_byte - use.start_byte, hole.name))
    text = _apply(sketch.source, edits)
    for example in given:
        extracted = parse_sketch(text)
        call = TracedCall(args=(), literals=(example.args,), result_literal=example.output)
        text = add_example(extracted, extracted.hole(hole.name), signature, call)
    return text


def inline(sketch: Sketch, hole: Hole) -> str:
    if hole.kind != "function":
        raise ActionError(f"`{hole.name}` is already an inline hole.")
    calls = [
        node
        for node in syntax.captures(_CALLS, sketch.tree.root_node).get("callee", [])
        if syntax.text(node) == hole.name
    ]
    if not calls:
        raise ActionError(f"`{hole.name}` is never called: as an inline hole it would vanish.")
    if not hole.description:
        raise ActionError(f"`{hole.name}` has no docstring to become its description.")
    description = _quoted(" ".join(hole.description.split()), '"')
    definition = _top_level(sketch, hole.span.start_byte)
    end = _next_statement_start(sketch, definition)
    edits = [(node.start_byte, node.end_byte - node.start_byte, description) for node in calls]
    edits.append((definition.start_byte, end - definition.start_byte, ""))
    return _apply(sketch.source, edits)


def add_example(
    sketch: Sketch,
    hole: Hole,
    signature: str,
    traced: TracedCall | None = None,
    given: Sequence[GivenExample] = (),
) -> str:
    if hole.kind == "inline":
        if traced is not None and traced.literals is not None:
            same = GivenExample(", ".join(traced.literals), traced.result_literal or "...")
            given = [example for example in given if example != same]
        extracted = parse_sketch(extract(sketch, hole, signature, given))
        return add_example(extracted, extracted.hole(hole.name), signature, traced)
    literals = traced.literals if traced is not None else None
    args = ", ".join(literals if literals is not None else [p.name for p in hole.params])
    written = traced.result_literal if traced is not None and literals is not None else None
    output = written if written is not None else "..."
    definition = sketch.node_at(hole.span.start_byte, hole.span.end_byte, "function_definition")
    body = definition.child_by_field_name("body")
    assert body is not None
    indent = " " * body.start_point.column
    example = _doctest(hole.name, args, output)
    docstring = _docstring(body)
    if docstring is None:
        text = f'"""{example}\n"""'.replace("\n", f"\n{indent}")
        return _apply(sketch.source, [(body.start_byte, 0, f"{text}\n{indent}")])
    written = textwrap.dedent(_indented_tail(syntax.string_value(docstring))).strip("\n")
    lines = f"{written}\n\n{example}\n" if written.strip() else f"{example}\n"
    text = '"""' + textwrap.indent(lines, indent).lstrip(" ") + indent + '"""'
    return _apply(
        sketch.source, [(docstring.start_byte, docstring.end_byte - docstring.start_byte, text)]
    )


def change_example(
    sketch: Sketch, hole: Hole, number: int, replacement: GivenExample | None = None
) -> str:
    """The function hole's `number`th doctest example (counted from 0, among the doctest lines
    that call the hole) rewritten as `replacement`, or removed with the blank line that set it
    apart when there is none."""
    if hole.kind != "function":
        raise ActionError(f"`{hole.name}` is an inline hole: its examples are not in the text.")
    definition = sketch.node_at(hole.span.start_byte, hole.span.end_byte, "function_definition")
    body = definition.child_by_field_name("body")
    assert body is not None
    docstring = _docstring(body)
    written = (
        textwrap.dedent(_indented_tail(syntax.string_value(docstring))).strip("\n")
        if docstring is not None
        else ""
    )
    found = doctest_lines(hole.name, written)
    if docstring is None or not 0 <= number < len(found):
        raise ActionError(f"`{hole.name}` has no doctest example {number + 1} now.")
    _, start, end = found[number]
    lines = written.split("\n")
    if replacement is not None:
        lines[start:end] = _doctest(hole.name, replacement.args, replacement.output).split("\n")
    else:
        if end < len(lines) and not lines[end].strip():
            end += 1
        elif start > 0 and not lines[start - 1].strip():
            start -= 1
        del lines[start:end]
    indent = " " * body.start_point.column
    rest = "\n".join(lines).strip("\n")
    if "\n" in rest:
        text = '"""' + textwrap.indent(f"{rest}\n", indent).lstrip(" ") + indent + '"""'
    else:  # back to one line, as a docstring with no example is written
        text = f'"""{rest}"""'
    return _apply(
        sketch.source, [(docstring.start_byte, docstring.end_byte - docstring.start_byte, text)]
    )


def _doctest(name: str, args: str, output: str) -> str:
    """A doctest example: a call written over several lines continues with `...`, and a blank
    line in the output (which would end it) is dropped."""
    first, *rest = f"{name}({args})".split("\n")
    source = [f">>> {first}", *(f"... {line}" for line in rest)]
    return "\n".join(source + [line for line in output.split("\n") if line.strip()])


def decompose(sketch: Sketch, hole: Hole) -> str:
    if hole.kind != "function":
        raise ActionError(f"Extract `{hole.name}` into a function hole before decomposing it.")
    definition = sketch.node_at(hole.span.start_byte, hole.span.end_byte, "function_definition")
    body = definition.child_by_field_name("body")
    assert body is not None
    indent = " " * body.start_point.column
    args = ", ".join(param.name for param in hole.params)
    steps = [
        f'step_1 = "step 1 of {hole.name}"({args})',
        f'return "step 2 of {hole.name}"(step_1)',
    ]
    docstring = _docstring(body)
    start = docstring.end_byte if docstring is not None else body.start_byte
    text = "".join(f"\n{indent}{step}" for step in steps)
    if docstring is None:
        text = text.lstrip("\n").lstrip(" ")
    return _apply(sketch.source, [(start, body.end_byte - start, text)])


def _apply(source: str, edits: list[tuple[int, int, str]]) -> str:
    """Byte-offset edits (start, length, text), applied from the end so offsets stay valid."""
    data = source.encode("utf-8", errors="surrogatepass")
    for start, length, text in sorted(edits, key=lambda edit: edit[0], reverse=True):
        data = data[:start] + text.encode("utf-8") + data[start + length :]
    return data.decode("utf-8", errors="surrogatepass")


def _quoted(text: str, quote: str) -> str:
    """`text`, as written in the sketch (its escapes already in place), between `quote`s: only
    the quotes that would end the string early get a backslash."""
    if quote == '"""':
        escaped = text.replace('"""', '\\"""')
        escaped = escaped[:-1] + '\\"' if escaped.endswith('"') else escaped
    else:
        escaped = re.sub(r'(?<!\\)"', r'\\"', text)
    return f"{quote}{escaped}{quote}"


def _call(sketch: Sketch, start: int, end: int) -> Node:
    return sketch.node_at(start, end, "call")


def _top_level(sketch: Sketch, byte: int) -> Node:
    """The top-level statement (decorators included) holding `byte`."""
    node = sketch.tree.root_node.descendant_for_byte_range(byte, byte)
    assert node is not None
    while node.parent is not None and node.parent.type != "module":
        node = node.parent
    return node


def _next_statement_start(sketch: Sketch, statement: Node) -> int:
    following = statement.next_named_sibling
    return following.start_byte if following is not None else len(sketch.source.encode())


def _docstring(body: Node) -> Node | None:
    first = body.named_children[0] if body.named_children else None
    if first is None or first.type != "expression_statement":
        return None
    string = first.named_children[0] if first.named_children else None
    return string if string is not None and string.type == "string" else None


def _indented_tail(text: str) -> str:
    """A docstring's first line is never indented, the rest is: indent it like the rest."""
    first, _, rest = text.partition("\n")
    indents = [len(line) - len(line.lstrip()) for line in rest.splitlines() if line.strip()]
    return " " * min(indents, default=0) + first.lstrip() + ("\n" + rest if rest else "")
