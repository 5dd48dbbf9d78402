"""Example files: the JSON example list, ARC task files and DARC files, read into one shape.

    [{"args": [...], "output": ...}, ...]                        the example list (split None)
    {"train": [{"input", "output"}], "test": [...]}              an ARC task
    {"train_io": {"inputs", "outputs"}, "test_io": {...}, ...}   a DARC file

An ARC or DARC pair calls the entry with one argument, the input grid as a numpy array
(`np.array(grid)`), and expects the output grid as an array: outputs compare as arrays (see
inlay.sandbox.values_equal), so a program may return an array or a list of rows. A DARC file also
carries the human's sketch (`anpl`) and finished program (`python`), read by `read_darc`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from inlay.sketch.examples import ExampleError, json_output

Split = Literal["train", "test"]


@dataclass(frozen=True)
class TaskExample:
    """One example of a file: the entry's arguments and expected output, and where it came from."""

    args: tuple[Any, ...]
    output: Any
    split: Split | None
    index: int  # its position in its split (in the whole list for the example list)


@dataclass(frozen=True)
class DarcProgram:
    sketch: str  # the `anpl` field
    reference: str  # the `python` field


def read_examples(path: Path) -> list[TaskExample]:
    """The examples of any of the three formats, in order: a task's train pairs, then its test."""
    return examples_of(_load(path), path.name)


def read_darc(path: Path) -> DarcProgram:
    data = _load(path)
    if not isinstance(data, dict):
        raise ExampleError(f"{path.name}: a DARC file is a JSON object")
    fields = [data.get("anpl"), data.get("python")]
    if not all(isinstance(field, str) for field in fields):
        raise ExampleError(f'{path.name}: a DARC file has string fields "anpl" and "python"')
    return DarcProgram(str(fields[0]), str(fields[1]))


def examples_of(data: object, name: str) -> list[TaskExample]:
    """The examples in decoded JSON `data`; `name` is the file's, for messages."""
    if isinstance(data, list):
        return [_listed(item, number, name) for number, item in enumerate(data, start=1)]
    if isinstance(data, dict) and "train_io" in data:
        return _darc_pairs(data, "train", name) + _darc_pairs(data, "test", name)
    if isinstance(data, dict) and "train" in data:
        return _arc_pairs(data, "train", name) + _arc_pairs(data, "test", name)
    raise ExampleError(
        f'{name}: expected a list of {{"args", "output"}} examples, an ARC task '
        '({"train", "test"}) or a DARC file ({"train_io", "test_io"})'
    )


def _load(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ExampleError(
            f"{path.name}: not JSON: {error.msg} (line {error.lineno}, column {error.colno})"
        ) from None


def _listed(item: object, number: int, name: str) -> TaskExample:
    if not isinstance(item, dict):
        raise ExampleError(f'{name}: item {number} is not an object {{"args", "output"}}')
    for key in ("args", "output"):
        if key not in item:
            raise ExampleError(f'{name}: item {number} has no "{key}"')
    if not isinstance(item["args"], list):
        raise ExampleError(f'{name}: item {number}: "args" must be a list of arguments')
    return TaskExample(tuple(item["args"]), json_output(item["output"]), None, number - 1)


def _arc_pairs(data: dict[str, Any], split: Split, name: str) -> list[TaskExample]:
    pairs = data.get(split, [])
    if not isinstance(pairs, list):
        raise ExampleError(f'{name}: "{split}" must be a list of {{"input", "output"}} pairs')
    examples = []
    for index, pair in enumerate(pairs):
        if not isinstance(pair, dict) or not {"input", "output"} <= pair.keys():
            raise ExampleError(f'{name}: {split} pair {index + 1} needs "input" and "output"')
        examples.append(_grid_example(pair["input"], pair["output"], split, index, name))
    return examples


def _darc_pairs(data: dict[str, Any], split: Split, name: str) -> list[TaskExample]:
    field = f"{split}_io"
    pairs = data.get(field, {"inputs": [], "outputs": []})
    inputs = pairs.get("inputs") if isinstance(pairs, dict) else None
    outputs = pairs.get("outputs") if isinstance(pairs, dict) else None
    if not isinstance(inputs, list) or not isinstance(outputs, list):
        raise ExampleError(f'{name}: "{field}" must be {{"inputs": [...], "outputs": [...]}}')
    if len(inputs) != len(outputs):
        raise ExampleError(f'{name}: "{field}" has {len(inputs)} inputs but {len(outputs)} outputs')
    return [
        _grid_example(grid, expected, split, index, name)
        for index, (grid, expected) in enumerate(zip(inputs, outputs, strict=True))
    ]


def _grid_example(
    grid: object, expected: object, split: Split, index: int, name: str
) -> TaskExample:
    return TaskExample(
        (_grid(grid, f"{name}: {split} pair {index + 1} input"),),
        _grid(expected, f"{name}: {split} pair {index + 1} output"),
        split,
        index,
    )


def _grid(value: object, where: str) -> Any:
    if not isinstance(value, list) or not all(isinstance(row, list) for row in value):
        raise ExampleError(f"{where} is not a grid (a list of rows)")
    try:
        return np.array(value)
    except ValueError:  # ragged rows
        raise ExampleError(f"{where} is not a grid: its rows differ in length") from None
