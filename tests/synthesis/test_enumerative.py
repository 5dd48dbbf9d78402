"""The model-free filler: small programs found from a hole's examples, written as plain Python,
and its place in the engine (first for holes with examples of their own, or alone)."""

from __future__ import annotations

from textwrap import dedent

import numpy as np

from inlay.sandbox import run_examples
from inlay.sketch import parse_sketch
from inlay.sketch.examples import Example
from inlay.synthesis.engine import FillRequest
from inlay.synthesis.enumerative import enumerate_fill
from tests.synthesis.test_search import fenced, run

ARC = dedent(
    """\
    def main(input_grid: np.ndarray) -> np.ndarray:
        turned = "turn the grid half way round"(input_grid)
        return "put the grid on top of the turned one"(input_grid, turned)
    """
)
GRIDS = [np.array([[1, 2], [3, 0]]), np.array([[5, 0, 0], [0, 6, 7]])]


def hole(name_part: str, source: str = ARC):
    return next(h for h in parse_sketch(source).holes if name_part in h.name)


def test_a_one_operation_fill_is_found_and_runs_as_written() -> None:
    target = hole("half_way")
    found = enumerate_fill(target, [((g,), np.rot90(g, 2)) for g in GRIDS])
    assert found is not None
    assert found.code == (
        "def turn_the_grid_half_way_round(input_grid):\n    return np.rot90(input_grid, 2)\n"
    )
    third = np.array([[1, 2, 3]])
    (result,) = run_examples(
        "import numpy as np\n" + found.code, target.name, [((third,), np.rot90(third, 2))]
    )
    assert result.status == "pass"


def test_fills_combine_parameters_and_say_colours_by_name_where_the_sketch_does() -> None:
    target = hole("on_top")
    pairs = [((g, np.flipud(g)), np.vstack([g, np.flipud(g)])) for g in GRIDS]
    found = enumerate_fill(target, pairs)
    assert found is not None and found.expression == "np.vstack([input_grid, turned])"
    recoloured = [((g, g), np.where(g == 2, 1, g)) for g in GRIDS]
    named = enumerate_fill(target, recoloured, colour_names=True)
    assert named is not None
    assert named.expression == "np.where(input_grid == red, blue, input_grid)"


def test_behaviours_seen_before_are_pruned_so_the_smallest_program_wins() -> None:
    """fliplr(fliplr(g)) behaves as g: the parameter itself is the fill, not a longer program."""
    target = hole("half_way")
    found = enumerate_fill(target, [((g,), g.copy()) for g in GRIDS])
    assert found is not None and found.expression == "input_grid" and found.size == 1


def test_a_helper_the_fill_needs_is_written_into_it() -> None:
    target = hole("half_way")
    grids = [np.array([[0, 0, 0], [0, 3, 4], [0, 0, 5]]), np.array([[7, 0], [0, 0]])]
    found = enumerate_fill(
        target, [((g,), g[1:, 1:] if g.shape[0] == 3 else g[:1, :1]) for g in grids]
    )
    assert found is not None
    assert (
        "def bounding_box(grid):" in found.code and "return bounding_box(input_grid)" in found.code
    )
    compile(found.code, "fill", "exec")  # plain Python, helper and all


def test_nothing_is_claimed_without_a_program_or_from_one_example() -> None:
    target = hole("half_way")
    noise = [((g,), np.array([[int(i * 7919 % 10)]])) for i, g in enumerate(GRIDS * 2)]
    noise[2] = ((np.array([[1]]),), np.array([[9, 9], [9, 1]]))
    assert enumerate_fill(target, noise, seconds=0.5) is None
    assert enumerate_fill(target, [((GRIDS[0],), np.rot90(GRIDS[0]))]) is None


FLIP = dedent(
    '''\
    def flip(grid):
        """Turn the grid upside down.

        >>> flip([[1, 2], [3, 4]])
        [[3, 4], [1, 2]]
        >>> flip([[5], [6], [7]])
        [[7], [6], [5]]
        """


    def main(grid):
        return flip(grid)
    '''
)
FLIP_EXAMPLES = [Example(([[1, 0], [0, 2], [3, 3]],), [[3, 3], [0, 2], [1, 0]])]


def test_the_enumerative_filler_alone_fills_without_a_model_call() -> None:
    record, model = run([], FillRequest(FLIP, FLIP_EXAMPLES, filler="enumerative"))
    assert model.requests == []
    (sample,) = record.of("hole.sample")
    assert sample["origin"] == "enumerative" and sample["tokens_out"] == 0
    (generated,) = record.of("candidate.generated")
    assert generated["origins"] == {"flip": "enumerative"}
    assert record.of("run.finished")[0]["passed"] is True


def test_auto_tries_the_filler_first_and_the_model_after_it() -> None:
    request = FillRequest(FLIP, FLIP_EXAMPLES, filler="auto", samples=2, candidates=2)
    record, model = run([fenced("def flip(grid):\n    return grid[::-1]")] * 2, request)
    origins = [sample["origin"] for sample in record.of("hole.sample")]
    assert origins[0] == "enumerative"
    assert record.of("candidate.tested")[0]["passed"] == 1


def test_the_model_only_filler_never_enumerates() -> None:
    request = FillRequest(FLIP, FLIP_EXAMPLES, filler="model", samples=1)
    record, model = run([fenced("def flip(grid):\n    return grid[::-1]")], request)
    assert [sample["origin"] for sample in record.of("hole.sample")] == ["greedy"]
    assert len(model.requests) == 1


def test_with_nothing_to_learn_from_the_enumerative_filler_says_so() -> None:
    source = 'def main(xs):\n    return "the items in reverse"(xs)\n'
    record, model = run([], FillRequest(source, [Example(([1, 2],), [2, 1])], filler="enumerative"))
    assert model.requests == []
    (invalid,) = record.of("candidate.invalid")
    assert "found no fill" in invalid["error"] and "no examples" in invalid["error"]
    assert record.of("run.finished")[0]["best"] is None
