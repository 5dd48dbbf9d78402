"""The local backend, with the real Qwen2.5-Coder-0.5B-Instruct model."""

from __future__ import annotations

import os
import re
from collections.abc import Generator

import pytest

from inlay.sandbox import run_examples
from inlay.synthesis.backends import (
    BackendError,
    BackendTimeoutError,
    GenerationOptions,
    Message,
    ModelBackend,
    Usage,
    get_backend,
)
from inlay.synthesis.engine import BODY_GRAMMAR

pytestmark = pytest.mark.model

COUNTING_PROMPT = [Message("user", "Count from 1 to 300, one number per line.")]


@pytest.fixture(scope="module")
def backend() -> ModelBackend:
    return get_backend("local")


def code_block(reply: str) -> str:
    match = re.search(r"```(?:python)?\n(.*?)```", reply, re.DOTALL)
    return match.group(1) if match else reply


def test_it_writes_a_working_function(
    backend: ModelBackend, reverse_list_prompt: list[Message]
) -> None:
    options = GenerationOptions(max_tokens=128, temperature=0.0)

    chunks = list(backend.stream_chat(reverse_list_prompt, options))

    assert len(chunks) >= 5, chunks
    # Generated code runs only in the sandbox, in tests too.
    (result,) = run_examples(
        code_block("".join(chunks)), "reverse_list", [(([1, 2, 3],), [3, 2, 1])]
    )
    assert result.status == "pass", result


def test_it_stops_at_the_timeout(backend: ModelBackend) -> None:
    # Counting to 1,024 tokens takes the 0.5B model tens of seconds on 2 cores: a reply cut at
    # 2 s stops far short of that, however loaded the machine is (no wall-clock assertion here).
    options = GenerationOptions(max_tokens=1024, timeout_seconds=2.0)
    chunks: list[str] = []

    with pytest.raises(BackendTimeoutError, match=r"did not finish within 2 s"):
        for chunk in backend.stream_chat(COUNTING_PROMPT, options):
            chunks.append(chunk)

    assert len(chunks) < 1024


def test_a_stream_closed_early_frees_the_model(
    backend: ModelBackend, reverse_list_prompt: list[Message]
) -> None:
    abandoned = backend.stream_chat(COUNTING_PROMPT, GenerationOptions(max_tokens=1024))
    assert isinstance(abandoned, Generator)
    next(abandoned)
    abandoned.close()

    # The abandoned generation let go of the model at once: the next one can start.
    generation_lock = backend._generation_lock  # type: ignore[attr-defined]
    assert not generation_lock.locked()
    options = GenerationOptions(max_tokens=16, timeout_seconds=120.0)
    assert "".join(backend.stream_chat(reverse_list_prompt, options))


def test_a_prompt_longer_than_the_context_is_refused(backend: ModelBackend) -> None:
    too_long = [Message("user", "word " * 5000)]

    with pytest.raises(
        BackendError, match=r"Requested tokens \(\d+\) exceed context window of 4096"
    ):
        list(backend.stream_chat(too_long, GenerationOptions(max_tokens=8)))


SUM_PROMPT = [
    Message("system", "You are an expert Python programmer."),
    Message("user", "Complete the function."),
    Message(
        "assistant",
        '```python\ndef total(xs: list[int]) -> int:\n    """The sum of the items."""\n',
    ),
]


def test_a_final_assistant_message_is_continued_not_answered_anew(backend: ModelBackend) -> None:
    options = GenerationOptions(max_tokens=64, stop=("```",))
    body = "".join(backend.stream_chat(SUM_PROMPT, options))

    # The reply is the body only: no second signature, no docstring written again.
    assert "def total" not in body and '"""' not in body
    code = SUM_PROMPT[-1].content.removeprefix("```python\n") + body
    (result,) = run_examples(code, "total", [(([1, 2, 3],), 6)])
    assert result.status == "pass", (code, result)


def test_the_body_grammar_keeps_the_reply_one_indented_function_body(
    backend: ModelBackend,
) -> None:
    # A reply begun at the margin, asked for calls at the margin: free, the model writes them
    # there; the grammar lets it write only indented lines, then the closing fence.
    prompt = [
        Message("system", "You are an expert Python programmer."),
        Message("user", "Write three calls of print() showing total([1, 2]), one per line."),
        Message("assistant", "```python\n"),
    ]
    free = "".join(backend.stream_chat(prompt, GenerationOptions(max_tokens=60)))
    options = GenerationOptions(max_tokens=200, grammar=BODY_GRAMMAR)
    constrained = "".join(backend.stream_chat(prompt, options))

    assert any(line and not line[0].isspace() for line in free.split("```")[0].splitlines())
    lines = constrained.removesuffix("```").splitlines()
    assert lines and all(line.startswith(("    ", "\t")) or not line.strip() for line in lines)
    assert constrained.endswith("```")


def test_samples_of_one_prompt_reuse_the_evaluated_prompt(backend: ModelBackend) -> None:
    first, second = Usage(), Usage()
    options = GenerationOptions(max_tokens=8, stop=("```",))
    list(backend.stream_chat(COUNTING_PROMPT, GenerationOptions(max_tokens=4)))  # another prompt
    list(backend.stream_chat(SUM_PROMPT, options, first))
    list(backend.stream_chat(SUM_PROMPT, GenerationOptions(max_tokens=8, seed=3), second))

    assert first.tokens_in == second.tokens_in > 20
    assert first.tokens_cached < first.tokens_in // 2  # after another prompt, little is shared
    assert second.tokens_cached >= second.tokens_in - 1  # the same prompt: all of it again
    assert 0 < first.tokens_out <= 8


def test_it_decodes_with_the_cores_other_processes_leave(
    backend: ModelBackend, reverse_list_prompt: list[Message], a_busy_core: int, monkeypatch
) -> None:
    monkeypatch.delenv("INLAY_LOCAL_THREADS", raising=False)
    cores = len(os.sched_getaffinity(0))
    options = GenerationOptions(max_tokens=16, timeout_seconds=120.0)
    # The spinner may take a moment to show: the backend looks again once its choice is old.
    for _ in range(3):
        backend._threads._chosen = None  # type: ignore[attr-defined]
        assert "".join(backend.stream_chat(reverse_list_prompt, options))
        if backend._threads_set < cores:  # type: ignore[attr-defined]
            break
    assert backend._threads_set == cores - 1  # type: ignore[attr-defined]
