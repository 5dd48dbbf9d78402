"""Every DARC sketch: its holes are found, and they are the ones Python's own tokenizer sees."""

import ast
import io
import json
import re
import tokenize

from inlay.sketch import Sketch, parse_sketch
from tests.darc import DARC, darc_files

# The two DARC sketches whose descriptions run over several lines (tested on their own).
MULTILINE = {"143", "177"}


def _anpl(path):
    return json.loads(path.read_text())["anpl"]


def _is_python(source):
    try:
        ast.parse(source)
    except SyntaxError:
        return False
    return True


def _called_strings(source):
    """The distinct `"..."(` descriptions (whitespace normalised) Python's tokenizer sees."""
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    significant = [t for t in tokens if t.type not in {tokenize.NL, tokenize.COMMENT}]
    found = set()
    for token, following in zip(significant, significant[1:], strict=False):
        if token.type == tokenize.STRING and following.string == "(":
            literal = re.sub(r"^[A-Za-z]*", "", token.string)
            quotes = 3 if literal[:3] in {'"""', "'''"} else 1
            found.add(" ".join(literal[quotes:-quotes].split()))
    return found


def _inline_descriptions(sketch: Sketch):
    return {hole.description for hole in sketch.holes if hole.kind == "inline"}


def test_every_sketch_parses_to_the_holes_the_tokenizer_sees():
    # A few sketches are finished programs with no hole left: both sides are empty for them.
    valid = [path for path in darc_files() if _is_python(_anpl(path))]
    assert len(valid) > 100
    for path in valid:
        source = _anpl(path)
        sketch = parse_sketch(source)
        assert sketch.errors == (), path.name
        assert _inline_descriptions(sketch) == _called_strings(source), path.name


def test_only_the_sketches_with_descriptions_across_lines_are_not_python():
    invalid = {path.stem for path in darc_files() if not _is_python(_anpl(path))}
    assert invalid <= MULTILINE
    for task in invalid:
        sketch = parse_sketch(_anpl(DARC / f"{task}.json"))
        assert sketch.errors == ()
        assert any("\n" in _text(sketch, use) for hole in sketch.holes for use in hole.uses)


def _text(sketch, span):
    return sketch.source.encode()[span.start_byte : span.end_byte].decode()
