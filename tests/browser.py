"""Debian's chromium driven by Playwright: the one launch recipe every browser test uses."""

from __future__ import annotations

import os
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.db import connections

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "test-results" / "screenshots"


@contextmanager
def chromium(extra_args: list[str] | None = None, **launch: Any) -> Iterator[Any]:
    """A launched chromium, closed afterwards, with Django's connections released.

    Playwright's sync API runs an event loop in this thread, so the ORM needs
    DJANGO_ALLOW_ASYNC_UNSAFE; ORM calls made meanwhile use a connection of
    their own, which must be closed or PostgreSQL refuses to drop the test
    database at the end of the session.
    """
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *(extra_args or [])], **launch
        )
        try:
            yield browser
        finally:
            browser.close()
            connections.close_all()


def screenshot(page: Any, name: str, step: str) -> Path:
    """Save a full-page screenshot as test-results/screenshots/<name>-<step>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}-{step}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


# --- Shared page checks (issue 15): every width, a screenshot, axe-core, no sideways scroll ---

VAR_SCREENSHOTS = Path(__file__).resolve().parent.parent / "var" / "screenshots"
WIDTHS = (390, 768, 1366)
# A phone, a tablet and a laptop: the height only matters for "the first screen".
HEIGHTS = {390: 844, 768: 1024, 1366: 900}
_NO_JS_PAGES: weakref.WeakSet[Any] = weakref.WeakSet()


def axe_violations(page: Any, impacts: tuple[str, ...] = ("serious", "critical")) -> list[str]:
    """axe-core's violations of the given impacts on the page as loaded, one line each."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:5]}"
        for v in results.response["violations"]
        if v["impact"] in impacts
    ]


def horizontal_overflow(page: Any) -> int:
    """How many CSS pixels the page is wider than its viewport (0 when it does not scroll sideways)."""
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def check_page(
    page: Any,
    url: str,
    name: str,
    widths: tuple[int, ...] = WIDTHS,
    *,
    axe: bool = True,
    overflow: bool = True,
) -> None:
    """Load `url` at each width, save var/screenshots/<name>-<width>.png, and check it.

    Fails on any axe-core violation of impact serious or critical (all listed), and on a
    page wider than the screen (`document.documentElement.scrollWidth > innerWidth`).
    axe-core is a script: on a page from `no_js_page` it is not run (it would hang), the
    screenshot and the overflow check still are. Set `overflow=False` only with a reason.
    """
    axe = axe and page not in _NO_JS_PAGES
    VAR_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    for width in widths:
        page.set_viewport_size({"width": width, "height": HEIGHTS.get(width, 900)})
        response = page.goto(url, wait_until="load")
        assert response is not None and response.status < 400, (
            f"{url}: HTTP {response and response.status}"
        )
        page.screenshot(path=str(VAR_SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
        if overflow:
            extra = horizontal_overflow(page)
            if extra > 0:
                problems.append(f"{width}px: the page is {extra}px wider than the screen")
        if axe:
            problems.extend(f"{width}px: {line}" for line in axe_violations(page))
    assert not problems, f"{name} ({url}):\n" + "\n".join(problems)


@contextmanager
def no_js_page(browser: Any, **context: Any) -> Iterator[Any]:
    """A page in a fresh context with JavaScript disabled (closed afterwards)."""
    ctx = browser.new_context(java_script_enabled=False, **context)
    try:
        page = ctx.new_page()
        _NO_JS_PAGES.add(page)
        yield page
    finally:
        ctx.close()


def log_in(context: Any, base_url: str, user: Any) -> None:
    """Sign ``user`` in to a browser context: a session made by Django's test client,
    handed to the browser as its cookie."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    context.add_cookies([{"name": name, "value": client.cookies[name].value, "url": base_url}])
