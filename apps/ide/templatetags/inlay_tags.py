"""Template filters of the IDE's pages."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def linecount(text: object) -> int:
    """How many lines a text field needs to show `text` whole (at least one)."""
    return str(text or "").count("\n") + 1
