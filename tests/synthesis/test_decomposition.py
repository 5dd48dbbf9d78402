"""Decomposition in the engine: a fill that leaves holes of its own is completed round by round.

A scripted OpenAI-compatible server stands in for a model that decomposes on demand (the small
local model does so only by chance); tests/backends pins the real protocol against llama.cpp's.
"""

from __future__ import annotations

from apps.sketches.demo import DEMO_SKETCH
from inlay.sandbox import run_examples
from inlay.sketch import parse_sketch
from inlay.synthesis.backends.openai_backend import OpenAIBackend
from inlay.synthesis.engine import ROUNDS, FillRequest, fill
from tests.servers import scripted_model
from tests.synthesis.test_engine import EXAMPLES, Recorder, outcome

DECOMPOSED = """```python
def reverse_list(xs: list[int]) -> list[int]:
    return "the items from last to first"(xs)
```"""
SUB_FILL = """```python
def the_items_from_last_to_first(xs):
    return xs[::-1]
```"""


def test_a_fill_with_a_hole_of_its_own_gets_that_hole_filled_next() -> None:
    record = Recorder()
    with scripted_model([DECOMPOSED, SUB_FILL]) as model:
        backend = OpenAIBackend(base_url=model.base_url, api_key="k", model="scripted")
        fill(FillRequest(DEMO_SKETCH, EXAMPLES, samples=1), backend, record)
        messages = model.requests[1]["messages"]
        assert isinstance(messages, list)
        second_prompt = "\n".join(message["content"] for message in messages)

    (generated,) = record.of("candidate.generated")
    assert set(generated["fills"]) == {"reverse_list", "the_items_from_last_to_first"}
    assert not parse_sketch(generated["text"]).holes
    # The sub-hole was asked for with the patched sketch around it, typed from its use.
    assert "    return the_items_from_last_to_first(xs)\n" in second_prompt
    assert "def the_items_from_last_to_first(xs: list[int]) -> list[int]:" in second_prompt
    assert [outcome(data) for data in record.of("candidate.tested")] == [(0, 3, 3)]
    (traced,) = record.of("candidate.traced")
    assert traced["holes"]["the_items_from_last_to_first"]["observed"]["args"] == ["list[int]"]
    cases = [(example.args, example.output) for example in EXAMPLES]
    assert all(r.status == "pass" for r in run_examples(generated["text"], "main", cases))


def test_a_fill_that_keeps_opening_holes_is_invalid_and_says_which() -> None:
    endless = [
        f'```python\ndef {name}(xs):\n    return "step {n}"(xs)\n```'
        for n, name in enumerate(["reverse_list", "step_0", "step_1", "step_2"])
    ]
    record = Recorder()
    with scripted_model(endless) as model:
        backend = OpenAIBackend(base_url=model.base_url, api_key="k", model="scripted")
        fill(FillRequest(DEMO_SKETCH, EXAMPLES, samples=1), backend, record)

    (invalid,) = record.of("candidate.invalid")
    assert invalid["error"] == f"The fills still leave holes after {ROUNDS} rounds: `step_2`."
    assert not record.of("candidate.tested")
