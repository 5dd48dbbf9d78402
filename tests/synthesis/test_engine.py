"""The engine with real models: the local one in process, and an OpenAI-compatible server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from apps.sketches.demo import DEMO_SKETCH
from inlay.sketch.examples import Example
from inlay.synthesis.backends import get_backend
from inlay.synthesis.backends.openai_backend import OpenAIBackend
from inlay.synthesis.engine import FillRequest, SketchProblem, check_sketch, fill
from tests.servers import llama_cpp_server

pytestmark = pytest.mark.model

EXAMPLES = [
    Example(([1, 2, 3],), [3, 2, 1]),
    Example(([5],), [5]),
    Example(([4, 0, 7],), [7, 0, 4]),
]


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, kind: str, data: dict[str, Any]) -> None:
        self.events.append((kind, data))

    def kinds(self) -> list[str]:
        return [kind for kind, _ in self.events]

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [data for each, data in self.events if each == kind]


def outcome(data: dict[str, Any]) -> tuple[int, int, int]:
    """A `candidate.tested` event's candidate, examples passed and examples in all."""
    return data["candidate"], data["passed"], data["total"]


@pytest.fixture(scope="module")
def openai_url(model_path: Path) -> Iterator[str]:
    with llama_cpp_server(model_path, api_key="engine-test") as url:
        yield url


def test_the_openai_backend_fills_the_demo_through_a_real_server(openai_url: str):
    record = Recorder()
    backend = OpenAIBackend(base_url=openai_url, api_key="engine-test")
    fill(FillRequest(DEMO_SKETCH, EXAMPLES, samples=2), backend, record)

    assert record.kinds()[0] == "run.started" and record.kinds()[-1] == "run.finished"
    assert record.of("candidate.progress"), "the reply streams in as it is written"
    results = record.of("candidate.tested")
    assert outcome(results[-1])[1:] == (3, 3)
    assert results[-1]["tokens_out"] > 0 and results[-1]["seconds"] > 0
    # Each tested candidate is traced: what its hole received and returned on every example.
    traced = record.of("candidate.traced")
    assert [data["candidate"] for data in traced] == [data["candidate"] for data in results]
    hole = traced[-1]["holes"]["reverse_list"]
    assert hole["observed"]["args"] == ["list[int]"]
    assert hole["observed"]["returns"] == "list[int]"
    first_calls = {call["example"]: call for call in reversed(hole["traced"])}
    assert {n: call["literals"] for n, call in first_calls.items()} == {
        0: ["[1, 2, 3]"],
        1: ["[5]"],
        2: ["[4, 0, 7]"],
    }
    assert first_calls[0]["result_literal"] == "[3, 2, 1]"
    assert traced[-1]["failed_in"] == {}


def test_the_local_model_cut_short_gives_a_sample_that_does_not_parse(model_path: Path):
    record = Recorder()
    request = FillRequest(DEMO_SKETCH, EXAMPLES, samples=1, max_tokens=1)
    fill(request, get_backend("local"), record)

    (sample,) = record.of("hole.sample")
    assert sample["status"] == "invalid" and sample["tokens_out"] == 1
    assert sample["error"].startswith(("The code does not parse", "The model's reply ended"))
    (finished,) = record.of("run.finished")
    assert finished["best"] is None and finished["text"] is None


def test_a_model_that_takes_too_long_costs_its_samples_and_the_run_still_finishes(
    model_path: Path,
):
    record = Recorder()
    request = FillRequest(DEMO_SKETCH, EXAMPLES, samples=2, model_timeout_seconds=0.05)
    fill(request, get_backend("local"), record)

    samples = record.of("hole.sample")
    assert [sample["status"] for sample in samples] == ["invalid", "invalid"]
    assert all("did not finish within 0.05 s" in sample["error"] for sample in samples)
    assert record.kinds()[-1] == "run.finished"
    assert record.of("run.finished")[0]["best"] is None


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("def main(x):\n    return (x\n", "Line 2, column 12: Syntax error: '(' was never closed"),
        ("def main(x):\n    return x\n", "The sketch has no holes to fill."),
        ('def f(x):\n    return "g"(x)\n\ndef h(x):\n    return "g"(x)\n', "Cannot tell which"),
    ],
)
def test_a_sketch_that_cannot_be_filled_is_refused_with_a_reason(source: str, message: str):
    with pytest.raises(SketchProblem, match=message.replace("(", r"\(")):
        check_sketch(source)
