"""The local model's decoding speed by thread count, on a quiet machine and with a core kept busy.

    .venv/bin/python bench/local_threads.py [--reps 3] [--tokens 64]

For each thread count from 1 to the CPUs this process may use, the model is loaded with that many
llama.cpp threads and writes `--tokens` tokens greedily from one prompt, `--reps` times; then the
same again while another process spins on one core (as another worker, a test run or a browser
would). It prints the median tokens per second of each, so the default of INLAY_LOCAL_THREADS
can be chosen by what holds up when the machine is busy.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from inlay.synthesis.backends import prepare_local_model  # noqa: E402

PROMPT = (
    "<|im_start|>user\nCount from 1 to 500, one number per line.<|im_end|>\n<|im_start|>assistant\n"
)


def spin() -> None:
    while True:
        pass


def rate(threads: int, reps: int, tokens: int) -> float:
    from llama_cpp import Llama

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--tokens", type=int, default=64)
    args = parser.parse_args()
    counts = range(1, len(os.sched_getaffinity(0)) + 1)
    figures: dict[str, float] = {}
    for threads in counts:
        figures[f"quiet_{threads}_threads"] = round(rate(threads, args.reps, args.tokens), 1)
    busy = multiprocessing.Process(target=spin, daemon=True)
    busy.start()
    try:
        for threads in counts:
            figures[f"busy_{threads}_threads"] = round(rate(threads, args.reps, args.tokens), 1)
    finally:
        busy.terminate()
    print(json.dumps({"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), **figures}))


if __name__ == "__main__":
    main()
