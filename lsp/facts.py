"""What the last run of a sketch found out about its holes, as the language server shows it.

The language server knows only text. Whatever runs the sketch (the web app, from its database;
later the tracing of hole inputs) hands it a `SketchFacts` for a document, and the server turns it
into diagnostics and hover lines. Nothing here knows where the facts come from.

Statuses: `unfilled` (no run has produced code for the hole), `filled` (a run produced code for it,
not yet tested or not every example run), `verified` (a fill passed every example), `failing` (the
fills tried so far fail some example).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, cast, get_args

HoleStatus = Literal["unfilled", "filled", "verified", "failing"]


@dataclass(frozen=True)
class FailedExample:
    """One example that failed: the call as written (`main([1, 2])`) and what went wrong."""

    call: str
    message: str


@dataclass(frozen=True)
class TracedCall:
    """The values a hole received in one traced call, each abbreviated with its runtime type
    (`ndarray int64 (3, 3)`), and what it returned. Filled in by tracing; empty until then."""

    args: tuple[str, ...]
    result: str | None = None


@dataclass(frozen=True)
class HoleFacts:
    status: HoleStatus = "unfilled"
    failed: tuple[FailedExample, ...] = ()
    traced: tuple[TracedCall, ...] = ()
    # Set when code that once passed this hole's examples no longer does (a stale fill).
    mismatch: str | None = None


@dataclass(frozen=True)
class SketchFacts:
    """Facts about one document. `holes` is keyed by hole (or materialized function) name;
    `failed` holds the examples that failed where no hole is to blame (at the entry)."""

    holes: Mapping[str, HoleFacts] = field(default_factory=dict)
    failed: tuple[FailedExample, ...] = ()
    run: int | None = None

    def of(self, name: str) -> HoleFacts:
        return self.holes.get(name, HoleFacts())


NO_FACTS = SketchFacts()
_SHOWN = 40  # characters of a value's repr in a traced call


def traced_calls(records: Iterable[Mapping[str, Any]]) -> dict[str, tuple[TracedCall, ...]]:
    """Per hole, the calls of a trace as `lsp.trace` records them (`{"hole", "args", "kwargs",
    "result" | "error"}`), their values abbreviated with their runtime types: the seam through
    which traced runs reach hover and "Add an example"."""
    calls: dict[str, list[TracedCall]] = {}
    for record in records:
        args = [describe_value(value) for value in record.get("args", ())]
        args += [
            f"{key}={describe_value(value)}" for key, value in record.get("kwargs", {}).items()
        ]
        result = describe_value(record["result"]) if "result" in record else None
        calls.setdefault(str(record["hole"]), []).append(TracedCall(tuple(args), result))
    return {hole: tuple(found) for hole, found in calls.items()}


def describe_value(value: Any) -> str:
    """`ndarray int64 (3, 3)` for an array (its values would not fit), else the type and a short
    repr: `list [1, 2, 3]`."""
    if hasattr(value, "dtype") and hasattr(value, "shape"):
        return f"{type(value).__name__} {value.dtype} {tuple(value.shape)}"
    shown = repr(value)
    shown = shown if len(shown) <= _SHOWN else shown[: _SHOWN - 3] + "..."
    return f"{type(value).__name__} {shown}"


def facts_markdown(facts: HoleFacts) -> str:
    """The hover's lines for one hole's facts."""
    lines = [f"Status: **{facts.status}**"]
    if facts.mismatch:
        lines.append(f"Stale fill: {facts.mismatch}")
    for failed in facts.failed[:3]:
        lines.append(f"Failed: `{failed.call}`: {failed.message}")
    if facts.traced:
        calls = [f"- `({', '.join(call.args)})`" for call in facts.traced[:3]]
        lines.append("Inputs in the last traced run:\n\n" + "\n".join(calls))
    return "\n\n".join(lines)


def facts_from_json(data: Mapping[str, Any]) -> SketchFacts:
    """Facts as a client sends them in `inlay/setFacts` (see docs/lsp.md); ValueError if bad."""
    try:
        holes = {
            str(name): HoleFacts(
                status=_status(hole.get("status", "unfilled")),
                failed=_failed(hole.get("failed", ())),
                traced=tuple(
                    TracedCall(tuple(map(str, call["args"])), call.get("result"))
                    for call in hole.get("traced", ())
                ),
                mismatch=hole.get("mismatch"),
            )
            for name, hole in dict(data.get("holes", {})).items()
        }
        return SketchFacts(holes=holes, failed=_failed(data.get("failed", ())), run=data.get("run"))
    except (KeyError, TypeError, AttributeError) as error:
        raise ValueError(f"Facts not in the documented shape: {error!r}") from None


def _status(value: Any) -> HoleStatus:
    if value not in get_args(HoleStatus):
        raise ValueError(f"Unknown hole status {value!r}; expected one of {get_args(HoleStatus)}")
    return cast(HoleStatus, value)


def _failed(items: Iterable[Mapping[str, Any]]) -> tuple[FailedExample, ...]:
    return tuple(FailedExample(str(item["call"]), str(item["message"])) for item in items)
