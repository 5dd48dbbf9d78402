"""The examples written in a function's docstring, in the notations people write them in.

A function's examples are its own specification: the engine tests each sample of a function hole
on them alone, before any whole-program run, and ranks the samples that pass. So every example
the author wrote should be read, whichever of the common notations it is in:

- doctest lines: `>>> name(args)` and the value on the next lines (nothing for None), or
  `>>> name(args) == value`, which doctest shows as `True`;
- a line that states a call's value: `name(args)`, then `==`, `==>`, `->`, `=>`, `➞`, `→`,
  `returns` or `should return` (each also after a `#`), then the value; the line may begin with
  a list bullet (`*`, `-`, `•`);
- an `Input:` line and the `Output:` line after it, the input written as the call's arguments
  (`[4, 2, 3]`, `3, 4`) or by parameter name (`arr = [1, 2], k = 3`);
- `For name = value, ... the output (or result) should be value.`, by parameter name.

A value is a Python literal (or JSON), optionally followed by a `#` comment; an argument by name
must be a parameter of the function, and all of them must be given. Anything else (a call of
another function, a value computed in prose) is only text: a line is read as an example only
where it says unambiguously what the call returns.
"""

from __future__ import annotations

import ast
import doctest
import re
from typing import Any

from inlay.sketch.examples import Example, ExampleError, call_at, parse_arguments, parse_value
from inlay.sketch.records import Param

__all__ = ["docstring_examples", "doctest_lines"]


def docstring_examples(name: str, params: tuple[Param, ...], text: str) -> tuple[Example, ...]:
    """Every example of `name` that the docstring's `text` writes, doctest lines first, each
    once."""
    examples = [example for example, _, _ in doctest_lines(name, text)]
    for example in _stated(name, params, text):
        if example not in examples:
            examples.append(example)
    return tuple(examples)


def doctest_lines(name: str, text: str) -> list[tuple[Example, int, int]]:
    """The doctest examples of `name` in a docstring's text, each with the lines it takes
    (`>>>` line to the end of its expected value, as a range of line numbers)."""
    if ">>>" not in text:  # no doctest line (and most docstrings have none)
        return []
    try:
        tests = doctest.DocTestParser().get_examples(text)
    except ValueError:  # an inconsistently indented doctest block: no examples to read
        return []
    found = []
    for test in tests:
        example = _doctest_example(name, test)
        if example is not None:
            end = test.lineno + test.source.count("\n") + test.want.count("\n")
            found.append((example, test.lineno, end))
    return found


def _doctest_example(name: str, test: doctest.Example) -> Example | None:
    source = test.source.strip()
    try:
        tree = ast.parse(source, mode="eval").body
    except SyntaxError:
        return None
    want = test.want.strip()
    if isinstance(tree, ast.Compare):  # `>>> name(args) == value`, shown as True
        if not (len(tree.ops) == 1 and isinstance(tree.ops[0], ast.Eq)) or want not in {"", "True"}:
            return None
        call, stated = tree.left, ast.get_source_segment(source, tree.comparators[0])
    else:
        call, stated = tree, None
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)):
        return None
    if call.func.id != name or call.keywords:
        return None
    arguments = ast.get_source_segment(source, call)
    assert arguments is not None
    try:
        if stated is not None:
            output = parse_value(stated)
        else:  # doctest shows nothing for a call that returns None
            output = parse_value(test.want) if want else None
        return Example(parse_arguments(arguments[len(name) :].strip()[1:-1]), output)
    except ExampleError:
        return None


# What may stand between a call and the value it is stated to have, outside doctest lines.
_STATED = re.compile(
    r"\s*#?\s*(?:==>|-->|==|->|=>|➞|→|should\s+return|returns|return)\s*(.+?)\s*[.,;]?\s*$"
)
_BULLET = re.compile(r"(?:[*\-•]\s+)?")
_INPUT = re.compile(r"input\s*:\s*(.+)$", re.IGNORECASE)
_OUTPUT = re.compile(r"output\s*:\s*(.+?)\s*[.,;]?\s*$", re.IGNORECASE)
_FOR = re.compile(
    r"for\s+(.+?),?\s+the\s+(?:output|result|answer)\s+(?:should\s+be|will\s+be|is)\s+(.+?)\s*[.;]?\s*$",
    re.IGNORECASE,
)
# How many lines after an `Input:` line its `Output:` line may come.
_OUTPUT_WITHIN = 3


def _stated(name: str, params: tuple[Param, ...], text: str) -> list[Example]:
    lines = [line.strip() for line in text.splitlines()]
    found = []
    for number, line in enumerate(lines):
        example = None
        line = line[_BULLET.match(line).end() :]  # type: ignore[union-attr]
        if line.startswith(f"{name}("):
            example = _stated_call(name, line)
        elif (given := _INPUT.match(line)) is not None:
            for later in lines[number + 1 : number + 1 + _OUTPUT_WITHIN]:
                if (output := _OUTPUT.match(later)) is not None:
                    example = _example(params, given.group(1), output.group(1))
                    break
        elif (stated := _FOR.match(line)) is not None:
            example = _example(params, stated.group(1), stated.group(2), by_name_only=True)
        if example is not None:
            found.append(example)
    return found


def _stated_call(name: str, line: str) -> Example | None:
    call = call_at(line, 0, name)
    if call is None:
        return None
    stated = _STATED.match(line, len(call))
    if stated is None:
        return None
    try:
        return Example(parse_arguments(call[len(name) + 1 : -1]), _value(stated.group(1)))
    except ExampleError:
        return None


def _example(
    params: tuple[Param, ...], arguments: str, output: str, *, by_name_only: bool = False
) -> Example | None:
    """The example of arguments written as a call's (or by parameter name) and an output."""
    try:
        args = _by_name(params, arguments)
        if args is None:
            if by_name_only:
                return None
            args = parse_arguments(_uncommented(arguments))
            if len(args) != len(params):
                return None
        return Example(args, _value(output))
    except ExampleError:
        return None


def _by_name(params: tuple[Param, ...], text: str) -> tuple[Any, ...] | None:
    """Arguments written as `name = value, ...`, one for each parameter, in the parameters'
    order; None where the text is not written that way."""
    written = f"f({_uncommented(text)})"
    try:
        call = ast.parse(written, mode="eval").body
    except SyntaxError:
        return None
    if not isinstance(call, ast.Call) or call.args or not call.keywords:
        return None
    given = {
        keyword.arg: ast.get_source_segment(written, keyword.value) for keyword in call.keywords
    }
    if set(given) != {param.name for param in params}:
        return None
    return tuple(parse_value(given[param.name] or "") for param in params)


def _value(text: str) -> Any:
    """A stated value, with any `#` comment after it left out."""
    try:
        return parse_value(text)
    except ExampleError:
        if "#" not in text:
            raise
        return parse_value(_uncommented(text))


def _uncommented(text: str) -> str:
    return text.split("#", 1)[0]
