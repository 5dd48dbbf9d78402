"""Sketches and their holes.

A sketch is Python whose unknown parts are *holes*: an inline call on a description,
`"reverse the list"(xs)`, or a function whose body is only a docstring (or `...`/`pass`).
This module finds them with tree-sitter and works out what the surrounding code says about each
one: its parameters, and the type its value is expected to have.

A sketch need not be valid Python. ANPL's own form of an inline hole, `` `description`(args) ``,
is read as the quoted form of the same length (see `scan.py`), so every position stays
that of the text as written. A description may run over several lines, as some DARC sketches
write them (CPython calls that an unterminated string), and a syntax error in one place does not
hide the holes elsewhere: when the whole-file parse has errors, each top-level chunk of the text is
also parsed on its own (see `parse.py`).

A function hole's doctest lines are its examples. After an edit, `reparse` re-parses
incrementally and reads again only the top-level statements whose text changed.

Positions: lines are 0-based. A `Span`'s columns (and so `Sketch.hole_at`'s) are tree-sitter's,
UTF-8 bytes from the start of the line; the language server converts them to its client's unit. A
`Problem`'s column counts characters (code points) of the line, as CPython's SyntaxError does.
User-facing messages add one to both.

The package's modules, in the order they build on each other: `records` (the records and the
sketch), `scan` (the text as parsed, and the scan for what tree-sitter cannot see), `holes`
(holes and functions from nodes), `parse` (reading a text), `reparse` (reading it again after an
edit). Names with a leading underscore are shared between these modules only; what this package
exports is the API.
"""

from __future__ import annotations

from inlay.sketch.parse import parse_sketch
from inlay.sketch.records import Function, Hole, HoleKind, Param, Problem, Sketch, Span, TextEdit
from inlay.sketch.reparse import reparse

__all__ = [
    "Function",
    "Hole",
    "HoleKind",
    "Param",
    "Problem",
    "Sketch",
    "Span",
    "TextEdit",
    "parse_sketch",
    "reparse",
]
