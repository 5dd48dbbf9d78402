"""An ARC-style sketch through the UI: its prelude and its grids as the program receives them,
then a fill by the model-free filler alone, which needs no model.

Its own stack (the fixtures are per module); the local model is never loaded."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.ide.test_fillers import ARC_EXAMPLE, ARC_SKETCH

pytestmark = pytest.mark.browser


def log_in(page: Page, inlay: str) -> None:
    page.goto(f"{inlay}/")
    page.fill("input[name=username]", "demo")
    page.fill("input[name=password]", "demo")
    page.click("button[type=submit]")


def test_an_arc_sketch_shows_its_prelude_and_grids_and_the_model_free_filler_fills_it(
    page: Page, inlay: str
):
    log_in(page, inlay)
    page.fill("input[name=name]", "Flip and recolour")
    page.get_by_role("button", name="New sketch").click()
    expect(page.locator("#editor")).to_have_attribute("data-ready", "true")
    expect(page.locator("#prelude")).to_have_count(0)

    page.evaluate("text => window.inlayEditor.setText(text)", ARC_SKETCH)
    page.get_by_role("button", name="Save").click()
    prelude = page.locator("#prelude")
    expect(prelude).to_contain_text("Environment (ARC prelude):")
    expect(prelude).to_contain_text("import numpy as np")
    expect(prelude).to_contain_text("black, blue, red, green,")

    new = page.locator("#new-example")
    new.locator("[name=args]").fill(ARC_EXAMPLE[0])
    new.locator("[name=output]").fill(ARC_EXAMPLE[1])
    new.get_by_role("button", name="Add").click()
    row = page.locator("#examples tbody tr[id^=example-]")
    expect(row).to_have_count(1)
    expect(row.locator(".example-kind")).to_have_text("array 2×2 int64 → array 2×2 int64")
    # A grid is edited in a field of its own rows, one a line, and reads back as it was.
    args = row.get_by_label("Arguments")
    expect(args).to_have_value("[[2, 0],\n [1, 2]]")
    expect(args).to_have_attribute("rows", "2")
    args.fill("[[2, 0],\n [1, 2],\n [0, 0]]")
    row.get_by_role("button", name="Save").click()
    expect(row.locator(".example-kind")).to_have_text("array 3×2 int64 → array 2×2 int64")
    expect(row.get_by_label("Arguments")).to_have_attribute("rows", "3")
    args = row.get_by_label("Arguments")
    args.fill(ARC_EXAMPLE[0])
    row.get_by_role("button", name="Save").click()
    expect(row.locator(".example-kind")).to_have_text("array 2×2 int64 → array 2×2 int64")

    page.select_option("#filler", "enumerative")
    page.click("#fill-button")
    run = page.locator("#workbench .run")
    expect(run).to_have_attribute("data-status", "succeeded", timeout=60_000)
    expect(run.locator(".run-filler")).to_have_text("the model-free filler only")
    expect(run.locator(".run-cost")).to_contain_text("0 tokens in, 0 out")
    passing = page.locator("#workbench li[data-status=passed]")
    expect(passing.locator(".authors")).to_have_text("flip found by the model-free filler")

    passing.get_by_role("button", name="Review").click()
    expect(page.locator("#candidate-diff")).to_contain_text("return np.flipud(grid)")
    expect(page.locator("#candidate-detail .authors")).to_contain_text("model-free filler")


def test_a_plain_sketch_shows_no_prelude_and_its_lists_as_lists(page: Page, inlay: str):
    log_in(page, inlay)
    page.click("text=Reverse a list")
    expect(page.locator("#editor")).to_have_attribute("data-ready", "true")
    expect(page.locator("#prelude")).to_have_count(0)
    first = page.locator("#examples tbody tr[id^=example-]").first
    expect(first.locator(".example-kind")).to_have_text("list of 3 → list of 3")


def test_the_login_page_and_the_sketch_list_are_panels_like_the_ide(page: Page, inlay: str):
    page.goto(f"{inlay}/")
    login = page.locator("main.narrow section.panel")
    expect(login.locator("header h2")).to_have_text("Log in to Inlay")
    expect(login.get_by_label("Username")).to_be_visible()
    # Laid out by the style sheet: a bounded column, not the page's full width.
    box = page.locator("main.narrow").bounding_box()
    viewport = page.viewport_size
    assert box is not None and viewport is not None
    assert box["width"] < viewport["width"] * 0.8

    log_in(page, inlay)
    listing = page.locator("main.narrow section.panel")
    expect(listing.locator("header h2")).to_have_text("Your sketches")
    expect(listing.locator("table.sketch-list")).to_contain_text("Reverse a list")
    expect(listing.get_by_label("Name of a new sketch")).to_be_visible()
