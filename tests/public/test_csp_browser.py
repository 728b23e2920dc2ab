"""Content-Security-Policy in a real chromium: public pages and the editor, htmx working.

Every violation is collected twice: the ``securitypolicyviolation`` events the
page fires (listened to by an init script, which the policy does not govern)
and chromium's "Refused to ..." console errors.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from playwright.sync_api import Browser, Page, expect

from tests.browser import chromium, screenshot
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def site(live_server: Any) -> str:
    call_command("seed_demo")
    return str(live_server.url)


class Watched:
    def __init__(self, page: Page) -> None:
        self.page = page
        self.console: list[str] = []
        self.policies: list[str] = []
        page.add_init_script(LISTEN)
        page.on("console", self._console)
        page.on("response", self._response)

    def _console(self, message: Any) -> None:
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            self.console.append(message.text)

    def _response(self, response: Any) -> None:
        if response.request.resource_type == "document":
            self.policies.append(response.headers.get("content-security-policy", ""))

    def violations(self) -> list[str]:
        return [*self.page.evaluate("window.__csp || []"), *self.console]

    def assert_clean(self, where: str) -> None:
        assert self.policies and all("script-src 'self'" in p for p in self.policies), (
            where,
            self.policies,
        )
        assert "'unsafe-inline'" not in " ".join(self.policies)
        assert self.violations() == [], where


def test_public_pages_load_under_the_policy_with_no_violation(
    browser: Browser, site: str, request: pytest.FixtureRequest
) -> None:
    page = browser.new_page()
    watched = Watched(page)
    page.goto(site + "/")
    expect(page.get_by_role("heading", name="Latest claims")).to_be_visible()
    page.goto(site + "/claims/?q=Minecraft")
    expect(page.locator("mark").first).to_be_visible()
    page.get_by_role("link", name=re.compile("Sora was trained on video-game footage")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("video-game footage")
    page.get_by_role("link", name=re.compile("archived copy")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Archived copy"))
    page.goto(site + "/methodology/")
    # htmx loaded, told not to inject its indicator <style> (the policy would refuse it).
    assert page.evaluate("window.htmx && htmx.config.includeIndicatorStyles") is False
    screenshot(page, request.node.name, "methodology")
    watched.assert_clean("public pages")
    # The watch itself works: an inline style added now is refused and reported.
    page.evaluate(
        "document.head.append(Object.assign(document.createElement('style'), {textContent: 'p {}'}))"
    )
    page.wait_for_function("window.__csp.length > 0")
    assert any("style-src" in v for v in watched.violations())


def test_the_editor_works_under_the_policy_htmx_included(
    browser: Browser, site: str, alice: Any, request: pytest.FixtureRequest
) -> None:
    page = browser.new_page()
    watched = Watched(page)
    page.goto(f"{site}/accounts/login/?next=/editor/")
    page.fill("#id_username", "alice")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/editor/$"))
    page.get_by_role("link", name="New claim").click()
    page.fill("#id_statement", "Sora was trained on Minecraft gameplay footage.")
    # htmx search-as-you-type, then a pick that swaps in a chip.
    page.locator("#q-content_named").press_sequentially("Minec", delay=30)
    page.locator("#results-content_named [data-pick]").first.click()
    expect(page.locator("#picked-content_named .chip")).to_contain_text("Minecraft")
    # htmx Markdown preview: the answer is swapped in.
    page.fill("#id_summary", "Reporters compare **Sora** frames.\n\n<script>alert(1)</script>")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#summary-preview strong")).to_have_text("Sora")
    # The editor's styles come from a file now: the form is laid out by them.
    label = page.locator(".stack label").first
    assert label.evaluate("e => getComputedStyle(e).display") == "block"
    screenshot(page, request.node.name, "claim-form")
    watched.assert_clean("editor")
