"""What the model is asked for one hole, and how its code is read back out of the reply.

The hole's context comes from the language core (`inlay.context.hole_context.hole_context`), the
same function that answers the editor's hover and the ChatLSP requests, so the model sees what the
user sees: the expected type, the relevant types and the relevant headers (ChatLSP found the last
two lift a model's pass rate far above the expected type alone).

A prompt carries the hole's neighbourhood, not the whole file: the module's short top-level
statements (imports, constants), the function the hole sits in, the functions that call it and
the entry, each cut to a header when long, within `CONTEXT_CHARS` in all. So a sketch of any
size fills, and the model reads what bears on the hole.

Where the backend continues a reply (`ModelBackend.continues_replies`), the reply is begun for
the model with the hole's signature and docstring (`Prompt.prefix`): it writes only the body,
and no tokens go to repeating the docstring.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from inlay.context.hole_context import HoleContext, hole_context
from inlay.sketch import Function, Hole, Sketch, parse_sketch
from inlay.sketch.examples import (
    Example,
    ExampleError,
    abbreviate,
    among,
    call_at,
    parse_arguments,
)
from inlay.sketch.fill import apply_fills
from inlay.sketch.prelude import prelude_needed
from inlay.synthesis.backends import Message

SYSTEM = (
    "You are an expert Python programmer. You write one missing function of a program. "
    "Reply with exactly one ```python code block holding the complete function definition, "
    "with any imports it needs. Do not change its name or parameters. Write no tests, no "
    "example usage and no explanation."
)

# About 1,700 tokens of context: with the reply, well inside the local model's 4,096.
CONTEXT_CHARS = 6000
_FUNCTION_CHARS = 1500  # a neighbouring function longer than this is shown by its header
_STATEMENT_CHARS = 300  # a top-level statement (an import, a constant) longer than this is left out
_MAX_EXAMPLES = 6
_MAX_VALUE = 300
_MAX_TYPES_CHARS = 1500
_MAX_HEADERS = 8
_MAX_REJECTIONS = 2  # per hole: the latest, enough to steer away without crowding the prompt
_MAX_CODE = 1200
_INPUTS_ASKED = 8
_FENCE = re.compile(r"```[ \t]*(?:python|py|python3)?[ \t]*\n(.*?)(?:```|\Z)", re.DOTALL)
_DEF_NAME = re.compile(r"\s*(?:async\s+)?def\s+(\w+)")
# A line at the left margin that can belong to a module of functions; any other (a print, an
# assert, `if __name__`) starts what the model was told not to write.
_TOP_LEVEL_CODE = re.compile(r"(?:def |async def |class |import |from |@|#|\s|$)")


class NoCode(ValueError):
    """The model's reply held no Python code."""


@dataclass(frozen=True)
class Rejection:
    """Code the user rejected for a hole in an earlier run, and why (may be empty)."""

    hole: str
    code: str
    reason: str = ""


@dataclass(frozen=True)
class Prompt:
    messages: list[Message]
    # The code the reply is begun with (the hole's signature and docstring), "" when the reply
    # is to be a whole function.
    prefix: str = ""


def hole_prompt(
    sketch: Sketch,
    hole: Hole,
    examples: Sequence[Example],
    rejected: Sequence[Rejection] = (),
    *,
    own_examples: Sequence[Example] = (),
    prefill: bool = False,
    context: HoleContext | None = None,
) -> Prompt:
    """The chat for one hole. `examples` are the entry's, `own_examples` the hole's own (those
    in its docstring are shown there already); `rejected` are the user's rejections, newest
    first, of which the latest for this hole are shown so the model does not write them again."""
    context = context or hole_context(sketch, hole)
    parts = [f"This Python program is missing the function `{hole.name}`."]
    around = neighbourhood(sketch, hole)
    # The environment's names the sketch leans on (inlay.sketch.prelude), said as code.
    environment = "\n".join(statement.code for statement in prelude_needed(sketch.source))
    around = "\n\n".join(part for part in (environment, around) if part)
    if around:
        parts.append(f"The rest of the program:\n```python\n{around}\n```")
    types = _capped(context.relevant_types, _MAX_TYPES_CHARS)
    if types:
        parts.append("Types it uses:\n```python\n" + "\n\n".join(types) + "\n```")
    headers = [h for h in context.relevant_headers if _names_sketch_function(sketch, h)]
    if headers:
        listed = "\n".join(headers[:_MAX_HEADERS])
        parts.append(f"Functions it can call:\n```python\n{listed}\n```")
    shown_own = [example for example in own_examples if not among(example, hole.examples)]
    if shown_own:
        calls = [_example_line(hole.name, example) for example in shown_own[:_MAX_EXAMPLES]]
        parts.append(f"`{hole.name}` must satisfy:\n" + "\n".join(calls))
    if examples and sketch.entry and sketch.entry != hole.name:
        calls = [_example_line(sketch.entry, example) for example in examples[:_MAX_EXAMPLES]]
        parts.append(f"The program's `{sketch.entry}` must satisfy:\n" + "\n".join(calls))
    mine = [rejection for rejection in rejected if rejection.hole == hole.name]
    for rejection in mine[:_MAX_REJECTIONS]:
        reason = rejection.reason.strip() or "no reason given"
        parts.append(
            f"The user rejected this version of `{hole.name}` ({_short(reason)}); write a "
            f"different one:\n```python\n{_short_code(rejection.code)}\n```"
        )
    expected = (
        f" It must return a value of type `{context.expected_type}`."
        if context.expected_type
        else ""
    )
    stub = hole_stub(sketch, hole, context)
    if prefill:
        parts.append(f"Complete `{hole.name}`.{expected}\n```python\n{stub}```")
        return Prompt(
            [Message("system", SYSTEM), Message("user", "\n\n".join(parts)), _begun(stub)],
            prefix=stub,
        )
    parts.append(f"Write `{hole.name}`.{expected} Start from:\n```python\n{stub}```")
    return Prompt([Message("system", SYSTEM), Message("user", "\n\n".join(parts))])


def hole_messages(
    sketch: Sketch,
    hole: Hole,
    examples: Sequence[Example],
    rejected: Sequence[Rejection] = (),
) -> list[Message]:
    """The chat for one hole, for a reply that is a whole function."""
    return hole_prompt(sketch, hole, examples, rejected).messages


def inputs_prompt(sketch: Sketch, entry: str, *, prefill: bool = False) -> Prompt:
    """The chat asking for calls of the entry to try candidates on, where the sketch has no
    examples (CodeT asks the model for tests; only the inputs are used here, never outputs)."""
    function = sketch.function(entry)
    hole = next((each for each in sketch.holes if each.name == entry), None)
    shown = hole_stub(sketch, hole) if hole is not None else _function_text(sketch, function)
    asked = (
        f"Here is a Python function:\n```python\n{shown.strip()}\n```\n\n"
        f"Write {_INPUTS_ASKED} different calls of `{entry}` with literal arguments that a "
        "careful tester would try, including edge cases, one per line. Write only the calls."
    )
    messages = [Message("system", "You are an expert Python tester."), Message("user", asked)]
    if prefill:
        return Prompt([*messages, Message("assistant", f"```python\n{entry}(")], f"{entry}(")
    return Prompt(messages)


def read_calls(reply: str, name: str) -> list[tuple[Any, ...]]:
    """The literal arguments of each call of `name` in a reply, in order, each set once."""
    found: list[tuple[Any, ...]] = []
    for line in reply.split("\n"):
        start = line.find(f"{name}(")
        while start != -1:
            call = call_at(line, start, name)
            if call is not None:
                try:
                    args = parse_arguments(call[len(name) + 1 : -1])
                except ExampleError:
                    args = None
                if args is not None and args not in found:
                    found.append(args)
            start = line.find(f"{name}(", start + 1)
    return found


def _function_text(sketch: Sketch, function: Function | None) -> str:
    if function is None:
        return ""
    data = sketch.source.encode("utf-8", errors="surrogatepass")
    text = data[function.span.start_byte : function.span.end_byte].decode("utf-8", "replace")
    return _header_only(text) if len(text) > _FUNCTION_CHARS else text


def repair_prompt(prompt: Prompt, code: str, failure: str) -> Prompt:
    """The chat that asks for `code` again, corrected: `failure` says, with the values that ran,
    what it did wrong (LDB's finding: the runtime values, not the error alone)."""
    first = prompt.messages[:2]
    asked = (
        f"This version is wrong:\n```python\n{_short_code(code)}\n```\n\n{failure}\n\n"
        "Write a corrected version."
    )
    messages = [
        *first,
        Message("assistant", f"```python\n{code.strip()}\n```"),
        Message("user", asked),
    ]
    if prompt.prefix:
        return Prompt([*messages, _begun(prompt.prefix)], prompt.prefix)
    return Prompt(messages)


def hole_stub(sketch: Sketch, hole: Hole, context: HoleContext | None = None) -> str:
    """The hole as the function a fill must be: a function hole's header and docstring as the
    user wrote them; an inline hole's signature (with inferred types) and its description."""
    if hole.kind == "function":
        written = _function_head(sketch, hole)
        if written is not None:
            return written
    signature = (context or hole_context(sketch, hole)).signature()
    description = hole.description.replace('"""', r"\"\"\"")
    return f'{signature}\n    """{description}"""\n'


def complete_function(prompt: Prompt, reply: str) -> str:
    """The code of a reply: the prefix and what the model wrote after it, or, for a reply that is
    a whole function, its first fenced block defining a function (or the bare code)."""
    if not prompt.prefix:
        return extract_code(reply)
    body = reply_end(reply)
    if not body.strip():
        raise NoCode("The model's reply ended before the function's body.")
    return prompt.prefix + body.rstrip() + "\n"


def reply_end(reply: str) -> str:
    """A continued reply up to its end: the closing fence, or the first line at the margin that
    cannot belong to the function and its helpers."""
    fence = reply.find("```")
    if fence != -1:
        reply = reply[:fence]
    lines = reply.split("\n")
    for number, line in enumerate(lines):
        if number and not _TOP_LEVEL_CODE.match(line):
            return "\n".join(lines[:number])
    return reply


def reply_done(reply: str) -> bool:
    """Whether a continued reply, as streamed so far, has reached its end (see `reply_end`)."""
    if "```" in reply:
        return True
    complete = reply[: reply.rfind("\n") + 1]
    return reply_end(complete) != complete


def extract_code(reply: str) -> str:
    """The Python code in a model's reply: its first fenced block defining a function, or the
    reply itself when it is bare code."""
    blocks = [block for block in _FENCE.findall(reply) if "def " in block]
    if blocks:
        return str(blocks[0]).strip() + "\n"
    start = re.search(r"^(?:from |import |def )", reply, re.MULTILINE)
    if start is None:
        raise NoCode("The model's reply contained no Python function.")
    return reply[start.start() :].strip() + "\n"


def neighbourhood(sketch: Sketch, hole: Hole) -> str:
    """The code around the hole that a prompt shows (see the module's docstring), in source order,
    the hole itself left out (the reply begins with it)."""
    has_inline = any(each.kind == "inline" for each in sketch.holes)
    program = _program_with_stubs(sketch)
    stubbed = parse_sketch(program) if has_inline else sketch
    data = program.encode("utf-8", errors="surrogatepass")
    wanted = _near(stubbed, hole)
    pieces: list[tuple[int, str]] = []
    for statement in stubbed.statements:
        node = statement
        if node.type == "decorated_definition":
            node = node.child_by_field_name("definition") or node
        text = data[statement.start_byte : statement.end_byte].decode("utf-8", "replace")
        if node.type in ("function_definition", "class_definition"):
            name_node = node.child_by_field_name("name")
            name = name_node.text.decode() if name_node and name_node.text else ""
            if node.type == "class_definition" or name == hole.name or name not in wanted:
                continue  # classes come as relevant types, other functions as headers
            if len(text) > _FUNCTION_CHARS:
                text = _header_only(text)
        elif len(text) > _STATEMENT_CHARS:
            continue
        pieces.append((statement.start_byte, text.rstrip()))
    shown, used = [], 0
    for _, text in sorted(pieces):
        if used + len(text) > CONTEXT_CHARS:
            text = _header_only(text)
            if used + len(text) > CONTEXT_CHARS:
                continue
        shown.append(text)
        used += len(text) + 2
    return "\n\n".join(shown)


def _near(sketch: Sketch, hole: Hole) -> set[str]:
    """The functions a prompt shows whole: the one holding the hole, those that call the hole or
    that function, and the entry."""
    holding = {
        function.name
        for function in sketch.functions
        if any(
            function.span.start_byte <= use.start_byte < function.span.end_byte for use in hole.uses
        )
    }
    targets = holding | {hole.name}
    callers = {name for name, called in sketch.calls.items() if not called.isdisjoint(targets)}
    return holding | callers | ({sketch.entry} if sketch.entry else set())


def _function_head(sketch: Sketch, hole: Hole) -> str | None:
    """A function hole's text from `def` to the end of its docstring, as written."""
    data = sketch.source.encode("utf-8", errors="surrogatepass")
    try:
        node = sketch.node_at(hole.span.start_byte, hole.span.end_byte, "function_definition")
    except LookupError:
        return None
    body = node.child_by_field_name("body")
    first = body.named_children[0] if body is not None and body.named_children else None
    if first is None or first.type != "expression_statement":
        return None
    start = node.start_byte
    # The line's indentation before `def`, for a method or nested function read as a hole.
    line_start = data.rfind(b"\n", 0, start) + 1
    head = data[line_start : first.end_byte].decode("utf-8", "replace")
    if line_start < start and data[line_start:start].strip():
        return None
    return _dedent_head(head) + "\n"


def _dedent_head(head: str) -> str:
    lines = head.split("\n")
    indent = len(lines[0]) - len(lines[0].lstrip())
    return "\n".join(line[indent:] if line[:indent].isspace() else line for line in lines)


def _begun(stub: str) -> Message:
    return Message("assistant", f"```python\n{stub}")


def _program_with_stubs(sketch: Sketch) -> str:
    """The sketch with each inline hole shown as the stub function it will become."""
    stubs = {hole.name: hole.stub() + "    ...\n" for hole in sketch.holes if hole.kind == "inline"}
    return apply_fills(sketch, stubs) if stubs else sketch.source


def _header_only(text: str) -> str:
    """A function's text cut to its signature line(s), marked as cut."""
    lines = text.split("\n")
    for number, line in enumerate(lines):
        if line.rstrip().endswith(":"):
            return "\n".join(lines[: number + 1]) + "\n    ..."
    return lines[0] + " ..."


def _names_sketch_function(sketch: Sketch, header: str) -> bool:
    found = _DEF_NAME.match(header)
    return found is not None and sketch.function(found.group(1)) is not None


def _capped(items: Sequence[str], limit: int) -> list[str]:
    kept, used = [], 0
    for item in items:
        if used + len(item) > limit:
            break
        kept.append(item)
        used += len(item)
    return kept


def _example_line(entry: str, example: Example) -> str:
    args = ", ".join(_short(repr(arg)) for arg in example.args)
    return f"{entry}({args}) == {_short(repr(example.output))}"


def _short_code(code: str) -> str:
    return abbreviate(code.strip(), _MAX_CODE, tail="\n...")


def _short(text: str) -> str:
    return abbreviate(text, _MAX_VALUE)
