"""Every DARC file, end to end: `inlay holes` finds the holes of its `anpl` sketch, and the sketch
filled by position from its `python` program (`inlay run --align`) passes and fails exactly where
the program itself does, on train and test; traced, each hole shows what it received and gave.

The core functions are called in-process (as `inlay` does); tests/cli runs the real command.
"""

import ast
import io
import json
import re
import tokenize
from collections import defaultdict

import pytest

from inlay.cli import main as inlay
from inlay.context.observed import Opaque
from inlay.run.program import build_program, run_sketch
from inlay.run.trace import run_program
from inlay.sandbox import run_examples
from inlay.sketch import parse_sketch
from inlay.sketch.tasks import read_darc, read_examples
from tests.darc import darc_files

FILES = darc_files()
# darc/README.md: the `python` field passes both train_io and test_io in 113 files.
REFERENCE_PASSES_EVERYTHING = 113


def _expected_holes(source):
    """Descriptions of the inline holes, and the names of the function holes, found without
    Inlay's parser: Python's tokenizer (or, where a description runs over lines and the text is
    not Python, a regular expression), and `ast` for function holes."""
    try:
        module = ast.parse(source)
    except SyntaxError:
        inline = {" ".join(m.split()) for m in re.findall(r'"([^"]*)"\(', source)}
        return inline, set()
    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    significant = [t for t in tokens if t.type not in {tokenize.NL, tokenize.COMMENT}]
    inline = {
        " ".join(token.string[1:-1].split())
        for token, following in zip(significant, significant[1:], strict=False)
        if token.type == tokenize.STRING and following.string == "("
    }
    functions = {
        node.name
        for node in ast.walk(module)
        if isinstance(node, ast.FunctionDef) and _is_stub(node)
    }
    return inline, functions


def _is_stub(function):
    body = function.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:] if isinstance(body[0].value.value, str) else body
    return all(
        isinstance(s, ast.Pass)
        or (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant) and s.value.value is ...)
        for s in body
    )


def test_inlay_holes_finds_exactly_the_holes_of_every_anpl_sketch(tmp_path, capsys):
    for path in FILES:
        sketch_file = tmp_path / f"{path.stem}.py"
        sketch_file.write_text(read_darc(path).sketch)
        assert inlay(["holes", str(sketch_file), "--json"]) == 0
        listed = json.loads(capsys.readouterr().out)
        inline, functions = _expected_holes(sketch_file.read_text())
        holes = listed["holes"]
        assert len(holes) == len(inline) + len(functions), path.name
        assert {h["description"] for h in holes if h["kind"] == "inline"} == inline, path.name
        assert {h["name"] for h in holes if h["kind"] == "function"} == functions, path.name
        assert listed["errors"] == [], path.name
        assert listed["entry"] == "main", path.name


@pytest.fixture(scope="module")
def aligned_runs():
    """For each file: (the sketch's runs filled by position, the `python` program's own runs)."""
    runs = {}
    for path in FILES:
        darc = read_darc(path)
        examples = read_examples(path)
        program = build_program(parse_sketch(darc.sketch), darc.reference, align=True)
        runs[path.stem] = (
            run_sketch(program, examples),
            run_program(darc.reference, "main", examples),
        )
    return runs


def test_the_aligned_sketch_passes_where_the_python_program_passes(aligned_runs):
    assert len(aligned_runs) == len(FILES) == 161
    for task, (sketch_runs, reference_runs) in aligned_runs.items():
        assert [(r.split, r.index) for r in sketch_runs] == [
            (r.split, r.index) for r in reference_runs
        ], task
        assert [r.passed for r in sketch_runs] == [r.passed for r in reference_runs], task
    everything = [
        task for task, (_, reference) in aligned_runs.items() if all(r.passed for r in reference)
    ]
    assert len(everything) == REFERENCE_PASSES_EVERYTHING


def test_tracing_shows_what_each_hole_received_and_gave_on_each_training_example():
    traced_holes = 0
    for path in FILES:
        darc = read_darc(path)
        sketch = parse_sketch(darc.sketch)
        train = [example for example in read_examples(path) if example.split == "train"]
        program = build_program(sketch, darc.reference, align=True)
        runs = run_sketch(program, train, trace=True)
        plain = run_sketch(program, train)
        assert [r.passed for r in runs] == [r.passed for r in plain], path.name
        by_hole = defaultdict(list)  # hole -> [(example index, args, kwargs, result)]
        for run in runs:
            assert run.trace is not None, path.name
            for call in run.trace:
                assert call.returned or not run.passed, path.name
                if call.error is None:
                    by_hole[call.hole].append((run.index, call.args, call.kwargs, call.result))
        if sketch.holes and all(run.passed for run in runs):
            # A passing run reaches its holes (a hole on a branch no example takes is the rare
            # exception), and every example shows up in the trace.
            assert {index for calls in by_hole.values() for index, *_ in calls} == {
                run.index for run in runs
            }, path.name
        traced_holes += _check_recorded_calls(program, by_hole, path.name)
    assert traced_holes > 400


def _carried(value):
    """Whether a recorded value is the value itself, not the `Opaque` standing for one the
    sandbox's codec cannot carry (a slice, a generator)."""
    if isinstance(value, Opaque):
        return False
    if isinstance(value, list | tuple | set | frozenset):
        return all(_carried(item) for item in value)
    if isinstance(value, dict):
        return all(_carried(key) and _carried(item) for key, item in value.items())
    return True


def _check_recorded_calls(program, by_hole, task):
    """Each hole, called again in the sandbox on the arguments recorded for it, gives the
    recorded result (the first call on each example)."""
    for hole, calls in by_hole.items():
        first: dict[int, tuple[tuple[object, ...], object]] = {}
        for index, args, kwargs, result in calls:
            # The sandbox calls with positional arguments only.
            if not kwargs and _carried((args, result)):
                first.setdefault(index, (args, result))
        if not first:
            continue
        results = run_examples(program.source, hole, list(first.values()))
        assert all(r.status == "pass" for r in results), (task, hole, results[0])
    return len(by_hole)
