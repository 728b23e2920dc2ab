"""The new-reference-element page in a real chromium: 390, 768 and 1366 px, axe-clean;
without JavaScript (the four numbers typed, the crop previewed, saved); with JavaScript,
one drag on the frame fills the four fields."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM must still work here.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from playwright.sync_api import Browser, Page, expect

from app.compare.models import ReferenceElement
from tests.browser import check_page, chromium, log_in, no_js_page, screenshot
from tests.compare.conftest import HUD_BOX, SOURCE_SIZE, Clips
from tests.compare.helpers import archived
from tests.compare.test_elements import png_size
from tests.public.test_csp_browser import Watched

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def box_fields(page: Page) -> tuple[int, ...]:
    return tuple(int(page.input_value(f"#id_{n}") or -1) for n in ("x", "y", "width", "height"))


def test_the_new_element_page_at_three_widths_with_and_without_javascript(
    browser: Browser, live_server: Any, clips: Clips, alice: Any
) -> None:
    video = archived(clips.source)
    x, y, w, h = HUD_BOX
    context = browser.new_context()
    page = context.new_page()
    log_in(context, live_server.url, alice)
    base = f"{live_server.url}/editor/elements/new/"
    check_page(page, base, "compare-element-new")
    preview = f"{base}?video={video.pk}&time=00:05&x={x}&y={y}&width={w}&height={h}&action=preview"
    check_page(page, preview, "compare-element-preview")
    expect(page.locator(".element-preview img")).to_be_visible()
    # The box the fields hold is drawn on the frame (placed through the CSSOM).
    expect(page.locator(".element-box")).to_be_visible()

    # With JavaScript: one drag on the frame fills the four fields, under the CSP.
    watched = Watched(page)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{base}?video={video.pk}&time=00:05")
    img = page.locator(".element-canvas img")
    expect(img).to_be_visible()
    expect(page.locator(".element-drag-hint")).to_be_visible()
    rect = img.bounding_box()
    assert rect is not None
    sx, sy = rect["width"] / SOURCE_SIZE[0], rect["height"] / SOURCE_SIZE[1]
    page.mouse.move(rect["x"] + 40 * sx, rect["y"] + 30 * sy)
    page.mouse.down()
    page.mouse.move(rect["x"] + 100 * sx, rect["y"] + 60 * sy, steps=5)
    page.mouse.move(rect["x"] + 160 * sx, rect["y"] + 90 * sy, steps=5)
    page.mouse.up()
    fx, fy, fw, fh = box_fields(page)
    assert abs(fx - 40) <= 1 and abs(fy - 30) <= 1 and abs(fw - 120) <= 2 and abs(fh - 60) <= 2
    expect(page.locator(".element-box")).to_be_visible()
    screenshot(page, "compare-element-new", "dragged")
    page.get_by_role("button", name="Preview the crop").click()
    expect(page.locator(".element-preview img")).to_be_visible()
    assert box_fields(page) == (fx, fy, fw, fh)  # the dragged box, kept by the server
    watched.assert_clean("the new-element page, dragged and previewed")
    context.close()

    # Without JavaScript: choose, show the frame, type the box, preview, save.
    with no_js_page(browser) as plain:
        log_in(plain.context, live_server.url, alice)
        check_page(plain, base, "compare-element-new-nojs", widths=(390,))
        plain.select_option("#id_video", str(video.pk))
        plain.fill("#id_time", "00:05")
        plain.get_by_role("button", name="Show the frame").click()
        expect(plain.locator(".element-canvas img")).to_be_visible()
        assert plain.locator(".element-drag-hint").is_hidden()  # the hint needs the script
        for name, value in zip(("x", "y", "width", "height"), HUD_BOX, strict=True):
            plain.fill(f"#id_{name}", str(value))
        plain.get_by_role("button", name="Preview the crop").click()
        expect(plain.locator(".element-preview img")).to_be_visible()
        src = plain.locator(".element-preview img").get_attribute("src") or ""
        crop = plain.request.get(f"{live_server.url}{src}")
        assert crop.status == 200 and crop.headers["content-type"] == "image/png"
        assert png_size(crop.body()) == HUD_BOX[2:]
        screenshot(plain, "compare-element-new-nojs", "preview")
        plain.fill("#id_label", "Minecraft hotbar")
        plain.get_by_role("button", name="Save the element").click()
        plain.wait_for_url("**/editor/elements/")
        expect(plain.get_by_role("heading", name="Minecraft hotbar")).to_be_visible()
        check_page(plain, plain.url, "compare-element-library-nojs", widths=(390,))
    element = ReferenceElement.objects.get()
    assert (element.x, element.y, element.width, element.height) == HUD_BOX
    # The library, with JavaScript, at every width (axe-core runs).
    context = browser.new_context()
    page = context.new_page()
    log_in(context, live_server.url, alice)
    check_page(page, f"{live_server.url}/editor/elements/", "compare-element-library")
    thumb = page.locator(f"#element-{element.pk} img")
    assert tuple(thumb.evaluate("i => [i.naturalWidth, i.naturalHeight]")) == HUD_BOX[2:]
    context.close()
