"""The text as the parsers read it, and the scan that finds what tree-sitter cannot: ANPL's
backtick descriptions, descriptions written across lines, and where top-level chunks start."""

from __future__ import annotations

import functools
import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from tree_sitter import Point, Range, Tree

from inlay.sketch import syntax

# Reading the text: one parse when it is clean, recovery when it is not.

# A description written across lines: bytes from its opening quote to just past its closing one.
_Description = tuple[int, int]


@dataclass(frozen=True)
class _Text:
    """The sketch as the parsers read it: its UTF-8 bytes (with each backtick description turned
    into a quoted one of the same length), where each line starts, and the bytes as written."""

    data: bytes
    source: bytes

    @classmethod
    def of(cls, source: str) -> _Text:
        # surrogatepass: an editor may send lone surrogates; they must not crash the parse.
        return cls.written(source.encode("utf-8", errors="surrogatepass"))

    @classmethod
    def written(cls, data: bytes) -> _Text:
        """The text whose UTF-8 bytes as written are `data`."""
        return cls(_quote_backticks(data), data)

    @functools.cached_property
    def line_starts(self) -> tuple[int, ...]:
        """Where each line starts; only the recovery of a text with errors asks."""
        return (0, *(match.end() for match in re.finditer(b"\n", self.data)))

    def point(self, byte: int) -> Point:
        row = bisect_right(self.line_starts, byte) - 1
        return Point(row, byte - self.line_starts[row])

    def parse(
        self, start: int, end: int, skip: Sequence[_Description], old_tree: Tree | None = None
    ) -> Tree:
        """The bytes from `start` to `end` parsed on their own, with the inside of each `skip`
        description left out, so that tree-sitter reads `""(args)` there (reusing `old_tree`, an
        earlier such parse edited to match, where given)."""
        ranges, position = [], start
        for opening, closing in skip:
            if start <= opening and closing <= end:
                ranges.append(self._range(position, opening + 1))
                position = closing - 1
        ranges.append(self._range(position, end))
        return syntax.parse_ranges(self.data, ranges, old_tree)

    def _range(self, start: int, end: int) -> Range:
        return Range(self.point(start), self.point(end), start, end)


# ANPL's own form, `description`(args), is not Python. Each such description is read as the
# quoted one of the same length, `"description"(args)`, so every position stays as written; its
# text is read back from the bytes as written (see `_description`).

_BACKTICK_SCAN = re.compile(rb"[\n#'\"`]")
_BACKTICK_CALL = re.compile(rb"`[^`]*`[ \t]*\(")
# Inside the quotes, what would end or escape the string becomes a harmless byte of the same size.
_QUOTED_INSIDE = bytes.maketrans(b'"\\', b"'/")


def _quote_backticks(data: bytes) -> bytes:
    if b"`" not in data:
        return data
    quoted = bytearray(data)
    for start, end in _backtick_descriptions(data):
        quoted[start + 1 : end - 1] = data[start + 1 : end - 1].translate(_QUOTED_INSIDE)
        quoted[start] = quoted[end - 1] = ord('"')
    return bytes(quoted)


def _backtick_descriptions(data: bytes) -> list[_Description]:
    """Each `description` directly followed by `(`, outside strings and comments."""
    found: list[_Description] = []
    index = 0
    while (match := _BACKTICK_SCAN.search(data, index)) is not None:
        start, byte = match.start(), match.group()
        if byte == b"\n":
            index = start + 1
        elif byte == b"#":
            index = _line_end(data, start)
        elif byte in {b"'", b'"'}:
            index = _string_end(data, start)
        elif _BACKTICK_CALL.match(data, start) is not None:
            end = data.index(b"`", start + 1) + 1
            found.append((start, end))
            index = end
        else:
            index = start + 1
    return found


def _string_end(data: bytes, start: int) -> int:
    """Just past the string that opens at `start`, or its line's end where it does not close."""
    quote = data[start : start + 1]
    if data.startswith(quote * 3, start):
        end = _closing_quote(data, start + 3, quote * 3, within_line=False)
        return len(data) if end == -1 else end
    end = _closing_quote(data, start + 1, quote, within_line=True)
    return _line_end(data, start) if end == -1 else end


def _line_end(data: bytes, index: int) -> int:
    end = data.find(b"\n", index)
    return len(data) if end == -1 else end


# The scan: just enough of Python's tokenizer to see strings, comments, brackets and line starts.

_SCANNED = re.compile(rb"[\n\\#'\"()\[\]{}]")
_STRING_ENDS = {
    b'"': re.compile(rb'\\.|"|\n', re.DOTALL),
    b"'": re.compile(rb"\\.|'|\n", re.DOTALL),
    b'"""': re.compile(rb'\\.|"""', re.DOTALL),
    b"'''": re.compile(rb"\\.|'''", re.DOTALL),
}
_LINE_QUOTES = re.compile(rb"[\n#'\"]")
_DEFINITION = re.compile(rb"(?:async[ \t]+def|def|class)[ \t]|@")
# A line that begins like this is indented, blank, a comment, or the tail of something above.
_NOT_A_STATEMENT = re.compile(rb"[ \t\f\r\n#)\]}]|(?:elif|else|except|finally)\b")


@dataclass(frozen=True)
class _Layout:
    """What the scan found: descriptions written across lines, and where chunks start."""

    descriptions: tuple[_Description, ...]
    chunk_starts: tuple[int, ...]
    # Each string left unclosed on its line that is no description, and how far the scan read
    # ahead to tell (the end of the line of its closing quote): an edit up to there may make it
    # one (see `_rescan`).
    lookaheads: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class _Recovery:
    """For a sketch read without the inside of its descriptions written across lines: the parse
    of the text as is (with its errors), and the scan that found them."""

    whole: Tree
    layout: _Layout


class _Scanner:
    """Finds the descriptions written across lines, and the lines where a top-level statement
    starts: each chunk of the text between two such lines can be parsed on its own."""

    def __init__(self, data: bytes, resync: frozenset[int] = frozenset()) -> None:
        self.data = data
        self.depth = 0  # brackets open
        self.decorated = False
        self.descriptions: list[_Description] = []
        self.chunk_starts: list[int] = []
        self.lookaheads: list[tuple[int, int]] = []
        # Chunk starts where the scan may stop, the rest being known (see `_rescan`).
        self.resync = resync
        self.stopped = False

    def scan(self, start: int = 0) -> _Layout:
        """The scan from `start`, the beginning of the text or of a chunk."""
        self._line(start)
        index = start
        while not self.stopped and (match := _SCANNED.search(self.data, index)) is not None:
            index = self._token(match.start())
        return _Layout(tuple(self.descriptions), tuple(self.chunk_starts), tuple(self.lookaheads))

    def _token(self, index: int) -> int:
        """Reads the token at `index`; returns where to go on."""
        byte = self.data[index : index + 1]
        if byte == b"\n":
            self._line(index + 1)
            return index + 1
        if byte == b"\\":  # a backslash joins lines: the next one starts nothing
            return index + 2
        if byte == b"#":
            return self._line_end(index)
        if byte in {b'"', b"'"}:
            return self._string(index)
        self.depth = self.depth + 1 if byte in b"([{" else max(self.depth - 1, 0)
        return index + 1

    def _line(self, index: int) -> None:
        if index >= len(self.data):
            return
        definition = _DEFINITION.match(self.data, index) is not None
        if not definition and (self.depth or _NOT_A_STATEMENT.match(self.data, index)):
            return
        # No bracket stays open across a `def`: whatever was left open above is the error.
        self.depth = 0
        if not self.decorated:
            self.chunk_starts.append(index)
            self.stopped = index in self.resync
        # A decorator and what it decorates are one statement.
        self.decorated = self.data.startswith(b"@", index)

    def _string(self, index: int) -> int:
        quote = self.data[index : index + 1]
        if self.data.startswith(quote * 3, index):
            end = _closing_quote(self.data, index + 3, quote * 3, within_line=False)
            return len(self.data) if end == -1 else end
        end = _closing_quote(self.data, index + 1, quote, within_line=True)
        if end != -1:
            return end
        # Unclosed on its own line: a description written across lines if its quote meets `(`,
        # and that quote does not rather open a string on its line (`"(1, 2)"`).
        end = _closing_quote(self.data, index + 1, quote, within_line=False)
        if end != -1 and self.data.startswith(b"(", end) and _strings_close(self.data, end):
            self.descriptions.append((index, end))
            return end
        self.lookaheads.append((index, self._line_end(end) if end != -1 else len(self.data)))
        return self._line_end(index)  # where CPython gives up on the string too

    def _line_end(self, index: int) -> int:
        end = self.data.find(b"\n", index)
        return len(self.data) if end == -1 else end


def _rescan(data: bytes, old: _Layout, start: int, old_end: int, new_end: int) -> _Layout:
    """The scan of the text after bytes `start` to `old_end` became bytes `start` to `new_end`,
    given `old`, the scan before: from the last chunk whose first line the edit leaves alone, to
    the first chunk start after the edit that the old scan had too. At a chunk start the scan is in
    no string and no bracket, and no decorator is pending, so from there on the rest is as before.
    Only a string left unclosed on its line looked further ahead, for its closing quote: where that
    look reached the edit, the rescan starts above the string.
    """
    delta = new_end - old_end
    starts = old.chunk_starts
    above = min([quote for quote, reach in old.lookaheads if quote < start <= reach], default=start)
    k = bisect_right(starts, above) - 1
    # The first line of the chunk must end before the edit, so that it starts a chunk again.
    while k >= 0 and data.find(b"\n", starts[k], above) == -1:
        k -= 1
    begin = starts[k] if k >= 0 else 0
    resync = frozenset(chunk + delta for chunk in starts if chunk >= old_end)
    scanner = _Scanner(data, resync)
    found = scanner.scan(begin)
    descriptions = [d for d in old.descriptions if d[0] < begin]
    descriptions += found.descriptions
    chunk_starts = [chunk for chunk in starts if chunk < begin]
    chunk_starts += found.chunk_starts
    lookaheads = [seen for seen in old.lookaheads if seen[0] < begin]
    lookaheads += found.lookaheads
    if scanner.stopped:
        synced = found.chunk_starts[-1] - delta
        descriptions += [(a + delta, b + delta) for a, b in old.descriptions if a >= synced]
        chunk_starts += [chunk + delta for chunk in starts if chunk > synced]
        lookaheads += [(a + delta, b + delta) for a, b in old.lookaheads if a >= synced]
    return _Layout(tuple(descriptions), tuple(chunk_starts), tuple(lookaheads))


def _strings_close(data: bytes, index: int) -> bool:
    """Whether each string that opens between `index` and the end of its line closes there."""
    while (match := _LINE_QUOTES.search(data, index)) is not None and match.group() in b"'\"":
        quote = match.group()
        if data.startswith(quote * 3, match.start()):
            return True  # triple-quoted: free to run on
        index = _closing_quote(data, match.start() + 1, quote, within_line=True)
        if index == -1:
            return False
    return True


def _closing_quote(data: bytes, start: int, quote: bytes, *, within_line: bool) -> int:
    """The byte just past the quote that closes a string whose inside begins at `start`, or -1."""
    for match in _STRING_ENDS[quote].finditer(data, start):
        if match.group() == quote:
            return match.end()
        if within_line and match.group() == b"\n":
            return -1
    return -1
