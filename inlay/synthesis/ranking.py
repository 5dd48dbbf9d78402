"""Choosing among candidates that all pass the examples: the one most others agree with.

CodeT and MBR-exec found that when several programs pass the visible tests, running them on
further inputs and preferring the largest group that behaves alike picks a correct one far more
often than taking the first. The further inputs here are made from the examples' own arguments
by small changes that keep each value's type and shape (a number moved by one, a list reversed or
shortened, a string cut), so no model time is spent; the candidates run on them in the sandbox,
and each candidate's outputs (or the kind of error it raised) are its behaviour. Candidates that
wrote the same code count once more each time the model wrote it again.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from inlay.sandbox import ExampleResult

INPUTS = 16
_SEED = 20231  # the same examples always give the same further inputs


@dataclass(frozen=True)
class Ranking:
    chosen: int  # the candidate's number
    groups: list[list[int]]  # candidates that behave alike, the chosen one's group first
    inputs: int  # how many further inputs told them apart
    why: str


def further_inputs(examples: Sequence[Sequence[Any]], count: int = INPUTS) -> list[tuple[Any, ...]]:
    """Argument tuples near the examples' (see the module's docstring), none equal to one."""
    rng = random.Random(_SEED)
    seen = {_key(tuple(args)) for args in examples}
    found: list[tuple[Any, ...]] = []
    variants = [list(_variants_of_call(tuple(args), rng)) for args in examples]
    # Round-robin over the examples, so each lends some of its neighbours.
    for round_ in range(max((len(v) for v in variants), default=0)):
        for each in variants:
            if round_ < len(each) and len(found) < count:
                key = _key(each[round_])
                if key not in seen:
                    seen.add(key)
                    found.append(each[round_])
    return found


def rank(
    candidates: Sequence[int],
    votes: Callable[[int], int],
    behaviours: Callable[[int], Sequence[ExampleResult]],
) -> Ranking:
    """The candidate of the heaviest group of alike behaviour (ties: the group of the earliest
    candidate, which is the greedy one where it is there)."""
    groups: dict[tuple[str, ...], list[int]] = {}
    inputs = 0
    for number in candidates:
        results = behaviours(number)
        inputs = len(results)
        groups.setdefault(tuple(_behaviour(result) for result in results), []).append(number)
    ordered = sorted(groups.values(), key=lambda group: (-sum(votes(n) for n in group), min(group)))
    best = ordered[0]
    weight = sum(votes(n) for n in best)
    total = sum(votes(n) for n in candidates)
    if len(ordered) == 1:
        why = (
            f"all {len(candidates)} passing candidates agree on {inputs} further inputs"
            if len(candidates) > 1
            else "the only candidate that passes every example"
        )
    else:
        why = (
            f"{weight} of {total} passing samples agree with it on {inputs} further inputs "
            f"({len(ordered)} groups behave differently)"
        )
    return Ranking(min(best), [sorted(group) for group in ordered], inputs, why)


def decided(ranking: Ranking, votes: Callable[[int], int], lead: int) -> bool:
    """Whether more samples could hardly change the choice: its group outweighs the next by
    `lead` samples."""
    weights = [sum(votes(n) for n in group) for group in ranking.groups]
    return weights[0] - (weights[1] if len(weights) > 1 else 0) >= lead


def _behaviour(result: ExampleResult) -> str:
    if result.error is not None:
        return f"{result.status}:{result.error.split(':', 1)[0]}"
    return _key(result.output)


def _key(value: Any) -> str:
    """A text that tells values apart as the examples' comparison does (types included)."""
    if isinstance(value, np.ndarray):
        return f"array{value.shape}:{value.tolist()!r}"
    if isinstance(value, list | tuple):
        inside = ",".join(_key(item) for item in value)
        return f"{type(value).__name__}[{inside}]"
    if isinstance(value, dict):
        inside = ",".join(f"{_key(k)}:{_key(v)}" for k, v in value.items())
        return f"dict{{{inside}}}"
    return f"{type(value).__name__}:{value!r}"


def _variants_of_call(args: tuple[Any, ...], rng: random.Random) -> Iterator[tuple[Any, ...]]:
    for index, arg in enumerate(args):
        for changed in _variants(arg, rng, depth=0):
            yield (*args[:index], changed, *args[index + 1 :])


def _variants(value: Any, rng: random.Random, depth: int) -> Iterator[Any]:
    if depth > 2:
        return
    if isinstance(value, bool):
        yield not value
    elif isinstance(value, int):
        yield from (value + 1, value - 1, 0, -value, value * 2 + 1, rng.randint(-20, 20))
    elif isinstance(value, float):
        yield from (value + 0.5, -value, 0.0, value * 2, round(rng.uniform(-10, 10), 2))
    elif isinstance(value, str):
        yield from (value[::-1], "", value[: len(value) // 2], value + value[:1], value.upper())
        if value:
            chars = list(value)
            rng.shuffle(chars)
            yield "".join(chars)
    elif isinstance(value, list | tuple):
        kind = type(value)
        yield kind(value[::-1])
        yield kind(value[1:])
        yield kind(value[:-1])
        yield kind([])
        if value:
            shuffled = list(value)
            rng.shuffle(shuffled)
            yield kind(shuffled)
            yield kind([*value, value[0]])
            first = next(_variants(value[0], rng, depth + 1), None)
            if first is not None:
                yield kind([first, *value[1:]])
            last = list(_variants(value[-1], rng, depth + 1))
            if last:
                yield kind([*value[:-1], last[-1]])
    elif isinstance(value, dict) and value:
        keys = list(value)
        yield {k: v for k, v in value.items() if k != keys[0]}
