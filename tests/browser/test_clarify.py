"""Clarifying a hole through the UI, against Inlay as `make run` starts it (daphne, the worker,
the database), with a scripted model that gets one hole wrong: the trace view shows that hole's
calls, two of them become its examples, and a refill of that hole alone by the model-free filler
passes, the other hole's fill kept. Then: one run at a time with cancel, and the history's diff
and restore.

Its own stack (the fixtures are per module), pointed at the scripted model server."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.clarify_scenario import EXAMPLES, REPLIES, SKETCH, SWAP, TURN, scripted_stack_env
from tests.servers import ScriptedModelServer, embedded_stack, free_port, scripted_model

pytestmark = pytest.mark.browser

SECONDS = 60_000


@pytest.fixture(scope="module")
def model() -> Iterator[ScriptedModelServer]:
    with scripted_model([], by_hole=REPLIES) as server:
        yield server


@pytest.fixture(scope="module")
def inlay(tmp_path_factory: pytest.TempPathFactory, model: ScriptedModelServer) -> Iterator[str]:
    data = str(tmp_path_factory.mktemp("inlay-data"))
    with embedded_stack(scripted_stack_env(data, model), free_port()) as url:
        yield url


def open_new_sketch(page: Page, inlay: str, name: str) -> None:
    page.goto(f"{inlay}/")
    if page.locator("input[name=username]").count():
        page.fill("input[name=username]", "demo")
        page.fill("input[name=password]", "demo")
        page.click("button[type=submit]")
    page.fill("input[name=name]", name)
    page.get_by_role("button", name="New sketch").click()
    expect(page.locator("#editor")).to_have_attribute("data-ready", "true")
    page.evaluate("text => window.inlayEditor.setText(text)", SKETCH)
    page.get_by_role("button", name="Save").click()
    expect(page.locator(f"#outline li[data-hole={TURN}]")).to_have_count(1)
    for number, (args, output) in enumerate(EXAMPLES, start=1):
        new = page.locator("#new-example")
        new.locator("[name=args]").fill(args)
        new.locator("[name=output]").fill(output)
        new.get_by_role("button", name="Add").click()
        expect(page.locator("#examples tbody tr[id^=example-]")).to_have_count(number)


def hover_until(page: Page, text: str, expected: str, seconds: float = 60) -> bool:
    """Hover `text` in the editor, again and again, until its tooltip says `expected`."""
    tooltip = page.locator(".cm-tooltip-hover")
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        page.mouse.move(0, 0)
        page.locator(".cm-content").get_by_text(text).first.hover()
        try:
            expect(tooltip).to_contain_text(expected, timeout=2_000)
            return True
        except AssertionError:
            continue
    return False


def fill_and_review_the_wrong_candidate(page: Page) -> Locator:
    """Fill with the scripted model, which gets the first hole wrong; open the failing
    candidate's review. The run's element."""
    page.select_option("#filler", "model")
    page.click("#fill-button")
    run = page.locator("#workbench .run")
    expect(run).to_have_attribute("data-status", "finished", timeout=SECONDS)
    failed = page.locator("#workbench li[data-status=failed]").first
    failed.get_by_role("button", name="Review").click()
    return run


def test_a_wrong_hole_is_seen_in_the_trace_given_examples_and_refilled_alone(
    page: Page, inlay: str
):
    open_new_sketch(page, inlay, "Turn and swap")
    run = fill_and_review_the_wrong_candidate(page)

    turn = page.locator(f"#trace .trace-hole[data-hole={TURN}]")
    expect(turn).to_have_count(len(EXAMPLES))
    # Each call's grid went in and came back unchanged: drawn as cells, twice.
    expect(turn.first.locator("table.grid")).to_have_count(2)
    expect(turn.first.locator("td.c2").first).to_be_visible()
    expected = ["[[0, 0], [1, 2]]", "[[1], [2], [0]]"]
    for number, output in enumerate(expected):
        call = turn.nth(number)
        call.get_by_text("This call should return…").click()
        call.locator("textarea[name=output]").fill(output)
        call.get_by_role("button", name="Add example").click()
        given = page.locator(f"#outline li[data-hole={TURN}] .hole-examples > li")
        expect(given).to_have_count(number + 1)
    expect(page.locator(f"#outline li[data-hole={TURN}] .hole-examples")).to_contain_text(
        f"{TURN}([[0], [2], [1]]) → [[1], [2], [0]]"
    )
    # The hover of the hole in the editor shows them too, once the language server's facts have
    # been pushed (its watcher polls each second): a hover shown before then is hovered again.
    assert hover_until(page, "turn the grid upside down", "Examples you gave it")

    page.select_option("#filler", "enumerative")
    page.locator(f".refill-hole[data-hole={TURN}]").click()
    expect(run).to_contain_text(f"refilling {TURN}")
    expect(run).to_have_attribute("data-status", "succeeded", timeout=SECONDS)
    authors = page.locator("#workbench li[data-status=passed] .authors")
    expect(authors).to_contain_text(f"{TURN} found by the model-free filler")
    expect(authors).to_contain_text(f"{SWAP} kept from an earlier fill")
    expect(page.locator("#runs tr")).to_have_count(1)  # the first run, under the live one
    expect(page.locator("#runs tr")).to_contain_text("Finished")


def test_fill_waits_while_a_run_is_in_progress_and_cancel_frees_it(
    page: Page, inlay: str, model: ScriptedModelServer
):
    page.set_viewport_size({"width": 1440, "height": 900})
    open_new_sketch(page, inlay, "Slow model")
    model.chunk_seconds = 0.5  # the model now takes many seconds to reply
    try:
        page.evaluate("() => window.scrollTo(0, 0)")
        page.select_option("#filler", "model")
        page.click("#fill-button")
        run = page.locator("#workbench .run")
        expect(run).to_have_attribute("data-status", "running", timeout=SECONDS)
        expect(page.locator("#fill-button")).to_be_disabled()
        # The candidate being written is in sight without scrolling.
        writing = page.locator("#workbench li[data-status=generating] .draft")
        expect(writing).not_to_be_empty(timeout=SECONDS)
        box = writing.bounding_box()
        assert page.evaluate("() => window.scrollY") == 0
        assert box is not None and box["y"] + box["height"] <= 900, box
        run.get_by_role("button", name="Cancel").click()
        expect(run).to_have_attribute("data-status", "cancelled", timeout=SECONDS)
        expect(page.locator("#fill-button")).to_be_enabled()
    finally:
        model.chunk_seconds = 0.0


def test_a_revision_is_shown_as_its_changes_and_restored_into_the_editor(
    page: Page, inlay: str, tmp_path: Path
):
    open_new_sketch(page, inlay, "History")
    page.evaluate("text => window.inlayEditor.setText(text)", SKETCH + "# a second thought\n")
    page.locator("#sketch-form > .toolbar").get_by_role("button", name="Save").click()
    history = page.locator("#history > li")
    expect(history).to_have_count(3)  # created, the sketch, the second thought

    page.locator("#history-r3").get_by_role("button", name="Changes").click()
    expect(page.locator("#revision-diff .diff-add")).to_have_text("+# a second thought")
    page.locator("#history-r2").get_by_role("button", name="Changes").click()
    page.get_by_role("button", name="Restore r2").click()
    expect(history.first).to_contain_text("Restored r2")
    expect(page.locator(".cm-content")).not_to_contain_text("a second thought")
    assert page.evaluate("() => window.inlayEditor.getText()") == SKETCH


def test_a_candidate_is_reviewed_hole_by_hole_one_fill_edited_and_taken_one_rejected(
    page: Page, inlay: str
):
    open_new_sketch(page, inlay, "Hole by hole")
    fill_and_review_the_wrong_candidate(page)

    page.get_by_text("Review hole by hole").click()
    swap = page.locator(f"fieldset.hole-fill[data-hole={SWAP}]")
    code = swap.locator("textarea")
    code.fill(code.input_value().replace("out = turned.copy()", "out = turned + 0"))
    turn = page.locator(f"fieldset.hole-fill[data-hole={TURN}]")
    turn.get_by_label("Reject", exact=True).check()
    turn.get_by_label(f"Why {TURN} is rejected").fill("it leaves the grid as it is")
    page.get_by_role("button", name="Apply these decisions").click()

    decisions = page.locator("#hole-review .hole-decisions")
    expect(decisions.locator(f"li[data-hole={SWAP}]")).to_have_text(f"{SWAP}: accepted")
    expect(decisions.locator(f"li[data-hole={TURN}]")).to_contain_text(
        "rejected (it leaves the grid as it is)"
    )
    content = page.locator(".cm-content")
    expect(content).to_contain_text("out = turned + 0")
    expect(content).to_contain_text('"turn the grid upside down"(grid)')
    expect(page.locator("#history > li").first).to_contain_text(f"Accepted `{SWAP}` from candidate")


def test_the_holes_panel_follows_the_editor_before_save_even_with_a_syntax_error(
    page: Page, inlay: str
):
    open_new_sketch(page, inlay, "Typing")
    revisions = page.locator("#history > li")
    expect(revisions).to_have_count(2)
    typed = SKETCH.replace("return ", 'extra = "count the colours"(turned)\n    return ')
    page.evaluate("text => window.inlayEditor.setText(text)", typed + "def broken(:\n")
    holes = page.locator("#outline li.hole")
    expect(holes).to_have_count(3, timeout=SECONDS)
    expect(page.locator("#outline li[data-hole=count_the_colours]")).to_be_visible()
    expect(page.locator("#outline .field-error").first).to_contain_text("Line 5")
    expect(revisions).to_have_count(2)  # nothing was saved


FUNCTION_HOLE = '''def turn(grid: list[list[int]]) -> list[list[int]]:
    """Turn the grid upside down.

    >>> turn([[1], [2]])
    [[2], [1]]
    """


def main(grid: list[list[int]]) -> list[list[int]]:
    return turn(grid)
'''


def test_a_holes_examples_are_edited_and_deleted_from_the_holes_panel(page: Page, inlay: str):
    open_new_sketch(page, inlay, "Editing examples")
    turn = page.locator(f"#outline li[data-hole={TURN}]")
    turn.get_by_text(f"Add an example of {TURN}").click()
    turn.get_by_label(f"Arguments of {TURN}").fill("[[1]]")
    turn.get_by_label(f"What {TURN} should return").fill("[[1]]")
    turn.get_by_role("button", name="Add example").click()
    given = turn.locator(".hole-examples > li")
    expect(given).to_have_text(re.compile(rf"^{re.escape(TURN)}\(\[\[1\]\]\) → \[\[1\]\]"))

    given.get_by_text("Edit").click()
    given.get_by_label(f"Arguments of {TURN}").fill("[[1], [2]]")
    given.get_by_label(f"What {TURN} should return").fill("[[2], [1]]")
    given.get_by_role("button", name="Save").click()
    expect(given).to_contain_text(f"{TURN}([[1], [2]]) → [[2], [1]]")
    given.get_by_role("button", name=f"Delete this example of {TURN}").click()
    expect(given).to_have_count(0)

    # A function hole's examples are its doctest lines: edited there, the editor reloaded.
    page.evaluate("text => window.inlayEditor.setText(text)", FUNCTION_HOLE)
    page.locator("#sketch-form > .toolbar").get_by_role("button", name="Save").click()
    doctest = page.locator("#outline li[data-hole=turn] .hole-examples > li")
    expect(doctest).to_contain_text("turn([[1], [2]]) → [[2], [1]]")
    doctest.get_by_text("Edit").click()
    doctest.get_by_label("Arguments of turn").fill("[[3], [4]]")
    doctest.get_by_label("What turn should return").fill("[[4], [3]]")
    doctest.get_by_role("button", name="Save").click()
    content = page.locator(".cm-content")
    expect(content).to_contain_text(">>> turn([[3], [4]])")
    expect(content).not_to_contain_text(">>> turn([[1], [2]])")
    doctest.get_by_role("button", name="Delete this example of turn").click()
    expect(content).not_to_contain_text(">>>")
    assert page.evaluate("() => window.inlayEditor.getText()") == FUNCTION_HOLE.replace(
        '.\n\n    >>> turn([[1], [2]])\n    [[2], [1]]\n    """', '."""'
    )
    expect(page.locator("#history > li").first).to_contain_text("Example of `turn` removed")


def test_a_sketch_too_large_to_save_says_so_in_the_page_and_stays_in_the_editor(
    page: Page, inlay: str
):
    open_new_sketch(page, inlay, "Too large")
    revisions = page.locator("#history > li")
    expect(revisions).to_have_count(2)
    huge = SKETCH + "x = 0\n" * 50_000  # 300,000 characters and more

    page.evaluate("text => window.inlayEditor.setText(text)", huge)
    page.locator("#sketch-form > .toolbar").get_by_role("button", name="Save").click()

    banner = page.locator("#request-error")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Inlay takes sketches of at most 250,000")
    expect(banner).to_contain_text("Nothing was saved: the text is still in the editor.")
    assert page.evaluate("() => window.inlayEditor.getText()") == huge
    expect(revisions).to_have_count(2)

    # Cut back to size, it saves, and the message goes.
    page.evaluate("text => window.inlayEditor.setText(text)", SKETCH + "# shorter\n")
    page.locator("#sketch-form > .toolbar").get_by_role("button", name="Save").click()
    expect(revisions).to_have_count(3)
    expect(banner).to_be_hidden()
