"""A two-hole grid sketch and a scripted model that gets its first hole wrong: the scenario of
the clarification tests (tests/ide, tests/browser) and of docs/screenshots.py. No Django here."""

from __future__ import annotations

from tests.servers import ScriptedModelServer

TURN = "turn_the_grid_upside_down"
SWAP = "swap_red_and_blue"
SKETCH = """def main(grid: np.ndarray) -> np.ndarray:
    turned = "turn the grid upside down"(grid)
    return "swap red and blue"(turned)
"""
EXAMPLES = [("[[1, 2], [0, 0]]", "[[0, 0], [2, 1]]"), ("[[0], [2], [1]]", "[[2], [1], [0]]")]
# The model gets the first hole wrong and the second right.
REPLIES = {
    TURN: f"```python\ndef {TURN}(grid):\n    return grid\n```",
    SWAP: f"```python\ndef {SWAP}(turned):\n    out = turned.copy()\n"
    "    out[turned == 1] = 2\n    out[turned == 2] = 1\n    return out\n```",
}


def scripted_stack_env(data_dir: str, model: ScriptedModelServer) -> dict[str, str]:
    """The environment of Inlay as `make run` starts it, on `data_dir`, with the scripted model
    writing one sample a hole."""
    return {
        "INLAY_DATA_DIR": data_dir,
        "INLAY_MODEL_BACKEND": "openai",
        "OPENAI_BASE_URL": model.base_url,
        "INLAY_OPENAI_MODEL": "scripted",
        "INLAY_SAMPLES_PER_HOLE": "1",
        "DATABASE_URL": "",
        "REDIS_URL": "",
    }
