"""The clarification loop end to end with the real local model: fill a two-hole sketch, give one
hole an example from its traced call, and refill that hole alone by the model, the other hole's
fill kept. What the 0.5B model writes is not asserted, only that the loop runs through it.

Its own stack (the fixtures are per module), with small budgets so it stays a few minutes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_clarify import open_new_sketch
from tests.browser.test_walking_skeleton import MODEL_SECONDS
from tests.clarify_scenario import SWAP, TURN
from tests.servers import embedded_stack, free_port

pytestmark = [pytest.mark.browser, pytest.mark.model]

ENDED_WITH_CANDIDATES = re.compile("^(finished|succeeded)$")


@pytest.fixture(scope="module")
def inlay(tmp_path_factory: pytest.TempPathFactory, model_path: Path) -> Iterator[str]:
    env = {
        "INLAY_DATA_DIR": str(tmp_path_factory.mktemp("inlay-data")),
        "INLAY_LOCAL_MODEL_PATH": str(model_path),
        "INLAY_SAMPLES_PER_HOLE": "2",
        "INLAY_CANDIDATES_PER_RUN": "2",
        "INLAY_RUN_BUDGET_SECONDS": "60",
        "DATABASE_URL": "",
        "REDIS_URL": "",
    }
    with embedded_stack(env, free_port()) as url:
        yield url


def test_a_hole_is_refilled_alone_by_the_local_model_with_the_other_fill_kept(
    page: Page, inlay: str
):
    open_new_sketch(page, inlay, "Turn and swap, local model")
    page.select_option("#filler", "model")
    page.click("#fill-button")
    run = page.locator("#workbench .run")
    expect(run).to_have_attribute("data-status", ENDED_WITH_CANDIDATES, timeout=MODEL_SECONDS)
    tested = page.locator("#workbench li[data-status=failed], #workbench li[data-status=passed]")
    expect(tested.first).to_be_visible()
    tested.first.get_by_role("button", name="Review").click()
    expect(page.locator("#trace")).to_be_visible()

    given = page.locator(f"#outline li[data-hole={TURN}] .hole-examples > li")
    turn = page.locator(f"#outline li[data-hole={TURN}]")
    turn.get_by_text(f"Add an example of {TURN}").click()
    turn.locator("[name=args]").fill("[[1, 2], [0, 0]]")
    turn.locator("[name=output]").fill("[[0, 0], [1, 2]]")
    turn.get_by_role("button", name="Add example").click()
    expect(given).to_have_count(1)

    page.locator(f".refill-hole[data-hole={TURN}]").click()
    expect(run).to_contain_text(f"refilling {TURN}")
    expect(run).to_have_attribute("data-status", ENDED_WITH_CANDIDATES, timeout=MODEL_SECONDS)
    authors = page.locator("#workbench .run .authors").first
    expect(authors).to_contain_text(f"{SWAP} kept from an earlier fill")
    expect(authors.locator(f"li[data-hole={TURN}]")).to_contain_text("by the model")
