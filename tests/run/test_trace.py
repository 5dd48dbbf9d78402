"""Tracing holes in the sandbox: each call's arguments and result or error, by example."""

import numpy as np

from inlay.context.observed import Opaque
from inlay.run.program import build_program, run_sketch
from inlay.run.trace import instrument, run_program, to_json
from inlay.sketch import parse_sketch
from inlay.sketch.materialize import materialize, read_fills
from inlay.sketch.tasks import TaskExample

SKETCH = """import numpy as np
from dataclasses import dataclass


@dataclass
class Box:
    size: int
    tags: set


def main(grid, n):
    boxes = "make the boxes"(grid, n)
    bigger = "grow each box"(boxes)
    return "measure the boxes"(bigger)
"""
FILLS = """def make_the_boxes(grid, n):
    return {"grid": grid, "boxes": [Box(n, {"a"}), Box(n + 1, set())], "pair": (n, [n])}


def grow_each_box(boxes):
    for box in boxes["boxes"]:
        box.size *= 10  # mutates its argument: the trace keeps the value at the call
    return boxes


def measure_the_boxes(boxes):
    if boxes["pair"][0] < 0:
        raise ValueError("no negative boxes")
    return [box.size for box in boxes["boxes"]]
"""


def _examples(*pairs):
    return [TaskExample(args, output, None, index) for index, (args, output) in enumerate(pairs)]


def _trace(run):
    assert run.trace is not None
    return run.trace


def _program(fills=FILLS):
    sketch = parse_sketch(SKETCH)
    return build_program(sketch, fills) if fills else build_program(sketch)


def test_every_call_is_recorded_with_its_values_surviving_the_trip():
    grid = np.array([[1, 2], [3, 4]])
    (run,) = run_sketch(_program(), _examples(((grid, 2), [20, 30])), trace=True)
    assert run.passed and run.error is None and run.failed_in is None
    assert [call.hole for call in _trace(run)] == [
        "make_the_boxes",
        "grow_each_box",
        "measure_the_boxes",
    ]
    made = _trace(run)[0]
    assert isinstance(made.args[0], np.ndarray) and made.args[0].tolist() == grid.tolist()
    assert made.args[1] == 2
    assert made.result["pair"] == (2, [2])
    first_box = made.result["boxes"][0]
    assert type(first_box).__name__ == "Box" and first_box.size == 2 and first_box.tags == {"a"}
    grown = _trace(run)[1]
    # Deep copies at the call: the argument still shows sizes before the mutation.
    assert [box.size for box in grown.args[0]["boxes"]] == [2, 3]
    assert [box.size for box in grown.result["boxes"]] == [20, 30]
    assert _trace(run)[2].result == [20, 30]


def test_it_tells_a_hole_that_raised_from_holes_never_reached():
    program = _program()
    examples = _examples(((np.zeros(1), 1), [10, 20]), ((np.zeros(1), -1), []))
    runs = run_sketch(program, examples, trace=True)
    assert [run.passed for run in runs] == [True, False]
    failed = runs[1]
    assert failed.failed_in == "measure_the_boxes"
    (raised,) = failed.calls("measure_the_boxes")
    assert raised.error is not None
    assert raised.error.startswith("ValueError: no negative boxes (line ")
    line = int(raised.error.rsplit("line ", 1)[1].rstrip(")"))
    assert "raise ValueError" in program.source.splitlines()[line - 1]
    assert failed.error == raised.error
    # The calls are grouped by the example they came from.
    assert runs[0].index == 0 and runs[1].index == 1
    assert all(call.hole != "measure_the_boxes" or call.error is None for call in _trace(runs[0]))


def test_an_error_before_a_hole_leaves_it_unreached():
    fills = "def make_the_boxes(grid, n):\n    return 1 / 0\n"
    (run,) = run_sketch(_program(fills), _examples(((1, 2), None)), trace=True)
    assert run.failed_in == "make_the_boxes"
    assert run.reached("make_the_boxes")
    assert not run.reached("grow_each_box") and not run.reached("measure_the_boxes")


def test_an_unfilled_hole_raises_not_implemented_in_the_trace():
    (run,) = run_sketch(_program(None), _examples(((1, 2), None)), trace=True)
    assert run.failed_in == "make_the_boxes"
    assert run.error is not None
    assert run.error.startswith("NotImplementedError: hole 'make_the_boxes' is not filled")


def test_error_lines_refer_to_the_program_not_to_the_prelude():
    program = "def main(x):\n    return x[5]\n"
    (run,) = run_program(program, "main", _examples((([1],), None)), trace=["main"])
    assert run.error == "IndexError: list index out of range (line 2)"
    assert instrument(program, "main", []).startswith(program)


def test_a_value_the_codec_cannot_carry_is_recorded_as_opaque():
    sketch = parse_sketch('def main(x):\n    return len(list("count up to"(x)))\n')
    fills = "def count_up_to(x):\n    return (i for i in range(x))\n"
    program = materialize(sketch, read_fills(sketch, fills))
    (run,) = run_program(program, "main", _examples(((3,), 3)), trace=["count_up_to"])
    assert run.passed
    result = _trace(run)[0].result
    assert isinstance(result, Opaque) and result.type_name == "generator"
    assert to_json(result).startswith("<generator: ")  # as the CLI prints it
