"""`inlay fill` in its own process with the real local model: the whole run, and one hole
refilled with the others' fills held."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.test_cli import FILLS, SKETCH
from tests.servers import ROOT

pytestmark = pytest.mark.model


def fill(*args: object, cwd: Path, model_path: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", "import sys; from inlay.cli import main; sys.exit(main())"]
    env = {
        "PYTHONPATH": str(ROOT),
        "PATH": "/usr/bin:/bin",
        "INLAY_LOCAL_MODEL_PATH": str(model_path),
        "HOME": os.environ.get("HOME", "/root"),
    }
    return subprocess.run(
        [*command, "fill", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )


def events(output: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in output.splitlines()]


def test_fill_with_json_ends_with_the_chosen_program(tmp_path: Path, model_path: Path):
    (tmp_path / "sketch.py").write_text(SKETCH)
    (tmp_path / "examples.json").write_text('[{"args": [[1, 2, 3]], "output": 12}]')
    done = fill(
        "sketch.py",
        "--examples",
        "examples.json",
        "--samples",
        "2",
        "--json",
        cwd=tmp_path,
        model_path=model_path,
    )

    assert done.returncode in (0, 1), done.stderr
    shown = events(done.stdout)
    assert shown[0]["event"] == "run.started" and shown[-1]["event"] == "run.finished"
    last = shown[-1]
    assert {
        "best",
        "passed",
        "why",
        "text",
        "candidates",
        "tokens_in",
        "tokens_out",
        "seconds",
    } <= (last.keys())
    assert done.returncode == (0 if last["passed"] else 1)
    if last["text"] is not None:
        assert "def add_them_up" in str(last["text"])


def test_fill_with_hole_refills_that_hole_alone(tmp_path: Path, model_path: Path):
    (tmp_path / "sketch.py").write_text(SKETCH)
    (tmp_path / "fills.py").write_text(FILLS)
    (tmp_path / "examples.json").write_text('[{"args": [[1, 2, 3]], "output": 12}]')
    done = fill(
        "sketch.py",
        "--examples",
        "examples.json",
        "--hole",
        "double",
        "--fills",
        "fills.py",
        "--samples",
        "2",
        "--json",
        cwd=tmp_path,
        model_path=model_path,
    )

    assert done.returncode in (0, 1), done.stderr
    shown = events(done.stdout)
    samples = [event for event in shown if event["event"] == "hole.sample"]
    assert samples and {event["hole"] for event in samples} == {"double"}
    generated = [event for event in shown if event["event"] == "candidate.generated"]
    for event in generated:
        fills = event["fills"]
        assert isinstance(fills, dict)
        assert fills["add_them_up"] == "def add_them_up(xs):\n    return sum(xs)\n"


def test_fill_refuses_a_hole_the_sketch_does_not_have(tmp_path: Path, model_path: Path):
    (tmp_path / "sketch.py").write_text(SKETCH)
    done = fill("sketch.py", "--hole", "triple", cwd=tmp_path, model_path=model_path)

    assert done.returncode == 2
    assert done.stderr == "inlay: The sketch has no hole named `triple`.\n"


def test_fill_on_a_task_file_sees_only_its_train_pairs(tmp_path: Path, model_path: Path):
    (tmp_path / "sketch.py").write_text(
        "import numpy as np\n\n\ndef main(grid: np.ndarray) -> np.ndarray:\n"
        '    return "mirror the grid left to right"(grid)\n'
    )
    task = {
        "train": [{"input": [[1, 2]], "output": [[2, 1]]}, {"input": [[3, 4]], "output": [[4, 3]]}],
        "test": [{"input": [[5, 6, 7]], "output": [[7, 6, 5]]}],
    }
    (tmp_path / "task.json").write_text(json.dumps(task))
    done = fill(
        "sketch.py",
        "--examples",
        "task.json",
        "--samples",
        "1",
        "--json",
        cwd=tmp_path,
        model_path=model_path,
    )

    shown = events(done.stdout)
    assert shown[0]["examples"] == 2
    calls = [str(e["call"]) for e in shown if e["event"] == "example.result"]
    assert calls and not any("7" in call for call in calls)
    assert "5, 6, 7" not in done.stdout
