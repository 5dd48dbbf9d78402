"""Make the screenshots in docs/images again: the login page, the trace view with grids, the
review hole by hole, a refill of one hole, and the history's diff and restore, on Inlay as
`make run` starts it, with a scripted model (tests/servers.py) so the pictures come out the
same every time.

    .venv/bin/python docs/screenshots.py [--out docs/images]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.browser.test_clarify import open_new_sketch  # noqa: E402
from tests.clarify_scenario import REPLIES, SKETCH, TURN, scripted_stack_env  # noqa: E402
from tests.servers import embedded_stack, free_port, scripted_model  # noqa: E402

SECONDS = 60_000


def shoot(page: Page, out: Path) -> None:
    page.select_option("#filler", "model")
    page.click("#fill-button")
    run = page.locator("#workbench .run")
    expect(run).to_have_attribute("data-status", "finished", timeout=SECONDS)
    failed = page.locator("#workbench li[data-status=failed]").first
    failed.get_by_role("button", name="Review").click()
    turn = page.locator(f"#trace .trace-hole[data-hole={TURN}]")
    expect(turn).to_have_count(2)
    turn.first.get_by_text("This call should return…").click()
    turn.first.locator("textarea[name=output]").fill("[[0, 0], [1, 2]]")
    page.locator("#candidate-detail").screenshot(path=str(out / "trace-view.png"))

    review = page.locator("#hole-review")
    review.locator("summary").click()
    review.locator(f"fieldset[data-hole={TURN}] input[value=rejected]").check()
    review.get_by_label(f"Why {TURN} is rejected").fill("it returns the grid unchanged")
    review.screenshot(path=str(out / "per-hole-review.png"))
    review.locator("summary").click()

    turn.first.get_by_role("button", name="Add example").click()
    turn.nth(1).get_by_text("This call should return…").click()
    turn.nth(1).locator("textarea[name=output]").fill("[[1], [2], [0]]")
    turn.nth(1).get_by_role("button", name="Add example").click()
    expect(page.locator(f"#outline li[data-hole={TURN}] .hole-examples > li")).to_have_count(2)
    page.select_option("#filler", "enumerative")
    page.locator(f".refill-hole[data-hole={TURN}]").click()
    expect(run).to_have_attribute("data-status", "succeeded", timeout=SECONDS)
    page.screenshot(path=str(out / "refill-one-hole.png"))

    page.evaluate("text => window.inlayEditor.setText(text)", SKETCH + "# a second thought\n")
    page.locator("#sketch-form > .toolbar").get_by_role("button", name="Save").click()
    expect(page.locator("#history > li")).to_have_count(3)
    page.locator("#history > li").first.get_by_role("button", name="Changes").click()
    expect(page.locator("#revision-diff")).to_contain_text("a second thought")
    page.locator("#outline").screenshot(path=str(out / "history-restore.png"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "images")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory() as data,
        scripted_model([], by_hole=REPLIES) as model,
        embedded_stack(scripted_stack_env(data, model), free_port()) as url,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.goto(f"{url}/")
        page.screenshot(path=str(args.out / "login.png"))
        open_new_sketch(page, url, "Turn and swap")
        shoot(page, args.out)
        browser.close()
    for name in ("login", "trace-view", "per-hole-review", "refill-one-hole", "history-restore"):
        print(args.out / f"{name}.png")


if __name__ == "__main__":
    main()
