"""Re-reading a sketch after an edit: only the top-level statements the edit touched where
that is safe, otherwise an incremental parse of the whole text."""

from __future__ import annotations

from bisect import bisect_left, bisect_right

from tree_sitter import Point, Range, Tree

from inlay.sketch import syntax
from inlay.sketch.parse import (
    _captures_by_statement,
    _Facts,
    _Parses,
    _read_by_statement,
    _read_parses,
    _recover,
    _sketch_of,
    _statement_facts,
    parse_sketch,
)
from inlay.sketch.records import Sketch, TextEdit, _TreeEdit
from inlay.sketch.scan import _Recovery, _rescan, _Scanner, _Text


def reparse(sketch: Sketch, edit: TextEdit) -> Sketch:
    """The sketch after `edit`, re-parsed incrementally.

    Where the sketch is clean and the edit stays inside a run of whole top-level statements, only
    those statements are parsed again, on their own (see `_reparse_statements`). Otherwise
    tree-sitter re-parses the whole text, reusing the old tree for everything the edit did not
    touch. Where the old parse skipped descriptions written across lines, the scan for them starts
    again at the chunk of the edit and stops where it meets the old one, and both parses are redone
    incrementally. Where the old or the new text needs its chunks parsed apart (a syntax error), the
    new text is parsed afresh."""
    old = sketch.source.encode("utf-8", errors="surrogatepass")
    inserted = edit.text.encode("utf-8", errors="surrogatepass")
    new = old[: edit.start] + inserted + old[edit.end :]
    source = new.decode("utf-8", errors="surrogatepass")
    recovery = sketch._recovery
    placed = sketch._placed
    if placed is None:  # read from chunks parsed apart: a syntax error
        return parse_sketch(source)
    new_end = edit.start + len(inserted)
    start_point = _point(old, edit.start)
    change = _TreeEdit(
        start_byte=edit.start,
        old_end_byte=edit.end,
        new_end_byte=new_end,
        start_point=start_point,
        old_end_point=_point_after(start_point, old, edit.start, edit.end),
        new_end_point=_point_after(start_point, new, edit.start, new_end),
    )
    # Backticks are read as quotes over the whole text, so an edit may change them far from
    # itself: those sketches take the whole-text path.
    if recovery is None and b"`" not in old and b"`" not in inserted:
        read = _reparse_statements(sketch, placed, change, new, source)
        if read is not None:
            return read

    def edited(tree: Tree) -> Tree:
        tree = tree.copy()  # the old sketch keeps its own tree unchanged
        tree.edit(**change._asdict())
        return tree

    text = _Text.written(new)
    if recovery is None:
        whole = sketch._whole.after(change, text.data).get()
    else:
        whole = syntax.parse(text.data, edited(recovery.whole))
    if not whole.root_node.has_error:
        return _read_by_statement(source, _Parses(text, whole), sketch)
    if recovery is None:  # the old text was clean: recover the new one as `_parse` does
        return _read_parses(source, _recover(text, whole, _Scanner(text.data).scan()), sketch)
    if b"`" in old or b"`" in new:
        return parse_sketch(source)
    layout = _rescan(text.data, recovery.layout, edit.start, edit.end, new_end)
    if not layout.descriptions:
        return parse_sketch(source)
    tree = text.parse(0, len(text.data), layout.descriptions, edited(sketch.tree))
    if tree.root_node.has_error:
        return parse_sketch(source)  # the chunks' parses have nothing to reuse
    parses = _Parses(text, tree, layout.descriptions, recovery=_Recovery(whole, layout))
    return _read_by_statement(source, parses, sketch)


def _reparse_statements(
    sketch: Sketch, placed: tuple[_Facts, ...], change: _TreeEdit, new: bytes, source: str
) -> Sketch | None:
    """The clean sketch after `change`, with only the top-level statements the edit touched
    parsed again; None where that does not tell.

    The edit is widened to whole statements that begin a line: from the last one that starts
    before the edit (an edit at the very start of a statement may join it to the one above,
    by indenting it) to the first one that starts after it. In a clean parse, nothing is open at
    the start of such a line (no bracket, no string, no block), so those bytes parsed alone parse
    as they do inside the whole text, if they parse cleanly alone and their last line does not
    end in a backslash (which would join it to the next); where that fails, or the sketch has no
    such statement around the edit, the whole text is parsed again. The
    statements below are moved to their new lines and bytes, and the tree of the whole text is
    left to be brought up to date when asked for (`_WholeTree`).
    """
    starts = [fact.byte for fact in placed]
    first = bisect_left(starts, change.start_byte) - 1
    while first >= 0 and placed[first].column:
        first -= 1
    after = bisect_right(starts, change.old_end_byte)
    while after < len(placed) and placed[after].column:
        after += 1
    begin = placed[first].byte if first >= 0 else 0
    begin_point = Point(placed[first].line, 0) if first >= 0 else Point(0, 0)
    shift = change.new_end_byte - change.old_end_byte
    lines = change.new_end_point.row - change.old_end_point.row
    if after < len(placed):
        stop = placed[after].byte + shift
        stop_point = Point(placed[after].line + lines, 0)
    else:
        stop = len(new)
        stop_point = _point_after(begin_point, new, begin, stop)
    if new[begin:stop].rstrip().endswith(b"\\"):
        return None  # a backslash at the end joins the region's last line to the next one
    text = _Text(new, new)  # no backticks: the bytes as written are the bytes parsed
    region = syntax.parse_ranges(new, [Range(begin_point, stop_point, begin, stop)]).root_node
    if region.has_error or region.type != "module":
        return None
    statements = region.named_children
    captured = _captures_by_statement(region, statements)
    fresh = [
        _statement_facts(statement, nodes, text)
        for statement, nodes in zip(statements, captured, strict=True)
    ]
    moved = [fact.moved(fact.line + lines, fact.byte + shift) for fact in placed[after:]]
    ordered = (*placed[: max(first, 0)], *fresh, *moved)
    return _sketch_of(source, ordered, sketch._whole.after(change, new), None, sketch)


def _point(data: bytes, byte: int) -> Point:
    line_start = data.rfind(b"\n", 0, byte) + 1
    return Point(data.count(b"\n", 0, byte), byte - line_start)


def _point_after(point: Point, data: bytes, start: int, byte: int) -> Point:
    """The point of `byte`, given `point`, that of `start`: counting lines from the start of the
    text is a pass over half of it on every keystroke."""
    lines = data.count(b"\n", start, byte)
    if not lines:
        return Point(point.row, point.column + byte - start)
    return Point(point.row + lines, byte - data.rfind(b"\n", start, byte) - 1)
