"""Example files: the example list, ARC tasks and DARC files, and what is wrong with bad ones."""

import json
from pathlib import Path

import numpy as np
import pytest

from inlay.sketch.examples import ExampleError
from inlay.sketch.tasks import read_darc, read_examples
from tests.darc import darc_files


def _write(tmp_path, data, name="examples.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


def test_the_example_list_keeps_its_arguments_and_order(tmp_path):
    path = _write(tmp_path, [{"args": [[1, 2], 3], "output": 6}, {"args": [], "output": None}])
    examples = read_examples(path)
    assert [(e.args, e.output, e.split, e.index) for e in examples] == [
        (([1, 2], 3), 6, None, 0),
        ((), None, None, 1),
    ]


def test_an_arc_task_gives_train_then_test_pairs_as_arrays(tmp_path):
    task = {
        "test": [{"input": [[3]], "output": [[4]]}],
        "train": [{"input": [[1, 0]], "output": [[0, 1]]}, {"input": [[2]], "output": [[2]]}],
    }
    examples = read_examples(_write(tmp_path, task, "task.json"))
    assert [(e.split, e.index) for e in examples] == [("train", 0), ("train", 1), ("test", 0)]
    (grid,) = examples[0].args
    assert isinstance(grid, np.ndarray) and grid.tolist() == [[1, 0]]
    assert isinstance(examples[0].output, np.ndarray)


def test_a_darc_file_gives_its_train_and_test_pairs():
    path = darc_files()[0]
    data = json.loads(path.read_text())
    examples = read_examples(path)
    train = len(data["train_io"]["inputs"])
    assert len(examples) == train + len(data["test_io"]["inputs"])
    assert examples[0].args[0].tolist() == data["train_io"]["inputs"][0]
    assert examples[train].split == "test"
    program = read_darc(path)
    assert program.sketch == data["anpl"] and program.reference == data["python"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            [{"args": [1], "output": 2}, {"args": [1], "output": 2}, {"args": [1]}],
            'examples.json: item 3 has no "output"',
        ),
        ([{"output": 2}], 'examples.json: item 1 has no "args"'),
        ([{"args": 1, "output": 2}], 'item 1: "args" must be a list'),
        ({"train": [{"input": [[1]]}]}, 'train pair 1 needs "input" and "output"'),
        ({"train": [{"input": [[1], [1, 2]], "output": [[1]]}]}, "rows differ in length"),
        ({"train_io": {"inputs": [[[1]]], "outputs": []}}, "has 1 inputs but 0 outputs"),
        ({"tests": []}, "expected a list of"),
    ],
)
def test_a_bad_example_file_is_refused_with_a_specific_message(tmp_path, data, message):
    with pytest.raises(ExampleError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_examples(_write(tmp_path, data))


def test_a_file_that_is_not_json_says_where(tmp_path):
    path = tmp_path / "examples.json"
    path.write_text('[{"args": [1],\n "output": }]')
    with pytest.raises(ExampleError, match=r"examples.json: not JSON: .* \(line 2, column"):
        read_examples(path)


def test_an_example_files_outputs_are_marked_as_read_from_json(tmp_path: Path):
    from inlay.sandbox.equality import JsonArray

    path = tmp_path / "examples.json"
    path.write_text('[{"args": [[1, 2]], "output": [2, [1]]}]')
    (example,) = read_examples(path)
    assert isinstance(example.output, JsonArray) and isinstance(example.output[1], JsonArray)
    assert example.args == ([1, 2],) and not isinstance(example.args[0], JsonArray)
