from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.servers import embedded_stack, free_port

CHROMIUM = "/usr/bin/chromium"
# Playwright's assertions wait 5 s by default; on a loaded 2-core machine the first hover or
# swap can take longer (issue 14, finding 11). Waits end as soon as the page is right.
expect.set_options(timeout=30_000)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def inlay(tmp_path_factory: pytest.TempPathFactory, model_path: Path) -> Iterator[str]:
    """Inlay started as `make run` starts it, on a fresh data directory; yields its base URL."""
    env = {
        "INLAY_DATA_DIR": str(tmp_path_factory.mktemp("inlay-data")),
        "INLAY_LOCAL_MODEL_PATH": str(model_path),
        "DATABASE_URL": "",
        "REDIS_URL": "",
    }
    with embedded_stack(env, free_port()) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser, tmp_path: Path) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    page.screenshot(path=str(tmp_path / "last.png"))
    context.close()
    assert errors == [], f"JavaScript errors in the page: {errors}"
