"""The header's search field shows its whole placeholder ("Search claims, evidence,
sources"; in French the shorter "Affirmations, sources") at 768 and 1366 px: measured
in the page with the input's own font against the room inside the field (its width less
its padding), and at 1366 px the links stay on one row."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from tests.browser import chromium, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MEASURE = """async () => {
  await document.fonts.ready;
  const input = document.getElementById('site-q');
  const style = getComputedStyle(input);
  const context = document.createElement('canvas').getContext('2d');
  context.font = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
  const room = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return {text: context.measureText(input.placeholder).width, room: room,
          placeholder: input.placeholder, shown: input.getClientRects().length > 0,
          scroll: input.scrollWidth, client: input.clientWidth,
          nav: document.querySelector('.main-nav').getBoundingClientRect().height};
}"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.mark.parametrize("prefix", ["", "/fr"])
@pytest.mark.parametrize("width", [768, 1366])
def test_the_search_placeholder_reads_whole(
    browser: Any, live_server: Any, width: int, prefix: str
) -> None:
    page = browser.new_page(viewport={"width": width, "height": 900})
    try:
        page.goto(f"{live_server.url}{prefix}/claims/")
        if not page.locator("#site-q").is_visible():  # a narrow screen: behind "Menu"
            page.locator(".site-menu > summary").click()
        found = page.evaluate(MEASURE)
        screenshot(page, f"search-placeholder{prefix.replace('/', '-')}", str(width))
        assert found["shown"] and found["placeholder"], found
        assert found["scroll"] <= found["client"], found
        assert found["text"] <= found["room"], found
        if width == 1366:  # the wider field leaves the links on one row
            assert found["nav"] < 50, found
    finally:
        page.close()
