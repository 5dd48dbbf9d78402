"""The embedded backend: Qwen2.5-Coder-0.5B-Instruct run in-process by llama.cpp on the CPU.

The chat is rendered in the model's own ChatML here rather than by llama-cpp-python's chat
handler, so that a final assistant message is continued (the engine's prefill) instead of closed.
llama.cpp keeps the evaluated prompt and reuses its longest common prefix on the next call, so
samples of one hole, whose prompts are the same, evaluate only what differs; `Usage.tokens_cached`
reports how much was reused.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import importlib
import os
import random
import threading
import time
from collections.abc import Generator, Iterator, Sequence
from typing import TYPE_CHECKING, Any, cast

from .base import GenerationOptions, Message, Usage
from .errors import BackendConfigError, BackendTimeoutError, GenerationError, ModelFileError
from .threads import ThreadChooser
from .weights import prepare_local_model

if TYPE_CHECKING:
    from llama_cpp import Llama
    from llama_cpp.llama_grammar import LlamaGrammar
    from llama_cpp.llama_types import CreateCompletionStreamResponse

    StreamedChunks = Generator[CreateCompletionStreamResponse, None, None]

# Sketch prompts carry the surrounding code of a hole; 4096 tokens leaves room for that plus the
# fill, and its KV cache costs only about 50 MB with this model.
CONTEXT_TOKENS = 4096


class LocalBackend:
    """Loads the model on first use and serves one generation at a time.

    A llama.cpp context is not thread-safe, so a generation holds a lock until its stream is
    exhausted or closed; other threads wait for it, within their own timeout.
    """

    name = "local"
    continues_replies = True

    def __init__(self) -> None:
        self._llama: Llama | None = None
        self._load_lock = threading.Lock()
        self._generation_lock = threading.Lock()
        self._threads = ThreadChooser()
        self._threads_set = 0

    def stream_chat(
        self, messages: Sequence[Message], options: GenerationOptions, usage: Usage | None = None
    ) -> Iterator[str]:
        deadline = time.monotonic() + options.timeout_seconds
        llama = self._loaded_model()
        if not self._generation_lock.acquire(timeout=max(0.0, deadline - time.monotonic())):
            raise BackendTimeoutError(
                f"The local model stayed busy with another request for "
                f"{options.timeout_seconds:g} s; try again later."
            )
        try:
            yield from self._generate(llama, messages, options, deadline, usage or Usage())
        finally:
            self._generation_lock.release()

    def _use_threads(self, llama: Llama) -> None:
        """Decode with INLAY_LOCAL_THREADS threads, or with the cores other processes leave."""
        import llama_cpp

        threads = _thread_count() or self._threads.threads()
        if threads != self._threads_set:
            llama_cpp.llama_set_n_threads(llama.ctx, threads, threads)
            self._threads_set = threads

    def _generate(
        self,
        llama: Llama,
        messages: Sequence[Message],
        options: GenerationOptions,
        deadline: float,
        usage: Usage,
    ) -> Iterator[str]:
        self._use_threads(llama)
        prompt = chatml(messages)
        tokens = llama.tokenize(prompt.encode("utf-8"), add_bos=False, special=True)
        usage.tokens_in = len(tokens)
        usage.tokens_cached = _cached_prefix(llama, tokens)
        # With stream=True llama-cpp-python returns a generator, whose close() stops generation.
        chunks = cast(
            "StreamedChunks",
            llama.create_completion(
                prompt=tokens,
                stream=True,
                temperature=options.temperature,
                max_tokens=options.max_tokens,
                stop=list(options.stop),
                grammar=_grammar(options.grammar) if options.grammar else None,
                # Without a seed, llama-cpp-python would replay the same sequence in every process.
                seed=options.seed if options.seed is not None else random.getrandbits(31),
            ),
        )
        written = []
        try:
            for chunk in chunks:
                text = chunk["choices"][0]["text"]
                if text:
                    written.append(text)
                    yield text
                # Checked between tokens: a long prompt's evaluation cannot be interrupted, so the
                # first chunk may arrive after the deadline by that much.
                if time.monotonic() > deadline:
                    raise BackendTimeoutError(
                        f"The local model did not finish within {options.timeout_seconds:g} s."
                    )
        except ValueError as error:
            # llama-cpp-python reports a prompt longer than the context window this way.
            raise GenerationError(f"The local model could not generate: {error}") from error
        finally:
            # Stops generation at once when we stop early or the caller closes our stream.
            chunks.close()
            # Counted from the text: a chunk of the stream may carry several tokens, held back
            # while they could start a stop sequence.
            reply = "".join(written).encode("utf-8")
            usage.tokens_out = len(llama.tokenize(reply, add_bos=False)) if reply else 0

    def _loaded_model(self) -> Llama:
        # Double-checked so that concurrent first requests in one worker load the model only once.
        if self._llama is None:
            with self._load_lock:
                if self._llama is None:
                    self._llama = _load_model()
        return self._llama


def _load_model() -> Llama:
    # Imported here so that importing the backends (e.g. in the web process) does not load
    # libllama, and only processes that generate locally pay for it.
    from llama_cpp import Llama

    # Verifies the sha256 on every load: about 0.3 s with a warm page cache, cheap beside loading.
    path = prepare_local_model()
    try:
        with loading_for_this_cpu():
            llama = Llama(
                model_path=str(path),
                n_ctx=CONTEXT_TOKENS,
                # Set again before each generation (LocalBackend._use_threads).
                n_threads=_thread_count() or 1,
                verbose=False,
            )
    except ValueError as error:
        raise ModelFileError(f"llama.cpp could not load the model file {path}: {error}") from error
    # Freed before interpreter shutdown: left to __del__, llama.cpp's free functions may already
    # be torn down and every exiting process prints a TypeError traceback.
    atexit.register(llama.close)
    return llama


_PARAMS_LOCK = threading.Lock()


@contextlib.contextmanager
def _weights_repacked(allowed: bool) -> Iterator[None]:
    """Load with llama.cpp's extra buffer types (weights repacked for the CPU's kernels) or
    without. llama-cpp-python does not take the setting as an argument, so the default model
    parameters it starts from are wrapped while the model loads."""
    if allowed:
        yield
        return
    bindings: Any = importlib.import_module("llama_cpp.llama_cpp")  # what Llama calls
    defaults = bindings.llama_model_default_params

    def without_extra_buffers() -> Any:
        params = defaults()
        params.use_extra_bufts = False
        return params

    with _PARAMS_LOCK:
        bindings.llama_model_default_params = without_extra_buffers
        try:
            yield
        finally:
            bindings.llama_model_default_params = defaults


def loading_for_this_cpu() -> contextlib.AbstractContextManager[None]:
    """Models loaded inside it load as this CPU allows (see `_repack_allowed`): also for
    llama-cpp-python's own server, run inside it (tests/servers.py)."""
    return _weights_repacked(_repack_allowed())


def _repack_allowed() -> bool:
    """Whether to repack the weights for the CPU: not where the CPU has AMX. llama.cpp built
    natively on such a CPU (a Xeon with amx_int8, here under Firecracker) moves the weights to its
    AMX buffer and dies with a segmentation fault in the first decode; without the extra buffers
    the same build generates (2026-12-02). INLAY_LOCAL_REPACK=1 or 0 overrides."""
    configured = os.environ.get("INLAY_LOCAL_REPACK")
    if configured in ("0", "1"):
        return configured == "1"
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as cpuinfo:
            return "amx_int8" not in cpuinfo.read()
    except OSError:
        return True


def chatml(messages: Sequence[Message]) -> str:
    """The chat as Qwen2.5's ChatML template writes it, the model's turn opened; a final assistant
    message is left open, to be continued."""
    turns = [f"<|im_start|>{m.role}\n{m.content}<|im_end|>\n" for m in messages]
    if messages and messages[-1].role == "assistant":
        return "".join(turns[:-1]) + f"<|im_start|>assistant\n{messages[-1].content}"
    return "".join(turns) + "<|im_start|>assistant\n"


def _cached_prefix(llama: Llama, tokens: Sequence[int]) -> int:
    """How many of `tokens` llama.cpp still holds evaluated from the previous call."""
    from llama_cpp import Llama

    return int(Llama.longest_token_prefix(llama.input_ids[: llama.n_tokens].tolist(), tokens))


@functools.lru_cache(maxsize=8)
def _grammar(text: str) -> LlamaGrammar:
    from llama_cpp.llama_grammar import LlamaGrammar

    try:
        return LlamaGrammar.from_string(text, verbose=False)
    except ValueError as error:
        raise BackendConfigError(f"The grammar for the local model is invalid: {error}") from error


def _thread_count() -> int | None:
    """INLAY_LOCAL_THREADS, or None where it is not set: then each generation takes the cores
    other processes leave (`threads.ThreadChooser`)."""
    configured = os.environ.get("INLAY_LOCAL_THREADS")
    if not configured:
        return None
    try:
        threads = int(configured)
    except ValueError:
        threads = 0
    if threads < 1:
        raise BackendConfigError(
            f"INLAY_LOCAL_THREADS must be a positive whole number, not {configured!r}."
        )
    return threads
