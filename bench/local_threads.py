"""The local model's decoding speed by thread count, on a quiet machine and with a core kept busy.

    .venv/bin/python bench/local_threads.py [--reps 3] [--tokens 64]

For each thread count from 1 to the CPUs this process may use, the model is loaded with that many
llama.cpp threads and writes `--tokens` tokens greedily from one prompt, `--reps` times; then the
same again while another process spins on one core (as another worker, a test run or a browser
would). It prints the median tokens per second of each, and of the backend itself choosing its
threads before each generation (INLAY_LOCAL_THREADS unset; `threads.ThreadChooser`), with the
threads it chose, so the choice can be compared with each fixed count in the same run.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import multiprocessing
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from inlay.synthesis.backends import (  # noqa: E402
    GenerationOptions,
    Message,
    Usage,
    prepare_local_model,
)
from inlay.synthesis.backends.local import LocalBackend, loading_for_this_cpu  # noqa: E402

PROMPT = (
    "<|im_start|>user\nCount from 1 to 500, one number per line.<|im_end|>\n<|im_start|>assistant\n"
)


def spin() -> None:
    while True:
        pass


def rate(threads: int, reps: int, tokens: int) -> float:
    from llama_cpp import Llama

    with loading_for_this_cpu():  # as the backend loads it (docs/models.md, "CPUs with AMX")
        llama = Llama(str(prepare_local_model()), n_ctx=1024, n_threads=threads, verbose=False)
    rates = []
    for _ in range(reps):
        llama.reset()  # type: ignore[no-untyped-call]
        began = time.monotonic()
        out = llama.create_completion(PROMPT, max_tokens=tokens, temperature=0.0)
        count = out["usage"]["completion_tokens"]  # type: ignore[index]
        rates.append(count / (time.monotonic() - began))
    llama.close()
    return statistics.median(rates)


def rate_chosen(reps: int, tokens: int) -> tuple[float, list[int]]:
    """The backend's own rate, its threads chosen before each generation (INLAY_LOCAL_THREADS
    unset): the time to look at the cores is counted in. Also the threads it chose."""
    os.environ.pop("INLAY_LOCAL_THREADS", None)
    backend = LocalBackend()
    messages = [Message("user", "Count from 1 to 500, one number per line.")]
    options = GenerationOptions(max_tokens=tokens, temperature=0.0)
    # The first generation loads the model.
    "".join(backend.stream_chat(messages, dataclasses.replace(options, max_tokens=4)))
    rates, chosen = [], []
    for _ in range(reps):
        backend._threads._chosen = None  # each generation looks at the cores afresh
        usage = Usage()
        began = time.monotonic()
        "".join(backend.stream_chat(messages, options, usage))
        rates.append(usage.tokens_out / (time.monotonic() - began))
        chosen.append(backend._threads_set)
    return statistics.median(rates), chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--tokens", type=int, default=64)
    args = parser.parse_args()
    counts = range(1, len(os.sched_getaffinity(0)) + 1)
    figures: dict[str, float] = {}
    for threads in counts:
        figures[f"quiet_{threads}_threads"] = round(rate(threads, args.reps, args.tokens), 1)
    quiet_chosen, quiet_threads = rate_chosen(args.reps, args.tokens)
    figures["quiet_chosen"] = round(quiet_chosen, 1)
    busy = multiprocessing.Process(target=spin, daemon=True)
    busy.start()
    try:
        for threads in counts:
            figures[f"busy_{threads}_threads"] = round(rate(threads, args.reps, args.tokens), 1)
        busy_chosen, busy_threads = rate_chosen(args.reps, args.tokens)
        figures["busy_chosen"] = round(busy_chosen, 1)
    finally:
        busy.terminate()
    chosen = {"threads_chosen_quiet": quiet_threads, "threads_chosen_busy": busy_threads}
    date = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    print(json.dumps({"date": date, **figures, **chosen}))


if __name__ == "__main__":
    main()
