"""The sketches a new user starts from."""

from __future__ import annotations

NEW_SKETCH = '''def main(x):
    """Describe what the program does."""
    return "describe this step"(x)
'''

DEMO_NAME = "Reverse a list"

DEMO_SKETCH = '''def reverse_list(xs: list[int]) -> list[int]:
    """Return a new list with the items of xs in reverse order."""


def main(xs: list[int]) -> list[int]:
    return reverse_list(xs)
'''

DEMO_EXAMPLES = [("[1, 2, 3]", "[3, 2, 1]"), ("[5]", "[5]"), ("[4, 0, 7, 7]", "[7, 7, 0, 4]")]
