"""How much a sketch may hold (docs/operations.md): its text, its comment lines in a row, and its
examples, the entry's and each hole's. Every boundary that takes a sketch checks them (the web
app's views, the language server), and says which was passed."""

from __future__ import annotations

# A long human sketch is a few thousand characters; the largest DARC program is under 10,000.
# Small enough that the editor's whole-document message to the language server stays under its
# 1,000,000 bytes (lsp.messages.MAX_MESSAGE_BYTES) even at 3 bytes a character.
MAX_SKETCH_CHARS = 250_000
# Examples of the entry, and of each hole: every one is run for every candidate.
MAX_EXAMPLES = 100


# Comment lines with no code between them (blank lines do not count, nor separate them).
# tree-sitter-python's scanner looks ahead over the whole run at each of its lines, so reading
# one takes time quadratic in its length: 20,000 comment lines after an indented line take 3 s,
# 125,000 (what fits in MAX_SKETCH_CHARS) about two minutes; 2,000 take a few milliseconds.
MAX_COMMENT_RUN = 2_000


def sketch_too_long(text: str) -> bool:
    return len(text) > MAX_SKETCH_CHARS


def sketch_problem(text: str) -> str | None:
    """Why Inlay will not read the text as a sketch (too long, or too many comment lines in a
    row), or None."""
    if sketch_too_long(text):
        return (
            f"The sketch is {len(text):,} characters long; Inlay takes sketches of at most "
            f"{MAX_SKETCH_CHARS:,}. Nothing was saved: the text is still in the editor."
        )
    run = _first_long_comment_run(text)
    if run is None:
        return None
    first, last, count = run
    return (
        f"Lines {first:,}-{last:,} hold {count:,} comment lines with no code between them; "
        f"Inlay reads at most {MAX_COMMENT_RUN:,} in a row (its parser slows down past that). "
        "Delete some, or put a line of code among them. Nothing was saved: the text is still "
        "in the editor."
    )


def _first_long_comment_run(text: str) -> tuple[int, int, int] | None:
    """The first run of more than MAX_COMMENT_RUN comment lines: its first and last line
    (counted from 1) and how many comment lines it holds; None if there is none."""
    if text.count("#") <= MAX_COMMENT_RUN:
        return None
    start = count = last = 0
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.lstrip()
        if stripped.startswith("#"):
            start, count = (start or number), count + 1
            if count > MAX_COMMENT_RUN:
                last = number
        elif stripped:
            if count > MAX_COMMENT_RUN:
                return start, last, count
            start, count = 0, 0
    return (start, last, count) if count > MAX_COMMENT_RUN else None


def too_many_examples(count: int, of: str) -> str | None:
    """Why one more example of `of` ("the entry", "`name`") is one too many, or None."""
    if count < MAX_EXAMPLES:
        return None
    return f"{of} has {count} examples, the most Inlay takes: delete one to add another."
