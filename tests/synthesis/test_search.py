"""The engine's search, hole by hole: pools, checks, repair, ranking, budgets and cancelling.

A scripted OpenAI-compatible server plays a model whose replies are known in advance, so each test
can show that one mechanism changes the outcome; tests/backends pins the real protocol against
llama.cpp's server, and test_engine drives the real local model.
"""

from __future__ import annotations

from textwrap import dedent

import pytest

from apps.sketches.demo import DEMO_SKETCH
from inlay.sketch.examples import Example
from inlay.synthesis.backends.openai_backend import OpenAIBackend
from inlay.synthesis.engine import FillRequest, SketchProblem, fill
from inlay.synthesis.prompts import Rejection
from tests.clarify_scenario import REPLIES, SKETCH
from tests.servers import ScriptedModelServer, scripted_model
from tests.synthesis.test_engine import EXAMPLES, Recorder, outcome


def fenced(code: str) -> str:
    return f"```python\n{dedent(code).strip()}\n```"


def run(
    replies: list[str], request: FillRequest, cancelled=lambda: False
) -> tuple[Recorder, ScriptedModelServer]:
    record = Recorder()
    with scripted_model(replies) as model:
        backend = OpenAIBackend(base_url=model.base_url, api_key="k", model="scripted")
        fill(request, backend, record, cancelled)
    return record, model


def prompt_of(model: ScriptedModelServer, number: int) -> str:
    messages = model.requests[number]["messages"]
    assert isinstance(messages, list)
    return "\n".join(message["content"] for message in messages)


REVERSED = fenced("def reverse_list(xs):\n    return xs[::-1]")
SORTED = fenced("def reverse_list(xs):\n    return sorted(xs, reverse=True)")
FIRST_ONLY = fenced("def reverse_list(xs):\n    return xs[:1]")

TWO_HOLES = dedent(
    '''\
    def double_all(xs: list[int]) -> list[int]:
        """Each item times two.

        >>> double_all([1, 2])
        [2, 4]
        """


    def total(xs: list[int]) -> int:
        """The sum of the items.

        >>> total([1, 2, 3])
        6
        """


    def main(xs: list[int]) -> int:
        return total(double_all(xs))
    '''
)


def test_each_hole_is_tested_alone_and_the_samples_that_pass_are_combined() -> None:
    replies = [
        # Round 0: both holes' greedy samples; `total` is wrong on its own example.
        fenced("def double_all(xs):\n    return [x * 2 for x in xs]"),
        fenced("def total(xs):\n    return max(xs)"),
        # Round 1: a new sample of `double_all`, a repair of `total`.
        fenced("def double_all(xs):\n    return [x + x for x in xs]"),
        fenced("def total(xs):\n    return sum(xs)"),
    ]
    examples = [Example(([1, 2, 3],), 12), Example(([5],), 10)]
    record, model = run(replies, FillRequest(TWO_HOLES, examples, samples=2))

    samples = record.of("hole.sample")
    own = {(s["hole"], s["sample"]): (s["passed"], s["total"]) for s in samples}
    assert own == {
        ("double_all", 0): (1, 1),
        ("total", 0): (0, 1),
        ("double_all", 1): (1, 1),
        ("total", 1): (1, 1),
    }
    assert [s["origin"] for s in samples if s["hole"] == "total"] == ["greedy", "repair"]
    # The repair was told what went wrong, with the values.
    assert "`total([1, 2, 3])` should return `6`, but it returned `3`." in prompt_of(model, 3)
    results = [outcome(data) for data in record.of("candidate.tested")]
    assert results == [(0, 1, 2), (1, 2, 2)]
    (generated,) = [d for d in record.of("candidate.generated") if d["candidate"] == 1]
    assert generated["fills"]["total"].endswith("return sum(xs)\n")
    # The combination kept the first sample of `double_all`: it passed alone, and is older.
    assert "return [x * 2 for x in xs]" in generated["fills"]["double_all"]
    assert record.of("run.finished")[0]["passed"] is True


def test_a_repair_round_turns_a_failing_candidate_into_a_passing_one() -> None:
    record, model = run([FIRST_ONLY, REVERSED], FillRequest(DEMO_SKETCH, EXAMPLES, samples=2))

    assert [s["origin"] for s in record.of("hole.sample")] == ["greedy", "repair"]
    repair = prompt_of(model, 1)
    assert "This version is wrong" in repair and "return xs[:1]" in repair
    assert "`main([1, 2, 3])` should return `[3, 2, 1]`, but it returned `[1]`." in repair
    assert [outcome(d) for d in record.of("candidate.tested")] == [(0, 1, 3), (1, 3, 3)]
    assert record.of("run.finished")[0]["best"] == 1


def test_a_fill_the_user_rejected_is_never_offered_again() -> None:
    rejected = [Rejection("reverse_list", "def reverse_list(xs):\n    return xs[::-1]", "slow")]
    request = FillRequest(DEMO_SKETCH, EXAMPLES, samples=2, rejected=rejected)
    record, model = run([REVERSED, SORTED], request)

    statuses = [s["status"] for s in record.of("hole.sample")]
    assert statuses == ["rejected", "ok"]
    assert all("xs[::-1]" not in d["text"] for d in record.of("candidate.generated"))
    # The reason reached the prompt.
    assert "The user rejected this version of `reverse_list` (slow)" in prompt_of(model, 0)


def test_a_wrong_arity_example_is_refused_before_any_model_call() -> None:
    examples = [Example(([1],), [1]), Example(([1, 2], 3), [2, 1])]
    with scripted_model([REVERSED]) as model:
        backend = OpenAIBackend(base_url=model.base_url, api_key="k", model="scripted")
        with pytest.raises(SketchProblem, match=r"Example 2 gives 2 arguments, but `main` takes 1"):
            fill(FillRequest(DEMO_SKETCH, examples), backend, Recorder())
        assert model.requests == []


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (fenced("def reverse_list(xs:\n    return xs"), "The code does not parse"),
        (
            fenced("def flip(xs):\n    return xs[::-1]"),
            "The code defines no function `reverse_list`.",
        ),
        (
            fenced("def reverse_list(xs, ys):\n    return xs[::-1]"),
            "`reverse_list` takes 2 arguments, but the sketch calls it with 1.",
        ),
    ],
)
def test_a_fill_that_cannot_work_is_refused_before_it_runs(reply: str, error: str) -> None:
    record, _ = run([reply], FillRequest(DEMO_SKETCH, EXAMPLES, samples=1))

    (sample,) = record.of("hole.sample")
    assert sample["status"] == "invalid" and sample["error"].startswith(error)
    assert not record.of("example.result")


def test_a_fill_calling_a_name_defined_nowhere_is_refused_before_it_runs() -> None:
    reply = fenced("def reverse_list(xs):\n    return flipped(xs)")
    record, _ = run([reply], FillRequest(DEMO_SKETCH, EXAMPLES, samples=1))

    (invalid,) = record.of("candidate.invalid")
    assert invalid["error"] == "The code uses names that are defined nowhere: `flipped`."
    assert not record.of("example.result")


def test_with_few_examples_the_candidate_most_samples_agree_with_is_chosen() -> None:
    # One example, which a wrong program passes too: agreement on further inputs decides.
    examples = [Example(([2, 1],), [1, 2])]
    wrong = fenced("def reverse_list(xs):\n    return sorted(xs)")
    right_again = fenced("def reverse_list(xs):\n    return list(reversed(xs))")
    request = FillRequest(DEMO_SKETCH, examples, samples=4)
    record, _ = run([wrong, REVERSED, right_again, REVERSED], request)

    (ranked,) = record.of("run.ranked")
    finished = record.of("run.finished")[0]
    assert ranked["groups"] == [[1, 2], [0]]
    assert finished["best"] == 1 and "xs[::-1]" in finished["text"]
    assert "3 of 4 passing samples agree with it" in finished["why"]


def test_a_sketch_of_200_kb_fills_with_a_prompt_of_its_neighbourhood() -> None:
    filler = "".join(
        f'def helper_{n}(value: int) -> int:\n    """Helper number {n}."""\n'
        f"    return value + {n}\n\n\n"
        for n in range(2600)
    )
    sketch = filler + DEMO_SKETCH
    assert len(sketch.encode()) > 200_000
    record, model = run([REVERSED], FillRequest(sketch, EXAMPLES, samples=1))

    assert len(prompt_of(model, 0)) < 12_000
    assert "def main(xs: list[int]) -> list[int]:" in prompt_of(model, 0)
    assert [outcome(d) for d in record.of("candidate.tested")] == [(0, 3, 3)]


def test_a_run_spends_no_more_samples_than_its_budget() -> None:
    request = FillRequest(DEMO_SKETCH, EXAMPLES, samples=6, budget_seconds=0.0)
    record, model = run([FIRST_ONLY] * 6, request)

    assert len(model.requests) == 0
    assert record.kinds() == ["run.started", "run.finished"]


def test_a_cancelled_run_stops_and_says_so() -> None:
    asked = []

    def cancelled() -> bool:
        asked.append(True)
        return len(asked) > 3

    record, model = run([FIRST_ONLY] * 6, FillRequest(DEMO_SKETCH, EXAMPLES), cancelled)

    assert record.kinds()[-1] == "run.cancelled"
    assert "run.finished" not in record.kinds()
    assert len(model.requests) < 6


def test_without_examples_candidates_are_ranked_on_inputs_the_model_proposes() -> None:
    replies = [
        FIRST_ONLY,
        "```python\nmain([1, 2, 3])\nprint(main([]))\nmain([4, 4, 5])\n```",
        REVERSED,
        fenced("def reverse_list(xs):\n    return list(reversed(xs))"),
        fenced("def reverse_list(xs):\n    out = list(xs)\n    out.reverse()\n    return out"),
    ]
    record, model = run(replies, FillRequest(DEMO_SKETCH, [], samples=6))

    (inputs,) = record.of("run.inputs")
    assert inputs["inputs"] == ["([1, 2, 3],)", "([],)", "([4, 4, 5],)"]
    assert "calls of `main`" in prompt_of(model, 1)
    finished = record.of("run.finished")[0]
    # Three samples reverse, one keeps the first item: the three agree, and win.
    assert finished["best"] == 1 and "xs[::-1]" in finished["text"]
    assert "3 of 4 samples agree with it" in finished["why"]
    assert "the model proposed" in finished["why"]
    asked = [n for n in range(len(model.requests)) if "calls of `main`" in prompt_of(model, n)]
    assert asked == [1]  # once a run


def test_one_hole_is_refilled_with_the_other_holes_fills_held() -> None:
    kept = "def double_all(xs):\n    return [x * 2 for x in xs]\n"
    request = FillRequest(
        TWO_HOLES,
        [Example(([1, 2, 3],), 12)],
        samples=1,
        holes=["total"],
        fixed={"double_all": kept},
    )
    record, model = run([fenced("def total(xs):\n    return sum(xs)")], request)

    assert len(model.requests) == 1 and "missing the function `total`" in prompt_of(model, 0)
    assert [s["hole"] for s in record.of("hole.sample")] == ["total"]
    (generated,) = record.of("candidate.generated")
    assert generated["fills"]["double_all"] == kept
    assert record.of("run.finished")[0]["passed"] is True


def test_refilling_one_hole_needs_fills_for_the_others() -> None:
    request = FillRequest(TWO_HOLES, [], holes=["total"])
    with pytest.raises(SketchProblem, match="none is given for `double_all`"):
        run([], request)
    with pytest.raises(SketchProblem, match="no hole named `sum_up`"):
        run([], FillRequest(TWO_HOLES, [], holes=["sum_up"]))


def test_a_round_of_several_holes_stops_asking_the_model_once_the_budget_is_spent() -> None:
    # The first hole's reply takes about 2 s (0.5 s a chunk); the run's budget is 1 s, so the
    # second hole of the same round is never asked (before, the budget was read per round).
    examples = [Example(([[1, 2], [0, 0]],), [[0, 0], [2, 1]])]
    request = FillRequest(SKETCH, examples, filler="model", samples=1, budget_seconds=1.0)
    record = Recorder()
    with scripted_model([], by_hole=REPLIES, chunk_seconds=0.5) as model:
        backend = OpenAIBackend(base_url=model.base_url, api_key="k", model="scripted")
        fill(request, backend, record)
    assert len(model.requests) == 1
    assert record.kinds()[-1] == "run.finished"
