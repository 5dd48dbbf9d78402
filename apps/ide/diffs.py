"""Line diffs of a candidate against the revision it was made from, ready for a template."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class DiffLine:
    kind: Literal["add", "del", "hunk", "same"]
    text: str


def diff_lines(before: str, after: str, context: int = 3) -> list[DiffLine]:
    lines = difflib.unified_diff(
        before.splitlines(), after.splitlines(), "current", "candidate", n=context, lineterm=""
    )
    shown = []
    for line in lines:
        if line.startswith(("---", "+++")):
            continue
        kind = {"+": "add", "-": "del", "@": "hunk"}.get(line[:1], "same")
        shown.append(DiffLine(kind, line))  # type: ignore[arg-type]
    return shown
