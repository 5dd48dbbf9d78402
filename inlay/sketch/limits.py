"""How much a sketch may hold (docs/operations.md): its text, and its examples, the entry's and
each hole's. Every boundary that takes a sketch checks them, and says which was passed."""

from __future__ import annotations

# A long human sketch is a few thousand characters; the largest DARC program is under 10,000.
# Small enough that the editor's whole-document message to the language server stays under its
# 1,000,000 bytes (lsp.messages.MAX_MESSAGE_BYTES) even at 3 bytes a character.
MAX_SKETCH_CHARS = 250_000
# Examples of the entry, and of each hole: every one is run for every candidate.
MAX_EXAMPLES = 100


def sketch_too_long(text: str) -> str | None:
    """Why the text is too long to be a sketch, or None."""
    if len(text) <= MAX_SKETCH_CHARS:
        return None
    return (
        f"The sketch is {len(text):,} characters long; Inlay takes sketches of at most "
        f"{MAX_SKETCH_CHARS:,}. Nothing was saved: the text is still in the editor."
    )


def too_many_examples(count: int, of: str) -> str | None:
    """Why one more example of `of` ("the entry", "`name`") is one too many, or None."""
    if count < MAX_EXAMPLES:
        return None
    return f"{of} has {count} examples, the most Inlay takes: delete one to add another."
