from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.db import models, transaction

from inlay.sketch import Hole
from inlay.sketch.examples import Example as ParsedExample
from inlay.sketch.examples import parse_arguments, parse_value


class Sketch(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    name = models.CharField(max_length=200)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return self.name

    def head(self) -> Revision:
        revision = self.revisions.order_by("-number").first()
        assert revision is not None, "a sketch is created with its first revision"
        return revision

    def commit(self, text: str, message: str) -> Revision:
        """Save `text` as the next revision, unless it is what the head already holds."""
        with transaction.atomic():
            # Lock the sketch row so two saves cannot take the same revision number.
            Sketch.objects.select_for_update().get(pk=self.pk)
            head = self.revisions.order_by("-number").first()
            if head is not None and head.text == text:
                return head
            number = head.number + 1 if head else 1
            return Revision.objects.create(
                sketch=self, number=number, text=text, message=message, parent=head
            )

    def parsed_examples(self) -> list[ParsedExample]:
        return [example.parsed() for example in self.examples.all()]

    def examples_of_holes(self, holes: Sequence[Hole]) -> dict[str, list[ParsedExample]]:
        """The examples the user gave the inline holes among `holes`, by hole name (a function
        hole's are its doctest lines, which the engine reads from the text)."""
        stored = self.stored_hole_examples(holes)
        return {name: [example.parsed() for example in rows] for name, rows in stored.items()}

    def stored_hole_examples(self, holes: Sequence[Hole]) -> dict[str, list[HoleExample]]:
        """The stored examples of the inline holes among `holes`, by hole name: those kept under
        the hole's description."""
        by_description: dict[str, list[HoleExample]] = {}
        for example in self.hole_examples.all():
            by_description.setdefault(example.description, []).append(example)
        return {
            hole.name: by_description[hole.description]
            for hole in holes
            if hole.kind == "inline" and hole.description in by_description
        }


class Revision(models.Model):
    """One immutable state of a sketch's text."""

    sketch = models.ForeignKey(Sketch, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    text = models.TextField()
    message = models.CharField(max_length=300)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["sketch", "number"], name="unique_revision_number")
        ]

    def __str__(self) -> str:
        return f"{self.sketch} r{self.number}"


class Example(models.Model):
    """An input/output example of the sketch's entry, kept as the user wrote it."""

    sketch = models.ForeignKey(Sketch, on_delete=models.CASCADE, related_name="examples")
    args = models.TextField(help_text="The call's arguments, as Python literals or JSON.")
    output = models.TextField(help_text="The expected return value.")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created", "id"]

    def __str__(self) -> str:
        return f"({self.args}) -> {self.output}"

    def parsed(self) -> ParsedExample:
        return ParsedExample(parse_arguments(self.args), parse_value(self.output))


class HoleExample(models.Model):
    """An example of one inline hole, given by the user (often from a traced call).

    A function hole's examples are its doctest lines, in the sketch's text; an inline hole has
    no docstring, so its examples are kept here, keyed by its description: they follow the hole
    through edits that keep the description, and apply to no hole once it changes (docs/ide.md)."""

    sketch = models.ForeignKey(Sketch, on_delete=models.CASCADE, related_name="hole_examples")
    description = models.TextField(help_text="The inline hole's description, as written.")
    args = models.TextField(help_text="The call's arguments, as Python literals or JSON.")
    output = models.TextField(help_text="What the hole should return.")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created", "id"]

    def __str__(self) -> str:
        return f"{self.description!r}({self.args}) -> {self.output}"

    def parsed(self) -> ParsedExample:
        return ParsedExample(parse_arguments(self.args), parse_value(self.output))
