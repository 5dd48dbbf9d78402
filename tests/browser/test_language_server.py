"""The language server in the page: hover, diagnostics and a code action on a hole, through the
editor, against Inlay as `make run` starts it."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser]

SKETCH = (
    "def main(xs: list[int]) -> list[int]:\n"
    "    ys = sorted(xs)\n"
    '    return "reverse the list"(ys)\n'
)


def open_demo_with(page: Page, inlay: str, text: str) -> None:
    page.goto(f"{inlay}/")
    page.fill("input[name=username]", "demo")
    page.fill("input[name=password]", "demo")
    page.click("button[type=submit]")
    page.click("text=Reverse a list")
    expect(page.locator("#lsp-status")).to_contain_text("connected")
    page.evaluate("text => window.inlayEditor.setText(text)", text)
    expect(page.locator(".cm-content")).to_contain_text("reverse the list")


def test_hover_shows_the_inline_holes_inferred_types(page: Page, inlay: str) -> None:
    open_demo_with(page, inlay, SKETCH)

    page.locator(".cm-content").get_by_text('"reverse the list"').hover()

    tooltip = page.locator(".cm-tooltip-hover")
    expect(tooltip).to_contain_text("reverse_the_list")
    expect(tooltip).to_contain_text("Expected type: list[int]")
    expect(tooltip).to_contain_text("ys: list[int] (inferred)")


def test_diagnostics_mark_the_hole_and_a_syntax_error(page: Page, inlay: str) -> None:
    open_demo_with(page, inlay, SKETCH + "\ndef broken(:\n")

    expect(page.locator(".cm-lintRange-info").first).to_be_visible()
    expect(page.locator(".cm-lintRange-error").first).to_be_visible()
    page.locator(".cm-lint-marker-error").first.hover()
    expect(page.locator(".cm-tooltip-lint")).to_contain_text("Syntax error")


def test_a_code_action_extracts_the_inline_hole_into_a_function_hole(page: Page, inlay: str):
    open_demo_with(page, inlay, SKETCH)

    page.locator(".cm-content").get_by_text('"reverse the list"').click()
    page.keyboard.press("Control+.")
    menu = page.get_by_role("menu", name="Code actions")
    expect(menu).to_contain_text("Extract reverse_the_list into a function hole")
    menu.get_by_role("menuitem", name="Extract reverse_the_list into a function hole").click()

    expect(page.locator(".cm-content")).to_contain_text(
        "def reverse_the_list(ys: list[int]) -> list[int]:"
    )
    expect(page.locator(".cm-content")).to_contain_text("return reverse_the_list(ys)")
    assert page.evaluate("window.inlayEditor.getText()").startswith(
        'def reverse_the_list(ys: list[int]) -> list[int]:\n    """reverse the list"""\n\n\n'
    )
