"""The model-free filler: a hole's fill found by enumerating small programs over its examples.

Bottom-up enumeration (as in Transit, Escher and the ARC DSL searches): the hole's parameters and a
few constants are the programs of size 1; a program of size n applies one operation of the
library to programs whose sizes add up to n - 1. Every program is run on all the examples' inputs
at once, and a program whose outputs equal those of one found before is dropped (observational
equivalence): the search then grows only distinct behaviours. The first program whose outputs
equal the examples' expected values is the fill, written out as a plain Python function.

The library covers what the holes of DARC's ARC sketches take and return, measured over their
traced reference calls (bench/darc.py): grids (2-D integer arrays) first, then integers, colours,
booleans, positions and lists of them. Its operations are numpy one-liners a person would write
(`np.rot90(grid, 2)`, `np.where(grid == red, blue, grid)`), plus a few named helpers written into
the fill when used (`bounding_box`). No operation is chosen for one task.

The search runs in this process on the examples' values only (never on user or generated code):
each operation is pure, its results are capped in size, and it has a deadline. A found fill is
tested in the sandbox like any model sample.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from inlay.sandbox import values_equal
from inlay.sketch import Hole
from inlay.sketch.prelude import COLOURS

# "grid", "int", "bool", "pos" (a row and a column), "poslist", "intlist" (or a 1-D array),
# "inttuple", "where" (np.where's tuple of index arrays)
Kind = str
MAX_SIZE = 6  # operations and leaves in one program
MAX_CELLS = 10_000  # a grid result larger than this is not kept (tiling can blow up)
MAX_BANK = 60_000  # distinct behaviours kept in all
MAX_EXAMPLES = 24  # the enumeration runs on at most this many examples; the sandbox on all


@dataclass(frozen=True)
class Op:
    name: str
    args: tuple[Kind, ...]
    result: Kind
    run: Callable[..., Any]
    code: str  # a format string over the arguments' code: "np.rot90({0}, 2)"
    helper: str = ""  # a function the code calls, written into the fill when used


@dataclass(frozen=True)
class Term:
    """A program: its code, its size, the helpers it calls, and its value on each example."""

    code: str
    size: int
    kind: Kind
    values: tuple[Any, ...]
    helpers: frozenset[str] = field(default_factory=frozenset)
    loose: bool = False  # an operator expression: parenthesized as an operand


@dataclass(frozen=True)
class Found:
    code: str  # the fill: a complete function definition
    expression: str
    size: int
    programs: int  # distinct behaviours enumerated before it
    seconds: float


_BOUNDING_BOX = '''\
def bounding_box(grid):
    """The smallest part of the grid holding every cell that is not black (0)."""
    rows, cols = np.nonzero(grid)
    if len(rows) == 0:
        return grid
    return grid[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]
'''

_MOST_COMMON = '''\
def most_common_colour(grid):
    """The colour of most cells, black (0) left out unless the grid is all black."""
    colours, counts = np.unique(grid[grid != 0], return_counts=True)
    return int(colours[np.argmax(counts)]) if len(colours) else 0
'''

_LEAST_COMMON = '''\
def least_common_colour(grid):
    """The colour of fewest cells, black (0) left out unless the grid is all black."""
    colours, counts = np.unique(grid[grid != 0], return_counts=True)
    return int(colours[np.argmin(counts)]) if len(colours) else 0
'''


def _bounding_box(grid: np.ndarray) -> np.ndarray:
    rows, cols = np.nonzero(grid)
    if len(rows) == 0:
        return grid
    return grid[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]


def _most_common(grid: np.ndarray) -> int:
    colours, counts = np.unique(grid[grid != 0], return_counts=True)
    return int(colours[np.argmax(counts)]) if len(colours) else 0


def _least_common(grid: np.ndarray) -> int:
    colours, counts = np.unique(grid[grid != 0], return_counts=True)
    return int(colours[np.argmin(counts)]) if len(colours) else 0


def _positions(grid: np.ndarray, colour: int) -> list[tuple[int, int]]:
    return [(int(r), int(c)) for r, c in np.argwhere(grid == colour)]


def _same_shape(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """`a`, where `b` has its shape."""
    if a.shape != b.shape:
        raise ValueError("shapes differ")
    return a


def _overlay(top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
    return np.where(_same_shape(top, bottom) != 0, top, bottom)


def _small(count: int) -> int:
    if not 1 <= count <= 4:
        raise ValueError("not a small count")
    return count


def _colour(value: int) -> int:
    if not 0 <= value <= 9:
        raise ValueError("not a colour")
    return value


LIBRARY: tuple[Op, ...] = (
    # Grids to grids: symmetry.
    Op("flipud", ("grid",), "grid", np.flipud, "np.flipud({0})"),
    Op("fliplr", ("grid",), "grid", np.fliplr, "np.fliplr({0})"),
    Op("rot90", ("grid",), "grid", lambda g: np.rot90(g, 1), "np.rot90({0})"),
    Op("rot180", ("grid",), "grid", lambda g: np.rot90(g, 2), "np.rot90({0}, 2)"),
    Op("rot270", ("grid",), "grid", lambda g: np.rot90(g, 3), "np.rot90({0}, 3)"),
    Op("transpose", ("grid",), "grid", np.transpose, "{0}.T"),
    # Grids to grids: parts, wholes and sizes.
    Op("crop", ("grid",), "grid", _bounding_box, "bounding_box({0})", _BOUNDING_BOX),
    Op("top", ("grid",), "grid", lambda g: g[: g.shape[0] // 2], "{0}[: {0}.shape[0] // 2]"),
    Op("bottom", ("grid",), "grid", lambda g: g[g.shape[0] // 2 :], "{0}[{0}.shape[0] // 2 :]"),
    Op("left", ("grid",), "grid", lambda g: g[:, : g.shape[1] // 2], "{0}[:, : {0}.shape[1] // 2]"),
    Op(
        "right", ("grid",), "grid", lambda g: g[:, g.shape[1] // 2 :], "{0}[:, {0}.shape[1] // 2 :]"
    ),
    Op("vstack", ("grid", "grid"), "grid", lambda a, b: np.vstack([a, b]), "np.vstack([{0}, {1}])"),
    Op("hstack", ("grid", "grid"), "grid", lambda a, b: np.hstack([a, b]), "np.hstack([{0}, {1}])"),
    Op(
        "tile",
        ("grid", "int", "int"),
        "grid",
        lambda g, r, c: np.tile(g, (_small(r), _small(c))),
        "np.tile({0}, ({1}, {2}))",
    ),
    Op(
        "upscale",
        ("grid", "int"),
        "grid",
        lambda g, k: np.kron(g, np.ones((_small(k), _small(k)), dtype=g.dtype)),
        "np.kron({0}, np.ones(({1}, {1}), dtype=int))",
    ),
    Op("overlay", ("grid", "grid"), "grid", _overlay, "np.where({0} != 0, {0}, {1})"),
    # Grids to grids: colours.
    Op(
        "recolour",
        ("grid", "int", "int"),
        "grid",
        lambda g, a, b: np.where(g == _colour(a), _colour(b), g),
        "np.where({0} == {1}, {2}, {0})",
    ),
    Op(
        "keep",
        ("grid", "int"),
        "grid",
        lambda g, c: np.where(g == _colour(c), g, 0),
        "np.where({0} == {1}, {0}, 0)",
    ),
    Op(
        "paint",
        ("grid", "int"),
        "grid",
        lambda g, c: np.where(g != 0, _colour(c), g),
        "np.where({0} != 0, {1}, {0})",
    ),
    Op(
        "fill_black",
        ("grid", "int"),
        "grid",
        lambda g, c: np.where(g == 0, _colour(c), g),
        "np.where({0} == 0, {1}, {0})",
    ),
    Op(
        "full",
        ("grid", "int"),
        "grid",
        lambda g, c: np.full_like(g, _colour(c)),
        "np.full_like({0}, {1})",
    ),
    Op(
        "mask",
        ("grid", "grid", "int"),
        "grid",
        lambda g, m, c: np.where(_same_shape(m, g) != 0, _colour(c), g),
        "np.where({1} != 0, {2}, {0})",
    ),
    Op(
        "new_grid",
        ("int", "int", "int"),
        "grid",
        lambda r, c, v: np.full((_dimension(r), _dimension(c)), _colour(v)),
        "np.full(({0}, {1}), {2})",
    ),
    # Grids to numbers and truths.
    Op("rows", ("grid",), "int", lambda g: int(g.shape[0]), "{0}.shape[0]"),
    Op("cols", ("grid",), "int", lambda g: int(g.shape[1]), "{0}.shape[1]"),
    Op(
        "count", ("grid", "int"), "int", lambda g, c: int(np.sum(g == c)), "int(np.sum({0} == {1}))"
    ),
    Op(
        "colours",
        ("grid",),
        "int",
        lambda g: len(set(np.unique(g)) - {0}),
        "len(set(np.unique({0})) - {{0}})",
    ),
    Op("most", ("grid",), "int", _most_common, "most_common_colour({0})", _MOST_COMMON),
    Op("least", ("grid",), "int", _least_common, "least_common_colour({0})", _LEAST_COMMON),
    Op(
        "has",
        ("grid", "int"),
        "bool",
        lambda g, c: bool(np.any(g == c)),
        "bool(np.any({0} == {1}))",
    ),
    Op(
        "equal",
        ("grid", "grid"),
        "bool",
        lambda a, b: bool(np.array_equal(a, b)),
        "np.array_equal({0}, {1})",
    ),
    Op(
        "symmetric",
        ("grid",),
        "bool",
        lambda g: bool(np.array_equal(g, np.fliplr(g))),
        "np.array_equal({0}, np.fliplr({0}))",
    ),
    # Positions.
    Op(
        "positions",
        ("grid", "int"),
        "poslist",
        _positions,
        "[(int(r), int(c)) for r, c in np.argwhere({0} == {1})]",
    ),
    Op("first", ("poslist",), "pos", lambda ps: ps[0], "{0}[0]"),
    Op("length", ("poslist",), "int", len, "len({0})"),
    Op("cell", ("grid", "pos"), "int", lambda g, p: int(g[p[0], p[1]]), "int({0}[{1}])"),
    # Colours and lines of a grid, as lists.
    Op(
        "colour_list",
        ("grid",),
        "intlist",
        lambda g: [int(c) for c in np.unique(g) if c != 0],
        "[int(c) for c in np.unique({0}) if c != 0]",
    ),
    Op(
        "colours_in_order",
        ("grid",),
        "intlist",
        lambda g: list(dict.fromkeys(int(c) for c in g.flat if c != 0)),
        "list(dict.fromkeys(int(c) for c in {0}.flat if c != 0))",
    ),
    Op(
        "rows_with",
        ("grid", "int"),
        "intlist",
        lambda g, c: [int(r) for r in np.nonzero(np.any(g == c, axis=1))[0]],
        "[int(r) for r in np.nonzero(np.any({0} == {1}, axis=1))[0]]",
    ),
    Op(
        "cols_with",
        ("grid", "int"),
        "intlist",
        lambda g, c: [int(r) for r in np.nonzero(np.any(g == c, axis=0))[0]],
        "[int(c) for c in np.nonzero(np.any({0} == {1}, axis=0))[0]]",
    ),
    Op("row", ("grid", "int"), "intlist", lambda g, i: g[i], "{0}[{1}]"),
    Op("col", ("grid", "int"), "intlist", lambda g, i: g[:, i], "{0}[:, {1}]"),
    Op("where", ("grid", "int"), "where", lambda g, c: np.nonzero(g == c), "np.where({0} == {1})"),
    Op("as_tuple", ("intlist",), "inttuple", lambda xs: tuple(int(x) for x in xs), "tuple({0})"),
    # Numbers.
    Op("add", ("int", "int"), "int", lambda a, b: a + b, "{0} + {1}"),
    Op("sub", ("int", "int"), "int", lambda a, b: a - b, "{0} - {1}"),
    Op("mul", ("int", "int"), "int", lambda a, b: a * b, "{0} * {1}"),
    Op("half", ("int",), "int", lambda a: a // 2, "{0} // 2"),
    Op("is", ("int", "int"), "bool", lambda a, b: a == b, "{0} == {1}"),
    Op("not", ("bool",), "bool", lambda a: not a, "not {0}"),
    # Lists of numbers.
    Op("sum", ("intlist",), "int", lambda xs: int(sum(xs)), "sum({0})"),
    Op("max", ("intlist",), "int", lambda xs: max(xs), "max({0})"),
    Op("min", ("intlist",), "int", lambda xs: min(xs), "min({0})"),
    Op("len", ("intlist",), "int", len, "len({0})"),
    Op("sorted", ("intlist",), "intlist", sorted, "sorted({0})"),
    Op("reversed", ("intlist",), "intlist", lambda xs: list(reversed(xs)), "list(reversed({0}))"),
)


def _dimension(value: int) -> int:
    if not 1 <= value <= 30:
        raise ValueError("not a grid's size")
    return value


def kind_of(value: object) -> Kind | None:
    """The library's kind of a value, or None where the library has nothing for it."""
    if isinstance(value, bool | np.bool_):
        return "bool"
    if isinstance(value, int | np.integer):
        return "int"
    if isinstance(value, np.ndarray):
        if value.ndim == 2 and value.size and np.issubdtype(value.dtype, np.integer):
            return "grid"
        if value.ndim == 1 and np.issubdtype(value.dtype, np.integer):
            return "intlist"
        return None
    if isinstance(value, tuple) and all(kind_of(v) == "int" for v in value):
        return "pos" if len(value) == 2 else "inttuple"
    if (
        isinstance(value, tuple)
        and value
        and all(isinstance(v, np.ndarray) and v.ndim == 1 for v in value)
    ):
        return "where"  # what np.where(condition) gives: an array of indices per axis
    if isinstance(value, list):
        kinds = {kind_of(item) for item in value}
        if kinds <= {"int"}:
            return "intlist"
        if kinds == {"pos"}:
            return "poslist"
        if kinds == {"intlist"} and len({len(row) for row in value}) == 1:
            return "gridlist"  # a list of rows: compared as a grid, produced as one
    return None


def enumerate_fill(
    hole: Hole,
    examples: Sequence[tuple[Sequence[Any], Any]],
    *,
    seconds: float = 2.0,
    colour_names: bool = False,
) -> Found | None:
    """The smallest program of the library that maps every example's arguments to its output,
    as a fill of `hole`; None when none is found within `seconds` or the values are not the
    library's."""
    began = time.monotonic()
    pairs = _distinct(examples)[:MAX_EXAMPLES]
    # One example says too little: the smallest program matching it is mostly a constant.
    if len(pairs) < 2 or any(len(args) != len(hole.params) for args, _ in pairs):
        return None
    wanted = _wanted_kind([output for _, output in pairs])
    if wanted is None:
        return None
    outputs = tuple(output for _, output in pairs)
    search = _Search(pairs, wanted, outputs, began + seconds, colour_names)
    for name, index in zip((p.name for p in hole.params), itertools.count(), strict=False):
        search.leaf(name, tuple(args[index] for args, _ in pairs))
    term = search.run()
    if term is None:
        return None
    return Found(
        _function(hole, term), term.code, term.size, search.count, time.monotonic() - began
    )


class _Search:
    def __init__(
        self,
        pairs: list[tuple[Sequence[Any], Any]],
        wanted: Kind,
        outputs: tuple[Any, ...],
        deadline: float,
        colour_names: bool,
    ) -> None:
        self.pairs = pairs
        self.wanted = wanted
        self.outputs = outputs
        self.deadline = deadline
        self.colour_names = colour_names
        self.bank: dict[Kind, dict[int, list[Term]]] = {}  # kind -> size -> terms
        self.seen: set[tuple[Kind, bytes]] = set()
        self.count = 0
        self.found: Term | None = None

    def leaf(self, code: str, values: tuple[Any, ...]) -> None:
        kinds = {kind_of(value) for value in values}
        if len(kinds) != 1 or None in kinds:
            return
        kind = kinds.pop()
        assert kind is not None
        if kind == "gridlist":
            kind, values = "grid", tuple(np.array(value) for value in values)
        self._keep(Term(code, 1, kind, values))

    def run(self) -> Term | None:
        constants = range(10)
        for value in constants:
            name = COLOURS[value] if self.colour_names else str(value)
            self._keep(Term(name, 1, "int", (value,) * len(self.pairs)))
        if self.found is not None:
            return self.found
        for size in range(2, MAX_SIZE + 1):
            for term in self._grow(size):
                if self._keep(term):
                    return self.found
                if time.monotonic() > self.deadline or self.count >= MAX_BANK:
                    return None
        return None

    def _grow(self, size: int) -> Iterator[Term]:
        for op in LIBRARY:
            for sizes in _splits(size - 1, len(op.args)):
                pools = [
                    self.bank.get(kind, {}).get(part, [])
                    for kind, part in zip(op.args, sizes, strict=True)
                ]
                if any(not pool for pool in pools):
                    continue
                for chosen in itertools.product(*pools):
                    term = _apply(op, chosen, size, len(self.pairs))
                    if term is not None:
                        yield term
                    if time.monotonic() > self.deadline:
                        return

    def _keep(self, term: Term) -> bool:
        """Add the term if its behaviour is new; True when it solves the examples."""
        key = (term.kind, _fingerprint(term.values))
        if key in self.seen:
            return False
        self.seen.add(key)
        self.count += 1
        self.bank.setdefault(term.kind, {}).setdefault(term.size, []).append(term)
        if _matches(term, self.wanted, self.outputs):
            self.found = term
            return True
        return False


def _apply(op: Op, chosen: Sequence[Term], size: int, examples: int) -> Term | None:
    values = []
    try:
        with np.errstate(all="ignore"):
            for index in range(examples):
                value = op.run(*(term.values[index] for term in chosen))
                if isinstance(value, np.ndarray) and value.size > MAX_CELLS:
                    return None
                grid = op.result == "grid"
                if grid and isinstance(value, np.ndarray) and (value.ndim != 2 or not value.size):
                    return None
                values.append(value)
    except (ValueError, IndexError, TypeError, ZeroDivisionError, OverflowError, MemoryError):
        return None
    helpers = frozenset().union(*(term.helpers for term in chosen))
    if op.helper:
        helpers |= {op.helper}
    code = op.code.format(*(f"({t.code})" if t.loose else t.code for t in chosen))
    loose = op.code.startswith(("{0} ", "not "))
    return Term(code, size, op.result, tuple(values), helpers, loose)


def _splits(total: int, parts: int) -> Iterator[tuple[int, ...]]:
    if parts == 1:
        if total >= 1:
            yield (total,)
        return
    for first in range(1, total - parts + 2):
        for rest in _splits(total - first, parts - 1):
            yield (first, *rest)


def _fingerprint(values: tuple[Any, ...] | list[Any]) -> bytes:
    """The values as bytes: equal for equal behaviour (arrays by shape and cells, never by their
    repr, which numpy cuts short for large arrays)."""
    parts = []
    for value in values:
        if isinstance(value, np.ndarray):
            parts.append(b"a" + repr(value.shape).encode() + value.astype(np.int64).tobytes())
        elif isinstance(value, np.integer):
            parts.append(repr(int(value)).encode())
        elif isinstance(value, tuple | list):
            parts.append(type(value).__name__.encode() + b"(" + _fingerprint(value) + b")")
        else:
            parts.append(repr(value).encode())
    return b"\x00".join(parts)


def _wanted_kind(outputs: Sequence[Any]) -> Kind | None:
    kinds = {kind_of(np.array(o) if _is_rows(o) else o) for o in outputs}
    return kinds.pop() if len(kinds) == 1 and None not in kinds else None


def _is_rows(value: object) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(row, list) for row in value)


def _matches(term: Term, wanted: Kind, outputs: tuple[Any, ...]) -> bool:
    if term.kind != wanted:
        return False
    return all(
        values_equal(expected, actual)
        for expected, actual in zip(outputs, term.values, strict=True)
    )


def _distinct(examples: Sequence[tuple[Sequence[Any], Any]]) -> list[tuple[Sequence[Any], Any]]:
    seen: set[bytes] = set()
    kept = []
    for args, output in examples:
        key = _fingerprint((*args, output))
        if key not in seen:
            seen.add(key)
            kept.append((args, output))
    return kept


def _function(hole: Hole, term: Term) -> str:
    params = ", ".join(param.name for param in hole.params)
    body = [f"def {hole.name}({params}):"]
    for helper in sorted(term.helpers):
        body += ["    " + line if line else "" for line in helper.splitlines()]
        body.append("")
    body.append(f"    return {term.code}")
    return "\n".join(body) + "\n"
