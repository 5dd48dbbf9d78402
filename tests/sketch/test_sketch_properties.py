"""Properties of parse_sketch on any text: it never raises, and what it reports is in the text."""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inlay.sketch import Sketch, parse_sketch, syntax
from tests.darc import darc_files

FALLBACK = '''def reverse_list(xs: list[int]) -> list[int]:
    """Reverse it."""


def main(xs: list[int]) -> list[int]:
    kept = "keep the positive items"(xs)
    return reverse_list("sort the items"(kept, key="the sort key"(kept)))
'''
SKETCHES = [json.loads(path.read_text())["anpl"] for path in darc_files()[:20]] or [FALLBACK]
# Pieces that matter to Python's syntax (and to the scan for descriptions), some multi-byte.
PIECES = st.sampled_from(
    [*"\"'()[]{}:,=#@\\\n\t\r .x_1", "    ", "def ", "class A:", "else:", '"""', "é", "🙂"]
    + ['"a"(x)', "'b\n c'(y)", "return ", "pass", "..."]
)
EXAMPLES = settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def mangled_sketches(draw: st.DrawFn) -> str:
    """A real sketch with a few characters deleted or inserted here and there."""
    source: str = draw(st.sampled_from(SKETCHES))
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(source)))
        if draw(st.booleans()):
            source = source[:at] + source[at + draw(st.integers(1, 4)) :]
        else:
            inserted = "".join(draw(st.lists(PIECES, min_size=1, max_size=3)))
            source = source[:at] + inserted + source[at:]
    return source


def _assert_spans_hold(sketch: Sketch) -> None:
    data = sketch.source.encode("utf-8", errors="surrogatepass")
    line_starts = [0] + [index + 1 for index, byte in enumerate(data) if byte == ord("\n")]
    for hole in sketch.holes:
        for span in (hole.span, *hole.uses):
            assert 0 <= span.start_byte <= span.end_byte <= len(data)
            assert line_starts[span.start_line] + span.start_column == span.start_byte
            assert line_starts[span.end_line] + span.end_column == span.end_byte
        for use in hole.uses:
            assert b"(" in data[use.start_byte : use.end_byte]
    for hole in sketch.holes:
        kind = "call" if hole.kind == "inline" else "function_definition"
        for span in hole.uses or (hole.span,):
            node = sketch.node_at(span.start_byte, span.end_byte, kind)
            assert (node.start_byte, node.end_byte) == (span.start_byte, span.end_byte)
    starts = [use.start_byte for hole in sketch.holes for use in hole.uses or (hole.span,)]
    assert len(starts) == len(set(starts))
    lines = sketch.source.split("\n")
    for problem in sketch.errors:
        assert 0 <= problem.line < len(lines)
        assert 0 <= problem.column <= len(lines[problem.line])


def _holes_in_clean_statements(sketch: Sketch) -> set[int]:
    """Holes the whole-file tree finds in top-level statements it parsed without an error."""
    root = sketch.tree.root_node
    statements = root.named_children if root.type == "module" else []
    return {
        call.start_byte
        for statement in statements
        if not statement.has_error
        for call in syntax.captures("(call function: (string)) @hole", statement).get("hole", [])
    }


@EXAMPLES
@given(st.text())
def test_any_text_parses_without_raising(source):
    _assert_spans_hold(parse_sketch(source))


@EXAMPLES
@given(st.lists(PIECES).map("".join))
def test_any_jumble_of_python_syntax_parses_without_raising(source):
    _assert_spans_hold(parse_sketch(source))


@EXAMPLES
@given(mangled_sketches())
def test_a_mangled_sketch_keeps_every_hole_outside_its_errors(source):
    sketch = parse_sketch(source)

    _assert_spans_hold(sketch)
    reported = {use.start_byte for hole in sketch.holes for use in hole.uses}
    assert _holes_in_clean_statements(sketch) <= reported
