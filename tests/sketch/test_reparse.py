"""Incremental re-parsing after an edit finds exactly what a fresh parse finds."""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inlay.sketch import TextEdit, parse_sketch, reparse
from tests.darc import darc_files

# A few DARC sketches end to end: long enough for edits to land before, inside and after holes.
LONG = "\n\n".join(json.loads(path.read_text())["anpl"] for path in darc_files()[:12])
TYPED = st.sampled_from(["x", " ", "\n", '"', "(", ")", "é", "", "def f():\n    ", "`", "#"])


def _same(incremental, fresh):
    assert incremental.source == fresh.source
    assert incremental.holes == fresh.holes
    assert incremental.functions == fresh.functions
    assert incremental.entry == fresh.entry
    assert incremental.errors == fresh.errors
    # The tree of the whole text, brought up to date when asked for, and its statements.
    assert str(incremental.tree.root_node) == str(fresh.tree.root_node)
    assert _extents(incremental.statements) == _extents(fresh.statements)


def _extents(statements):
    return [(node.type, node.start_byte, node.end_byte) for node in statements]


@st.composite
def edits(draw, source, typed=TYPED):
    """An edit of `source` on character boundaries that types one of `typed` over 0-3 bytes."""
    data = source.encode()
    start = draw(st.integers(0, len(data)))
    end = min(len(data), start + draw(st.integers(0, 3)))
    while not _on_boundary(data, start):
        start -= 1
    while not _on_boundary(data, end):
        end += 1
    return TextEdit(start, end, draw(typed))


def _on_boundary(data, index):
    return index in (0, len(data)) or (data[index] & 0xC0) != 0x80


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.data())
def test_a_reparse_after_edits_matches_a_fresh_parse(data):
    sketch = parse_sketch(LONG)
    for _ in range(data.draw(st.integers(1, 3))):
        sketch = reparse(sketch, data.draw(edits(sketch.source)))
        _same(sketch, parse_sketch(sketch.source))


def test_typing_into_a_description_renames_only_that_hole():
    sketch = parse_sketch('def main(x):\n    y = "add one"(x)\n    return "double"(y)\n')
    at = sketch.source.encode().index(b"one")
    edited = reparse(sketch, TextEdit(at, at + 3, "two"))
    assert [hole.name for hole in edited.holes] == ["add_two", "double"]
    assert edited.hole("double") == sketch.hole("double")


TWO = 'def main(x):\n    return "add one"(x)\n\ndef helper(y):\n    return "double"(y)\n'


def test_indenting_a_statement_joins_it_to_the_function_above():
    sketch = parse_sketch(TWO)
    at = TWO.index("def helper")
    edited = reparse(sketch, TextEdit(at, at, "    "))
    _same(edited, parse_sketch(edited.source))
    assert [function.name for function in edited.functions] == ["main", "helper"]
    helper = edited.function("helper")
    assert helper is not None and helper.span.start_column == 4  # nested in main now
    assert edited.entry == "main"


def test_an_edit_that_opens_a_string_reaches_the_statements_below():
    sketch = parse_sketch(TWO)
    at = TWO.index("return")
    edited = reparse(sketch, TextEdit(at, at, '"""'))
    _same(edited, parse_sketch(edited.source))
    assert edited.errors


def test_typing_a_long_run_of_characters_keeps_the_whole_tree_in_step():
    # More edits than are held back before the whole tree is parsed again (`_DEFERRED`).
    sketch = parse_sketch(LONG)
    at = LONG.encode().index(b'"', len(LONG) // 2) + 1
    for index, character in enumerate("keep each cell that is not black " * 3):
        sketch = reparse(sketch, TextEdit(at + index, at + index, character))
        if index % 80 == 0:
            _same(sketch, parse_sketch(sketch.source))
    _same(sketch, parse_sketch(sketch.source))


# Python that a statement-by-statement reading could get wrong: `;`, a decorator, a comment at
# column 0 inside a function, a class, if/else, a backslash continuation, a form feed, a hole
# inside brackets over lines, async.
ODD = (
    "import numpy as np\n"
    'x = 1; y = "a b"(x)\n'
    "@decorator\n"
    "def f(a: int) -> int:\n"
    '    """Doc.\n\n    >>> f(1)\n    2\n    """\n'
    "# a comment at column 0, inside f\n"
    '    return "add one"(a)\n\n'
    "class C:\n"
    "    def m(self):\n"
    '        """A method hole."""\n\n'
    "if x:\n"
    '    z = "make z"(x)\n'
    "else:\n"
    "    z = 2\n"
    "def g(b):\n"
    '    s = """multi\nline"""\n'
    "    t = b + \\\n"
    "        1\n"
    '    return "combine"(s, t)\n'
    "\f\n"
    "def h(q):\n"
    "    return [\n"
    '"bracketed hole"(q),\n'
    "    ]\n"
    "async def k():\n"
    '    await "wait for it"()\n'
)
ODD_TYPED = st.sampled_from(
    ["x", " ", "\n", '"', "(", ")", "é", "", "#", "    ", "\t", "\\", ";", "@d\n", "\r\n", "'''"]
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.data(), st.sampled_from([ODD, ODD.replace("\n", "\r\n"), ODD.replace("    ", "\t")]))
def test_a_reparse_of_odd_python_matches_a_fresh_parse(data, source):
    sketch = parse_sketch(source)
    assert not sketch.errors
    for _ in range(data.draw(st.integers(1, 3))):
        sketch = reparse(sketch, data.draw(edits(sketch.source, ODD_TYPED)))
        _same(sketch, parse_sketch(sketch.source))


def test_a_backslash_typed_at_a_line_end_joins_the_next_statement():
    source = 'import numpy as np\nx = "make x"(1)\n'
    at = source.index("np") + 1
    edited = reparse(parse_sketch(source), TextEdit(at, at + 1, "\\"))
    _same(edited, parse_sketch(edited.source))
    assert edited.errors  # `import numpy as n\` runs on into `x = ...`
