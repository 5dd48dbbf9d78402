"""The real `inlay` command in its own process: shapes of --json, exit statuses, messages."""

import json
import subprocess
import sys

from inlay.sketch.tasks import read_darc
from tests.darc import DARC, darc_files
from tests.servers import ROOT

SKETCH = '''def double(xs: list[int]) -> list[int]:
    """Double every item.

    >>> double([1, 2])
    [2, 4]
    """


def main(xs: list[int]) -> int:
    return `add them up`(double(xs))
'''
FILLS = """def double(xs):
    return [2 * x for x in xs]


def add_them_up(xs):
    return sum(xs)
"""


def inlay(*args, cwd):
    command = [sys.executable, "-c", "import sys; from inlay.cli import main; sys.exit(main())"]
    return subprocess.run(
        [*command, *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )


def _files(tmp_path, examples):
    (tmp_path / "sketch.py").write_text(SKETCH)
    (tmp_path / "fills.py").write_text(FILLS)
    (tmp_path / "examples.json").write_text(json.dumps(examples))


def test_holes_json_has_the_documented_shape(tmp_path):
    _files(tmp_path, [])
    done = inlay("holes", "sketch.py", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    listed = json.loads(done.stdout)
    assert listed["entry"] == "main" and listed["errors"] == []
    double, add = listed["holes"]
    assert double == {
        "id": "double",
        "kind": "function",
        "description": "Double every item.\n\n>>> double([1, 2])\n[2, 4]",
        "name": "double",
        "line": 1,
        "column": 1,
        "params": [{"name": "xs", "annotation": "list[int]"}],
        "expected_type": "list[int]",
        "examples": 1,
    }
    assert (add["kind"], add["description"], add["name"]) == (
        "inline",
        "add them up",
        "add_them_up",
    )
    assert (add["line"], add["column"], add["examples"]) == (10, 12, 0)


def test_run_exits_0_when_every_example_passes_and_1_otherwise(tmp_path):
    _files(tmp_path, [{"args": [[1, 2]], "output": 6}, {"args": [[5]], "output": 11}])
    done = inlay(
        "run",
        "sketch.py",
        "--examples",
        "examples.json",
        "--fills",
        "fills.py",
        "--json",
        cwd=tmp_path,
    )
    assert done.returncode == 1, done.stderr
    result = json.loads(done.stdout)
    assert (result["passed"], result["failed"]) == (1, 1)
    first, second = result["examples"]
    assert first == {
        "split": None,
        "index": 0,
        "passed": True,
        "output": 6,
        "error": None,
        "trace": None,
        "failed_in": None,
    }
    assert (second["passed"], second["output"]) == (False, 10)

    (tmp_path / "examples.json").write_text(json.dumps([{"args": [[1, 2]], "output": 6}]))
    done = inlay(
        "run", "sketch.py", "--examples", "examples.json", "--fills", "fills.py", cwd=tmp_path
    )
    assert done.returncode == 0
    assert done.stdout.endswith("1 of 1 examples passed\n")


def test_run_trace_lists_every_hole_call(tmp_path):
    _files(tmp_path, [{"args": [[1, 2]], "output": 6}])
    done = inlay(
        "run",
        "sketch.py",
        "--examples",
        "examples.json",
        "--fills",
        "fills.py",
        "--trace",
        "--json",
        cwd=tmp_path,
    )
    (example,) = json.loads(done.stdout)["examples"]
    assert example["trace"] == [
        {"hole": "double", "args": [[1, 2]], "kwargs": {}, "result": [2, 4]},
        {"hole": "add_them_up", "args": [[2, 4]], "kwargs": {}, "result": 6},
    ]


def test_materialize_prints_plain_python(tmp_path):
    _files(tmp_path, [])
    done = inlay("materialize", "sketch.py", "--fills", "fills.py", cwd=tmp_path)
    assert done.returncode == 0
    assert "return add_them_up(double(xs))" in done.stdout
    assert "`" not in done.stdout
    compile(done.stdout, "materialized", "exec")


def test_a_darc_file_runs_aligned_with_its_python_field(tmp_path):
    path = DARC / "10.json"
    darc = read_darc(path)
    (tmp_path / "sketch.py").write_text(darc.sketch)
    (tmp_path / "reference.py").write_text(darc.reference)
    done = inlay(
        "run",
        "sketch.py",
        "--task",
        path,
        "--fills",
        "reference.py",
        "--align",
        "--json",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert [(e["split"], e["index"]) for e in result["examples"]] == [
        ("train", 0),
        ("train", 1),
        ("train", 2),
        ("train", 3),
        ("test", 0),
    ]
    assert result["failed"] == 0


def test_a_sketch_with_a_syntax_error_still_lists_its_holes(tmp_path):
    (tmp_path / "sketch.py").write_text(SKETCH + "\nvalue = [1, 2\n")
    done = inlay("holes", "sketch.py", cwd=tmp_path)
    assert done.returncode == 0
    assert "sketch.py:12:9: Syntax error: '[' was never closed" in done.stdout
    assert "inline hole add_them_up" in done.stdout
    assert "function hole double [1 examples]" in done.stdout

    (tmp_path / "examples.json").write_text("[]")
    done = inlay("run", "sketch.py", "--examples", "examples.json", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr == (
        "inlay: sketch.py: line 12, column 9: Syntax error: '[' was never closed\n"
    )


def test_a_bad_examples_file_is_named_in_the_message(tmp_path):
    _files(tmp_path, [{"args": [1], "output": 2}, {"args": [1], "output": 2}, {"args": [1]}])
    done = inlay("run", "sketch.py", "--examples", "examples.json", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr == 'inlay: examples.json: item 3 has no "output"\n'


def test_darc_is_beside_the_checkout():
    assert len(darc_files()) == 161


def test_an_entry_can_be_named_when_the_sketch_has_no_single_one(tmp_path):
    (tmp_path / "two.py").write_text(
        'def first(x):\n    return "add one"(x)\n\n\ndef second(x):\n    return x\n'
    )
    (tmp_path / "fills.py").write_text("def add_one(x):\n    return x + 1\n")
    (tmp_path / "examples.json").write_text('[{"args": [1], "output": 2}]')
    listed = inlay("holes", "two.py", "--json", cwd=tmp_path)
    assert json.loads(listed.stdout)["entry"] is None
    refused = inlay("run", "two.py", "--examples", "examples.json", cwd=tmp_path)
    assert refused.returncode == 2
    assert "name it with --entry" in refused.stderr
    done = inlay(
        "run",
        "two.py",
        "--examples",
        "examples.json",
        "--fills",
        "fills.py",
        "--entry",
        "first",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
