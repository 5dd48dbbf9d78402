"""A running fill can be cancelled from the page; the worker stops and the run says so.

Its own stack (the fixtures are per module), with the real local model: an example no program
can pass keeps the run sampling, so it is still running when Cancel is pressed."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_walking_skeleton import MODEL_SECONDS, log_in_and_open_demo

pytestmark = [pytest.mark.browser, pytest.mark.model]


def test_a_running_fill_is_cancelled_and_its_worker_stops(page: Page, inlay: str):
    log_in_and_open_demo(page, inlay)
    new = page.locator("#new-example")
    new.locator("[name=args]").fill("[1, 2]")
    new.locator("[name=output]").fill("[7, 7, 7]")
    new.get_by_role("button", name="Add").click()
    expect(page.locator("#examples tbody tr[id^=example-]")).to_have_count(4)

    page.click("#fill-button")
    run = page.locator("#workbench .run")
    expect(run).to_have_attribute("data-status", "running", timeout=MODEL_SECONDS)
    run.get_by_role("button", name="Cancel").click()

    expect(run).to_have_attribute("data-status", "cancelled", timeout=30_000)
    expect(run.locator(".run-message")).to_contain_text("Cancelled after")
    expect(run.get_by_role("button", name="Cancel")).to_have_count(0)
    # The worker recorded what it had spent until it stopped.
    expect(run.locator(".run-cost")).to_contain_text("tokens in")
