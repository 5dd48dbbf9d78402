"""What the model is asked for one hole, and how its code is read back out of the reply.

The hole's context comes from the language core (`inlay.context.hole_context.hole_context`), the
same function that answers the editor's hover and the ChatLSP requests, so the model sees what the
user sees: the expected type, the relevant types and the relevant headers (ChatLSP found the last
two lift a model's pass rate far above the expected type alone).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from inlay.context.hole_context import hole_context
from inlay.sketch import Hole, Sketch
from inlay.sketch.examples import Example, abbreviate
from inlay.sketch.fill import apply_fills
from inlay.synthesis.backends import Message

SYSTEM = (
    "You are an expert Python programmer. You write one missing function of a program. "
    "Reply with exactly one ```python code block holding the complete function definition, "
    "with any imports it needs. Do not change its name or parameters. Write no tests, no "
    "example usage and no explanation."
)

_MAX_EXAMPLES = 6
_MAX_VALUE = 300
_MAX_REJECTIONS = 2  # per hole: the latest, enough to steer away without crowding the prompt
_MAX_CODE = 1200
_FENCE = re.compile(r"```[ \t]*(?:python|py|python3)?[ \t]*\n(.*?)(?:```|\Z)", re.DOTALL)


class NoCode(ValueError):
    """The model's reply held no Python code."""


@dataclass(frozen=True)
class Rejection:
    """Code the user rejected for a hole in an earlier run, and why (may be empty)."""

    hole: str
    code: str
    reason: str = ""


def hole_messages(
    sketch: Sketch,
    hole: Hole,
    examples: Sequence[Example],
    rejected: Sequence[Rejection] = (),
) -> list[Message]:
    """The chat for one hole. `rejected` are the user's rejections (newest first); the latest
    ones for this hole are shown so the model does not write them again."""
    context = hole_context(sketch, hole)
    parts = [
        f"This Python program is missing the function `{hole.name}`:",
        f"```python\n{_program_with_stubs(sketch).strip()}\n```",
    ]
    if context.relevant_types:
        parts.append("Types it uses:\n```python\n" + "\n\n".join(context.relevant_types) + "\n```")
    if context.relevant_headers:
        headers = "\n".join(context.relevant_headers)
        parts.append(f"Functions it can call:\n```python\n{headers}\n```")
    if examples and sketch.entry:
        calls = [_example_line(sketch.entry, example) for example in examples[:_MAX_EXAMPLES]]
        parts.append(f"The program's `{sketch.entry}` must satisfy:\n" + "\n".join(calls))
    expected = (
        f" It must return a value of type `{context.expected_type}`."
        if context.expected_type
        else ""
    )
    mine = [rejection for rejection in rejected if rejection.hole == hole.name]
    for rejection in mine[:_MAX_REJECTIONS]:
        reason = rejection.reason.strip() or "no reason given"
        parts.append(
            f"The user rejected this version of `{hole.name}` ({_short(reason)}); write a "
            f"different one:\n```python\n{_short_code(rejection.code)}\n```"
        )
    stub = f'{context.signature()}\n    """{hole.description}"""\n'
    parts.append(f"Write `{hole.name}`.{expected} Start from:\n```python\n{stub}```")
    return [Message("system", SYSTEM), Message("user", "\n\n".join(parts))]


def _program_with_stubs(sketch: Sketch) -> str:
    """The sketch with each inline hole shown as the stub function it will become."""
    stubs = {hole.name: hole.stub() + "    ...\n" for hole in sketch.holes if hole.kind == "inline"}
    return apply_fills(sketch, stubs) if stubs else sketch.source


def _example_line(entry: str, example: Example) -> str:
    args = ", ".join(_short(repr(arg)) for arg in example.args)
    return f"{entry}({args}) == {_short(repr(example.output))}"


def _short_code(code: str) -> str:
    return abbreviate(code.strip(), _MAX_CODE, tail="\n...")


def _short(text: str) -> str:
    return abbreviate(text, _MAX_VALUE)


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
