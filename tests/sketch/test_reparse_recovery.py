"""Incremental re-parsing of sketches whose descriptions run across lines (the recovery path)
finds exactly what a fresh parse finds."""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inlay.sketch import TextEdit, parse_sketch, reparse
from tests.darc import darc_files

from .test_reparse import _same
from .test_reparse import edits as any_edits

TYPED = st.sampled_from(
    [
        "x",
        " ",
        "\n",
        '"',
        "'",
        '"""',
        "(",
        ")",
        "[",
        "é",
        "",
        "@d\n",
        "def f():\n    ",
        "`",
        "#",
        "\\",
    ]
)


def _across_lines(source):
    sketch = parse_sketch(source)
    return not sketch.chunks and len(sketch.tree.included_ranges) > 1


_SKETCHES = [json.loads(path.read_text())["anpl"] for path in darc_files()]
_RECOVERED = [source for source in _SKETCHES if _across_lines(source)][:6]
_VALID = [source for source in _SKETCHES if not _across_lines(source)][: len(_RECOVERED)]
# Sketches with descriptions across lines between valid ones: edits land before, inside, between
# and after them.
LONG = "\n\n".join(piece for pair in zip(_VALID, _RECOVERED, strict=True) for piece in pair)


def _same_trees(incremental, fresh):
    _same(incremental, fresh)
    assert incremental.tree.included_ranges == fresh.tree.included_ranges
    assert len(incremental.chunks) == len(fresh.chunks)
    assert str(incremental.tree.root_node) == str(fresh.tree.root_node)


def test_the_long_sketch_needs_recovery():
    assert _RECOVERED
    assert _across_lines(LONG)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.data())
def test_a_reparse_of_a_recovered_sketch_matches_a_fresh_parse(data):
    sketch = parse_sketch(LONG)
    for _ in range(data.draw(st.integers(1, 4))):
        sketch = reparse(sketch, data.draw(any_edits(sketch.source, TYPED)))
        _same_trees(sketch, parse_sketch(sketch.source))


def test_typing_in_a_comment_keeps_the_descriptions_across_lines():
    sketch = parse_sketch(LONG)
    at = len(LONG.encode()) // 2
    for typed in ["#", "x", "\n", '"', "#"]:
        sketch = reparse(sketch, TextEdit(at, at, typed))
        _same_trees(sketch, parse_sketch(sketch.source))


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.data())
def test_a_rescan_after_an_edit_matches_a_fresh_scan(data):
    from inlay.sketch.scan import _rescan, _Scanner

    source = LONG.encode()
    layout = _Scanner(source).scan()
    for _ in range(data.draw(st.integers(1, 4))):
        edit = data.draw(any_edits(source.decode(), TYPED))
        inserted = edit.text.encode()
        source = source[: edit.start] + inserted + source[edit.end :]
        rescanned = _rescan(source, layout, edit.start, edit.end, edit.start + len(inserted))
        layout = _Scanner(source).scan()
        assert rescanned == layout
