"""How soon a fill shows something: the first streamed token and the first tested candidate.

    .venv/bin/python bench/first_candidate.py [--reps 5] [--backend local]

Fills the demo sketch (one function hole, three examples) with the model warm (one fill runs first,
unmeasured) but its prompt not cached (an unrelated generation runs before each measurement, as
another user's sketch would), one sample a run, `--reps` times, and reports the median seconds from
the call to `fill` to the first `candidate.progress` carrying model text, and to the first
`candidate.tested`. As the baseline, in the same run, the backend alone is timed to its first chunk
on the same prompt: the engine's overhead is the difference, and the ratio says how much of the wait
is the model's own.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from apps.sketches.demo import DEMO_SKETCH  # noqa: E402
from inlay.sketch import parse_sketch  # noqa: E402
from inlay.sketch.examples import Example  # noqa: E402
from inlay.synthesis.backends import GenerationOptions, Message, get_backend  # noqa: E402
from inlay.synthesis.engine import FillRequest, fill  # noqa: E402
from inlay.synthesis.prompts import hole_prompt  # noqa: E402

EXAMPLES = [
    Example(([1, 2, 3],), [3, 2, 1]),
    Example(([5],), [5]),
    Example(([4, 0, 7, 7],), [7, 7, 0, 4]),
]


def prefix() -> str:
    sketch = parse_sketch(DEMO_SKETCH)
    return hole_prompt(sketch, sketch.hole("reverse_list"), EXAMPLES, prefill=True).prefix


def one_fill(backend: Any) -> tuple[float, float]:
    marks: dict[str, float] = {}
    written = len(prefix()) if backend.continues_replies else 0
    began = time.monotonic()

    def emit(kind: str, data: dict[str, Any]) -> None:
        now = time.monotonic() - began
        if kind == "candidate.progress" and len(data["reply"]) > written:
            marks.setdefault("token", now)  # past the prefilled signature and docstring
        if kind == "candidate.tested":
            marks.setdefault("tested", now)

    fill(FillRequest(DEMO_SKETCH, EXAMPLES, samples=1), backend, emit)
    return marks["token"], marks["tested"]


def backend_first_chunk(backend: Any) -> float:
    sketch = parse_sketch(DEMO_SKETCH)
    prompt = hole_prompt(sketch, sketch.hole("reverse_list"), EXAMPLES, prefill=True)
    began = time.monotonic()
    stream = backend.stream_chat(prompt.messages, GenerationOptions(max_tokens=8))
    next(iter(stream))
    seconds = time.monotonic() - began
    stream.close()
    return seconds


def evict(backend: Any) -> None:
    """Leave another prompt in the model's cache."""
    other = [Message("user", "Name three colours.")]
    list(backend.stream_chat(other, GenerationOptions(max_tokens=4)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--backend", default="local")
    args = parser.parse_args()
    backend = get_backend(args.backend)
    one_fill(backend)  # load and warm the model
    tokens, tested, baseline = [], [], []
    for _ in range(args.reps):
        evict(backend)
        token, candidate = one_fill(backend)
        tokens.append(token)
        tested.append(candidate)
        evict(backend)
        baseline.append(backend_first_chunk(backend))
    token, candidate, alone = (statistics.median(v) for v in (tokens, tested, baseline))
    print(
        json.dumps(
            {
                "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                "reps": args.reps,
                "first_token_seconds": round(token, 3),
                "first_tested_seconds": round(candidate, 3),
                "backend_first_chunk_seconds": round(alone, 3),
                "first_token_over_backend": round(token / alone, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
