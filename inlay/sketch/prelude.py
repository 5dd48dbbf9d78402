"""The environment a sketch may lean on without writing it: ARC's names, as ANPL supplied them.

ANPL's sketches for ARC tasks use `np`, the `typing` names and the ten ARC colour names without
defining them: the ANPL environment put a header before every program. Inlay does the same, one
statement at a time and only where the program needs it: a statement of the prelude goes before
the program when the program uses one of the names it defines and defines or imports that name
nowhere itself (pyflakes decides, as for a fill's undefined names). So a sketch that imports
numpy itself, or names its own `red`, gets nothing it did not ask for, and the program text a
user copies out runs as it is.

    import numpy as np
    from typing import *
    black, blue, red, green, yellow, grey, pink, orange, teal, maroon = range(10)
"""

from __future__ import annotations

import ast
import typing
from dataclasses import dataclass

from pyflakes import checker, messages


@dataclass(frozen=True)
class PreludeStatement:
    code: str
    names: frozenset[str]  # the names it defines


COLOURS = ("black", "blue", "red", "green", "yellow", "grey", "pink", "orange", "teal", "maroon")

PRELUDE = (
    PreludeStatement("import numpy as np", frozenset({"np"})),
    PreludeStatement("from typing import *", frozenset(typing.__all__)),
    PreludeStatement(f"{', '.join(COLOURS)} = range(10)", frozenset(COLOURS)),
)


def prelude_needed(program: str) -> tuple[PreludeStatement, ...]:
    """The prelude's statements that `program` uses and does not define; none if it does not
    parse (running it says what is wrong, at the right line)."""
    try:
        tree = ast.parse(program)
    except SyntaxError:
        return ()
    undefined = {
        str(message.message_args[0])
        for message in checker.Checker(tree, filename="program.py").messages
        # Beside a star import, pyflakes says a name "may be" from it: still the prelude's.
        if isinstance(message, messages.UndefinedName | messages.ImportStarUsage)
    }
    lines = set(program.splitlines())  # a star import pyflakes cannot see through is there
    return tuple(
        statement
        for statement in PRELUDE
        if statement.names & undefined and statement.code not in lines
    )


def with_prelude(program: str) -> str:
    """The program with the prelude statements it needs, after its docstring and `__future__`
    imports (which must stay first)."""
    needed = prelude_needed(program)
    if not needed:
        return program
    header = "\n".join(statement.code for statement in needed) + "\n"
    lines = program.splitlines(keepends=True)
    at = _after_future_imports(program)
    head = "".join(lines[:at])
    if head and not head.endswith("\n"):
        head += "\n"
    return head + header + ("\n\n" if lines[at:] else "") + "".join(lines[at:])


def _after_future_imports(program: str) -> int:
    """The line index after the module docstring and `from __future__` imports (0 if none)."""
    body = ast.parse(program).body
    end = 0
    for index, node in enumerate(body):
        docstring = (
            index == 0
            and isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        )
        future = isinstance(node, ast.ImportFrom) and node.module == "__future__"
        if not (docstring or future):
            break
        end = node.end_lineno or end
    return end
