"""The DARC development split (human-written ANPL sketches), kept in shared/ beside the checkout."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.servers import ROOT

DARC = Path(os.environ.get("INLAY_DARC", ROOT.parent / "shared" / "darc"))


def darc_files() -> list[Path]:
    files = sorted(DARC.glob("*.json"))
    assert files, (
        f"no DARC sketches in {DARC}: shared/ belongs beside the checkout (or set INLAY_DARC)"
    )
    return files


def darc_sketch(task: str) -> str:
    sketch: str = json.loads((DARC / f"{task}.json").read_text())["anpl"]
    return sketch
