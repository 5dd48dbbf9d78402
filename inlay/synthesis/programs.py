"""The programs a run builds from its holes' samples: the holes in dependency order, the sketch
with stubs for the holes not yet filled, the combinations of the pools, and the normal form that
tells two samples apart."""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from typing import TypeVar

from inlay.sketch import Hole, Sketch
from inlay.sketch.fill import apply_nested_fills
from inlay.sketch.prelude import with_prelude

T = TypeVar("T")


def dependency_order(sketch: Sketch) -> list[Hole]:
    """The holes, those that others' functions call first (Parsel: dependencies first)."""
    calls = sketch.calls
    depth: dict[str, int] = {}

    def reach(name: str, level: int, seen: frozenset[str]) -> None:
        if name in seen:
            return
        depth[name] = max(depth.get(name, 0), level)
        for callee in calls.get(name, ()):
            reach(callee, level + 1, seen | {name})

    if sketch.entry:
        reach(sketch.entry, 0, frozenset())
    holding: dict[str, int] = {}
    for hole in sketch.holes:
        owners = [
            f.name
            for f in sketch.functions
            if any(f.span.start_byte <= use.start_byte < f.span.end_byte for use in hole.uses)
        ]
        holding[hole.name] = max(
            [depth.get(hole.name, -1), *(depth.get(owner, 0) + 1 for owner in owners)]
        )
    return sorted(sketch.holes, key=lambda hole: -holding[hole.name])


def combinations(pools: Sequence[Sequence[T]]) -> list[tuple[T, ...]]:
    combinations: list[tuple[T, ...]] = [()]
    for pool in pools:
        combinations = [(*done, sample) for done in combinations for sample in pool]
    return combinations


def stubbed(sketch: Sketch, fills: Mapping[str, str]) -> str:
    """The sketch with `fills`, and every other hole a function that raises; with the prelude it
    needs."""
    stubs = {
        hole.name: hole.stub() + f"    raise NotImplementedError({hole.name!r})\n"
        for hole in sketch.holes
        if hole.name not in fills
    }
    return with_prelude(apply_nested_fills(sketch, {**stubs, **fills}))


def filled(sketch: Sketch, fills: Mapping[str, str]) -> str:
    """The sketch with `fills` (which may leave holes), and the prelude it needs: the program a
    candidate runs and the user sees."""
    return with_prelude(apply_nested_fills(sketch, fills))


def normal(code: str) -> str:
    """The code as its syntax tree: the same program written with other spacing or comments is
    the same sample."""
    try:
        return ast.dump(ast.parse(code))
    except SyntaxError:
        return code.strip()
