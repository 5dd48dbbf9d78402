from __future__ import annotations

from django.contrib.auth.models import User
from django.test import Client

from apps.sketches.models import Example, Sketch


def test_adding_a_valid_example_saves_it(demo_sketch: Sketch, owner: Client):
    response = owner.post(
        f"/sketches/{demo_sketch.pk}/examples/", {"args": "[9, 8]", "output": "[8, 9]"}
    )
    assert response.status_code == 200
    assert demo_sketch.examples.last().args == "[9, 8]"  # type: ignore[union-attr]
    assert ">[9, 8]</textarea>" in response.content.decode()


def test_a_bad_value_gets_a_message_beside_the_row_and_nothing_is_saved(
    demo_sketch: Sketch, user: User, owner: Client
):
    response = owner.post(
        f"/sketches/{demo_sketch.pk}/examples/", {"args": "[1, 2", "output": "[2, 1]"}
    )
    page = response.content.decode()
    assert "never closed" in page
    assert ">[1, 2</textarea>" in page, "what the user typed is kept for correction"
    assert demo_sketch.examples.count() == 3


def test_changing_an_example_to_a_bad_value_keeps_the_stored_one(
    demo_sketch: Sketch, owner: Client
):
    example = demo_sketch.examples.first()
    assert example is not None
    response = owner.post(
        f"/examples/{example.pk}/", {"args": "[1, 2, 3]", "output": "reversed(x)"}
    )
    assert "Only literal values" in response.content.decode()
    example.refresh_from_db()
    assert example.output == "[3, 2, 1]"


def test_changing_and_deleting_examples(demo_sketch: Sketch, owner: Client):
    client = owner
    first, second = list(demo_sketch.examples.all())[:2]
    client.post(f"/examples/{first.pk}/", {"args": "(1, 2)", "output": "true"})
    first.refresh_from_db()
    assert (first.args, first.output) == ("(1, 2)", "true")
    client.post(f"/examples/{second.pk}/delete/")
    assert not demo_sketch.examples.filter(pk=second.pk).exists()


def _sketch(user: User, text: str, *examples: tuple[str, str]) -> Sketch:
    sketch = Sketch.objects.create(owner=user, name="Grids")
    sketch.commit(text, "Created")
    for args, output in examples:
        Example.objects.create(sketch=sketch, args=args, output=output)
    return sketch


def _kind(page: str, example: Example) -> str:
    """The text of the example's kind, as its row shows it."""
    start = page.index(f'id="example-{example.pk}-kind"')
    return page[page.index(">", start) + 1 : page.index("</div>", start)]


PLAIN = 'def main(grid):\n    return "turn the grid upside down"(grid)\n'
ARRAYS = 'def main(grid: np.ndarray) -> np.ndarray:\n    return "turn it upside down"(grid)\n'


def test_each_example_shows_the_kinds_of_its_values(user: User, owner: Client):
    sketch = _sketch(
        user, PLAIN, ("[[1, 2, 3], [4, 5, 6]]", "[[4, 5, 6], [1, 2, 3]]"), ("[1, 2], 3", "7")
    )
    page = owner.get(f"/sketches/{sketch.pk}/").content.decode()
    grid, pair = sketch.examples.all()
    assert _kind(page, grid) == "grid 2×3 → grid 2×3"
    assert _kind(page, pair) == "list of 2, int → int"


def test_where_the_sketch_works_with_arrays_a_grid_shows_as_the_array_it_becomes(
    user: User, owner: Client
):
    sketch = _sketch(user, ARRAYS, ("[[1, 2], [3, 4]]", "[[3, 4], [1, 2]]"))
    page = owner.get(f"/sketches/{sketch.pk}/").content.decode()
    assert _kind(page, sketch.examples.get()) == "array 2×2 int64 → array 2×2 int64"


def test_saving_a_text_that_uses_numpy_updates_the_kinds_in_place(user: User, owner: Client):
    sketch = _sketch(user, PLAIN, ("[[1, 2], [3, 4]]", "[[3, 4], [1, 2]]"))
    example = sketch.examples.get()
    response = owner.post(f"/sketches/{sketch.pk}/save/", {"text": ARRAYS})
    page = response.content.decode()
    assert page.lstrip().startswith('<section id="outline"')
    assert (
        f'<div id="example-{example.pk}-kind" class="example-kind small muted" hx-swap-oob' in page
    )
    assert _kind(page, example) == "array 2×2 int64 → array 2×2 int64"


def test_a_ragged_grid_where_the_entry_takes_an_array_is_named_before_filling(
    user: User, owner: Client
):
    sketch = _sketch(user, ARRAYS, ("[[1, 2], [3]]", "[[3], [1, 2]]"))
    response = owner.get(f"/sketches/{sketch.pk}/")
    assert response.status_code == 200
    message = (
        "Example 1, argument 1 should be an array (the sketch annotates it as one), but its rows "
        "differ in length."
    )
    assert message in response.content.decode()
    assert _kind(response.content.decode(), sketch.examples.get()) == "list of 2 → list of 2"

    response = owner.post(f"/sketches/{sketch.pk}/fill/", {"text": ARRAYS})
    assert f"An example is not valid: {message[:-1]}" in response.content.decode()
    assert not sketch.runs.exists()


def test_a_stored_example_that_no_longer_parses_does_not_break_the_page(
    demo_sketch: Sketch, owner: Client
):
    broken = Example.objects.create(sketch=demo_sketch, args="[1,", output="1")
    page = owner.get(f"/sketches/{demo_sketch.pk}/").content.decode()
    assert _kind(page, broken) == ""
    assert ">[4, 0, 7, 7]</textarea>" in page


def test_a_grid_example_is_edited_one_row_a_line_and_drawn_as_cells(
    demo_sketch: Sketch, owner: Client
):
    owner.post(
        f"/sketches/{demo_sketch.pk}/examples/",
        {"args": "[[1, 2], [3, 4], [5, 6]]", "output": "[[5, 6], [3, 4], [1, 2]]"},
    )
    page = owner.get(f"/sketches/{demo_sketch.pk}/").content.decode()
    row = page.split(f'id="example-{demo_sketch.examples.last().pk}"')[1].split("</tr>\n")[0]  # type: ignore[union-attr]
    assert (
        '<textarea name="args" class="example-value" rows="3" spellcheck="false" '
        'aria-label="Arguments">[[1, 2],\n [3, 4],\n [5, 6]]</textarea>'
    ) in row
    assert '<table class="grid" title="3×2"><tr><td class="c1"></td><td class="c2"></td>' in page
    # Saved again as shown, it is the same example.
    example = demo_sketch.examples.last()
    assert example is not None
    owner.post(
        f"/examples/{example.pk}/",
        {"args": "[[1, 2],\n [3, 4],\n [5, 6]]", "output": example.output},
    )
    example.refresh_from_db()
    assert example.parsed().args == ([[1, 2], [3, 4], [5, 6]],)
