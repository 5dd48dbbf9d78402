"""An open document as the language server sees it: its parsed sketch, in the client's units.

tree-sitter counts UTF-8 bytes; an LSP client counts UTF-16 units unless it negotiated another
encoding. Everything that crosses the wire goes through `Columns`, here and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass

from lsprotocol import types

from inlay.sketch import Hole, Sketch, Span, TextEdit
from lsp.actions import LineEdit


class Columns:
    """Converts tree-sitter's UTF-8 byte columns to the client's position encoding and back."""

    def __init__(self, source: str, encoding: str) -> None:
        self._lines = source.split("\n")
        self._encoding = encoding

    def position(self, line: int, byte_column: int) -> types.Position:
        prefix = self._line(line).encode("utf-8")[:byte_column].decode("utf-8", errors="ignore")
        return types.Position(line=line, character=self._units(prefix))

    def position_of_character(self, line: int, character: int) -> types.Position:
        return types.Position(line=line, character=self._units(self._line(line)[:character]))

    def byte_column(self, position: types.Position) -> int:
        units = byte_column = 0
        for character in self._line(position.line):
            if units >= position.character:
                break
            units += self._units(character)
            byte_column += len(character.encode("utf-8"))
        return byte_column

    def edit(self, change: types.TextDocumentContentChangePartial) -> TextEdit:
        """A client's change as the byte offsets `inlay.sketch.reparse` takes."""
        start, end = change.range.start, change.range.end
        return TextEdit(self.offset(start), self.offset(end), change.text)

    def offset(self, position: types.Position) -> int:
        """The UTF-8 byte offset of a position in the whole text."""
        if position.line >= len(self._lines):
            return len("\n".join(self._lines).encode("utf-8", errors="surrogatepass"))
        before = sum(
            len(line.encode("utf-8", errors="surrogatepass")) + 1
            for line in self._lines[: position.line]
        )
        return before + self.byte_column(position)

    def line_end(self, line: int) -> types.Position:
        return types.Position(line=line, character=self._units(self._line(line)))

    @property
    def line_count(self) -> int:
        return len(self._lines)

    def _line(self, line: int) -> str:
        return self._lines[line] if 0 <= line < len(self._lines) else ""

    def _units(self, text: str) -> int:
        if self._encoding == types.PositionEncodingKind.Utf8:
            return len(text.encode("utf-8"))
        if self._encoding == types.PositionEncodingKind.Utf32:
            return len(text)
        return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True)
class OpenSketch:
    """The sketch of one open document, with positions in the client's units."""

    uri: str
    version: int | None
    sketch: Sketch
    columns: Columns

    def range(self, span: Span) -> types.Range:
        return types.Range(
            start=self.columns.position(span.start_line, span.start_column),
            end=self.columns.position(span.end_line, span.end_column),
        )

    def use_at(self, position: types.Position) -> tuple[Hole, Span] | None:
        """The innermost hole use (or function hole) under the cursor."""
        line, column = position.line, self.columns.byte_column(position)
        uses = [
            (hole, use)
            for hole in self.sketch.holes
            for use in hole.uses or (hole.span,)
            if use.contains(line, column)
        ]
        return min(uses, key=lambda found: found[1].end_byte - found[1].start_byte, default=None)

    def hole_at(self, position: types.Position) -> Hole | None:
        found = self.use_at(position)
        return found[0] if found is not None else None

    def hole_named(self, name: str) -> Hole | None:
        return next((hole for hole in self.sketch.holes if hole.name == name), None)

    def name_at(self, position: types.Position) -> str | None:
        """The identifier under the cursor, if any."""
        line, column = position.line, self.columns.byte_column(position)
        root = self.sketch.tree.root_node
        node = root.named_descendant_for_point_range((line, column), (line, column))
        if node is None or node.type != "identifier" or node.text is None:
            return None
        return node.text.decode("utf-8", errors="replace")

    def text_edits(self, edits: list[LineEdit]) -> list[types.TextEdit]:
        return [types.TextEdit(range=self._lines(edit), new_text=edit.text) for edit in edits]

    def _lines(self, edit: LineEdit) -> types.Range:
        start = types.Position(line=edit.start, character=0)
        # Past the last line of a text with no final newline: end at that line's end instead.
        if edit.end >= self.columns.line_count:
            return types.Range(start=start, end=self.columns.line_end(self.columns.line_count - 1))
        return types.Range(start=start, end=types.Position(line=edit.end, character=0))
