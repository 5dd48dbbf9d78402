"""Steps 2 to 5 of the walking skeleton, through the UI, against Inlay as `make run` starts it,
with the real local model filling the demo sketch's hole."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from inlay.sandbox import run_examples

pytestmark = [pytest.mark.browser, pytest.mark.model]

MODEL_SECONDS = 180_000  # generous: the machine is shared and the model runs on 2 cores


def log_in_and_open_demo(page: Page, inlay: str) -> None:
    page.goto(f"{inlay}/")
    page.fill("input[name=username]", "demo")
    page.fill("input[name=password]", "demo")
    page.click("button[type=submit]")
    page.click("text=Reverse a list")
    expect(page.locator("#editor")).to_have_attribute("data-ready", "true")


def test_the_editor_shows_the_sketch_with_its_holes_marked_and_hover(page: Page, inlay: str):
    log_in_and_open_demo(page, inlay)
    expect(page.locator(".cm-content")).to_contain_text("def reverse_list(xs: list[int])")
    expect(page.locator("#lsp-status")).to_contain_text("connected")
    # The language server marks the hole with a diagnostic.
    expect(page.locator(".cm-lintRange").first).to_be_visible()

    page.locator(".cm-content").get_by_text("reverse_list").first.hover()
    tooltip = page.locator(".cm-tooltip-hover")
    expect(tooltip).to_contain_text("Return a new list with the items of xs in reverse order.")
    expect(tooltip).to_contain_text("Expected type: list[int]")


def test_examples_can_be_added_changed_and_deleted_and_bad_values_are_refused(
    page: Page, inlay: str
):
    log_in_and_open_demo(page, inlay)
    rows = page.locator("#examples tbody tr[id^=example-]")
    expect(rows).to_have_count(3)

    new = page.locator("#new-example")
    new.locator("[name=args]").fill("[9, 8")
    new.locator("[name=output]").fill("[8, 9]")
    new.get_by_role("button", name="Add").click()
    expect(page.locator("#new-example .field-error")).to_contain_text("'[' was never closed")
    expect(rows).to_have_count(3)

    page.locator("#new-example [name=args]").fill("[9, 8]")
    page.locator("#new-example").get_by_role("button", name="Add").click()
    expect(rows).to_have_count(4)

    added = rows.nth(3)
    added.locator("[name=output]").fill("oops(")
    added.get_by_role("button", name="Save").click()
    expect(rows.nth(3).locator(".field-error")).to_contain_text("never closed")
    page.reload()
    expect(rows.nth(3).locator("[name=output]")).to_have_value("[8, 9]")

    rows.nth(3).get_by_role("button", name="Delete").click()
    expect(rows).to_have_count(3)


def test_fill_streams_candidates_and_accepting_one_saves_a_revision(page: Page, inlay: str):
    log_in_and_open_demo(page, inlay)
    page.click("#fill-button")

    run = page.locator("#workbench .run")
    expect(run).to_have_attribute("data-status", "succeeded", timeout=MODEL_SECONDS)
    passing = page.locator("#workbench li[data-status=passed]").first
    expect(passing.locator("tr.result")).to_have_count(3)
    expect(passing.locator("tr.result[data-status=pass]")).to_have_count(3)
    # What the run cost shows with it, and the engine's reason for its choice.
    expect(run.locator(".run-cost")).to_contain_text(
        re.compile(r"\d+ tokens in, \d+ out, [\d.]+ s")
    )
    expect(passing.locator(".candidate-cost")).to_contain_text(re.compile(r"\d+ tokens, [\d.]+ s"))
    expect(run.locator(".run-message")).to_contain_text("The engine's choice:")
    # The language server learns the run's facts when it ends: the hole's hover shows what the
    # traced run passed through it.
    shown = _hover_once_it_contains(page, "reverse_list", "Inputs in the last traced run")
    assert "Status: verified" in shown
    assert "example 1: (list [1, 2, 3])" in shown

    passing.get_by_role("button", name="Review").click()
    diff = page.locator("#candidate-diff")
    expect(diff.locator(".diff-add").first).to_be_visible()
    page.click("#accept-button")
    expect(page.locator("#decision")).to_have_text(re.compile("Accepted as revision 2"))
    expect(page.locator("#history")).to_contain_text("Accepted candidate")

    accepted = page.request.get(page.url.rstrip("/") + "/revisions/2.py").text()
    assert "def reverse_list(xs: list[int]) -> list[int]:" in accepted
    assert accepted.count("def main(xs: list[int]) -> list[int]:") == 1
    expect(page.locator(".cm-content")).to_contain_text(_last_line_of_body(accepted))
    expect(page.locator("#outline")).to_contain_text("No holes")

    # What was accepted really passes every example, run again through the sandbox.
    examples = [(([1, 2, 3],), [3, 2, 1]), (([5],), [5]), (([4, 0, 7, 7],), [7, 7, 0, 4])]
    results = run_examples(accepted, "main", examples)
    assert [result.status for result in results] == ["pass", "pass", "pass"]


def _hover_once_it_contains(page: Page, word: str, wanted: str, tries: int = 40) -> str:
    """The hover tooltip over `word`, hovered again until it shows `wanted` (facts are pushed to
    the editor shortly after the run ends) or `tries` half-seconds have passed."""
    tooltip = page.locator(".cm-tooltip-hover")
    shown = ""
    for _ in range(tries):
        page.mouse.move(0, 0)
        expect(tooltip).to_have_count(0)
        page.locator(".cm-content").get_by_text(word).first.hover()
        expect(tooltip).to_be_visible()
        shown = tooltip.inner_text()
        if wanted in shown:
            break
        page.wait_for_timeout(500)
    return shown


def _last_line_of_body(source: str) -> str:
    body = source.split('"""', 2)[2].split("\ndef main")[0]
    return [line.strip() for line in body.splitlines() if line.strip()][-1]
